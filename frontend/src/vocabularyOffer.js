// After a check or an import, the Department may teach the importer the words it did not know: a
// header ("Cao độ cột" means height_m) or a coded value ("Cột dây néo" means guyed_mast), each a term
// of the vocabulary (POST /api/vocabulary) that every later file is read with. The server checks it.
import { ApiError, getJSON, sendJSON } from './api.js';
import { getLang, t } from './i18n.js';

// The problems naming a value no code is known for (not one that means a code the field refuses).
const UNKNOWN_VALUE = new Set(['value.not_one_of', 'value.not_one_of_closest']);
const added = new Map(); // "domain\u0000alias" → canonical, kept across redraws (a language change)
let targetsRequest = null;

/** `{domain: 'column', alias}` for every header a report's warnings (structured) name as unrecognised. */
export function unrecognisedColumns(warnings) {
  const offers = (warnings ?? []).filter((w) => w.code === 'columns.unrecognised')
    .flatMap((w) => w.params?.columns ?? []).filter(Boolean).map((alias) => ({ domain: 'column', alias }));
  return unique(offers);
}

/** `{domain, alias, choices}` for every coded value a refusal's problems (structured) name as unknown. */
export function unknownValues(problems) {
  const offers = (problems ?? []).filter((p) => UNKNOWN_VALUE.has(p.code) && p.field && p.params?.value)
    .map((p) => ({ domain: p.field, alias: String(p.params.value), choices: p.params.allowed ?? [] }));
  return unique(offers);
}

function unique(offers) {
  const seen = new Set();
  return offers.filter(({ domain, alias }) => !seen.has(`${domain}\u0000${alias}`) && seen.add(`${domain}\u0000${alias}`));
}

function targets() {
  targetsRequest ??= getJSON('/api/vocabulary?domain=column').then((body) => body.targets ?? {});
  targetsRequest.catch(() => { targetsRequest = null; });
  return targetsRequest;
}

function element(tag, attrs = {}, text) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  if (text !== undefined) el.textContent = text;
  return el;
}

const doneText = (alias, canonical) => t('vocab.added', { alias, canonical });

async function addTerm({ domain, alias }, select, row, message) {
  if (!select.value) {
    message.textContent = t('vocab.choose');
    return;
  }
  row.querySelectorAll('select, button').forEach((el) => { el.disabled = true; });
  message.textContent = '';
  try {
    await sendJSON('/api/vocabulary', {
      body: [{ domain, alias, canonical: select.value }],
      headers: { 'Accept-Language': getLang() },
    });
    added.set(`${domain}\u0000${alias}`, select.value);
    row.replaceChildren(element('span', { class: 'hg-vocab-done' }, doneText(alias, select.value)));
  } catch (error) {
    row.querySelectorAll('select, button').forEach((el) => { el.disabled = false; });
    const problems = error instanceof ApiError ? error.problems.map((p) => p.message ?? p) : [];
    message.textContent = problems.length ? problems.join('; ') : t('vocab.failed', { message: error.message });
  }
}

/**
 * Append to `container` an offer to name the meaning of each of `offers` (`{domain, alias,
 * choices?}`: `column` for headers, a coded field for values); the Department's only.
 */
export async function renderVocabularyOffer(container, offers) {
  if (!offers.length) return;
  const section = element('section', { id: 'hg-vocabulary-offer', class: 'hg-vocab' });
  const heading = offers.every((o) => o.domain === 'column') ? 'vocab.heading' : 'vocab.headingValues';
  section.append(element('h3', {}, t(heading)), element('p', { class: 'hg-note' }, t('vocab.intro')));
  container.append(section);
  let known;
  try {
    known = await targets();
  } catch (error) {
    section.append(element('p', { class: 'hg-note' }, t('vocab.failed', { message: error.message })));
    return;
  }
  offers.forEach((offer, i) => {
    const allowed = known[offer.domain] ?? [];
    const choices = offer.choices ? offer.choices.filter((c) => allowed.includes(c)) : allowed;
    if (!choices.length) return; // a field the vocabulary does not cover
    const row = element('div', { class: 'hg-vocab-row' });
    row.dataset.domain = offer.domain;
    row.dataset.alias = offer.alias;
    section.append(row);
    const done = added.get(`${offer.domain}\u0000${offer.alias}`);
    if (done) {
      row.append(element('span', { class: 'hg-vocab-done' }, doneText(offer.alias, done)));
      return;
    }
    const select = element('select', { id: `hg-vocab-${i}` });
    select.append(new Option(t('vocab.pick'), ''), ...choices.map((name) => new Option(name, name)));
    const means = offer.domain === 'column'
      ? t('vocab.means', { column: offer.alias })
      : t('vocab.valueMeans', { value: offer.alias, field: offer.domain });
    const button = element('button', { type: 'button', class: 'hg-button' }, t('vocab.add'));
    const message = element('span', { class: 'hg-vocab-message', role: 'status' });
    button.addEventListener('click', () => addTerm(offer, select, row, message));
    row.append(element('label', { for: select.id }, means), select, button, message);
  });
}

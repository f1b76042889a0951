// After a check or an import, the Department may teach the importer the headers it did not
// recognise: "this header means <field>", a term of the vocabulary (POST /api/vocabulary) that every
// later file is read with. The server checks the term and names what is wrong.
import { ApiError, getJSON, sendJSON } from './api.js';
import { getLang, t } from './i18n.js';
import { parseMessage } from './importMessages.js';

const UNRECOGNISED = /^unrecognised columns ignored: (.+)$/;
const SAME_MEANING = / \(same meaning as .+\)$/;
const added = new Map(); // header → field, kept across redraws (a language change)
let fieldsRequest = null;

/** The headers a report's warnings name as unrecognised (not those that repeat a known one). */
export function unrecognisedColumns(warnings) {
  const columns = [];
  for (const warning of warnings ?? []) {
    const match = UNRECOGNISED.exec(parseMessage(warning).text);
    if (match) columns.push(...match[1].split(', ').filter((c) => c && !SAME_MEANING.test(c)));
  }
  return [...new Set(columns)];
}

function fields() {
  fieldsRequest ??= getJSON('/api/vocabulary?domain=column').then((body) => body.targets?.column ?? []);
  fieldsRequest.catch(() => { fieldsRequest = null; });
  return fieldsRequest;
}

function element(tag, attrs = {}, text) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  if (text !== undefined) el.textContent = text;
  return el;
}

function doneText(column, field) {
  return t('vocab.added', { column, field });
}

async function addTerm(column, select, row, message) {
  if (!select.value) {
    message.textContent = t('vocab.choose');
    return;
  }
  row.querySelectorAll('select, button').forEach((el) => { el.disabled = true; });
  message.textContent = '';
  try {
    await sendJSON('/api/vocabulary', {
      body: [{ domain: 'column', alias: column, canonical: select.value }],
      headers: { 'Accept-Language': getLang() },
    });
    added.set(column, select.value);
    row.replaceChildren(element('span', { class: 'hg-vocab-done' }, doneText(column, select.value)));
  } catch (error) {
    row.querySelectorAll('select, button').forEach((el) => { el.disabled = false; });
    const problems = error instanceof ApiError ? error.problems.map((p) => p.message ?? p) : [];
    message.textContent = problems.length ? problems.join('; ') : t('vocab.failed', { message: error.message });
  }
}

/** Append to `container` an offer to name the meaning of each of `columns` (staff only). */
export async function renderVocabularyOffer(container, columns) {
  if (!columns.length) return;
  const section = element('section', { id: 'hg-vocabulary-offer', class: 'hg-vocab' });
  section.append(element('h3', {}, t('vocab.heading')), element('p', { class: 'hg-note' }, t('vocab.intro')));
  container.append(section);
  let known;
  try {
    known = await fields();
  } catch (error) {
    section.append(element('p', { class: 'hg-note' }, t('vocab.failed', { message: error.message })));
    return;
  }
  for (const column of columns) {
    const row = element('div', { class: 'hg-vocab-row' });
    row.dataset.column = column;
    section.append(row);
    if (added.has(column)) {
      row.append(element('span', { class: 'hg-vocab-done' }, doneText(column, added.get(column))));
      continue;
    }
    const id = `hg-vocab-${section.querySelectorAll('select').length}`;
    const select = element('select', { id });
    select.append(new Option(t('vocab.pick'), ''), ...known.map((name) => new Option(name, name)));
    const label = element('label', { for: id }, t('vocab.means', { column }));
    const button = element('button', { type: 'button', class: 'hg-button' }, t('vocab.add'));
    const message = element('span', { class: 'hg-vocab-message', role: 'status' });
    button.addEventListener('click', () => addTerm(column, select, row, message));
    row.append(label, select, button, message);
  }
}

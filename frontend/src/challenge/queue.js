// The Department's triage queue and the operators' list: each challenge against the model and the
// measurements at its spot, with the actions the role may take (the server checks them again).
import { getJSON, sendForm, sendJSON, withQuery } from '../api.js';
import { formatDate, formatDateTime, formatNumber } from '../format.js';
import { t, tEnum } from '../i18n.js';
import { describeError } from '../notify.js';
import { el, facts, stepList, summaryOf } from './dom.js';

const ANSWERS = ['planned', 'fixed', 'disputed'];
// The operators whose dispute awaits the Department's review.
const pendingDisputes = (c) => c.operators.filter((o) => o.status === 'disputed' && !o.review);

export function mountQueue(box, { staff, operators, own }) {
  let escalatedOnly = false;
  let openCode = null;

  async function list() {
    const { challenges } = await getJSON(withQuery('/api/challenges', { escalated: escalatedOnly || undefined }));
    const toggle = el('input', { type: 'checkbox', id: 'hg-ch-escalated', checked: escalatedOnly });
    toggle.addEventListener('change', () => { escalatedOnly = toggle.checked; list(); });
    const rows = challenges.map((c) => {
      const open = el('button', { type: 'button', className: 'hg-button secondary', dataset: { code: c.code } }, t('challenge.open'));
      open.addEventListener('click', () => detail(c.code));
      return el('tr', { className: c.escalated ? 'hg-ch-escalated' : '' },
        el('td', {}, c.code), el('td', {}, tEnum('challenge_kind', c.kind)), el('td', {}, c.operator ?? ''),
        el('td', {}, [c.hamlet_name, c.commune_name].filter(Boolean).join(', ')),
        el('td', {}, tEnum('challenge_status', c.status) + (c.escalated ? ` — ${t('challenge.escalated')}` : '')),
        el('td', {}, formatDate(c.filed_at)), el('td', {}, open));
    });
    const head = ['challenge.code', 'challenge.kind', 'challenge.operator', 'challenge.where', 'challenge.status',
      'challenge.filedAt', 'challenge.open'].map((key) => el('th', { scope: 'col' }, t(key)));
    box.hidden = false;
    box.replaceChildren(
      el('h2', {}, t(staff ? 'challenge.queue' : 'challenge.queueOperator')),
      el('label', { className: 'hg-check' }, toggle, el('span', {}, t('challenge.onlyEscalated'))),
      rows.length
        ? el('table', { className: 'hg-report-table', id: 'hg-ch-queue-table' }, el('thead', {}, el('tr', {}, ...head)), el('tbody', {}, ...rows))
        : el('p', {}, t('challenge.queueEmpty')),
      el('div', { id: 'hg-ch-detail' }),
    );
    if (openCode) await detail(openCode);
  }

  async function detail(code) {
    openCode = code;
    const c = await getJSON(`/api/challenges/${encodeURIComponent(code)}`);
    const bands = c.model.bands.map((b) => `${b.operator} ${b.tech_class.toUpperCase()} ${tEnum('challenge_band', b.band)}`);
    const tests = c.speed_tests.map((s) => el('tr', {},
      el('td', {}, formatDateTime(s.measured_at)), el('td', {}, s.operator ?? ''), el('td', {}, s.technology),
      el('td', { className: 'hg-number' }, `${formatNumber(s.download_mbps, 1)} / ${formatNumber(s.upload_mbps, 1)} Mbps`),
      el('td', { className: 'hg-number' }, `${s.distance_m} m`)));
    const target = box.querySelector('#hg-ch-detail');
    target.replaceChildren(
      el('h3', {}, `${c.code} — ${tEnum('challenge_kind', c.kind)}`),
      summaryOf(c),
      c.description ? el('p', {}, c.description) : null,
      staff ? facts([[t('challenge.contactOf'), [c.contact_name, c.contact_phone, c.contact_email].filter(Boolean).join(' · ')]]) : null,
      staff && (c.contact_name || c.contact_phone || c.contact_email) ? eraseContact(c) : null,
      c.attachment_name ? el('p', {}, el('a', { href: `/api/challenges/${encodeURIComponent(c.code)}/attachment` },
        `${t('challenge.attachmentOf')}: ${c.attachment_name}`)) : null,
      ...c.operators.filter((o) => o.evidence_file).map((o) => el('p', {}, el('a', {
        href: `/api/challenges/${encodeURIComponent(c.code)}/dispute-file/${encodeURIComponent(o.operator)}`,
      }, `${t('challenge.evidenceOf', { operator: o.operator })}: ${o.evidence_file}`))),
      el('h4', {}, t('challenge.model')),
      facts([[t('challenge.bands'), bands.join('; ') || t('challenge.none')],
        [t('challenge.deadZones'), c.model.dead_zones.map((k) => tEnum('dead_zone_kind', k)).join('; ') || t('challenge.none')]]),
      el('h4', {}, t('challenge.speedTests', { radius: c.nearby_m })),
      tests.length ? el('table', { className: 'hg-report-table' }, el('tbody', {}, ...tests)) : el('p', {}, t('challenge.none')),
      el('h4', {}, t('challenge.steps')),
      stepList(c.steps),
      actions(c),
    );
  }

  /** The Department erases the reporter's contact details on their request. */
  function eraseContact(c) {
    const button = el('button', { type: 'button', className: 'hg-button secondary', id: 'hg-ch-erase-contact' }, t('challenge.eraseOnRequest'));
    button.addEventListener('click', async () => {
      await sendJSON(`/api/challenges/${encodeURIComponent(c.code)}/contact`, { method: 'DELETE' });
      await detail(c.code);
    });
    return button;
  }

  // An operator answers for itself: by its own answer, not the challenge's (another may still plan a fix).
  const ownStatus = (c) => (c.operators.find((o) => o.operator === own) ?? c).status;

  function actions(c) {
    const form = el('form', { className: 'hg-ch-actions', id: 'hg-ch-actions' });
    const note = el('textarea', { id: 'hg-ch-note', rows: 2 });
    const status = el('p', { className: 'hg-note', role: 'status' });
    const send = async (url, body) => {
      try {
        await (body instanceof FormData ? sendForm(url, body) : sendJSON(url, { body }));
        status.textContent = t('challenge.done');
        await list();
      } catch (error) {
        status.className = 'hg-note hg-report-status is-refused';
        status.textContent = describeError(error);
      }
    };
    const button = (key, onClick, primary = false) => {
      const b = el('button', { type: 'button', className: `hg-button ${primary ? 'hg-primary' : 'secondary'}` }, t(key));
      b.addEventListener('click', onClick);
      return b;
    };
    const url = (verb) => `/api/challenges/${encodeURIComponent(c.code)}/${verb}`;
    const noteLabel = el('label', { htmlFor: 'hg-ch-note', className: 'hg-field' }, t(staff ? 'challenge.reason' : 'challenge.note'));
    if (staff && c.status === 'open') {
      // One or several operators (each answers for itself): the report's own is chosen first.
      const operator = el('select', { id: 'hg-ch-send-to', multiple: true, size: Math.min(operators.length, 4) },
        ...operators.map((o) => new Option(o.short_name, o.short_name)));
      for (const option of operator.options) option.selected = option.value === (c.operator ?? operators[0]?.short_name);
      const days = el('input', { id: 'hg-ch-days', type: 'number', min: 1, max: 365, placeholder: '60' });
      form.append(
        el('label', { htmlFor: 'hg-ch-send-to', className: 'hg-field' }, t('challenge.sendTo')), operator,
        el('label', { htmlFor: 'hg-ch-days', className: 'hg-field' }, t('challenge.deadlineDays')), days,
        noteLabel, note,
        button('challenge.accept', () => send(url('decision'), {
          accept: true, operators: [...operator.selectedOptions].map((o) => o.value), reason: note.value || null, deadline_days: Number(days.value) || null,
        }), true),
        button('challenge.reject', () => send(url('decision'), { accept: false, reason: note.value })),
      );
    } else if (staff && pendingDisputes(c).length) {
      // The Department reviews a dispute: uphold it, or reject it (back to the operator); the reason is the reporter's to read.
      const whose = el('select', { id: 'hg-ch-review-operator' }, ...pendingDisputes(c).map((o) => new Option(o.operator, o.operator)));
      const review = (outcome) => send(url('review'), { outcome, reason: note.value, operator: whose.value });
      form.append(
        el('label', { htmlFor: 'hg-ch-review-operator', className: 'hg-field' }, t('challenge.reviewWhose')), whose,
        el('label', { htmlFor: 'hg-ch-note', className: 'hg-field' }, t('challenge.reviewReason')), note,
        button('challenge.uphold', () => review('uphold'), true),
        button('challenge.overrule', () => review('reject')),
      );
    } else if (staff && !['open', 'rejected'].includes(c.status) && !c.measured) {
      form.append(noteLabel, note, button('challenge.markMeasured', () => send(url('measured'), { note: note.value || null })));
    } else if (!staff && ['accepted', 'planned'].includes(ownStatus(c))) {
      const kind = el('select', { id: 'hg-ch-answer' }, ...ANSWERS.map((a) => new Option(tEnum('challenge_answer', a), a)));
      const day = el('input', { id: 'hg-ch-planned-on', type: 'date' });
      const evidence = el('input', { id: 'hg-ch-evidence', type: 'file', accept: 'image/jpeg,image/png,.csv,.json' });
      const answer = () => {
        if (kind.value !== 'disputed') {
          return send(url('answer'), { answer: kind.value, note: note.value || null, planned_on: day.value || null });
        }
        // A dispute carries its evidence: the words, and a photo or a speed-test export when there is one.
        const body = new FormData();
        body.append('note', note.value);
        if (evidence.files[0]) body.append('file', evidence.files[0]);
        return send(url('dispute'), body);
      };
      form.append(
        el('label', { htmlFor: 'hg-ch-answer', className: 'hg-field' }, t('challenge.answerKind')), kind,
        el('label', { htmlFor: 'hg-ch-planned-on', className: 'hg-field' }, t('challenge.plannedOn')), day,
        noteLabel, note,
        el('label', { htmlFor: 'hg-ch-evidence', className: 'hg-field' }, t('challenge.evidenceFile')), evidence,
        button('challenge.sendAnswer', answer, true),
      );
    } else {
      return null;
    }
    form.append(status);
    return form;
  }

  return list;
}

// The Department's triage queue and the operators' list: each challenge against the model and the
// measurements at its spot, with the actions the role may take (the server checks them again).
import { getJSON, sendJSON, withQuery } from '../api.js';
import { formatDate, formatDateTime, formatNumber } from '../format.js';
import { t, tEnum } from '../i18n.js';
import { describeError } from '../notify.js';
import { el, facts, stepList, summaryOf } from './dom.js';

const ANSWERS = ['planned', 'fixed', 'disputed'];

export function mountQueue(box, { staff, operators }) {
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
      c.attachment_name ? el('p', {}, el('a', { href: `/api/challenges/${encodeURIComponent(c.code)}/attachment` },
        `${t('challenge.attachmentOf')}: ${c.attachment_name}`)) : null,
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

  function actions(c) {
    const form = el('form', { className: 'hg-ch-actions', id: 'hg-ch-actions' });
    const note = el('textarea', { id: 'hg-ch-note', rows: 2 });
    const status = el('p', { className: 'hg-note', role: 'status' });
    const send = async (url, body) => {
      try {
        await sendJSON(url, { body });
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
      const operator = el('select', { id: 'hg-ch-send-to' }, ...operators.map((o) => new Option(o.short_name, o.short_name)));
      operator.value = c.operator ?? operators[0]?.short_name ?? '';
      const days = el('input', { id: 'hg-ch-days', type: 'number', min: 1, max: 365, placeholder: '60' });
      form.append(
        el('label', { htmlFor: 'hg-ch-send-to', className: 'hg-field' }, t('challenge.sendTo')), operator,
        el('label', { htmlFor: 'hg-ch-days', className: 'hg-field' }, t('challenge.deadlineDays')), days,
        noteLabel, note,
        button('challenge.accept', () => send(url('decision'), {
          accept: true, operator: operator.value || null, reason: note.value || null, deadline_days: Number(days.value) || null,
        }), true),
        button('challenge.reject', () => send(url('decision'), { accept: false, reason: note.value })),
      );
    } else if (staff && !['open', 'rejected'].includes(c.status) && !c.measured) {
      form.append(noteLabel, note, button('challenge.markMeasured', () => send(url('measured'), { note: note.value || null })));
    } else if (!staff && ['accepted', 'planned'].includes(c.status)) {
      const kind = el('select', { id: 'hg-ch-answer' }, ...ANSWERS.map((a) => new Option(tEnum('challenge_answer', a), a)));
      const day = el('input', { id: 'hg-ch-planned-on', type: 'date' });
      form.append(
        el('label', { htmlFor: 'hg-ch-answer', className: 'hg-field' }, t('challenge.answerKind')), kind,
        el('label', { htmlFor: 'hg-ch-planned-on', className: 'hg-field' }, t('challenge.plannedOn')), day,
        noteLabel, note,
        button('challenge.sendAnswer', () => send(url('answer'), {
          answer: kind.value, note: note.value || null, planned_on: day.value || null,
        }), true),
      );
    } else {
      return null;
    }
    form.append(status);
    return form;
  }

  return list;
}

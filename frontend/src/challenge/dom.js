// Small DOM builders of the challenge page.
import { formatDate, formatDateTime } from '../format.js';
import { t, tEnum } from '../i18n.js';

/** An element with attributes/properties and children (strings become text). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node && key !== 'list') node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** <dl> rows of [label, value] (rows without a value are left out). */
export function facts(rows) {
  const list = el('dl', { className: 'hg-report-summary' });
  for (const [label, value] of rows) {
    if (value === null || value === undefined || value === '') continue;
    list.append(el('dt', {}, label), el('dd', {}, value));
  }
  return list;
}

/** The steps of a challenge, oldest first: what happened, which side, when, and the note. */
export function stepList(steps) {
  return el('ol', { className: 'hg-ch-steps' }, ...steps.map((step) => el(
    'li',
    { dataset: { step: step.step } },
    el('strong', {}, tEnum('challenge_step', step.step)),
    ` — ${tEnum('challenge_side', step.side)}${step.operator ? ` (${step.operator})` : ''}`,
    el('div', { className: 'hg-ch-when' }, formatDateTime(step.at)),
    step.deadline ? el('div', {}, `${t('challenge.deadline')}: ${formatDate(step.deadline)}`) : null,
    step.planned_on ? el('div', {}, `${t('challenge.plannedOn')}: ${formatDate(step.planned_on)}`) : null,
    step.note ? el('div', {}, step.note) : null,
  )));
}

/** What a challenge is and where it stands (shared by the reporter's view and the queue). */
export function summaryOf(c) {
  return facts([
    [t('challenge.status'), tEnum('challenge_status', c.status)],
    [t('challenge.kind'), `${tEnum('challenge_kind', c.kind)} · ${c.technology}${c.operator ? ` · ${c.operator}` : ''}`],
    [t('challenge.where'), [c.hamlet_name, c.commune_name].filter(Boolean).join(', ')],
    [t('challenge.observedAt'), formatDateTime(c.observed_at)],
    [t('challenge.deadline'), c.deadline ? formatDate(c.deadline) : null],
    [t('challenge.plannedOn'), c.planned_on ? formatDate(c.planned_on) : null],
    // Each operator it was sent to answers for itself, by its own deadline.
    [t('challenge.operatorAnswers'), (c.operators ?? []).map((o) => `${o.operator}: ${tEnum('challenge_status', o.status)}`
      + (o.planned_on ? ` (${formatDate(o.planned_on)})` : '')
      + (o.status === 'accepted' && o.deadline ? ` (${t('challenge.answerBy', { date: formatDate(o.deadline) })})` : '')
      + (o.escalated ? ` — ${t('challenge.overdue')}` : '')).join(' · ')],
  ]);
}

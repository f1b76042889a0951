// The report of one import or check, drawn in the current language: what happened, the counts,
// the warnings and every problem with its row or feature number, from the server's structured
// problems (`{code, field, row, label, params, message}`) and the catalogues.
import { formatNumber } from './format.js';
import { getLang, t } from './i18n.js';
import { problemParts } from './problems.js';

function element(tag, { className, text, key, attrs } = {}) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (key) el.textContent = t(key);
  if (text !== undefined) el.textContent = text;
  for (const [name, value] of Object.entries(attrs ?? {})) el.setAttribute(name, value);
  return el;
}

/** "sites_inserted" → "Trạm BTS — thêm mới"; "cells" → "Ô/cell". */
export function countLabel(key) {
  const match = /^(.+?)_(inserted|updated)$/.exec(key);
  const [table, action] = match ? [match[1], match[2]] : [key, null];
  const name = t(`upload.table.${table}`);
  return action ? t(`upload.action.${action}`, { name }) : name;
}

function where(line) {
  if (line.unit) return t(`upload.where.${line.unit}`, { number: line.number });
  return t('upload.where.file');
}

// One line per problem, by row. An answer without structured problems (a request refused before
// any file was read) is shown as the server said it.
function entries(details, messages) {
  if (!details.length) {
    return messages.map((text) => ({ unit: null, number: null, column: '',
      reason: { text, translated: getLang() === 'en' } }));
  }
  const lines = details.map((detail) => {
    const parts = problemParts(detail);
    return { unit: detail.row == null ? null : detail.label, number: parts.number, column: parts.column,
      reason: { text: parts.text, translated: parts.translated } };
  });
  return lines.sort((a, b) => (a.number ?? 0) - (b.number ?? 0));
}

function messageTable(id, details, messages = []) {
  const table = element('table', { className: 'hg-report-table', attrs: { id } });
  const head = element('tr');
  for (const key of ['upload.col.where', 'upload.col.column', 'upload.col.reason']) {
    head.append(element('th', { key, attrs: { scope: 'col' } }));
  }
  table.append(element('thead'), element('tbody'));
  table.tHead.append(head);
  for (const line of entries(details, messages)) {
    const { reason } = line;
    const row = element('tr');
    row.dataset.number = line.number ?? '';
    row.append(element('td', { text: where(line), className: 'hg-report-where' }),
      element('td', { text: line.column ?? '' }));
    const cell = element('td', { text: reason.text });
    if (!reason.translated) {
      cell.lang = 'en';
      cell.append(' ', element('span', { className: 'hg-note', key: 'upload.untranslated' }));
    }
    row.append(cell);
    table.tBodies[0].append(row);
  }
  return table;
}

function summary(report) {
  const list = element('dl', { className: 'hg-report-summary' });
  const rows = [['upload.summary.file', report.file], ['upload.summary.format', report.format],
    ['upload.summary.crs', report.crs], ['upload.summary.seconds', t('upload.seconds', { s: formatNumber(report.seconds, 1) })]];
  if (report.axis_order) rows.splice(3, 0, ['upload.summary.axes', report.axis_order]);
  // A workbook whose column names are under a title block: which row was read as them.
  if (report.header_row > 1) rows.splice(2, 0, ['upload.summary.header_row', t('upload.header_row', { row: report.header_row })]);
  for (const [key, value] of rows) list.append(element('dt', { key }), element('dd', { text: value }));
  return list;
}

function counts(report) {
  const table = element('table', { className: 'hg-report-table', attrs: { id: 'hg-upload-counts' } });
  table.append(element('caption', { key: report.dry_run ? 'upload.counts.would' : 'upload.counts.wrote' }));
  const body = element('tbody');
  for (const [key, value] of Object.entries(report.counts)) {
    const row = element('tr');
    row.dataset.key = key;
    row.append(element('th', { text: countLabel(key), attrs: { scope: 'row' } }),
      element('td', { text: formatNumber(value, 0), className: 'hg-number' }));
    body.append(row);
  }
  table.append(body);
  return table;
}

/**
 * Draw `outcome` into `container`: `{report}` after a check or an import, `{problems, description,
 * status}` after a refusal, `{error}` when the server could not be asked.
 */
export function renderReport(container, outcome) {
  container.replaceChildren();
  if (!outcome) return;
  const status = element('p', { className: 'hg-report-status', attrs: { id: 'hg-upload-status' } });
  container.append(status);
  if (outcome.error) {
    status.classList.add('is-refused');
    status.textContent = t('upload.error', { message: outcome.error });
    return;
  }
  if (outcome.problems) {
    status.classList.add('is-refused');
    status.textContent = outcome.tooLarge ? t('upload.tooLarge')
      : t('upload.refused', { n: formatNumber(outcome.problems.length, 0) });
    container.append(element('h3', { key: 'upload.problems' }),
      messageTable('hg-upload-problems', outcome.details ?? [], outcome.problems));
    return;
  }
  const { report } = outcome;
  status.classList.add(report.dry_run ? 'is-checked' : 'is-written');
  status.textContent = t(report.dry_run ? 'upload.checked' : 'upload.written');
  container.append(summary(report), counts(report));
  const warnings = report.warning_details ?? [];
  if (warnings.length) {
    container.append(element('h3', { key: 'upload.warnings' }), messageTable('hg-upload-warnings', warnings));
  }
}

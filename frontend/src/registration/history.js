// The audit trail of one site, pole or duct (GET /api/history/{kind}/{code}) in a dialog: who,
// when, from where, and what changed from what.
import { getJSON } from '../api.js';
import { formatDateTime } from '../format.js';
import { t, tEnum } from '../i18n.js';
import { notify } from '../notify.js';
import { fieldLabel } from '../problems.js';
import { el, translated } from './dom.js';
import { refusalText } from './messages.js';

let dialog = null;
let body = null;

// Coded attributes shown by their labels (enum.<domain>.<code>), as the popups show them.
const CODED = new Set(['status', 'structure_type', 'material', 'kind', 'technology']);
// The audit log's table names → the record's kind, as the catalogues name it (enum.record.*).
const RECORD = { sites: 'site', poles: 'pole', duct_routes: 'duct', cells: 'cell' };

/** A value as people read it: a label for a code, yes/no, a position said to have moved. */
function show(key, value) {
  if (value === undefined || value === null) return '—';
  if (CODED.has(key)) return tEnum(key, value);
  if (typeof value === 'boolean') return t(value ? 'history.yes' : 'history.no');
  if (typeof value === 'object') return value.type ? t('history.geometry') : JSON.stringify(value);
  return String(value);
}

/** "Trạng thái: Đã phê duyệt → Đang hoạt động"; a moved position says only that it moved. */
function change(entry, key) {
  const [before, after] = [entry.before?.[key], entry.after?.[key]];
  if (typeof (after ?? before) === 'object' && (after ?? before)?.type) return `${fieldLabel(key)}: ${t('history.moved')}`;
  return `${fieldLabel(key)}: ${show(key, before)} → ${show(key, after)}`;
}

function ensureDialog() {
  if (dialog) return;
  const close = el('button', { type: 'button', className: 'hg-button secondary', 'data-i18n': 'review.close' });
  body = el('div', { id: 'hg-history-body' });
  dialog = el('dialog', { className: 'hg-dialog', id: 'hg-history-dialog' }, [body, close]);
  close.addEventListener('click', () => dialog.close());
  document.body.append(translated(dialog));
}

/** Open the history of `code` (kind: site, pole or duct). */
export async function showHistory(kind, code) {
  let entries;
  try {
    ({ entries } = await getJSON(`/api/history/${kind}/${encodeURIComponent(code)}`));
  } catch (error) {
    notify(refusalText(error));
    return;
  }
  ensureDialog();
  const rows = entries.map((e) => el('tr', {}, [
    el('td', { textContent: formatDateTime(e.at) }),
    el('td', { textContent: `${e.actor}${e.actor_role ? ` (${t(`role.${e.actor_role}`)})` : ''}` }),
    el('td', { textContent: e.client_ip ?? '' }),
    el('td', { textContent: `${t(`review.action.${e.action}`)} ${fieldLabel(`enum.record.${RECORD[e.entity] ?? e.entity}`)} ${e.record_code ?? ''}` }),
    el('td', { textContent: e.changed.filter((k) => k !== 'version').map((k) => change(e, k)).join('; ') }),
  ]));
  body.replaceChildren(
    el('h2', { textContent: t('review.historyTitle', { code }) }),
    el('table', { className: 'hg-cells-table' }, [el('tbody', {}, rows)]),
  );
  dialog.showModal();
}

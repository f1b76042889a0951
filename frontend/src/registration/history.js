// The audit trail of one site, pole or duct (GET /api/history/{kind}/{code}) in a dialog: who,
// when, from where, and what changed from what.
import { getJSON } from '../api.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n.js';
import { notify } from '../notify.js';
import { el, translated } from './dom.js';
import { refusalText } from './messages.js';

let dialog = null;
let body = null;

function show(value) {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'object') return value.type ?? JSON.stringify(value);
  return String(value);
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
    el('td', { textContent: `${t(`review.action.${e.action}`)} ${e.entity} ${e.record_code ?? ''}` }),
    el('td', { textContent: e.changed.filter((k) => k !== 'version')
      .map((k) => `${k}: ${show(e.before?.[k])} → ${show(e.after?.[k])}`).join('; ') }),
  ]));
  body.replaceChildren(
    el('h2', { textContent: t('review.historyTitle', { code }) }),
    el('table', { className: 'hg-cells-table' }, [el('tbody', {}, rows)]),
  );
  dialog.showModal();
}

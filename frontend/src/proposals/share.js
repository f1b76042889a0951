// A co-location (another operator's tower, or a pole) becomes a sharing request in one click:
// POST /api/sharing-requests. An operator company asks for itself; a planner files it for the
// operator the proposals were for, or — proposals for any operator — the one chosen in the row
// (action.js), never the tower's owner. The product asks before filing: the owner is told at once.
// The row then shows the request's number and state.
import { sendJSON } from '../api.js';
import { isOperator, isStaff } from '../account/session.js';
import { t } from '../i18n.js';

export const mayRequestSharing = () => isOperator() || isStaff();

const assetOf = (row) => (row.kind === 'pole' ? 'pole' : 'site');

/** The sharing request as a row action of `answer` (action.js). */
export const sharing = (row, answer) => ({
  className: 'hg-prop-share',
  textKey: 'prop.share',
  data: { code: row.code },
  choice: { className: 'hg-prop-requester', labelKey: 'prop.requester', name: 'requester' },
  except: row.owner,
  confirm: (operator) => t('prop.confirmShare',
    { operator, asset: t(`review.asset.${assetOf(row)}`), code: row.code, owner: row.owner ?? '—' }),
  file: (operator) => {
    const body = { asset: assetOf(row), code: row.code, note: t('prop.shareNote', { rank: row.rank, area: answer.area?.name ?? '' }) };
    if (isStaff()) body.operator = operator;
    return sendJSON('/api/sharing-requests', { body }).then((request) => {
      window.dispatchEvent(new CustomEvent('hg:sharing-requested', { detail: request })); // the requests list
      return request;
    });
  },
  done: (request) => ({ text: t('prop.shared', { id: request.id, state: t(`review.request.${request.status}`) }),
    data: { request: String(request.id) } }),
});

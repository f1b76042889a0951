// A co-location (another operator's tower, or a pole) becomes a sharing request in one click:
// POST /api/sharing-requests. An operator company asks for itself; a planner files it for the
// operator the proposals were for, or — proposals for any operator — for the one chosen in the row
// (the server refuses a Department request naming no operator). The product asks before filing: the
// owner is told at once. The row then shows the request's number and state.
import { sendJSON } from '../api.js';
import { isOperator, isStaff } from '../account/session.js';
import { t } from '../i18n.js';
import { el } from '../registration/dom.js';

const ANY = 'any';

export const mayRequestSharing = () => isOperator() || isStaff();

/** The action cell's controls for requestable proposal `row` of `answer`: a labelled choice of the
 *  requesting operator among `operators` (short names) when the proposals were for any operator,
 *  and the button. `say(message)` reports a failure. */
export function shareControls(row, answer, operators, say) {
  const button = el('button', { type: 'button', className: 'hg-button secondary hg-prop-share', textContent: t('prop.share') });
  button.dataset.code = row.code;
  const fixed = answer.operator !== ANY ? answer.operator : null;
  const choice = fixed ? null : requesterChoice(row, operators, button);
  button.addEventListener('click', () => file(row, answer, fixed ?? choice.value, button, choice, say));
  return choice ? [...choice.labelled, button] : [button];
}

function requesterChoice(row, operators, button) {
  const id = `hg-prop-requester-${row.rank}`;
  const select = el('select', { id, className: 'hg-prop-requester', name: 'requester' }, [
    el('option', { value: '', textContent: t('prop.requesterPick') }),
    ...operators.filter((name) => name !== row.owner).map((name) => el('option', { value: name, textContent: name })),
  ]);
  button.disabled = true; // until the planner has chosen who asks
  select.addEventListener('change', () => { button.disabled = !select.value; });
  select.labelled = [el('label', { for: id, className: 'hg-prop-requester-label', textContent: t('prop.requester') }), select];
  return select;
}

async function file(row, answer, operator, button, choice, say) {
  const asset = row.kind === 'pole' ? 'pole' : 'site';
  const question = t('prop.confirmShare', { operator, asset: t(`review.asset.${asset}`), code: row.code, owner: row.owner ?? '—' });
  if (!operator || !window.confirm(question)) return;
  button.disabled = true;
  const body = { asset, code: row.code, note: t('prop.shareNote', { rank: row.rank, area: answer.area?.name ?? '' }) };
  if (isStaff()) body.operator = operator;
  try {
    const request = await sendJSON('/api/sharing-requests', { body });
    button.textContent = t('prop.shared', { id: request.id, state: t(`review.request.${request.status}`) });
    button.dataset.request = String(request.id);
    if (choice) choice.disabled = true;
  } catch (error) {
    button.disabled = false;
    say(error);
  }
}

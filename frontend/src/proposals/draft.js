// A proposal becomes a draft registration in one click: POST /api/proposals/drafts stores a site of
// state "draft" (Bản nháp) owned by the operator — an operator company's own; for a planner the one
// the proposals were for or, proposals for any operator, the one chosen in the row (action.js; the
// server needs an owner from the Department) — at the proposal's place and height with the three
// sectors it was computed with; the registration form then holds the stored draft, so that saving
// edits it, and the registrations list offers to submit it. A planner is asked first: the operator
// sees the draft.
import { sendJSON } from '../api.js';
import { isStaff } from '../account/session.js';
import { t } from '../i18n.js';

/** Store proposal `row` of `answer` as a draft of the operator and open it in `form` (a mounted
 *  RegistrationForm); the stored site. */
export async function draftRegistration(form, row, answer) {
  const body = { lon: row.lon, lat: row.lat, height_m: row.height_m, kind: row.kind, rank: row.rank };
  if (answer?.area?.name) body.area = answer.area.name;
  if (row.kind === 'tall_structure' && row.label) body.label = row.label;
  if (answer?.operator && answer.operator !== 'any') body.operator = answer.operator;
  const site = await sendJSON('/api/proposals/drafts', { body });
  form.onRegistered?.(site);
  await form.edit(site.code);
  form.say('prop.drafted', { rank: row.rank, code: site.code });
  form.container.scrollIntoView({ block: 'start' });
  return site;
}

/** The draft registration as a row action (action.js); `onDraft(row, answer)` stores it. */
export const drafting = (row, answer, onDraft, where) => ({
  className: 'hg-prop-draft',
  textKey: 'prop.draft',
  choice: { className: 'hg-prop-draft-owner', labelKey: 'prop.draftOwner', name: 'draft_owner' },
  confirm: (operator) => (isStaff() ? t('prop.confirmDraft', { operator, rank: row.rank, where }) : null),
  file: (operator) => onDraft(row, { ...answer, operator }),
  done: (site) => ({ text: t('prop.draftSaved', { code: site.code }), data: { code: site.code } }),
});

// A proposal becomes a draft registration: the registration form (frontend/src/registration/form.js)
// filled with its place, a tower of its height and the reason; the account names the code and submits.
import { t } from '../i18n.js';

/** Fill `form` (a mounted RegistrationForm) with proposal `row` of `answer` and bring it into view. */
export function draftRegistration(form, row, answer) {
  const f = form.fields;
  f.mode.value = 'wgs84';
  form.showMode();
  f.lat.value = row.lat.toFixed(6);
  f.lon.value = row.lon.toFixed(6);
  form.showMarker(row.lat, row.lon);
  f.structure.value = 'tower';
  f.height.value = String(row.height_m);
  if (answer?.operator && answer.operator !== 'any' && [...f.owner.options].some((o) => o.value === answer.operator)) {
    f.owner.value = answer.operator;
  }
  // The Department's sharing-first rule asks why a new structure stands beside a shareable one.
  f.reason.value = t('prop.shareNote', { rank: row.rank, area: answer?.area?.name ?? '' });
  form.say('prop.drafted', { rank: row.rank });
  form.container.scrollIntoView({ block: 'start' });
  f.code.focus();
}

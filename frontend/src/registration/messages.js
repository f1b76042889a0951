// The registration's refusals in the current language, from their code and params (the catalogues
// the server renders with: locales/problems/*.json), the field as the form labels it.
import { t } from '../i18n.js';
import { describeError } from '../notify.js';
import { fieldLabel as label, problemParts } from '../problems.js';

const CELL_FIELD = /^cells\[(\d+)\]\.(\w+)$/;

/** A field name (`height_m`, `cells[2].band_mhz` → "Cell 3, Băng tần") as the form labels it. */
export function fieldLabel(field) {
  const cell = CELL_FIELD.exec(field);
  return cell ? t('reg.cellField', { n: Number(cell[1]) + 1, field: label(cell[2]) }) : label(field);
}

/** One problem `{code, field, params}` as "<field label>: <sentence>" (the sentence alone without a field). */
export function problemText(problem) {
  if (typeof problem === 'string') return problem;
  const { text } = problemParts(problem);
  return problem.field ? `${fieldLabel(problem.field)}: ${text}` : text;
}

/** Why a request was refused: its problems, else what describeError says of it. */
export function refusalText(error) {
  const problems = error?.body?.problems;
  return Array.isArray(problems) && problems.length ? problems.map(problemText).join('; ') : describeError(error);
}

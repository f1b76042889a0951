// Structured problems (`{code, field, row, label, params, message}`, the `details` of a refused
// import) in the current language, from the catalogues the server renders with too:
// locales/problems/<area>.<lang>.json (code → template, one file per area, merged as the server
// merges them: app/i18n.py) and locales/fields.<lang>.json (labels).
import { getLang, LANGUAGES } from './i18n.js';

async function load(path) {
  try {
    const response = await fetch(path);
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}

// Every file under locales/problems/ (a test compares this list with the folder).
export const AREAS = ['core', 'import', 'registration', 'accounts', 'statistics', 'asof', 'reform', 'region', 'plans',
  'calibration', 'point', 'proposal', 'challenge'];

const merged = async (lang) => Object.assign({}, ...await Promise.all(
  AREAS.map((area) => load(`/src/locales/problems/${area}.${lang}.json`))));

const CATALOGUES = Object.fromEntries(await Promise.all(LANGUAGES.map(async (lang) => [lang, {
  problems: await merged(lang),
  fields: await load(`/src/locales/fields.${lang}.json`),
}])));

// As gis/problems.py shows a value: whole floats without ".0", lists joined.
function shown(value) {
  if (Array.isArray(value)) return value.map(shown).join(', ');
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  if (typeof value === 'number' && Math.abs(value) >= 1e15) return value.toExponential().replace(/e\+?/, 'e+').replace('e+-', 'e-');
  return String(value);
}

/** The label of an attribute ("height_m" → "Độ cao") in the current language, or the name itself. */
export function fieldLabel(name) {
  const { fields } = CATALOGUES[getLang()] ?? CATALOGUES.vi;
  return fields[name] ?? name;
}

/**
 * `{number, column, text}` of one structured problem: its row or feature number, the field's label
 * and the sentence; a code this page does not know is shown as the server said it.
 */
export function problemParts(detail) {
  const { problems, fields } = CATALOGUES[getLang()] ?? CATALOGUES.vi;
  const template = problems[detail.code];
  const column = detail.field ? (fields[detail.field] ?? detail.field) : '';
  if (!template) return { number: detail.row, column: '', text: detail.message ?? detail.code, translated: false };
  const params = detail.params ?? {};
  // {name:domain}: a coded value shown by its label (fields' enum.<domain>.<code>), as gis/problems.py does.
  const label = (domain, value) => fields[`enum.${domain}.${value}`] ?? value;
  const text = template.replace(/\{(\w+)(?::(\w+))?\}/g, (whole, name, domain) => {
    if (!(name in params)) return whole;
    const value = params[name];
    if (!domain) return shown(value);
    return shown(Array.isArray(value) ? value.map((v) => label(domain, v)) : label(domain, value));
  });
  return { number: detail.row, column, text, translated: true };
}

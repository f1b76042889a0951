// An import's messages, as the server writes them (English, one line each: "file row 6: reason"),
// split into where (row or feature number, column) and what, and the what put into Vietnamese
// for the reasons people meet most. A reason without a Vietnamese template is shown as sent.
import { getLang, t } from './i18n.js';

const WHERE = /^(.+?) (row|feature) (\d+)(?: column '([^']*)')?: ([\s\S]*)$/;

/** `{file, unit: 'row'|'feature'|null, number, column, text}` of one server message. */
export function parseMessage(message) {
  const match = WHERE.exec(message);
  if (!match) {
    const colon = message.indexOf(': ');
    const file = colon > 0 && !message.slice(0, colon).includes(' ') ? message.slice(0, colon) : null;
    return { file, unit: null, number: null, column: null, text: file ? message.slice(colon + 2) : message };
  }
  const [, file, unit, number, column, text] = match;
  return { file, unit, number: Number(number), column: column ?? null, text };
}

const level = (value) => t(`importMsg.level.${value}`);

// [pattern, locale key, (match) => parameters]; the first that matches wins.
const TEMPLATES = [
  [/^unknown organisation '(.+)' in '([^']+)' \(closest: (.+)\)$/, 'importMsg.unknownOrganisationClosest',
    (m) => ({ name: m[1], column: m[2], closest: m[3] })],
  [/^unknown organisation '(.+)' in '(.+)'$/, 'importMsg.unknownOperator', (m) => ({ name: m[1], column: m[2] })],
  [/^'(.+)' in '(.+)' is not a mobile operator \((.+): (.+)\)$/, 'importMsg.notMobile',
    (m) => ({ name: m[1], column: m[2] })],
  [/^'(.+)' is required \((.+)\)$/, 'importMsg.requiredOneOf', (m) => ({ column: m[1], allowed: m[2] })],
  [/^'(.+)' is required$/, 'importMsg.required', (m) => ({ column: m[1] })],
  [/^'(.+)' is not a number \('(.*)'\)$/, 'importMsg.notNumber', (m) => ({ column: m[1], value: m[2] })],
  [/^'(.+)' is not a whole number \('(.*)'\)$/, 'importMsg.notInteger', (m) => ({ column: m[1], value: m[2] })],
  [/^'(.+)' is not yes\/no \('(.*)'\)$/, 'importMsg.notBoolean', (m) => ({ column: m[1], value: m[2] })],
  [/^'(.+)' must be one of (.+) \(got '(.*)'; closest: (.+)\)$/, 'importMsg.notOneOfClosest',
    (m) => ({ column: m[1], allowed: m[2], value: m[3], closest: m[4] })],
  [/^'(.+)' must be one of (.+) \(got '(.*)', meaning (.+)\)$/, 'importMsg.notOneOfMeaning',
    (m) => ({ column: m[1], allowed: m[2], value: m[3], meaning: m[4] })],
  [/^'(.+)' must be one of (.+) \(got '(.*)'\)$/, 'importMsg.notOneOf',
    (m) => ({ column: m[1], allowed: m[2], value: m[3] })],
  [/^'(.+)': the cable count of '(.+)' must be a whole number ≥ 1 \(got '(.*)'\)$/, 'importMsg.cableCount',
    (m) => ({ column: m[1], name: m[2], value: m[3] })],
  [/^'(.+)': '(.+)' is listed twice$/, 'importMsg.listedTwice', (m) => ({ column: m[1], name: m[2] })],
  [/^'free_duct_count' must be between 0 and the duct count (\d+) \(got (.+)\)$/, 'importMsg.freeDucts',
    (m) => ({ ducts: m[1], value: m[2] })],
  [/^'measured_at' is not an ISO 8601 date and time \('(.*)'\)$/, 'importMsg.notInstant', (m) => ({ value: m[1] })],
  [/^'(.*)' is not a number$/, 'importMsg.coordinateNotNumber', (m) => ({ value: m[1] })],
  [/^missing coordinate$/, 'importMsg.missingCoordinate', () => ({})],
  [/^outside the province \(at (.+), (.+)\)$/, 'importMsg.outside', (m) => ({ lon: m[1], lat: m[2] })],
  [/^code '(.+)' already exists/, 'importMsg.exists', (m) => ({ code: m[1] })],
  [/^code '(.+)' repeats row\/feature (\d+)$/, 'importMsg.repeats', (m) => ({ code: m[1], number: m[2] })],
  [/^refused by the database \((.+)\)$/, 'importMsg.database', (m) => ({ detail: m[1] })],
  [/^expected a (\w+), got (\w+)$/, 'importMsg.geometryType', (m) => ({ expected: m[1], got: m[2] })],
  [/^expected a Polygon or MultiPolygon, got (\w+)$/, 'importMsg.polygonType', (m) => ({ got: m[1] })],
  [/^unknown parent code '(.*)'$/, 'importMsg.unknownParent', (m) => ({ code: m[1] })],
  [/^unknown commune '(.*)'$/, 'importMsg.unknownCommune', (m) => ({ code: m[1] })],
  [/^no geometry/, 'importMsg.noGeometry', () => ({})],
  [/^empty geometry$/, 'importMsg.emptyGeometry', () => ({})],
  [/^unreadable geometry/, 'importMsg.unreadableGeometry', () => ({})],
  [/^invalid polygon repaired \((.+) at (\S+), (\S+)\): area (\d+) m² as drawn, (\d+) m² repaired$/, 'importMsg.repairedArea',
    (m) => ({ reason: m[1], lon: m[2], lat: m[3], before: m[4], after: m[5] })],
  [/^invalid polygon repaired \((.+)\)$/, 'importMsg.repaired', (m) => ({ reason: m[1] })],
  [/^axis order: (.+) = northing, (.+) = easting \(the VN-2000 survey convention\)$/, 'importMsg.axisSurvey',
    (m) => ({ x: m[1], y: m[2] })],
  [/^axis order: (.+) and (.+) read exchanged, as asked \(swap_axes\)$/, 'importMsg.axisAsked',
    (m) => ({ first: m[1], second: m[2] })],
  [/^(district|commune|hamlet) (\S+) is not inside its (province|district|commune) (\S+) \((.+) outside\)$/,
    'importMsg.notNested', (m) => ({ level: level(m[1]), code: m[2], parentLevel: level(m[3]), parent: m[4], share: m[5] })],
  [/^(province|district|commune) (\S+) no longer contains its (district|commune|hamlet) (\S+) \((.+) outside\)$/,
    'importMsg.noLongerContains', (m) => ({ level: level(m[1]), code: m[2], childLevel: level(m[3]), child: m[4], share: m[5] })],
  [/^unrecognised columns ignored: (.+)$/, 'importMsg.unrecognised', (m) => ({ columns: m[1] })],
  [/^no CRS given; the coordinates are lon\/lat numbers inside Vietnam/, 'importMsg.assumedWgs84', () => ({})],
  [/^values assumed where the file has none: (.+)$/, 'importMsg.defaults', (m) => ({ values: m[1] })],
  [/^the file is empty$/, 'importMsg.emptyFile', () => ({})],
  [/^line (\d+) is not UTF-8/, 'importMsg.notUtf8', (m) => ({ line: m[1] })],
  [/^the request body is larger than (.+), the limit of an upload$/, 'importMsg.tooLarge', (m) => ({ limit: m[1] })],
];

/**
 * The reason of a parsed message in the current language: `{text, translated}`; `translated` is
 * false when Vietnamese is wanted but no template knows the reason (the English text is shown).
 */
export function reasonText(parsed) {
  return translateWith(TEMPLATES, parsed.text);
}

/**
 * `text` (a server message, English) in the current language through `templates`
 * ([pattern, locale key, (match) => parameters]): `{text, translated}`.
 */
export function translateWith(templates, text) {
  if (getLang() === 'en') return { text, translated: true };
  for (const [pattern, key, params] of templates) {
    const match = pattern.exec(text);
    if (match) return { text: t(key, params(match)), translated: true };
  }
  return { text, translated: false };
}

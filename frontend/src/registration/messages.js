// The registration's refusals (English from the server: gis/site_rules.py, app/services/
// site_checks.py, registration.py, import_targets.py) in the current language, field names included.
import { t } from '../i18n.js';
import { translateWith } from '../importMessages.js';

const TEMPLATES = [
  [/^(\d+) MHz is not a (\dG) band \(valid: (.+)\)$/, 'regMsg.band', (m) => ({ band: m[1], tech: m[2], valid: m[3] })],
  [/^(.+) is out of range \((.+)\)$/, 'regMsg.range', (m) => ({ value: m[1], range: m[2] })],
  [/^'(.*)' is not one of (.+)$/, 'regMsg.notOneOf', (m) => ({ value: m[1], allowed: m[2] })],
  [/^is required$/, 'regMsg.required', () => ({})],
  [/^is required: the operator company that owns the structure$/, 'regMsg.ownerRequired', () => ({})],
  [/^(.+) m is above its (.+) m structure by more than (.+) m$/, 'regMsg.antennaAbove',
    (m) => ({ height: m[1], structure: m[2], margin: m[3] })],
  [/^give eirp_dbm, or both tx_power_dbm and antenna_gain_dbi$/, 'regMsg.power', () => ({})],
  [/^a sector antenna \(beamwidth < 360°\) needs an azimuth$/, 'regMsg.azimuth', () => ({})],
  [/^a rent is only stated for a site that accepts tenants$/, 'regMsg.rent', () => ({})],
  [/^latitude (.+) and longitude (.+) look swapped: did you mean latitude (.+), longitude (.+)\?$/, 'regMsg.swapped',
    (m) => ({ lat: m[1], lon: m[2], lat2: m[3], lon2: m[4] })],
  [/^\((.+), (.+)\) is outside the province$/, 'regMsg.outside', (m) => ({ lon: m[1], lat: m[2] })],
  [/^\((.+), (.+)\) is not a longitude\/latitude pair$/, 'regMsg.notLonLat', (m) => ({ lon: m[1], lat: m[2] })],
  [/^site (\S+) \((.+), (\w+)\) stands (.+) m away: no two sites within (.+) m — share it instead$/, 'regMsg.spacing',
    (m) => ({ code: m[1], owner: m[2], status: t(`enum.status.${m[3]}`), distance: m[4], spacing: m[5] })],
  [/^another company's site awaiting approval stands within (.+) m: no two sites within (.+) m$/, 'regMsg.spacingPlan',
    (m) => ({ spacing: m[2] })],
  [/^(\d+) shareable site\(s\) within (.+) m: (.+)\. State why a new structure is needed/, 'regMsg.sharing',
    (m) => ({ count: m[1], radius: m[2], sites: m[3] })],
  [/^unknown operator '(.*)'$/, 'regMsg.unknownOperator', (m) => ({ name: m[1] })],
  [/^unknown organisation '(.*)' in '\w+'/, 'regMsg.unknownOperator', (m) => ({ name: m[1] })],
  [/^'(.+)' in '\w+' is not a mobile operator/, 'regMsg.notMobile', (m) => ({ name: m[1] })],
  [/^(.+) is not a mobile operator$/, 'regMsg.notMobile', (m) => ({ name: m[1] })],
  [/^operators register their own cells; (.+) joins by a tenancy request$/, 'regMsg.ownCells', (m) => ({ name: m[1] })],
  [/^'(.+)' is given twice$/, 'regMsg.twice', (m) => ({ code: m[1] })],
  [/^cell code '(.+)' belongs to site (.+)$/, 'regMsg.cellTaken', (m) => ({ code: m[1], site: m[2] })],
  [/^a site with code '(.+)' exists already$/, 'regMsg.duplicate', (m) => ({ code: m[1] })],
  [/^operators register records of their own company \((.+)\), not '(.+)'$/, 'regMsg.ownCompany',
    (m) => ({ own: m[1], other: m[2] })],
  [/^'(.+)': expected two angles like/, 'regMsg.dms', (m) => ({ text: m[1] })],
  [/^easting (.+) m looks like a northing and northing (.+) m like an easting/, 'regMsg.xySwapped',
    (m) => ({ easting: m[1], northing: m[2] })],
  [/^a reason is required to (.+)$/, 'regMsg.reason', () => ({})],
];

const CELL_FIELD = /^cells\[(\d+)\]\.(\w+)$/;

/** A field name (`height_m`, `cells[2].band_mhz`) as the form labels it. */
export function fieldLabel(field) {
  const cell = CELL_FIELD.exec(field);
  if (cell) return t('regMsg.cellField', { n: Number(cell[1]) + 1, field: t(`regField.${cell[2]}`) });
  const key = `regField.${field}`;
  const label = t(key);
  return label === key ? field : label;
}

export const messageText = (message) => translateWith(TEMPLATES, message).text;

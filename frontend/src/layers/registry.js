// Every collection the map can show, with how it loads, draws and describes itself.
//
// load: 'all'  — fetched once (following `next` pages) per filter set;
//       'bbox' — fetched for the padded view on every move, from `minZoom` on.
// renderer: 'svg' — one DOM path per feature, in its own pane (boundaries);
//           'canvas' — the shared canvas (points and lines), or a canvas of its own when the
//           entry names a `pane` (coverage).
// filters: which of the filter panel's query parameters the collection accepts.
// fields: popup rows as [property, format] (formats in format.js); `title` heads the popup. A row's
//   label is `field.<layer id>.<property>` when the locales have one ("Tên tuyến"), else `field.<property>`.
// collection: the OGC collection when it is not the id (two layers may draw one collection).
// choices: the layer's own options and their defaults (layerControls.js shows them);
//   query(choices) → the query parameters they add; the style receives them too.
// popup: a renderer instead of popup.js's table; interactive: false → no clicks, no popup.
// history: the audit-trail kind (site, pole, duct): the popup offers the record's history.
// tiles: true — dense: drawn from the service's vector tiles (layers/tileLayer.js), only what is in
//   view; the others stay GeoJSON (small, or drawn as SVG that other parts of the map read).
import { challengeStyle } from '../challenge/layerStyle.js';
import { hamletPopup } from '../hamletPopup.js';
import * as styles from '../styles.js';
import { cellToLayer } from './sector.js';

const ADMIN_KIND = 'enum:admin_kind';
// The boundary layers show the units in force on a day (asOfDate.js; '' = today): OGC `datetime`;
// the coverage and dead-zone layers, the coverage of that day's network (as_of below).
const AS_OF = { choices: { as_of: '' }, query: ({ as_of: asOf }) => ({ datetime: asOf }) };

export const GROUPS = ['admin', 'coverage', 'mobile', 'passive', 'service'];

export const LAYERS = [
  {
    id: 'districts', group: 'admin', defaultOn: true, load: 'all', renderer: 'svg', pane: 'hgDistricts',
    className: 'hg-district', style: styles.districtStyle, title: 'name', ...AS_OF,
    fields: [['code', 'text'], ['kind', ADMIN_KIND], ['population', 'int'], ['households', 'int'], ['area_km2', 'km2']],
  },
  {
    id: 'communes', group: 'admin', defaultOn: true, load: 'all', renderer: 'svg', pane: 'hgCommunes',
    className: 'hg-commune', style: styles.communeStyle, title: 'name', ...AS_OF,
    fields: [['code', 'text'], ['kind', ADMIN_KIND], ['district_name', 'text'], ['population', 'int'],
      ['households', 'int'], ['area_km2', 'km2']],
  },
  {
    id: 'hamlets', tiles: true, group: 'admin', defaultOn: false, load: 'all', renderer: 'svg', pane: 'hgHamlets',
    className: 'hg-hamlet', style: styles.hamletStyle, title: 'name', popup: hamletPopup('code'), popupWidth: 380,
    ...AS_OF,
    fields: [['code', 'text'], ['kind', ADMIN_KIND], ['commune_name', 'text'], ['population', 'int'],
      ['households', 'int'], ['area_km2', 'km2']],
  },
  {
    id: 'commune_offices', group: 'admin', defaultOn: false, load: 'all', renderer: 'canvas',
    style: styles.communeOfficeStyle, title: 'name',
    fields: [['code', 'text'], ['commune_code', 'text'], ['gov_network_connected', 'bool'],
      ['bandwidth_mbps', 'mbps'], ['connected_on', 'date']],
  },
  // Results of the coverage model (computed by the backend; see the model card), and the dead zones
  // measured (đo thực tế: challenges the Department confirmed by measurements), told by `source`.
  {
    id: 'dead_zones', tiles: true, group: 'coverage', defaultOn: false, load: 'all', renderer: 'canvas',
    style: styles.deadZoneStyle, title: 'hamlet_name', choices: { kind: '', as_of: '' },
    query: ({ kind, as_of: asOf }) => ({ kind, datetime: asOf }),
    popup: hamletPopup('hamlet_code'), popupWidth: 380,
    fields: [['kind', 'enum:dead_zone_kind'], ['source', 'enum:dead_zone_source'], ['hamlet_code', 'text'], ['commune_code', 'text'],
      ['district_code', 'text'], ['area_km2', 'km2'], ['population', 'int']],
  },
  // Public challenges (frontend/challenge.html): no private field is in the collection.
  {
    id: 'challenges', group: 'coverage', defaultOn: false, load: 'all', renderer: 'canvas', style: challengeStyle,
    title: 'code',
    fields: [['phase', 'enum:challenge_phase'], ['kind', 'enum:challenge_kind'], ['technology', 'text'],
      ['operator', 'text'], ['measured', 'bool'], ['filed_at', 'date'], ['hamlet_code', 'text'], ['commune_code', 'text']],
  },
  {
    id: 'coverage', tiles: true, group: 'coverage', defaultOn: false, load: 'bbox', minZoom: 9, renderer: 'canvas',
    pane: 'hgCoverage', interactive: false, style: styles.coverageStyle, title: 'band',
    choices: { operator: 'all', tech_class: 'mbb', as_of: '' },
    query: ({ operator, tech_class: techClass, as_of: asOf }) => ({ operator, tech_class: techClass, datetime: asOf }),
    fields: [],
  },
  {
    id: 'ftth_gaps', group: 'coverage', defaultOn: false, load: 'all', renderer: 'canvas',
    style: styles.ftthGapStyle, title: 'hamlet_name', popup: hamletPopup('hamlet_code'), popupWidth: 380,
    fields: [['hamlet_code', 'text'], ['district_code', 'text'], ['ftth_share', 'share'],
      ['area_km2', 'km2'], ['population', 'int']],
  },
  {
    id: 'hamlet_coverage', collection: 'hamlets', group: 'coverage', defaultOn: false, load: 'all',
    renderer: 'svg', pane: 'hgHamletFill', className: 'hg-hamlet-fill', style: styles.hamletShareStyle,
    title: 'name', choices: { metric: 'mbb' }, popup: hamletPopup('code'), popupWidth: 380,
    fields: [['code', 'text'], ['commune_name', 'text'], ['population', 'int'], ['area_km2', 'km2']],
  },
  {
    id: 'sites', tiles: true, group: 'mobile', defaultOn: true, load: 'all', renderer: 'canvas', history: 'site',
    style: styles.siteStyle, title: 'code', filters: ['operator', 'technology', 'status'],
    fields: [['structure_type', 'enum:structure_type'], ['height_m', 'm'], ['owner', 'text'],
      ['status', 'enum:status'], ['permit_no', 'text'], ['commissioned_on', 'date'],
      ['accepts_tenants', 'bool'], ['rent_vnd_month', 'vndMonth'], ['operators', 'list'],
      ['tenant_count', 'int'], ['shared', 'bool'], ['technologies', 'list']],
  },
  {
    id: 'cells', tiles: true, group: 'mobile', defaultOn: false, load: 'bbox', minZoom: 13, renderer: 'canvas',
    pointToLayer: cellToLayer, style: styles.cellStyle, title: 'code',
    filters: ['operator', 'technology', 'status'],
    fields: [['site_code', 'text'], ['operator', 'text'], ['technology', 'enum:technology'], ['band_mhz', 'mhz'],
      ['azimuth_deg', 'deg', 'value.omni'], ['beamwidth_deg', 'deg'], ['tilt_mech_deg', 'deg'],
      ['tilt_elec_deg', 'deg'], ['antenna_height_m', 'm'], ['eirp_dbm', 'dbm'], ['status', 'enum:status']],
  },
  {
    id: 'poles', tiles: true, group: 'passive', defaultOn: false, load: 'bbox', minZoom: 12, renderer: 'canvas', history: 'pole',
    style: styles.poleStyle, title: 'code', filters: ['operator'],
    fields: [['owner', 'text'], ['material', 'enum:material'], ['height_m', 'm'], ['operators', 'list'],
      ['attachment_count', 'int'], ['cables', 'text'], ['shared', 'bool']],
  },
  {
    id: 'ducts', tiles: true, group: 'passive', defaultOn: false, load: 'bbox', minZoom: 11, renderer: 'canvas', history: 'duct',
    style: styles.ductStyle, title: 'code', filters: ['operator'],
    fields: [['name', 'text'], ['owner', 'text'], ['duct_count', 'int'], ['free_duct_count', 'int'],
      ['used_duct_count', 'int'], ['subduct_count', 'int'], ['length_m', 'm'], ['stated_length_m', 'm'],
      ['operators', 'list'], ['occupant_count', 'int'], ['shared', 'bool']],
  },
  {
    id: 'manholes', group: 'passive', defaultOn: false, load: 'bbox', minZoom: 12, renderer: 'canvas',
    style: styles.manholeStyle, title: 'code',
    fields: [['owner', 'text'], ['duct_code', 'text']],
  },
  {
    id: 'fibre_access_points', group: 'passive', defaultOn: false, load: 'bbox', minZoom: 12, renderer: 'canvas',
    style: styles.fibreAccessPointStyle, title: 'code', filters: ['operator', 'status'],
    fields: [['operator', 'text'], ['kind', 'enum:fap_kind'], ['ports_total', 'int'], ['ports_used', 'int'],
      ['service_radius_m', 'm'], ['status', 'enum:status']],
  },
  // Places to hang antennas before raising a mast (the site proposals ask their owners second).
  {
    id: 'tall_structures', group: 'passive', defaultOn: false, load: 'bbox', minZoom: 11, renderer: 'canvas',
    style: styles.tallStructureStyle, title: 'name',
    fields: [['code', 'text'], ['kind', 'enum:tall_kind'], ['height_m', 'm'], ['owner', 'text'],
      ['address', 'text'], ['in_service_from', 'date']],
  },
  {
    id: 'speed_tests', group: 'service', defaultOn: false, load: 'bbox', minZoom: 12, renderer: 'canvas',
    style: styles.speedTestStyle, title: 'code', filters: ['operator', 'technology'],
    fields: [['measured_at', 'datetime'], ['operator', 'text'], ['technology', 'enum:technology'],
      ['download_mbps', 'mbps'], ['upload_mbps', 'mbps'], ['latency_ms', 'ms']],
  },
];

// Stacking, whatever a layer is drawn from (vector tiles or GeoJSON): areas under lines under
// points, each kind in a pane of its own (map.js), bottom first within it. Sites end on top (they
// are what people click most, and a canvas hands a click to the topmost feature). The boundaries,
// hamlets and coverage name their own panes in their entries, under these.
export const STACK = {
  hgAreas: ['ftth_gaps', 'dead_zones'],
  hgLines: ['ducts'],
  hgPoints: ['cells', 'speed_tests', 'poles', 'manholes', 'fibre_access_points', 'tall_structures',
    'commune_offices', 'challenges', 'sites'],
};
// The order of every stacked layer, bottom first.
export const CANVAS_ORDER = Object.values(STACK).flat();

/** The pane of a stacked layer, and its order in it (1 = bottom); null for the others. */
export function stackOf(id) {
  for (const [pane, ids] of Object.entries(STACK)) {
    if (ids.includes(id)) return { pane, zIndex: ids.indexOf(id) + 1 };
  }
  return null;
}

/**
 * The order in `pane` of its one GeoJSON canvas, which draws every layer of the pane that is not
 * tiled (`isTiled(id)`): at the rank of the highest of them, so it is never under a layer it
 * should cover; a tiled layer between two of them goes under both.
 */
export function canvasZIndex(pane, isTiled) {
  const ids = STACK[pane] ?? [];
  const drawn = ids.map((id, index) => (isTiled(id) ? 0 : index + 1));
  return Math.max(0, ...drawn);
}

export const layerDef = (id) => LAYERS.find((def) => def.id === id);
export const DEFAULT_VISIBLE = LAYERS.filter((def) => def.defaultOn).map((def) => def.id);

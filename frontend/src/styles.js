// Cartography: colours and Leaflet path styles, one function per collection.

export const OPERATOR_COLORS = {
  Viettel: '#e30613',
  VinaPhone: '#1e88e5',
  MobiFone: '#0b5d73',
  Vietnamobile: '#f57c00',
};
export const OTHER_COLOR = '#8c8c8c';
export const SHARED_RING = '#1b1b1b';
export const INACTIVE_COLOR = '#9e9e9e';

export const operatorColor = (name) => OPERATOR_COLORS[name] ?? OTHER_COLOR;

const PLANNED = new Set(['draft', 'proposed', 'approved']);

// Speed-test download classes (Mbps, lower bound inclusive).
export const SPEED_CLASSES = [
  { min: 100, color: '#1a9641' },
  { min: 50, color: '#a6d96a' },
  { min: 25, color: '#ffd54f' },
  { min: 10, color: '#fdae61' },
  { min: 0, color: '#d7191c' },
];
export const speedColor = (mbps) => SPEED_CLASSES.find((c) => (mbps ?? 0) >= c.min).color;

/** Point radius in pixels: `base` at zoom 12, a pixel less per zoom level out (down to half). */
export const pointRadius = (zoom, base = 5) =>
  Math.max(Math.ceil(base / 2), Math.min(base + 2, base + Math.round(zoom) - 12));

export function districtStyle() {
  return { color: '#37474f', weight: 2.5, opacity: 0.9, fill: true, fillColor: '#37474f', fillOpacity: 0.02 };
}

export function communeStyle() {
  return { color: '#6d4c41', weight: 1, opacity: 0.8, dashArray: '4 3', fill: true, fillOpacity: 0 };
}

export function hamletStyle() {
  return { color: '#8d6e63', weight: 0.8, opacity: 0.7, dashArray: '1 3', fill: true, fillOpacity: 0 };
}

/** Sites: fill by owner, black ring when shared, hollow and dashed when only planned. */
export function siteStyle(properties, zoom) {
  const fill = operatorColor(properties.owner);
  const style = {
    radius: pointRadius(zoom, 6), color: '#ffffff', weight: 1.2, opacity: 1,
    fillColor: fill, fillOpacity: 0.95, dashArray: null,
  };
  if (PLANNED.has(properties.status)) {
    Object.assign(style, { color: fill, weight: 2, fillOpacity: 0.25, dashArray: '3 2' });
  } else if (properties.status === 'rejected') {
    Object.assign(style, { color: INACTIVE_COLOR, weight: 1.5, fillOpacity: 0, dashArray: '2 2' });
  } else if (properties.status === 'decommissioned') {
    Object.assign(style, { fillColor: INACTIVE_COLOR, fillOpacity: 0.6, color: '#616161' });
  }
  if (properties.shared) Object.assign(style, { color: SHARED_RING, weight: style.radius > 4 ? 3 : 2 });
  return style;
}

export function cellStyle(properties) {
  const color = operatorColor(properties.operator);
  return { color, weight: 1, opacity: 0.9, fillColor: color, fillOpacity: 0.22 };
}

export function poleStyle(properties, zoom) {
  return {
    radius: pointRadius(zoom, 3), color: properties.shared ? SHARED_RING : '#ffffff', weight: 1,
    fillColor: '#607d8b', fillOpacity: 0.9,
  };
}

export function ductStyle(properties) {
  // A route whose owner reports no free duct is dashed: no room for another operator's cable.
  // Unknown free ducts (null) draw as the plain line.
  return {
    color: properties.shared ? '#6a1b9a' : '#8d6e63',
    weight: Math.min(2 + (properties.duct_count ?? 1) / 2, 6), opacity: 0.85,
    dashArray: properties.free_duct_count === 0 ? '6 4' : null,
  };
}

export function manholeStyle(properties, zoom) {
  return { radius: pointRadius(zoom, 3), color: '#3e2723', weight: 1, fillColor: '#a1887f', fillOpacity: 1 };
}

export function tallStructureStyle(properties, zoom) {
  return { radius: pointRadius(zoom, 5), color: '#4a148c', weight: 2, fillColor: '#ffd54f', fillOpacity: 0.95 };
}

export function fibreAccessPointStyle(properties, zoom) {
  const planned = properties.status === 'planned';
  return {
    radius: pointRadius(zoom, 4), color: '#6a1b9a', weight: planned ? 1.5 : 1,
    dashArray: planned ? '2 2' : null, fillColor: '#ab47bc', fillOpacity: planned ? 0.15 : 0.9,
  };
}

export function communeOfficeStyle(properties, zoom) {
  return {
    radius: pointRadius(zoom, 6), color: '#ffffff', weight: 2,
    fillColor: properties.gov_network_connected ? '#2e7d32' : '#c62828', fillOpacity: 1,
  };
}

export function speedTestStyle(properties, zoom) {
  return {
    radius: pointRadius(zoom, 3), stroke: false, fillColor: speedColor(properties.download_mbps),
    fillOpacity: 0.85,
  };
}

/** The "no basemap" background: the province's districts, filled light. */
export function outlineStyle() {
  return { color: '#90a4ae', weight: 1, fillColor: '#f6f3ea', fillOpacity: 1, interactive: false };
}

// The offline background's water (GSHHG kinds): sea and lakes filled, rivers wider than canals. Beyond
// the region it fades out towards the edge of what was cut (nested pieces, each with its `opacity`,
// from scripts/build_water.py), so that edge never reads as a shoreline.
const WATER_BLUE = '#a8c8e0';
const WATER_LINE_WEIGHT = { river: 1.6, canal: 0.9 };
export function waterStyle(feature) {
  const kind = feature?.properties?.kind;
  const opacity = feature?.properties?.opacity ?? 1;
  if (kind in WATER_LINE_WEIGHT) {
    return { color: WATER_BLUE, weight: WATER_LINE_WEIGHT[kind], opacity, interactive: false };
  }
  return { stroke: false, fillColor: WATER_BLUE, fillOpacity: opacity, interactive: false };
}

// The offline background's main roads (OpenStreetMap's classes): thin and muted, a warm grey-orange
// that reads on the land fill and under every layer, wider and warmer for the more important.
const ROAD_CLASSES = {
  motorway: { color: '#c98a6b', weight: 2.6 },
  trunk: { color: '#cf9d76', weight: 2.2 },
  primary: { color: '#d4b089', weight: 1.8 },
  secondary: { color: '#cdbfa5', weight: 1.4 },
  tertiary: { color: '#cbc3b4', weight: 1 },
};
export function roadStyle(feature) {
  const { color, weight } = ROAD_CLASSES[feature?.properties?.highway] ?? ROAD_CLASSES.tertiary;
  return { color, weight, opacity: 0.9, lineCap: 'round', lineJoin: 'round', interactive: false };
}

export function highlightStyle() {
  return { color: '#ffab00', weight: 4, opacity: 1, fillColor: '#ffd740', fillOpacity: 0.18, interactive: false };
}

// Coverage bands (best signal, RSRP): blues, so they never read as the red–green of a score.
export const BANDS = ['good', 'fair', 'weak'];
export const BAND_COLORS = { good: '#08519c', fair: '#4292c6', weak: '#9ecae1' };

export const COVERAGE_OPACITY = 0.5; // of the coverage pane as a whole (map.js)

/** Coverage parts: opaque, outlined in their own colour so the 6.4 km block seams close up. */
export function coverageStyle(properties) {
  const color = BAND_COLORS[properties.band] ?? BAND_COLORS.weak;
  return { color, weight: 1, opacity: 1, fillColor: color, fillOpacity: 1 };
}

// Dead zones from the most to the least severe: crimson, purple, orchid. Reds and purples
// belong to gaps alone (FTTH gaps too): no choropleth uses those hues, so a dead zone drawn over
// the hamlet shares or beside the indicator map never reads as one of their classes.
export const DEAD_ZONE_KINDS = ['no_signal', 'no_mbb', 'single_operator'];
// A measured one (a challenge confirmed by measurements; only those may say "weak signal") is
// drawn apart from the model's: a dark dashed rim around a denser fill.
export const DEAD_ZONE_COLORS = {
  no_signal: '#b2003f', no_mbb: '#7b3294', single_operator: '#c994c7', weak_signal: '#dd3497',
};
export const MEASURED_RIM = '#1a1a1a';

export function deadZoneStyle(properties) {
  const color = DEAD_ZONE_COLORS[properties.kind] ?? DEAD_ZONE_COLORS.no_signal;
  if (properties.source === 'measured') {
    return { color: MEASURED_RIM, weight: 2.5, opacity: 1, dashArray: '5 3', fillColor: color, fillOpacity: 0.75 };
  }
  return { color, weight: 1.2, opacity: 0.95, fillColor: color, fillOpacity: 0.5 };
}

export function ftthGapStyle() {
  return { color: '#ad1457', weight: 1.2, opacity: 0.9, dashArray: '4 3', fillColor: '#ad1457', fillOpacity: 0.22 };
}

// A share 0–1 (coverage of a hamlet): lower bounds, inclusive; null = not computed. Sequential
// blue-green (ColorBrewer BuGn), darker for more: the report's map draws the same classes
// (app/services/reports/svg_map.py).
export const SHARE_CLASSES = [
  { min: 0.95, color: '#006d2c' },
  { min: 0.8, color: '#2ca25f' },
  { min: 0.5, color: '#66c2a4' },
  { min: 0.2, color: '#99d8c9' },
  { min: 0, color: '#ccece6' },
];
export const NOT_COMPUTED_COLOR = '#bdbdbd';
export const shareColor = (share) => (share === null || share === undefined
  ? NOT_COMPUTED_COLOR : SHARE_CLASSES.find((c) => share >= c.min).color);

/** Hamlet choropleth: fill by the chosen share (`metric` 'mbb' or 'ftth'). */
export function hamletShareStyle(properties, zoom, { metric = 'mbb' } = {}) {
  return {
    color: '#ffffff', weight: 0.6, opacity: 0.9,
    fillColor: shareColor(properties[`${metric}_share`]), fillOpacity: 0.72,
  };
}

// An indicator against its target. Met: greens; behind: light → dark orange by the shortfall
// relative to the target ((target − value) / target, upper bounds exclusive); no data: hatched.
// Oranges, not reds: reds and purples are the dead zones'.
export const MET_CLASSES = [
  { id: 'exceeded', minOver: 0.1, color: '#1a9850' },
  { id: 'met', minOver: 0, color: '#66bd63' },
];
export const BEHIND_CLASSES = [
  { id: 'behind10', below: 0.1, color: '#fdae6b' },
  { id: 'behind25', below: 0.25, color: '#f16913' },
  { id: 'behind50', below: 0.5, color: '#d94801' },
  { id: 'behindMore', below: Infinity, color: '#8c2d04' },
];
// Below target but on the trajectory to it (see the API's status rule): yellow.
export const ON_TRACK_CLASS = { id: 'onTrack', color: '#fee08b' };
export const HATCH_FILL = 'url(#hg-hatch)'; // the pattern is defined once in index.html

/** Which class an indicator record falls in: {id, color}, from its status, value and target. */
export function targetClass(record) {
  if (!record || record.status === 'no_data' || record.value === null || record.value === undefined) {
    return { id: 'noData', color: HATCH_FILL };
  }
  const { value, target } = record;
  if (record.status === 'on_track') return ON_TRACK_CLASS;
  if (record.status === 'met') {
    const over = target > 0 ? (value - target) / target : 0;
    return MET_CLASSES.find((c) => over >= c.minOver) ?? MET_CLASSES[1];
  }
  const short = target > 0 ? Math.max(0, (target - value) / target) : 1;
  return BEHIND_CLASSES.find((c) => short < c.below);
}

/** The fill of one target class ({id, color}). */
export function targetClassStyle({ id, color }) {
  return {
    color: '#37474f', weight: 1.5, opacity: 0.9, fillColor: color,
    fillOpacity: id === 'noData' ? 0.9 : 0.75,
  };
}

export const indicatorStyle = (record) => targetClassStyle(targetClass(record));

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

const PLANNED = new Set(['proposed', 'approved']);

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
  return {
    color: properties.shared ? '#6a1b9a' : '#8d6e63',
    weight: Math.min(2 + (properties.duct_count ?? 1) / 2, 6), opacity: 0.85,
  };
}

export function manholeStyle(properties, zoom) {
  return { radius: pointRadius(zoom, 3), color: '#3e2723', weight: 1, fillColor: '#a1887f', fillOpacity: 1 };
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

export function highlightStyle() {
  return { color: '#ffab00', weight: 4, opacity: 1, fillColor: '#ffd740', fillOpacity: 0.18, interactive: false };
}

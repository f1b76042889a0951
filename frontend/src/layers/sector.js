// A cell drawn as its antenna sector (a wedge), or as a circle when it is omnidirectional.
import { circle, polygon } from 'leaflet';

const EARTH_RADIUS_M = 6371008.8;
const DEG = Math.PI / 180;

// Lower technologies reach further: nest the wedges so a site's layers stay readable.
const RADIUS_M = { '2G': 320, '3G': 270, '4G': 220, '5G': 170 };

/** The point `distance_m` from `latlng` on bearing `bearing_deg` (spherical, fine at this scale). */
export function destination(latlng, bearingDeg, distanceM) {
  const angular = distanceM / EARTH_RADIUS_M;
  const bearing = bearingDeg * DEG;
  const lat1 = latlng.lat * DEG;
  const lon1 = latlng.lng * DEG;
  const lat2 = Math.asin(
    Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(bearing),
  );
  const lon2 = lon1 + Math.atan2(
    Math.sin(bearing) * Math.sin(angular) * Math.cos(lat1),
    Math.cos(angular) - Math.sin(lat1) * Math.sin(lat2),
  );
  return [lat2 / DEG, lon2 / DEG];
}

/** The wedge's vertices: apex, then the arc from azimuth − beamwidth/2 to azimuth + beamwidth/2. */
export function sectorLatLngs(latlng, azimuthDeg, beamwidthDeg, radiusM, steps = 12) {
  const start = azimuthDeg - beamwidthDeg / 2;
  const arc = Array.from({ length: steps + 1 }, (_, i) =>
    destination(latlng, start + (beamwidthDeg * i) / steps, radiusM));
  return [[latlng.lat, latlng.lng], ...arc];
}

/**
 * How a cell is drawn, from its properties: `{ omni, radiusM, azimuthDeg, beamwidthDeg }` — an
 * omnidirectional cell is a circle of `radiusM`, the others a wedge.
 */
export function cellShape(p) {
  const radiusM = RADIUS_M[p.technology] ?? 200;
  const omni = p.azimuth_deg === null || p.azimuth_deg === undefined || (p.beamwidth_deg ?? 360) >= 360;
  return omni
    ? { omni, radiusM: radiusM * 0.6 }
    : { omni, radiusM, azimuthDeg: p.azimuth_deg, beamwidthDeg: p.beamwidth_deg ?? 65 };
}

/** `pointToLayer` for the cells collection. */
export function cellToLayer(feature, latlng, options) {
  const shape = cellShape(feature.properties);
  return shape.omni
    ? circle(latlng, { ...options, radius: shape.radiusM })
    : polygon(sectorLatLngs(latlng, shape.azimuthDeg, shape.beamwidthDeg, shape.radiusM), options);
}

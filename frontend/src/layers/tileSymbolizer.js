// Draws a tile feature with the layer's Leaflet style (styles.js: color, weight, opacity, fill,
// fillColor, fillOpacity, dashArray, radius), so a layer looks the same from tiles as from GeoJSON.
// A protomaps-leaflet symbolizer: draw(ctx, geometry in tile pixels, zoom, feature).
import { cellShape } from './sector.js';

const POINT = 1;
const POLYGON = 3;
const EARTH_CIRCUMFERENCE_M = 40075016.686;
const DEG = Math.PI / 180;

/** Leaflet's path defaults: stroked, blue, 3 px; points and polygons filled at 0.2. */
function pathStyle(style, geomType) {
  const color = style.color ?? '#3388ff';
  return {
    stroke: style.stroke !== false,
    color,
    weight: style.weight ?? 3,
    opacity: style.opacity ?? 1,
    fill: style.fill ?? geomType !== 2,
    fillColor: style.fillColor ?? color,
    fillOpacity: style.fillOpacity ?? 0.2,
    dash: style.dashArray ? String(style.dashArray).split(/[ ,]+/).map(Number) : [],
    radius: style.radius ?? 10,
  };
}

function paint(ctx, style) {
  if (style.fill) {
    ctx.globalAlpha = style.fillOpacity;
    ctx.fillStyle = style.fillColor;
    ctx.fill('evenodd');
  }
  if (style.stroke && style.weight > 0) {
    ctx.globalAlpha = style.opacity;
    ctx.strokeStyle = style.color;
    ctx.lineWidth = style.weight;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.setLineDash(style.dash);
    ctx.stroke();
  }
}

function tracePath(ctx, rings, closed) {
  for (const ring of rings) {
    ring.forEach((point, i) => (i ? ctx.lineTo(point.x, point.y) : ctx.moveTo(point.x, point.y)));
    if (closed) ctx.closePath();
  }
}

const metresPerPixel = (zoom, latitude) => (EARTH_CIRCUMFERENCE_M * Math.cos(latitude * DEG)) / 2 ** (zoom + 8);

/** A cell's wedge (or circle) around its site, its radius in metres turned into pixels at `zoom`. */
function traceCell(ctx, point, properties, zoom, latitude) {
  const shape = cellShape(properties);
  const radius = shape.radiusM / metresPerPixel(zoom, latitude);
  if (shape.omni) {
    ctx.arc(point.x, point.y, radius, 0, 2 * Math.PI);
    return;
  }
  // Mercator keeps angles: a bearing b points at (sin b, −cos b) on the screen.
  const start = (shape.azimuthDeg - shape.beamwidthDeg / 2) * DEG;
  ctx.moveTo(point.x, point.y);
  ctx.arc(point.x, point.y, radius, start - Math.PI / 2, start + shape.beamwidthDeg * DEG - Math.PI / 2);
  ctx.closePath();
}

/**
 * The symbolizer of a registry entry: `def.style(properties, zoom, choice)` per feature;
 * `choice()` gives the layer's current choices, `latitude()` where the map is (for metre sizes).
 */
export function tileSymbolizer(def, choice, latitude) {
  return {
    draw(ctx, geometry, zoom, feature) {
      const style = pathStyle(def.style(feature.props, zoom, choice()), feature.geomType);
      ctx.save();
      ctx.beginPath();
      if (feature.geomType === POINT) {
        for (const [point] of geometry) {
          if (def.pointToLayer) traceCell(ctx, point, feature.props, zoom, latitude());
          else {
            ctx.moveTo(point.x + style.radius, point.y);
            ctx.arc(point.x, point.y, style.radius, 0, 2 * Math.PI);
          }
        }
      } else {
        tracePath(ctx, geometry, feature.geomType === POLYGON);
      }
      paint(ctx, style);
      ctx.restore();
    },
  };
}

/** Whether the screen offset (dx, dy) px from a cell's site falls in its wedge (or circle) at `zoom`. */
function inCell(dx, dy, properties, zoom, latitude) {
  const shape = cellShape(properties);
  if (Math.hypot(dx, dy) > shape.radiusM / metresPerPixel(zoom, latitude)) return false;
  if (shape.omni) return true;
  const bearing = Math.atan2(dx, -dy) / DEG;
  const off = Math.abs((((bearing - shape.azimuthDeg) % 360) + 540) % 360 - 180);
  return off <= shape.beamwidthDeg / 2;
}

/**
 * The hit test of a registry entry's tile features, as they are drawn: `hit(feature, point, zoom,
 * scale)` with `point` in the feature's tile units and `scale` screen pixels per unit; a point
 * is hit within its radius (a cell: its wedge), a line within its width, a polygon inside, each
 * with `slackPx` to spare.
 */
export function tileHitTest(def, choice, latitude, slackPx) {
  const { pointInPolygon, pointMinDistToLines, pointMinDistToPoints } = globalThis.protomapsL;
  return (feature, point, zoom, scale) => {
    const style = pathStyle(def.style(feature.props, zoom, choice()), feature.geomType);
    if (feature.geomType === POINT && def.pointToLayer) {
      return feature.geom.some(([site]) => inCell((point.x - site.x) * scale, (point.y - site.y) * scale,
        feature.props, zoom, latitude()));
    }
    if (feature.geomType === POINT) return pointMinDistToPoints(point, feature.geom) * scale <= style.radius + slackPx;
    if (feature.geomType === POLYGON) return pointInPolygon(point, feature.geom);
    return pointMinDistToLines(point, feature.geom) * scale <= style.weight / 2 + slackPx;
  };
}

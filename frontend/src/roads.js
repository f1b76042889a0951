// The offline background's main roads (GET /basemap/roads.json: the seed's, or a deployment's own
// through `app.cli import-roads`): thin muted lines by class under every layer, and their numbers
// (QL61, ĐT925) in small shields along them, placed after the place names and never over them,
// nor over one another, from the zoom where a road is long enough on screen to carry one.
import { DomUtil, geoJSON, Layer, latLngBounds, layerGroup } from 'leaflet';
import { controlBoxes, NAMES_PLACED, overlaps, screenBoxes, TextWidths } from './labelRoom.js';
import { roadStyle } from './styles.js';

const ROADS_URL = '/basemap/roads.json';
// A national road across a Mekong-delta province (~40 km) is ~270 px long at zoom 10: room for a
// number; below it the numbers would crowd the district names.
const LABEL_MIN_ZOOM = 10;
const NAME_MIN_ZOOM = 13; // a road known by its name only (no ref) is named from here: a long text
const SPACING_PX = 280; // between two labels of the same road
const FONT = '600 10px';
const HEIGHT_PX = 14;
const PAD_X_PX = 4;
const MAX_LABELS = 120; // per view
const PANE = 'hgRoadLabels';
const PANE_Z_INDEX = 465; // over the layers, under the place names (map.js PANES: 470)
const RANK = { motorway: 0, trunk: 1, primary: 2, secondary: 3, tertiary: 4 }; // who is labelled first

/** A road's parts as [[lat, lon], …] lists with their bounds. */
function parts(feature) {
  const { type, coordinates } = feature.geometry;
  const lines = type === 'MultiLineString' ? coordinates : [coordinates];
  return lines.map((line) => {
    const latLngs = line.map(([lon, lat]) => [lat, lon]);
    return { latLngs, bounds: latLngBounds(latLngs) };
  });
}

/** Points every SPACING_PX along a screen polyline (its middle when shorter): [{x, y}, …]. */
function stations(points) {
  const steps = points.slice(1).map((p, i) => p.distanceTo(points[i]));
  const length = steps.reduce((a, b) => a + b, 0);
  const wanted = length < SPACING_PX ? [length / 2] : [];
  for (let at = SPACING_PX / 2; at < length; at += SPACING_PX) wanted.push(at);
  const found = [];
  let walked = 0;
  let i = 0;
  for (const at of wanted) {
    while (i < steps.length - 1 && walked + steps[i] < at) walked += steps[i++];
    const share = steps[i] > 0 ? (at - walked) / steps[i] : 0;
    found.push(points[i].add(points[i + 1].subtract(points[i]).multiplyBy(share)));
  }
  return found;
}

export const RoadLabels = Layer.extend({
  initialize(features) {
    this._roads = features
      .map((f) => ({ ...f.properties, parts: parts(f) }))
      .sort((a, b) => (RANK[a.highway] ?? 9) - (RANK[b.highway] ?? 9));
    this._widths = new TextWidths(PAD_X_PX);
    this.count = 0;
  },

  onAdd(map) {
    if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = String(PANE_Z_INDEX);
    this._container = DomUtil.create('div', 'hg-road-labels', map.getPane(PANE));
    this._container.setAttribute('aria-hidden', 'true'); // the numbers repeat the drawn roads
    this._font = `${FONT} ${getComputedStyle(map.getContainer()).fontFamily}`;
    map.on('moveend resize', this._update, this);
    map.on(NAMES_PLACED, this._update, this);
    map.on('zoomstart', this._hide, this);
    this._update();
  },

  onRemove(map) {
    map.off('moveend resize', this._update, this);
    map.off(NAMES_PLACED, this._update, this);
    map.off('zoomstart', this._hide, this);
    this._container.remove();
    this._container = null;
  },

  _hide() {
    if (this._container) this._container.style.visibility = 'hidden';
  },

  _text(road, zoom) {
    return road.ref ?? (zoom >= NAME_MIN_ZOOM ? road.name : null);
  },

  /** The labelling pass: national roads first, each number kept only where it overlaps nothing. */
  _update() {
    const map = this._map;
    if (!map || !this._container) return;
    const zoom = map.getZoom();
    const size = map.getSize();
    const view = map.getBounds();
    const placed = [...controlBoxes(map), ...screenBoxes(map, '.hg-place-label')];
    const taken = placed.length;
    const seen = new Map(); // text → its labels' centres: one label per SPACING_PX of a road
    const fragment = document.createDocumentFragment();
    for (const road of zoom >= LABEL_MIN_ZOOM ? this._roads : []) {
      const text = this._text(road, zoom);
      if (!text) continue;
      const width = this._widths.of(text, this._font);
      const centres = seen.get(text) ?? [];
      seen.set(text, centres);
      for (const part of road.parts) {
        if (!view.intersects(part.bounds)) continue;
        for (const at of stations(part.latLngs.map((ll) => map.latLngToContainerPoint(ll)))) {
          if (placed.length - taken >= MAX_LABELS) break;
          const box = { x0: at.x - width / 2, y0: at.y - HEIGHT_PX / 2, x1: at.x + width / 2, y1: at.y + HEIGHT_PX / 2 };
          if (box.x0 < 0 || box.y0 < 0 || box.x1 > size.x || box.y1 > size.y) continue;
          if (centres.some((c) => c.distanceTo(at) < SPACING_PX)) continue;
          if (placed.some((other) => overlaps(other, box))) continue;
          placed.push(box);
          centres.push(at);
          const label = DomUtil.create('div', `hg-road-label hg-road-${road.highway}`);
          label.textContent = text;
          label.dataset.ref = road.ref ?? '';
          Object.assign(label.style, {
            font: this._font, width: `${width}px`, height: `${HEIGHT_PX}px`, lineHeight: `${HEIGHT_PX - 2}px`,
          });
          DomUtil.setPosition(label, map.containerPointToLayerPoint([box.x0, box.y0]).round());
          fragment.append(label);
        }
      }
    }
    this._container.replaceChildren(fragment);
    this._container.style.visibility = '';
    this.count = placed.length - taken;
    this._container.dataset.count = String(this.count);
  },
});

/** The roads as one layer (lines and numbers), or null when the server has none to give. */
export async function loadRoads() {
  try {
    const response = await fetch(ROADS_URL);
    if (!response.ok) return null;
    const roads = await response.json();
    if (!roads.features.length) return null;
    const lines = geoJSON(roads, {
      // OpenStreetMap's licence asks that its contributors be named wherever its roads are shown.
      pane: 'hgRoads', className: 'hg-road', style: roadStyle, attribution: roads.attribution ?? undefined,
    });
    const group = layerGroup([lines, new RoadLabels(roads.features)]);
    group.featureCount = roads.features.length;
    return group;
  } catch {
    return null; // the background keeps its outlines and water
  }
}

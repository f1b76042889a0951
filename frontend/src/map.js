// The Leaflet map: panes in drawing order, the shared canvas, scale bar, and polygon picking.
import { canvas, control, latLngBounds, map as createLeafletMap } from 'leaflet';
import { COVERAGE_OPACITY } from './styles.js';

// Without a region (none loaded, server unreachable) the map opens on the whole country.
const COUNTRY_BOUNDS = latLngBounds([8.2, 102.1], [23.4, 109.5]);

/** The region's extent (GET /api/region's bbox) as Leaflet bounds; the country's without one. */
export const regionBounds = (region) => (region
  ? latLngBounds([region.bbox[1], region.bbox[0]], [region.bbox[3], region.bbox[2]])
  : COUNTRY_BOUNDS);

// z-index per pane. Boundaries are SVG (one DOM path each) under the one canvas that draws
// every point and line; the highlight sits on top and never takes clicks.
const PANES = {
  hgOutline: 250, // the "no basemap" background, above tiles (200)
  hgWater: 260, // its water, over the districts' land fill, under every layer
  hgDistrictFill: 395, // choropleths and coverage, under every outline
  hgHamletFill: 396,
  hgCoverage: 397, // a canvas of its own, see-through as a whole (see createMap)
  hgDistricts: 401,
  hgCommunes: 402,
  hgHamlets: 403,
  hgTiles: 440, // the dense layers' vector tiles (layers/tileLayer.js), under the GeoJSON canvas
  hgCanvas: 450,
  hgHighlight: 460,
};

/**
 * Create the map in `element`, showing `view` ({zoom, lat, lon}) or the whole `region` (as
 * GET /api/region answers; null: the country). Returns `{ map, canvasRenderer }` (the shared
 * canvas, for points and lines).
 */
export function createMap(element, view, region = null) {
  const bounds = regionBounds(region);
  const map = createLeafletMap(element, {
    zoomControl: false,
    minZoom: region ? 8 : 5,
    maxZoom: 19,
    maxBounds: bounds.pad(1.5),
    attributionControl: true,
  });
  for (const [name, zIndex] of Object.entries(PANES)) {
    map.createPane(name).style.zIndex = String(zIndex);
  }
  map.attributionControl.setPrefix(false);
  control.zoom({ position: 'topleft' }).addTo(map);
  control.scale({ metric: true, imperial: false, maxWidth: 160, position: 'bottomleft' }).addTo(map);

  // A popup's content may scroll (small screens, app.css): reachable by keyboard too. Leaflet
  // pans a popup into view once, as it opens; when its layout changes afterwards (on a phone the
  // close button ended above the map, under the header), pan it into view again.
  map.on('popupopen', ({ popup }) => {
    const element = popup.getElement();
    const content = element?.querySelector('.leaflet-popup-content');
    if (content) content.tabIndex = 0;
    // (_adjustPan: Leaflet's own autoPan step; update() would rebuild the content.)
    const observer = new ResizeObserver(() => popup.isOpen() && popup._adjustPan());
    observer.observe(element);
    popup.once('remove', () => observer.disconnect());
  });
  const canvasRenderer = canvas({ pane: 'hgCanvas', padding: 0.3, tolerance: 4 });
  canvasRenderer.addTo(map);
  // Coverage parts tile the ground block by block: drawn opaque and made see-through as one
  // pane, adjacent parts show no seams and overlaps do not darken.
  map.getPane('hgCoverage').style.opacity = String(COVERAGE_OPACITY);

  if (view) map.setView([view.lat, view.lon], view.zoom);
  else map.fitBounds(bounds, { padding: [8, 8] });
  return { map, canvasRenderer };
}

/** The renderer of a canvas layer: its own canvas when it names a pane, else the shared one. */
export const canvasFor = (def, shared) => (def.pane ? canvas({ pane: def.pane, padding: 0.3 }) : shared);

/**
 * Tile features and SVG polygons lie under the GeoJSON canvas, which swallows their clicks. When a
 * click hits no canvas feature, open the popup of the first layer in `layers()` (those on the map,
 * by priority) with a feature there: a vector-tile layer's (`pickAt`, then its record is fetched)
 * or a boundary path under the pointer — so a hamlet choropleth wins over the commune outlines
 * drawn above it.
 */
export function enableFeaturePicking(map, layers) {
  map.on('click', (event) => {
    const original = event.originalEvent;
    if (!original || original.hgFeatureHit) return;
    const under = new Set(document.elementsFromPoint(original.clientX, original.clientY)
      .filter((element) => element.tagName === 'path'));
    for (const layer of layers()) {
      if (layer.pickAt) {
        const properties = layer.pickAt(event.latlng);
        if (!properties) continue;
        original.hgFeatureHit = true; // a feature's popup answers this click (pointQuery.js)
        layer.openFeature(properties.code, event.latlng).catch((error) => layer.fire('hg:error', { error }));
        return;
      }
      if (!under.size) continue;
      const hit = layer.getLayers().find((path) => under.has(path.getElement?.()));
      if (hit) {
        original.hgFeatureHit = true; // a feature's popup answers this click (pointQuery.js)
        hit.openPopup(event.latlng);
        return;
      }
    }
  });
}

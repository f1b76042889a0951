// The Leaflet map: panes in drawing order, the shared canvas, scale bar, and polygon picking.
import { canvas, control, latLngBounds, map as createLeafletMap } from 'leaflet';
import { COVERAGE_OPACITY } from './styles.js';

// Without a region (none loaded, server unreachable) the map opens on the whole country.
const COUNTRY_BOUNDS = latLngBounds([8.2, 102.1], [23.4, 109.5]);

/** The region's extent (GET /api/region's bbox) as Leaflet bounds; the country's without one. */
export const regionBounds = (region) => (region
  ? latLngBounds([region.bbox[1], region.bbox[0]], [region.bbox[3], region.bbox[2]])
  : COUNTRY_BOUNDS);

// z-index per pane, bottom first. Every layer has its pane by what it draws, whether from vector
// tiles or GeoJSON (layers/registry.js STACK): fills and boundaries (SVG, one DOM path each), then
// areas, lines and points, each pane holding its layers' tile canvases and one GeoJSON canvas;
// the highlight and the place names on top (neither takes clicks).
export const PANES = {
  hgOutline: 250, // the "no basemap" background, above tiles (200)
  hgWater: 260, // its water, over the districts' land fill
  hgRoads: 270, // its roads, over the water (bridges), under every layer
  hgDistrictFill: 390, // the indicator choropleth
  hgHamletFill: 391, // the hamlets' coverage shares
  hgHamlets: 392, // hamlet outlines, under the coverage
  hgCoverage: 395, // a canvas of its own, see-through as a whole (see createMap)
  hgDistricts: 401,
  hgCommunes: 402,
  hgAreas: 410, // dead zones, fibre gaps
  hgLines: 420, // ducts
  hgPoints: 430, // sites, cells, poles, challenges…
  hgHighlight: 460,
  hgPlaceNames: 470, // placeNames.js: labels over everything, click-through
};
const STACK_PANES = ['hgAreas', 'hgLines', 'hgPoints'];

/**
 * Create the map in `element`, showing `view` ({zoom, lat, lon}) or the whole `region` (as
 * GET /api/region answers; null: the country). Returns `{ map, canvases }`: the GeoJSON canvas
 * of each stacked pane (areas, lines, points) by pane name.
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
  // Coverage parts tile the ground block by block: drawn opaque and made see-through as one
  // pane, adjacent parts show no seams and overlaps do not darken.
  map.getPane('hgCoverage').style.opacity = String(COVERAGE_OPACITY);

  if (view) map.setView([view.lat, view.lon], view.zoom);
  else map.fitBounds(bounds, { padding: [8, 8] });
  // Added once the map has a view (Leaflet creates a renderer's canvas then), to place them.
  const canvases = Object.fromEntries(STACK_PANES.map((pane) => {
    const renderer = canvas({ pane, padding: 0.3, tolerance: 4 }).addTo(map);
    renderer._container.classList.add('hg-geojson-canvas'); // (no public getter for it)
    return [pane, renderer];
  }));
  return { map, canvases };
}

/**
 * The renderer of a canvas layer: its own canvas when it names a pane (coverage), else the GeoJSON
 * canvas of its stacked pane (`canvases` from createMap), placed at `zIndex` among the pane's tiles.
 */
export function canvasFor(def, canvases, { pane, zIndex }) {
  if (def.pane) return canvas({ pane: def.pane, padding: 0.3 });
  const renderer = canvases[pane];
  renderer._container.style.zIndex = String(zIndex);
  return renderer;
}

/**
 * A canvas swallows the clicks meant for what lies under it (tiles, lower canvases, SVG polygons).
 * When a click hits no feature of the canvas it landed on, open the popup of the first layer in
 * `layers()` (those on the map, by priority) with a feature there: a vector-tile layer's
 * (`pickAt`, then its record is fetched), a GeoJSON canvas layer's (`pathAt`) or a boundary path
 * under the pointer — so a hamlet choropleth wins over the commune outlines drawn above it.
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
      const drawn = layer.pathAt?.(event.latlng);
      if (drawn) {
        original.hgFeatureHit = true;
        drawn.openPopup(event.latlng);
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

// The Leaflet map: panes in drawing order, the shared canvas, scale bar, and polygon picking.
import { canvas, control, latLngBounds, map as createLeafletMap } from 'leaflet';

// Hậu Giang's extent (from the district boundaries), used for the first view.
export const PROVINCE_BOUNDS = latLngBounds([9.5824, 105.3283], [9.9943, 105.8972]);

// z-index per pane. Boundaries are SVG (one DOM path each) under the one canvas that draws
// every point and line; the highlight sits on top and never takes clicks.
const PANES = {
  hgOutline: 250, // the "no basemap" background, above tiles (200)
  hgDistricts: 401,
  hgCommunes: 402,
  hgHamlets: 403,
  hgCanvas: 450,
  hgHighlight: 460,
};

/**
 * Create the map in `element`, showing `view` ({zoom, lat, lon}) or the whole province.
 * Returns `{ map, canvasRenderer }`.
 */
export function createMap(element, view) {
  const map = createLeafletMap(element, {
    zoomControl: false,
    minZoom: 8,
    maxZoom: 19,
    maxBounds: PROVINCE_BOUNDS.pad(1.5),
    attributionControl: true,
  });
  for (const [name, zIndex] of Object.entries(PANES)) {
    map.createPane(name).style.zIndex = String(zIndex);
  }
  map.attributionControl.setPrefix(false);
  control.zoom({ position: 'topleft' }).addTo(map);
  control.scale({ metric: true, imperial: false, maxWidth: 160, position: 'bottomleft' }).addTo(map);

  const canvasRenderer = canvas({ pane: 'hgCanvas', padding: 0.3, tolerance: 4 });
  canvasRenderer.addTo(map);

  if (view) map.setView([view.lat, view.lon], view.zoom);
  else map.fitBounds(PROVINCE_BOUNDS, { padding: [8, 8] });
  return { map, canvasRenderer };
}

/**
 * Polygons are SVG paths under the canvas, which swallows their clicks. When a click hits no
 * canvas feature, open the popup of the topmost boundary path under the pointer instead.
 * `layers()` returns the boundary layers currently on the map, top first.
 */
export function enablePolygonPicking(map, layers) {
  map.on('click', (event) => {
    const original = event.originalEvent;
    if (!original || original.hgFeatureHit) return;
    const elements = document.elementsFromPoint(original.clientX, original.clientY);
    for (const element of elements) {
      if (element.tagName !== 'path') continue;
      for (const layer of layers()) {
        const hit = layer.getLayers().find((path) => path.getElement?.() === element);
        if (hit) {
          hit.openPopup(event.latlng);
          return;
        }
      }
    }
  });
}

// Highlight of a chosen search result: its polygon when we can fetch it, else its bbox.
import { geoJSON, rectangle } from 'leaflet';
import { fetchFeatures, isAbort } from './api.js';
import { highlightStyle } from './styles.js';

const COLLECTION = { district: 'districts', commune: 'communes', hamlet: 'hamlets' };

export class Highlight {
  constructor(map) {
    this.map = map;
    this.current = null; // { level, code, found } for the debug hook
    this._layer = null;
    this._controller = null;
  }

  clear() {
    this._controller?.abort();
    if (this._layer) this.map.removeLayer(this._layer);
    this._layer = null;
    this.current = null;
  }

  /** Fit the map to `result.bbox`, then outline the feature with that code. */
  async show(result) {
    this.clear();
    const [west, south, east, north] = result.bbox;
    const bounds = [[south, west], [north, east]];
    this.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    this.current = { level: result.level, code: result.code, found: false };

    const controller = new AbortController();
    this._controller = controller;
    let feature = null;
    try {
      // The items endpoint has no code filter: ask for the result's bbox and pick by code.
      const collection = await fetchFeatures(COLLECTION[result.level], {
        bbox: result.bbox.join(','), limit: 1000,
      }, { signal: controller.signal });
      feature = collection.features.find((f) => String(f.properties?.code) === String(result.code));
    } catch (error) {
      if (isAbort(error)) return;
    }
    if (controller !== this._controller) return;
    this._layer = feature
      ? geoJSON(feature, { pane: 'hgHighlight', className: 'hg-highlight', style: highlightStyle })
      : rectangle(bounds, { pane: 'hgHighlight', className: 'hg-highlight', ...highlightStyle(), dashArray: '6 4' });
    this._layer.addTo(this.map);
    this.current = { level: result.level, code: result.code, found: Boolean(feature) };
  }
}

// One OGC API collection as a Leaflet layer: loads itself when added, by bbox when heavy,
// aborts stale requests, and reports its state (loading, count, error) through 'hg:state'.
import { GeoJSON, circleMarker } from 'leaflet';
import { fetchFeatures, forgetCollection, isAbort, loadCollection } from '../api.js';
import { renderPopup } from '../popup.js';

const PAGE_LIMIT = 10000; // the server's maximum
const BBOX_PAD = 0.3; // load a margin around the view so small pans need no request

/** Leaflet bounds as the API's `bbox` (minLon,minLat,maxLon,maxLat, 6 decimals). */
export function bboxParam(bounds) {
  const clamp = (value, limit) => Math.max(-limit, Math.min(limit, value)).toFixed(6);
  return [clamp(bounds.getWest(), 180), clamp(bounds.getSouth(), 90),
    clamp(bounds.getEast(), 180), clamp(bounds.getNorth(), 90)].join(',');
}

/**
 * The query parameters of what a layer shows (for its items or its tiles): the filter panel's
 * values the collection accepts (registry `filters`) and those its own choices make (`query`).
 */
export function layerQuery(def, filters, choice) {
  const params = {};
  for (const name of def.filters ?? []) {
    if (filters[name]) params[name] = filters[name];
  }
  for (const [name, value] of Object.entries(def.query?.(choice) ?? {})) {
    if (value) params[name] = value;
  }
  return params;
}

export const CollectionLayer = GeoJSON.extend({
  /**
   * @param {object} def — a registry entry (layers/registry.js)
   * @param {object} options — `renderer` (the shared canvas, for canvas layers), `filters`
   */
  initialize(def, { renderer, filters = {} } = {}) {
    this.def = def;
    this.collection = def.collection ?? def.id;
    this.choice = { ...def.choices }; // this layer's own options (registry `choices`)
    this._filters = filters;
    this._zoom = null;
    this.state = { loading: false, count: 0, matched: null, error: null, belowMinZoom: false };
    const interactive = def.interactive ?? true;
    const pathOptions = { renderer, pane: def.pane ?? 'overlayPane', className: def.className, interactive };
    const popup = def.popup ?? renderPopup;
    GeoJSON.prototype.initialize.call(this, null, {
      ...pathOptions,
      style: (feature) => def.style(feature.properties ?? {}, this._zoom ?? 10, this.choice),
      pointToLayer: (feature, latlng) => (def.pointToLayer
        ? def.pointToLayer(feature, latlng, pathOptions)
        : circleMarker(latlng, pathOptions)),
      onEachFeature: (feature, layer) => {
        if (interactive) layer.bindPopup(() => popup(def, feature, layer), { maxWidth: def.popupWidth ?? 340 });
      },
    });
    // Tell the map's polygon picking (map.js) that a feature took this click.
    this.on('click', (event) => {
      if (event.originalEvent) event.originalEvent.hgFeatureHit = true;
    });
  },

  getEvents() {
    return { moveend: this._onMoveEnd, zoomend: this._onZoomEnd };
  },

  onAdd(map) {
    this._zoom = map.getZoom();
    GeoJSON.prototype.onAdd.call(this, map);
    this.resetStyle();
    this.refresh();
  },

  onRemove(map) {
    this._abort();
    GeoJSON.prototype.onRemove.call(this, map);
    this._setState({ loading: false });
  },

  /** Query parameters from the filter panel; only those this collection accepts are kept. */
  setFilters(filters) {
    this._filters = { ...filters };
    if (this._map) this.refresh();
  },

  /**
   * Change this layer's own options (`choices` in the registry): reload when the query they
   * make changes, else only restyle. Fires 'hg:choice'.
   */
  setChoice(change) {
    const before = JSON.stringify(this.queryParams());
    this.choice = { ...this.choice, ...change };
    if (this._map) {
      if (JSON.stringify(this.queryParams()) !== before) this.refresh();
      else this.resetStyle();
    }
    this.fire('hg:choice', { choice: this.choice });
  },

  isVisible() {
    // During the 'remove' event `_map` is still set, but the map no longer lists us.
    return Boolean(this._map?.hasLayer(this));
  },

  /**
   * The topmost of this layer's canvas features under `latlng`, or null: a canvas in a pane under
   * another (areas under points, map.js) never receives the click itself. SVG layers answer
   * through the DOM instead (enableFeaturePicking).
   */
  pathAt(latlng) {
    const map = this._map;
    if (!map || this.def.renderer !== 'canvas' || this.def.interactive === false) return null;
    const point = map.latLngToLayerPoint(latlng);
    return this.getLayers().findLast((path) => path._containsPoint?.(point)) ?? null;
  },

  _onMoveEnd() {
    if (this.def.load === 'bbox') this.refresh();
  },

  _onZoomEnd() {
    const zoom = this._map.getZoom();
    if (zoom === this._zoom) return;
    this._zoom = zoom;
    if (this.def.renderer === 'canvas') this.resetStyle(); // point radii follow the zoom
  },

  /** The query parameters of what this layer shows: its filters and its own choices. */
  queryParams() {
    return layerQuery(this.def, this._filters, this.choice);
  },

  /**
   * Load again after a write changed the collection (what `refresh` skips when the view and
   * filters are unchanged); a popup open on one of its records reopens on the record as it is now.
   */
  async reload() {
    const popup = this._map?._popup;
    const code = this._map?.hasLayer(popup ?? {}) ? popup._source?.feature?.properties?.code : null;
    const mine = code != null && this.hasLayer(popup._source);
    forgetCollection(this.collection);
    this._loaded = null;
    this._pending = null;
    await this.refresh();
    if (!mine || !this._map) return;
    const again = this.getLayers().find((layer) => layer.feature?.properties?.code === code);
    if (again) again.openPopup(popup.getLatLng());
  },

  /** Load what the current view and filters need, unless it is already drawn. */
  async refresh() {
    const map = this._map;
    if (!map) return;
    const def = this.def;
    const params = this.queryParams();
    const key = JSON.stringify(params);
    let bounds = null;

    if (def.load === 'bbox') {
      if (map.getZoom() < def.minZoom) {
        this._abort();
        this.clearLayers();
        this._loaded = null;
        this._setState({ loading: false, count: 0, matched: null, error: null, belowMinZoom: true });
        return;
      }
      const view = map.getBounds();
      const loaded = this._loaded;
      if (loaded && loaded.key === key && loaded.complete && loaded.bounds.contains(view)) return;
      bounds = view.pad(BBOX_PAD);
      params.bbox = bboxParam(bounds);
    } else if (this._loaded?.key === key) {
      return;
    }
    if (this._pending?.key === key && this._pending.bbox === params.bbox) return;

    this._abort();
    const controller = new AbortController();
    this._controller = controller;
    this._pending = { key, bbox: params.bbox };
    this._setState({ loading: true, error: null, belowMinZoom: false });
    try {
      // An unfiltered whole collection is shared (it cannot be aborted; a stale answer is dropped).
      const collection = def.load === 'all' && key === '{}'
        ? await loadCollection(this.collection)
        : await fetchFeatures(this.collection, { ...params, limit: PAGE_LIMIT }, {
          signal: controller.signal, followNext: def.load === 'all',
        });
      if (controller !== this._controller) return;
      this.clearLayers();
      this.addData(collection);
      const count = this.getLayers().length;
      const matched = collection.numberMatched;
      this._loaded = { key, bounds, complete: matched === null || matched <= collection.features.length };
      this._setState({ loading: false, count, matched });
      this.fire('hg:loaded');
    } catch (error) {
      if (isAbort(error) || controller !== this._controller) return;
      this._setState({ loading: false, error });
      this.fire('hg:error', { error });
    } finally {
      if (controller === this._controller) {
        this._controller = null;
        this._pending = null;
      }
    }
  },

  _abort() {
    if (this._controller) this._controller.abort();
    this._controller = null;
    this._pending = null;
  },

  _setState(change) {
    this.state = { ...this.state, ...change };
    this.fire('hg:state', { state: this.state });
  },
});

export const collectionLayer = (def, options) => new CollectionLayer(def, options);

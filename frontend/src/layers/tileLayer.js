// A dense OGC collection drawn from the service's vector tiles (GET /tiles/{collection}/{z}/{x}/{y}.mvt)
// by protomaps-leaflet: only the tiles in view travel, each drawn once on its own canvas. It keeps
// CollectionLayer's contract (filters, choices, 'hg:state', reload), so the panel, legend and URL
// treat both alike; a click asks the OGC items endpoint for the one feature hit (pickAt, openFeature).
//
// protomaps-leaflet is loaded as its bundled script (window.protomapsL, see index.html): its
// npm ES build imports bare package names that would each need an import-map entry. It extends
// `L.GridLayer` from a global `L`, which the ES build of Leaflet does not set: we lend it ours.
import * as leaflet from 'leaflet';
import { fetchItem, getBytes, isAbort, withQuery } from '../api.js';
import { renderPopup } from '../popup.js';
import { layerQuery } from './collectionLayer.js';
import { tileHitTest, tileSymbolizer } from './tileSymbolizer.js';

const { Layer, popup: createPopup } = leaflet;
globalThis.L ??= leaflet;

// Each data tile is one zoom level below the view (four display tiles): a quarter of the requests.
const LEVEL_DIFF = 1;
const MAX_DATA_ZOOM = 15; // deeper views scale the z15 tiles (4096 units over ~1.2 km: 0.3 m a unit)
const PICK_RADIUS_PX = 6;

export const TileCollectionLayer = Layer.extend({
  /**
   * @param {object} def — a registry entry (layers/registry.js) with `tiles: true`
   * @param {object} options — `filters`, `pane` (where the tiles go), `zIndex` (order in the pane)
   */
  initialize(def, { filters = {}, pane, zIndex = 1 } = {}) {
    this.def = def;
    this.collection = def.collection ?? def.id;
    this.choice = { ...def.choices };
    this._filters = filters;
    this._pane = def.pane ?? pane ?? 'overlayPane';
    this._zIndex = zIndex;
    this._cache = 'default';
    this.state = { loading: false, count: 0, matched: null, error: null, belowMinZoom: false };
  },

  onAdd(map) {
    this._grid = this._createGrid();
    map.addLayer(this._grid);
    this._onZoom();
  },

  onRemove(map) {
    map.removeLayer(this._grid);
    this._grid = null;
    this._setState({ loading: false });
  },

  getEvents() {
    return { zoomend: this._onZoom };
  },

  isVisible() {
    return Boolean(this._map?.hasLayer(this));
  },

  setFilters(filters) {
    this._filters = { ...filters };
    this.refresh();
  },

  setChoice(change) {
    const before = JSON.stringify(this.queryParams());
    this.choice = { ...this.choice, ...change };
    if (JSON.stringify(this.queryParams()) !== before) this.refresh();
    else this._grid?.rerenderTiles(); // a style choice (the hamlets' metric) only repaints
    this.fire('hg:choice', { choice: this.choice });
  },

  /** The query parameters of what this layer shows: its filters and its own choices. */
  queryParams() {
    return layerQuery(this.def, this._filters, this.choice);
  },

  /** The tile URL template: the same query parameters as the items this layer would list. */
  tileUrl() {
    return withQuery(`/tiles/${encodeURIComponent(this.collection)}/{z}/{x}/{y}.mvt`, this.queryParams());
  },

  /** Draw again when the query changed (filters, choices): a new grid over fresh tiles. */
  refresh() {
    if (!this._map) return;
    if (this._grid && this._grid.hgUrl === this.tileUrl()) return;
    this._replaceGrid();
  },

  /** After a write: tiles are asked again (the browser revalidates them by ETag) and an open popup of ours reopens. */
  async reload() {
    this._cache = 'no-cache';
    if (!this._map) return;
    const open = this._popup?.isOpen() ? { code: this._popupCode, latlng: this._popup.getLatLng() } : null;
    this._replaceGrid();
    if (this.state.belowMinZoom) return; // no tile to wait for
    await new Promise((resolve) => this._grid.once('load', resolve));
    if (open) await this.openFeature(open.code, open.latlng);
  },

  bringToBack() {
    return this;
  },

  /** The codes of the features in the tiles on screen (distinct: a point near an edge is in two). */
  codes() {
    const grid = this._grid;
    if (!grid || !this._map) return [];
    const zoom = Math.round(this._map.getZoom());
    // protomaps' tile cache (data tile "x:y:z" → layers → features) holds what it draws.
    const cache = grid.views.get('').tileCache.cache;
    const codes = new Set();
    let unnamed = 0;
    for (const { coords } of Object.values(grid._tiles)) {
      if (coords.z !== zoom) continue;
      const z = Math.min(coords.z - LEVEL_DIFF, MAX_DATA_ZOOM);
      const shift = coords.z - z;
      const features = cache.get(`${coords.x >> shift}:${coords.y >> shift}:${z}`)?.data.get(this.collection) ?? [];
      for (const feature of features) {
        if (feature.props.code === undefined) unnamed += 1;
        else codes.add(String(feature.props.code));
      }
    }
    return unnamed ? [...codes, ...Array(unnamed).fill(null)] : [...codes];
  },

  /**
   * The properties of the feature drawn under `latlng` (the topmost: drawn last), or null; none
   * when the layer takes no clicks. Looked up in the data tile under the point, as drawn.
   */
  pickAt(latlng) {
    const map = this._map;
    if (!this._grid || !map || this.def.interactive === false || this.state.belowMinZoom) return null;
    const zoom = Math.round(map.getZoom());
    const z = Math.min(zoom - LEVEL_DIFF, MAX_DATA_ZOOM);
    const world = map.project(latlng, z); // 256 px a tile at zoom z
    const [x, y] = [Math.floor(world.x / 256), Math.floor(world.y / 256)];
    const unitsPerTile = 256 << LEVEL_DIFF; // protomaps scales each data tile to this
    const point = { x: (world.x / 256 - x) * unitsPerTile, y: (world.y / 256 - y) * unitsPerTile };
    const features = this._grid.views.get('').tileCache.cache.get(`${x}:${y}:${z}`)?.data.get(this.collection) ?? [];
    const scale = 2 ** (zoom - z) * (256 / unitsPerTile);
    const hit = features.findLast((feature) => this._hitTest(feature, point, zoom, scale));
    return hit ? hit.props : null;
  },

  /** Open the popup of the feature `code` at `latlng`: its whole record from the OGC items endpoint. */
  async openFeature(code, latlng) {
    const map = this._map;
    const popup = createPopup({ maxWidth: this.def.popupWidth ?? 340 }).setLatLng(latlng);
    this._popup = popup;
    this._popupCode = code;
    const feature = await fetchItem(this.collection, code);
    if (this._popup !== popup || !map) return;
    // hamletPopup rebuilds the popup when the hamlet's coverage arrives: it asks this pair.
    const source = { isPopupOpen: () => popup.isOpen(), getPopup: () => popup };
    const render = this.def.popup ?? renderPopup;
    popup.setContent(() => render(this.def, feature, source));
    popup.openOn(map);
  },

  _createGrid() {
    const def = this.def;
    const url = this.tileUrl();
    const grid = globalThis.protomapsL.leafletLayer({
      pane: this._pane,
      zIndex: this._zIndex,
      minZoom: def.minZoom ?? 0,
      maxDataZoom: MAX_DATA_ZOOM,
      levelDiff: LEVEL_DIFF,
      attribution: '',
      tileDelay: 0,
      url: { getZxy: (z, x, y, signal) => this._fetchTile(url, z, x, y, signal) },
      paintRules: [{ dataLayer: this.collection, symbolizer: tileSymbolizer(def, () => this.choice, () => this._map?.getCenter().lat ?? 0) }],
    });
    grid.hgUrl = url;
    this._hitTest = tileHitTest(def, () => this.choice, () => this._map?.getCenter().lat ?? 0, PICK_RADIUS_PX);
    grid.on('loading', () => this._setState({ loading: true, error: null }));
    grid.on('load', () => {
      this._setState({ loading: false, count: this.codes().length });
      this.fire('hg:loaded');
    });
    return grid;
  },

  async _fetchTile(template, z, x, y, signal) {
    const url = template.replace('{z}', z).replace('{x}', x).replace('{y}', y);
    try {
      const data = await getBytes(url, { signal, cache: this._cache });
      return { data };
    } catch (error) {
      if (!isAbort(error)) {
        this._setState({ loading: false, error });
        this.fire('hg:error', { error });
        this._retryLater(error);
      }
      throw error;
    }
  },

  /** A past day's coverage being computed (409, queued): ask again once the server said it may be ready. */
  _retryLater(error) {
    if (error.status !== 409 || !error.body?.queued || this._retry) return;
    const grid = this._grid;
    this._retry = setTimeout(() => {
      this._retry = null;
      if (this._map && this._grid === grid) this._replaceGrid();
    }, 1000 * (error.body.retry_s ?? 30));
  },

  _replaceGrid() {
    this._map.removeLayer(this._grid);
    this._grid = this._createGrid();
    this._map.addLayer(this._grid);
  },

  _onZoom() {
    const below = this._map.getZoom() < (this.def.minZoom ?? 0);
    if (below !== this.state.belowMinZoom) {
      this._setState(below ? { belowMinZoom: true, count: 0, loading: false } : { belowMinZoom: false });
    }
  },

  _setState(change) {
    this.state = { ...this.state, ...change };
    this.fire('hg:state', { state: this.state });
  },
});

export const tileCollectionLayer = (def, options) => new TileCollectionLayer(def, options);

// Basemap: OpenStreetMap tiles when they load; otherwise (or by choice) the project's own
// district outlines filled light, the region's water (sea, lakes, rivers and canals from GSHHG,
// cut at setup to the region's outline widened by 25 km, fading out beyond 5 km, into
// /basemap/water.json) and its main roads with their numbers (roads.js: the database's, served at
// /basemap/roads.json — the sample's generated ones, or a deployment's own OpenStreetMap extract
// loaded with `app.cli import-roads`): no network. With
// `basemap-offline` on <body> and the map, and a notice.
// Once the tile server has failed, the session remembers it: no page and no zoom asks it again
// (each request would only log another error) until the notice's "retry" is pressed.
import { DomEvent, geoJSON, point, tileLayer } from 'leaflet';
import { t, translateDom } from './i18n.js';
import { loadRoads } from './roads.js';
import { outlineStyle, waterStyle } from './styles.js';

const OSM_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
const OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';
const FIRST_TILE_TIMEOUT_MS = 5000; // no tile by then: treat the tile server as unreachable
// Errors in a row after tiles did load that mean the network is gone (about a screenful of tiles).
const LOST_AFTER_ERRORS = 8;
const OFFLINE_KEY = 'hg.basemap.offline'; // sessionStorage: the tile server failed in this session
export const CHOICES = ['osm', 'none'];
const OFFLINE_CLASS = 'basemap-offline';
const WATER_URL = '/basemap/water.json';

function rememberedOffline() {
  try {
    return sessionStorage.getItem(OFFLINE_KEY) === '1';
  } catch {
    return false; // storage refused (privacy settings): ask the tile server, as before
  }
}

function rememberOffline(offline) {
  try {
    if (offline) sessionStorage.setItem(OFFLINE_KEY, '1');
    else sessionStorage.removeItem(OFFLINE_KEY);
  } catch {
    // nothing to remember with
  }
}

export class Basemap {
  /**
   * @param {L.Map} map
   * @param {object} options — `outline`: () => Promise<FeatureCollection> of the districts;
   *   `onChange`: called with `this` when the choice or the offline state changes.
   */
  constructor(map, { outline, onChange = () => {} }) {
    this.map = map;
    this.choice = null;
    this.offline = false;
    this.reason = null; // 'user' | 'tileerror' | 'timeout' (this page or earlier in the session)
    this._outlineSource = outline;
    this._offlineLayers = null; // Promise<L.Layer[]>: the outline, the water and the roads, loaded once
    this._onChange = onChange;
    this._osm = tileLayer(OSM_URL, { maxZoom: 19, attribution: OSM_ATTRIBUTION });
    this._osm.on('tileload', () => { this._tilesLoaded += 1; this._errorsInRow = 0; });
    this._osm.on('tileerror', () => this._onTileError());
    this._notice = this._createNotice();
    // The notice covers the map's top edge: a popup pans into view below it (map.js pans again
    // once the popup is laid out, with these options).
    map.on('popupopen', ({ popup }) => {
      if (this._notice.hidden) return;
      const below = this._notice.getBoundingClientRect().bottom - map.getContainer().getBoundingClientRect().top;
      popup.options.autoPanPaddingTopLeft = point(5, Math.ceil(below) + 5);
    });
  }

  select(choice) {
    if (!CHOICES.includes(choice) || choice === this.choice) return;
    this.choice = choice;
    this._radios?.forEach((radio) => { radio.checked = radio.value === choice; });
    if (choice !== 'osm') this._goOffline('user');
    else if (rememberedOffline()) this._goOffline('tileerror');
    else this._tryOsm();
  }

  /** Ask the tile server again (the notice's button): forget that it failed. */
  retry() {
    if (this.choice !== 'osm') return;
    rememberOffline(false);
    this._tryOsm();
  }

  /** Render the radio group into `container`. */
  mount(container) {
    const fieldset = document.createElement('fieldset');
    fieldset.className = 'hg-fieldset';
    const legend = document.createElement('legend');
    legend.dataset.i18n = 'basemap.title';
    fieldset.append(legend);
    this._radios = CHOICES.map((choice) => {
      const label = document.createElement('label');
      label.className = 'hg-radio';
      const radio = document.createElement('input');
      Object.assign(radio, { type: 'radio', name: 'basemap', value: choice, checked: choice === this.choice });
      radio.addEventListener('change', () => radio.checked && this.select(choice));
      const text = document.createElement('span');
      text.dataset.i18n = `basemap.${choice}`;
      label.append(radio, text);
      fieldset.append(label);
      return radio;
    });
    translateDom(fieldset);
    container.append(fieldset);
  }

  // One tile first, the one under the map's centre: offline, that single request fails (one line
  // in the console) instead of a screenful of them; once it loads the tile layer takes over.
  _tryOsm() {
    this._setOffline(false, null);
    this._tilesLoaded = 0;
    this._errorsInRow = 0;
    clearTimeout(this._timer);
    const attempt = (this._attempt ?? 0) + 1;
    this._attempt = attempt;
    const current = () => attempt === this._attempt && this.choice === 'osm' && !this.offline;
    this._timer = setTimeout(() => current() && this._failed('timeout'), FIRST_TILE_TIMEOUT_MS);
    const probe = new Image();
    probe.addEventListener('load', () => {
      if (!current()) return;
      clearTimeout(this._timer);
      this._osm.addTo(this.map);
    });
    probe.addEventListener('error', () => current() && this._failed('tileerror'));
    probe.src = this._centreTileUrl();
  }

  _centreTileUrl() {
    let zoom = 0;
    let lat = 0;
    let lon = 0;
    if (this.map._loaded) {
      zoom = Math.max(0, Math.min(19, Math.round(this.map.getZoom())));
      ({ lat, lng: lon } = this.map.getCenter());
    }
    const n = 2 ** zoom;
    const rad = (lat * Math.PI) / 180;
    const x = Math.min(n - 1, Math.max(0, Math.floor(((lon + 180) / 360) * n)));
    const y = Math.min(n - 1, Math.max(0, Math.floor(((1 - Math.asinh(Math.tan(rad)) / Math.PI) / 2) * n)));
    return OSM_URL.replace('{z}', zoom).replace('{x}', x).replace('{y}', y);
  }

  // A failure before any tile has loaded is the server unreachable: stop at once, before a zoom
  // requests another batch. After tiles have loaded, only a run of failures says so.
  _onTileError() {
    if (this.offline || this.choice !== 'osm') return;
    this._errorsInRow += 1;
    if (this._tilesLoaded === 0 || this._errorsInRow >= LOST_AFTER_ERRORS) this._failed('tileerror');
  }

  _failed(reason) {
    rememberOffline(true);
    this._goOffline(reason);
  }

  _goOffline(reason) {
    clearTimeout(this._timer);
    this.map.removeLayer(this._osm);
    this._setOffline(true, reason);
  }

  _setOffline(offline, reason) {
    this.offline = offline;
    this.reason = reason;
    for (const el of [document.body, this.map.getContainer()]) el.classList.toggle(OFFLINE_CLASS, offline);
    this._showOffline(offline);
    this._updateNotice();
    this._onChange(this);
  }

  async _showOffline(offline) {
    if (offline) this._offlineLayers ??= Promise.all([this._loadOutline(), this._loadWater(), this._loadRoads()]);
    if (!this._offlineLayers) return;
    for (const layer of (await this._offlineLayers).filter(Boolean)) {
      if (this.offline) layer.addTo(this.map);
      else this.map.removeLayer(layer);
    }
  }

  async _loadOutline() {
    try {
      const districts = await this._outlineSource();
      return geoJSON(districts, { pane: 'hgOutline', className: 'hg-outline', style: outlineStyle });
    } catch {
      return null; // the districts layer reports the same failure
    }
  }

  // Built at setup (make basemap); a checkout without it still has the outlines.
  async _loadWater() {
    try {
      const response = await fetch(WATER_URL);
      if (!response.ok) return null;
      const water = await response.json();
      this.waterFeatures = water.features.length;
      // GSHHG is LGPL: its authors are named whenever its water is on the map.
      return geoJSON(water, {
        pane: 'hgWater', className: 'hg-water', style: waterStyle, attribution: water.attribution,
      });
    } catch {
      return null;
    }
  }

  async _loadRoads() {
    const roads = await loadRoads();
    this.roadFeatures = roads?.featureCount ?? 0;
    return roads;
  }

  _createNotice() {
    const notice = document.createElement('div');
    notice.className = 'hg-basemap-notice';
    notice.setAttribute('role', 'status');
    notice.hidden = true;
    const text = document.createElement('span');
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'hg-basemap-retry';
    retry.dataset.i18n = 'basemap.retry';
    retry.addEventListener('click', () => this.retry());
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'hg-notice-close';
    close.textContent = '×';
    close.dataset.i18nLabel = 'notice.close';
    close.addEventListener('click', () => { notice.hidden = true; });
    notice.append(text, retry, close);
    this._retryButton = retry;
    DomEvent.disableClickPropagation(notice);
    this.map.getContainer().append(notice);
    return notice;
  }

  _updateNotice() {
    const text = this._notice.firstChild;
    text.dataset.i18n = this.reason === 'user' ? 'basemap.notice.none' : 'basemap.notice.offline';
    text.textContent = t(text.dataset.i18n);
    this._retryButton.hidden = this.reason === 'user';
    translateDom(this._notice);
    this._notice.hidden = !this.offline;
  }
}

// "Tên địa danh": the names of districts, communes and hamlets written on the map by zoom, never
// over one another (a more important name keeps its room: higher level, then larger unit). Each
// name sits on its unit's label point (`label_lon`/`label_lat`, PostGIS ST_PointOnSurface: inside
// the unit whatever its shape). The names follow the date field (the units in force that day)
// and the language, and need neither the boundary layers nor the basemap: offline they are what
// makes the project's own outlines readable.
import { DomUtil, Layer } from 'leaflet';
import { fetchFeatures, loadCollection } from './api.js';
import { ADMIN_LAYERS } from './asOfDate.js';
import { getLang, onLangChange, t, translateDom } from './i18n.js';
import { controlBoxes, NAMES_PLACED, overlaps, TextWidths } from './labelRoom.js';

// The zooms each level is named at (inclusive), for units the size of a Mekong-delta province's:
// a district (~200 km², ~14 km across) is ~95 px wide at zoom 10 and ~190 at 11; a commune
// (~21 km²) ~60 px at 11 and ~120 at 12; a hamlet (~3 km²) ~45 px at 12 and ~90 at 13. Where two
// ranges meet both levels compete and the higher one is placed first.
const LEVELS = [
  { level: 'district', collection: 'districts', minZoom: 0, maxZoom: 11, font: '600 13px', height: 17 },
  { level: 'commune', collection: 'communes', minZoom: 11, maxZoom: 13, font: '600 12px', height: 16 },
  { level: 'hamlet', collection: 'hamlets', minZoom: 13, maxZoom: Infinity, font: 'italic 11px', height: 15 },
];
const PROPERTIES = 'code,name,kind,area_km2,label_lon,label_lat'; // what a past day's units need
const PAD_X_PX = 3; // inside each label, left and right
const MAX_LABELS = 400; // per view: the DOM stays light whatever the zoom
const PANE = 'hgPlaceNames';
const PANE_Z_INDEX = 470; // over everything drawn (map.js PANES); the labels take no clicks

// Where a reform abolished the districts, the region's communes are named from the lowest zoom.
const levelsFor = (hasDistricts) => (hasDistricts
  ? LEVELS
  : LEVELS.filter((def) => def.level !== 'district')
    .map((def) => (def.level === 'commune' ? { ...def, minZoom: 0 } : def)));

/** A unit's name as the current language writes it: English puts the kind in English words. */
function labelText({ name, kind }) {
  if (getLang() === 'vi' || !kind) return name;
  const key = `placeNames.kind.${kind}`;
  const word = t(key);
  if (word === key) return name;
  const bare = name.toLowerCase().startsWith(`${kind.toLowerCase()} `) ? name.slice(kind.length + 1) : name;
  // "Phường 1" → "Ward 1", "Ấp 5B" → "Hamlet 5B"; "Huyện Châu Thành" → "Châu Thành District".
  return /^\d/.test(bare) ? `${word} ${bare}` : `${bare} ${word}`;
}

export const PlaceNames = Layer.extend({
  /** `layers`: the collection layers by id; the first admin one carries the date field's day. */
  initialize({ layers }) {
    this._dayLayer = ADMIN_LAYERS.map((id) => layers.get(id)).find(Boolean) ?? null;
    this._units = new Map(); // `${collection}|${day}` → Promise<candidate[]>
    this._widths = new TextWidths(PAD_X_PX);
    this._generation = 0;
    this.state = { ready: false, count: 0, passMs: null, error: null };
    this._dayLayer?.on('hg:choice', () => this._map && this._update());
    onLangChange(() => this._map && this._update());
  },

  onAdd(map) {
    if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = String(PANE_Z_INDEX);
    this._container = DomUtil.create('div', 'hg-place-names', map.getPane(PANE));
    // The names repeat what the map draws; a screen reader gets them from the layers' popups and search.
    this._container.setAttribute('aria-hidden', 'true');
    this._font = getComputedStyle(map.getContainer()).fontFamily;
    map.on('moveend resize', this._update, this);
    map.on('zoomstart', this._hide, this);
    this._update();
  },

  onRemove(map) {
    map.off('moveend resize', this._update, this);
    map.off('zoomstart', this._hide, this);
    this._generation += 1;
    this._container.remove();
    this._container = null;
    this._setState({ ready: false, count: 0 });
    map.fire(NAMES_PLACED); // their room is free
  },

  /**
   * A checkbox row for the layer panel's admin group (before what `extras` already shows there);
   * call it after `addTo(map)`.
   */
  mountToggle(extras, key = 'group:admin') {
    const row = document.createElement('div');
    row.className = 'hg-layer-row hg-place-names-row';
    row.dataset.layer = 'place_names';
    const label = document.createElement('label');
    const checkbox = document.createElement('input');
    Object.assign(checkbox, { type: 'checkbox', name: 'place_names', checked: Boolean(this._map) });
    const sample = document.createElement('span'); // in the place of the other rows' swatches
    sample.className = 'hg-swatch hg-place-swatch';
    sample.setAttribute('aria-hidden', 'true');
    sample.textContent = 'Aa';
    const name = document.createElement('span');
    name.className = 'hg-layer-name';
    name.dataset.i18n = 'layer.place_names';
    name.id = 'hg-place-names-name';
    checkbox.setAttribute('aria-labelledby', name.id); // the sample "Aa" is no part of its name
    label.append(checkbox, sample, name);
    row.append(label);
    translateDom(row);
    this._home = this._map; // mounted once the layer is on its map
    this._checkbox = checkbox;
    checkbox.addEventListener('change', () => this.setShown(checkbox.checked));
    const box = document.createElement('div');
    box.append(row, ...(extras.has(key) ? [extras.get(key)] : []));
    extras.set(key, box);
    return this;
  },

  /** Names on or off (the toggle, the permalink's `names=off`); Leaflet fires add/remove. */
  setShown(shown) {
    if (this._checkbox) this._checkbox.checked = shown;
    if (shown === this.isShown()) return;
    if (shown) this.addTo(this._home);
    else this.remove();
  },

  isShown() {
    return Boolean(this._map);
  },

  _hide() {
    if (this._container) this._container.style.visibility = 'hidden';
  },

  _setState(change) {
    this.state = { ...this.state, ...change };
    if (!this._container) return;
    this._container.dataset.ready = String(this.state.ready);
    this._container.dataset.count = String(this.state.count);
    if (this.state.passMs !== null) this._container.dataset.passMs = this.state.passMs.toFixed(2);
    if (change.ready) this._map.fire(NAMES_PLACED); // the road numbers are placed around them
  },

  async _update() {
    const generation = ++this._generation;
    const map = this._map;
    this._setState({ ready: false });
    const day = this._dayLayer?.choice.as_of ?? '';
    try {
      const districts = await this._load('districts', day);
      const zoom = map.getZoom();
      const wanted = levelsFor(districts.length > 0).filter((def) => zoom >= def.minZoom && zoom <= def.maxZoom);
      const lists = await Promise.all(wanted.map((def) => this._load(def.collection, day)));
      if (generation !== this._generation) return; // a later move, day or language took over
      this._place(lists.flat(), wanted);
      this._setState({ ready: true, error: null });
    } catch (error) {
      if (generation !== this._generation) return;
      this._container.replaceChildren();
      this._setState({ ready: true, count: 0, error }); // the boundary layers report the failure
    }
  },

  /** The units of `collection` in force on `day` ('' = today) as label candidates, fetched once. */
  _load(collection, day) {
    const key = `${collection}|${day}`;
    if (!this._units.has(key)) {
      // Today's whole collections are shared with the boundary layers and the offline outline.
      const request = (day
        ? fetchFeatures(collection, { datetime: day, properties: PROPERTIES, limit: 10000 }, { followNext: true })
        : loadCollection(collection)
      ).then(({ features }) => features.map(({ properties: p }) => ({
        level: LEVELS.find((def) => def.collection === collection).level,
        code: p.code, name: p.name, kind: p.kind, areaKm2: p.area_km2 ?? 0, lat: p.label_lat, lon: p.label_lon,
      })).filter((unit) => unit.lat != null && unit.lon != null));
      request.catch(() => this._units.delete(key)); // let a later pass ask again
      this._units.set(key, request);
    }
    return this._units.get(key);
  },

  /** The labelling pass: most important first, each kept only where it overlaps none placed before. */
  _place(units, levels) {
    const started = performance.now();
    const map = this._map;
    const rank = new Map(levels.map((def, i) => [def.level, i]));
    const size = map.getSize();
    const sorted = units.slice().sort((a, b) => rank.get(a.level) - rank.get(b.level) || b.areaKm2 - a.areaKm2);
    const placed = controlBoxes(map);
    const obstacles = placed.length;
    const fragment = document.createDocumentFragment();
    for (const unit of sorted) {
      if (placed.length - obstacles >= MAX_LABELS) break;
      const at = map.latLngToContainerPoint([unit.lat, unit.lon]);
      if (at.x < 0 || at.y < 0 || at.x > size.x || at.y > size.y) continue;
      const def = levels[rank.get(unit.level)];
      const font = `${def.font} ${this._font}`;
      const text = labelText(unit);
      const width = this._widths.of(text, font);
      const box = { x0: at.x - width / 2, y0: at.y - def.height / 2, x1: at.x + width / 2, y1: at.y + def.height / 2 };
      // A name cut by the map's edge reads as another name: only whole ones.
      if (box.x0 < 0 || box.y0 < 0 || box.x1 > size.x || box.y1 > size.y) continue;
      if (placed.some((other) => overlaps(other, box))) continue;
      placed.push(box);
      const label = DomUtil.create('div', `hg-place-label hg-place-${unit.level}`);
      label.textContent = text;
      label.dataset.code = unit.code;
      label.dataset.level = unit.level;
      Object.assign(label.style, {
        font, width: `${width}px`, height: `${def.height}px`, lineHeight: `${def.height}px`,
      });
      DomUtil.setPosition(label, map.containerPointToLayerPoint([box.x0, box.y0]).round());
      fragment.append(label);
    }
    this._container.replaceChildren(fragment);
    this._container.style.visibility = '';
    this._setState({ count: placed.length - obstacles, passMs: performance.now() - started });
  },
});

// Permalink: `#zoom/lat/lon?layers=a,b&lang=vi&operator=…&technology=…&status=…&basemap=none&names=off`,
// plus layers' own choices as `<layer>.<choice>=…` (coverage.operator=Viettel) and the district
// choropleth as `indicator=…&period=…`.
export const FILTER_KEYS = ['operator', 'technology', 'status'];
const CHOICE_KEY = /^([a-z_]+)\.([a-z_]+)$/;
const WRITE_DELAY_MS = 150;

/** Parse a location hash; anything missing or malformed comes back as null. */
export function parseHash(hash) {
  const text = hash.replace(/^#/, '');
  const [viewPart, queryPart = ''] = text.split('?');
  const [zoom, lat, lon] = viewPart.split('/').map(Number);
  const valid = [zoom, lat, lon].every(Number.isFinite) && viewPart.split('/').length === 3
    && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  const query = new URLSearchParams(queryPart);
  const filters = {};
  for (const key of FILTER_KEYS) {
    if (query.get(key)) filters[key] = query.get(key);
  }
  const choices = {};
  for (const [key, value] of query) {
    const match = CHOICE_KEY.exec(key);
    if (match) (choices[match[1]] ??= {})[match[2]] = value;
  }
  return {
    view: valid ? { zoom, lat, lon } : null,
    layers: query.has('layers') ? query.get('layers').split(',').filter(Boolean) : null,
    lang: query.get('lang'),
    basemap: query.get('basemap'),
    placeNames: query.get('names') !== 'off', // on unless switched off
    filters,
    choices,
    indicator: query.get('indicator'),
    period: query.get('period'),
  };
}

/** The inverse of parseHash. Coordinates keep 5 decimals (about a metre). */
export function formatHash({
  view, layers, lang, basemap, placeNames = true, filters = {}, choices = {}, indicator, period,
}) {
  const query = new URLSearchParams();
  query.set('layers', layers.join(','));
  if (lang) query.set('lang', lang);
  for (const key of FILTER_KEYS) {
    if (filters[key]) query.set(key, filters[key]);
  }
  if (basemap && basemap !== 'osm') query.set('basemap', basemap);
  if (!placeNames) query.set('names', 'off');
  for (const [layer, values] of Object.entries(choices)) {
    for (const [key, value] of Object.entries(values)) query.set(`${layer}.${key}`, value);
  }
  if (indicator) {
    query.set('indicator', indicator);
    if (period) query.set('period', period);
  }
  const zoom = Math.round(view.zoom * 100) / 100;
  // URLSearchParams writes commas as %2C; they are safe in a fragment and easier to read.
  const queryText = query.toString().replace(/%2C/gi, ',');
  return `#${zoom}/${view.lat.toFixed(5)}/${view.lon.toFixed(5)}?${queryText}`;
}

/**
 * Keeps the hash in step with the app: `collect()` returns the state to write; `apply(state)`
 * receives parsed state when someone edits the URL or goes back.
 */
export class UrlState {
  constructor({ collect, apply }) {
    this._collect = collect;
    this._apply = apply;
    this._written = window.location.hash;
    window.addEventListener('hashchange', () => this._follow());
  }

  /** Apply a hash someone else wrote (an edit of the URL, back/forward); true if there was one. */
  _follow() {
    if (window.location.hash === this._written) return false;
    this._written = window.location.hash;
    this._apply(parseHash(window.location.hash));
    return true;
  }

  /** Write soon (moves and toggles come in bursts); replaceState keeps history short. */
  schedule() {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this.writeNow(), WRITE_DELAY_MS);
  }

  writeNow() {
    clearTimeout(this._timer);
    // An edit whose hashchange event has not arrived yet wins over our pending write.
    if (this._follow()) return;
    const hash = formatHash(this._collect());
    if (hash === window.location.hash) return;
    this._written = hash;
    window.history.replaceState(window.history.state, '', hash);
  }
}

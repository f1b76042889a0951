// The one way the map talks to the server: fetch JSON, turn non-2xx answers into ApiError.

/** A failed API call, carrying the server's `{code, description}` (and `problems`) when it sent one. */
export class ApiError extends Error {
  constructor({ status, code, description, url, body = null }) {
    super(description || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status; // 0 when the server could not be reached
    this.code = code;
    this.description = description;
    this.url = url;
    this.body = body; // the whole answer: `problems`, `suggestion`, `current` …
  }
}

export const isAbort = (error) => error?.name === 'AbortError';

// FastAPI's own errors use {"detail": ...}; ours use {"code", "description"}.
function describe(body, fallback) {
  if (!body || typeof body !== 'object') return fallback;
  if (body.description) return String(body.description);
  if (typeof body.detail === 'string') return body.detail;
  if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg ?? JSON.stringify(d)).join('; ');
  return fallback;
}

/** The session's CSRF token (cookie `hg_csrf`, set at login), echoed on every write. */
export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)hg_csrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : '';
}

/** A fetch that turns a refused connection and any non-2xx answer into ApiError. */
async function checkedFetch(url, init = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', ...init });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError({ status: 0, code: 'network', description: error.message, url });
  }
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON (a proxy's HTML page, say): fall back to the status text.
    }
    const error = new ApiError({
      status: response.status,
      code: body?.code ?? `http_${response.status}`,
      description: describe(body, response.statusText),
      url,
      body,
    });
    error.problems = Array.isArray(body?.problems) ? body.problems : [];
    throw error;
  }
  return response;
}

/** GET `url` and parse JSON; throws ApiError (or the AbortError when `signal` aborts). */
export async function getJSON(url, { signal } = {}) {
  const response = await checkedFetch(url, { signal, headers: { Accept: 'application/geo+json, application/json' } });
  return response.json();
}

/** GET `url` as text (an SVG chart, say). */
export async function getText(url, { signal } = {}) {
  return (await checkedFetch(url, { signal })).text();
}

/**
 * GET a binary answer (a vector tile) as an ArrayBuffer; `cache: 'no-cache'` revalidates a tile the
 * browser keeps (its ETag) after a write. Same origin, so the session cookie rides along.
 */
export async function getBytes(url, { signal, cache = 'default' } = {}) {
  return (await checkedFetch(url, { signal, cache })).arrayBuffer();
}

/** One feature of an OGC collection by its id (GET /ogc/collections/{collection}/items/{id}). */
export const fetchItem = (collection, id, { signal } = {}) =>
  getJSON(`/ogc/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(id)}`, { signal });

/**
 * Send `body` as JSON with `method` (POST, PUT, PATCH, DELETE), the CSRF token and any `headers`
 * (If-Match); the answer's JSON (null for 204). ApiError carries `problems` and the whole `body`.
 */
export async function sendJSON(url, { method = 'POST', body, headers = {} } = {}) {
  const response = await checkedFetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrfToken(), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.status === 204 ? null : response.json();
}

/** POST a multipart form (a file upload) with the CSRF token; the answer's JSON. */
export async function sendForm(url, form, { signal } = {}) {
  const headers = { 'X-CSRF-Token': csrfToken(), Accept: 'application/json' };
  return (await checkedFetch(url, { method: 'POST', headers, body: form, signal })).json();
}

export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** POST a multipart form (a file and its fields) to `path?params`; the JSON answer or ApiError. */
export function importFile({
  file, target, dryRun, crs, layer, encoding, mode, swapAxes, repair, profile, corrections, saveProfile,
}, { signal } = {}) {
  const form = new FormData();
  form.append('file', file, file.name);
  // The planner's corrections of the mapping (file column → field, field → {value → code}).
  if (corrections) form.append('corrections', JSON.stringify(corrections));
  const params = { target, dry_run: dryRun ? 'true' : 'false', crs, layer, encoding, mode };
  // Only when asked: without them a swapped or invalid file is refused, saying which option reads it.
  if (swapAxes) params.swap_axes = 'true';
  if (repair) params.repair = 'true';
  if (profile) params.profile = profile;
  if (saveProfile) params.save_profile = saveProfile;
  return sendForm(withQuery('/api/import', params), form, { signal });
}

export const itemsUrl = (collection, params) =>
  withQuery(`/ogc/collections/${encodeURIComponent(collection)}/items`, params);

// A `next` link may name another host (a proxy, 127.0.0.1 vs localhost): keep our origin.
function sameOrigin(href) {
  const url = new URL(href, window.location.href);
  return `${url.pathname}${url.search}`;
}

/**
 * Fetch a collection's features as one FeatureCollection.
 * With `followNext`, pages are followed through their `next` links (up to `maxPages`).
 */
export async function fetchFeatures(collection, params, { signal, followNext = false, maxPages = 100 } = {}) {
  const first = await getJSON(itemsUrl(collection, params), { signal });
  const features = [...(first.features ?? [])];
  let page = first;
  for (let pages = 1; followNext && pages < maxPages; pages += 1) {
    const next = (page.links ?? []).find((link) => link.rel === 'next');
    if (!next?.href) break;
    page = await getJSON(sameOrigin(next.href), { signal });
    features.push(...(page.features ?? []));
  }
  return {
    type: 'FeatureCollection',
    features,
    numberMatched: first.numberMatched ?? null,
    numberReturned: features.length,
  };
}

const wholeCollections = new Map();

/**
 * A whole unfiltered collection (all pages), fetched once and shared by everyone who asks:
 * the districts feed their layer, the zoom-to-district list and the offline outline.
 * `datetime` (a day): the admin units in force that day (a plan judged on a former geography).
 */
export function loadCollection(collection, { datetime } = {}) {
  const key = `${collection}@${datetime ?? ''}`;
  if (!wholeCollections.has(key)) {
    const params = datetime ? { limit: 10000, datetime } : { limit: 10000 };
    const request = fetchFeatures(collection, params, { followNext: true });
    request.catch(() => wholeCollections.delete(key)); // let a later call retry
    wholeCollections.set(key, request);
  }
  return wholeCollections.get(key);
}

/**
 * The region's subdivisions in force today: its districts, or — since a reform abolished them —
 * its communes. Resolves to `{ level, collection }`.
 */
export async function loadSubdivisions() {
  const districts = await loadCollection('districts');
  if (districts.features.length) return { level: 'district', collection: districts };
  return { level: 'commune', collection: await loadCollection('communes') };
}

/** Drop a shared whole collection (after a write changed it): the next `loadCollection` fetches it. */
export function forgetCollection(collection) {
  for (const key of [...wholeCollections.keys()]) {
    if (key.startsWith(`${collection}@`)) wholeCollections.delete(key);
  }
}

/** `GET /api/search`: places whose folded name matches `q`. */
export async function searchPlaces(q, { limit = 10, signal } = {}) {
  const body = await getJSON(withQuery('/api/search', { q, limit }), { signal });
  return body.results ?? [];
}

/** `GET /api/coverage/model-card`: the latest coverage run and every parameter of its model. */
export const fetchModelCard = ({ signal } = {}) => getJSON('/api/coverage/model-card', { signal });

/** `GET /api/hamlets/{code}/coverage`: per-operator coverage, dead zones and nearest sites. */
export const fetchHamletCoverage = (code, { signal } = {}) =>
  getJSON(`/api/hamlets/${encodeURIComponent(code)}/coverage`, { signal });

/** `GET /api/indicators`: the plan's indicators per unit of `level` for `period`. */
export const fetchIndicators = ({ level, period, parent, code, plan }, { signal } = {}) =>
  getJSON(withQuery('/api/indicators', { level, period, parent, code, plan }), { signal });

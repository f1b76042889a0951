// The one way the map talks to the server: fetch JSON, turn non-2xx answers into ApiError.

/** A failed API call, carrying the server's `{code, description}` (and `problems`) when it sent one. */
export class ApiError extends Error {
  constructor({ status, code, description, url, problems = [] }) {
    super(description || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status; // 0 when the server could not be reached
    this.code = code;
    this.description = description;
    this.url = url;
    this.problems = problems; // an import's every reason, each with its row/feature number
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

/** fetch `url` and parse its JSON; throws ApiError (or the AbortError when `init.signal` aborts). */
async function requestJSON(url, init) {
  let response;
  try {
    response = await fetch(url, init);
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
    throw new ApiError({
      status: response.status,
      code: body?.code ?? `http_${response.status}`,
      description: describe(body, response.statusText),
      url,
      problems: Array.isArray(body?.problems) ? body.problems : [],
    });
  }
  return response.json();
}

/** GET `url` and parse JSON. */
export const getJSON = (url, { signal } = {}) =>
  requestJSON(url, { signal, headers: { Accept: 'application/geo+json, application/json' } });

export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** POST a multipart form (a file and its fields) to `path?params`; the JSON answer or ApiError. */
export const postForm = (path, params, form, { signal } = {}) =>
  requestJSON(withQuery(path, params), { method: 'POST', body: form, signal, headers: { Accept: 'application/json' } });

/** `POST /api/import`: check (dry_run) or import one file into a target layer. */
export function importFile({ file, target, dryRun, crs, layer, encoding, mode }, { signal } = {}) {
  const form = new FormData();
  form.append('file', file, file.name);
  const params = { target, dry_run: dryRun ? 'true' : 'false', crs, layer, encoding, mode };
  return postForm('/api/import', params, form, { signal });
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
 */
export function loadCollection(collection) {
  if (!wholeCollections.has(collection)) {
    const request = fetchFeatures(collection, { limit: 10000 }, { followNext: true });
    request.catch(() => wholeCollections.delete(collection)); // let a later call retry
    wholeCollections.set(collection, request);
  }
  return wholeCollections.get(collection);
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
export const fetchIndicators = ({ level, period }, { signal } = {}) =>
  getJSON(withQuery('/api/indicators', { level, period }), { signal });

// "Tại điểm này": what serves a spot (GET /api/point), in a popup laid out per operator — the
// predicted level, its band and where it serves (trong nhà / trên xe / ngoài trời), the serving and
// next-best cells, and the speed tests measured nearby. Opened by a click where no feature popup
// opens, by the "Tại điểm này" button this module adds to every other popup (the district and
// commune outlines answer most clicks), by a right-click or long press anywhere, and by a position
// or site found by the search.
import { popup } from 'leaflet';
import { getJSON, isAbort, withQuery } from './api.js';
import { formatDate, formatDistance, formatNumber } from './format.js';
import { t, tEnum } from './i18n.js';
import { describeError } from './notify.js';
import { element } from './popup.js';

const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];
const compass = (deg) => t(`point.compass.${COMPASS[Math.round(deg / 45) % 8]}`);

function server(kind, s) {
  const parts = [s.technology, `${formatNumber(s.level_dbm, 1)} dBm`];
  if (s.site_code) parts.push(t('point.siteCell', { site: s.site_code, cell: s.cell_code }));
  parts.push(s.bearing_deg !== undefined
    ? t('point.away', { distance: formatDistance(s.distance_m), bearing: formatNumber(s.bearing_deg, 0), compass: compass(s.bearing_deg) })
    : formatDistance(s.distance_m));
  const line = element('li', `hg-point-server hg-point-${kind}`);
  line.append(element('span', 'hg-point-label', t(`point.${kind}`)), ` ${parts.join(' · ')}`);
  return line;
}

function classRow(operator, c) {
  const row = element('li', 'hg-point-class');
  Object.assign(row.dataset, { operator, class: c.class, band: c.band });
  const head = element('div', 'hg-point-class-head');
  head.append(element('strong', null, t(`coverage.${c.class}`)), ' ');
  if (c.level_dbm === null) {
    head.append(element('span', 'hg-point-band band-none', t('point.band.none')));
  } else {
    head.append(
      element('span', `hg-point-band band-${c.band}`, `${t(`point.band.${c.band}`)} · ${formatNumber(c.level_dbm, 1)} dBm`),
      ' ',
      element('span', 'hg-point-words', c.places.length
        ? c.places.map((p) => t(`point.place.${p}`)).join(', ')
        : t('point.place.none')),
    );
  }
  row.append(head);
  const servers = element('ul', 'hg-point-servers');
  if (c.serving) servers.append(server('serving', c.serving));
  if (c.next_best) servers.append(server('nextBest', c.next_best));
  if (servers.children.length) row.append(servers);
  return row;
}

function samples(s, radius) {
  if (!s.count) return element('p', 'hg-popup-note hg-point-samples', t('point.noSamples', { radius: formatDistance(radius) }));
  const text = t('point.samples', {
    count: s.count,
    radius: formatDistance(radius),
    down: formatNumber(s.median_download_mbps, 1),
    up: formatNumber(s.median_upload_mbps, 1),
    first: formatDate(s.first),
    last: formatDate(s.last),
  });
  return element('p', 'hg-point-samples', text);
}

/** The popup's content for an answer of GET /api/point (built at open time: the current language). */
export function renderPoint(answer) {
  const root = element('div', 'hg-popup hg-point');
  root.append(element('div', 'hg-popup-layer', t('point.title')));
  const place = answer.place;
  root.append(element('h2', 'hg-popup-title', place?.hamlet_name
    ? `${place.hamlet_name}, ${place.commune_name}` : (place?.commune_name ?? t('point.noPlace'))));
  const facts = element('p', 'hg-popup-note hg-point-where');
  facts.textContent = [place?.district_name, `${formatNumber(answer.lat, 5)}, ${formatNumber(answer.lon, 5)}`]
    .filter(Boolean).join(' · ');
  root.append(facts);
  const dead = element('p', `hg-point-dead ${answer.dead_zone ? 'is-dead' : ''}`);
  dead.dataset.kind = answer.dead_zone ?? '';
  dead.textContent = answer.dead_zone
    ? t('point.deadZone', { kind: tEnum('dead_zone_kind', answer.dead_zone) })
    : t('point.noDeadZone');
  root.append(dead);
  if (answer.run.live_instead) root.append(element('p', 'hg-popup-note', t('point.liveInstead', { date: formatDate(answer.date) })));
  const list = element('ul', 'hg-point-operators');
  list.tabIndex = 0; // it scrolls on a small screen: reachable by keyboard
  list.setAttribute('aria-label', t('point.byOperator'));
  for (const op of answer.operators) {
    const item = element('li', 'hg-point-operator');
    item.dataset.operator = op.operator;
    item.append(element('h3', 'hg-popup-subtitle', op.operator));
    const classes = element('ul', 'hg-point-classes');
    op.classes.forEach((c) => classes.append(classRow(op.operator, c)));
    item.append(classes, samples(op.samples, answer.samples.radius_m));
    list.append(item);
  }
  root.append(list);
  root.append(element('p', 'hg-popup-note', t('point.basis', { cell: formatNumber(answer.grid.cell_m, 0) })));
  return root;
}

/**
 * Answer clicks on `map`: a click that opened no feature's popup (the layers mark theirs) and any
 * right-click / long press. A site being placed takes its click first (registration/form.js).
 */
export function mountPointQuery(map) {
  let controller = null;
  let state = null; // { answer } | { error } | { pending }

  const content = () => {
    if (state.pending) return element('p', 'hg-popup-note', t('point.loading'));
    if (state.error) return element('p', 'hg-popup-note hg-popup-error', describeError(state.error));
    return renderPoint(state.answer);
  };
  const shown = popup({ maxWidth: 380, minWidth: 260, className: 'hg-point-popup', autoPanPadding: [16, 16] })
    .setContent(() => content());

  async function openAt(lat, lon) {
    controller?.abort();
    controller = new AbortController();
    const mine = controller;
    state = { pending: true };
    shown.setLatLng([lat, lon]).openOn(map);
    try {
      state = { answer: await getJSON(withQuery('/api/point', { lon: lon.toFixed(6), lat: lat.toFixed(6) }), { signal: mine.signal }) };
    } catch (error) {
      if (isAbort(error)) return;
      state = { error };
    }
    if (mine === controller && map.hasLayer(shown)) shown.update();
  }

  // A click that closes an open popup (Leaflet closes it on 'preclick') only closes it.
  let popups = 0;
  let dismissing = false;
  map.on('popupopen', () => { popups += 1; });
  map.on('popupclose', () => { popups = Math.max(0, popups - 1); });
  map.on('preclick', () => { dismissing = popups > 0; });
  map.on('click', (event) => {
    if (event.originalEvent?.hgFeatureHit || dismissing) return;
    openAt(event.latlng.lat, event.latlng.lng);
  });
  map.on('contextmenu', (event) => openAt(event.latlng.lat, event.latlng.lng));

  // Every other popup gets a "Tại điểm này" button asking about the spot it was opened at — again
  // whenever its content is rebuilt (a hamlet's coverage arriving, the language toggled).
  function addButton(other) {
    const box = other.getElement?.()?.querySelector('.leaflet-popup-content');
    if (!box || box.querySelector('.hg-point-here')) return;
    const button = element('button', 'hg-button secondary hg-point-here', t('point.here'));
    button.type = 'button';
    button.addEventListener('click', () => {
      const { lat, lng } = other.getLatLng();
      openAt(lat, lng);
    });
    box.append(button);
  }
  let watching = null;
  map.on('popupopen', (event) => {
    watching?.disconnect();
    watching = null;
    const other = event.popup;
    if (other === shown) return;
    addButton(other);
    const box = other.getElement?.()?.querySelector('.leaflet-popup-content');
    if (!box) return;
    watching = new MutationObserver(() => addButton(other));
    watching.popup = other;
    watching.observe(box, { childList: true });
  });
  map.on('popupclose', (event) => {
    if (watching?.popup !== event.popup) return;
    watching.disconnect();
    watching = null;
  });

  /** Fly to a found position or site, then ask about it. */
  function flyTo(lat, lon) {
    map.closePopup();
    map.once('moveend', () => openAt(lat, lon));
    map.flyTo([lat, lon], Math.max(map.getZoom(), 15), { duration: 0.6 });
  }

  return {
    openAt,
    flyTo,
    get answer() { return state?.answer ?? null; },
  };
}

// A hamlet's popup (or a dead zone's, an FTTH gap's): its attributes, then the hamlet's coverage
// from /api/hamlets/{code}/coverage —
// per-operator mobile broadband, FTTH, people in dead zones and the nearest site of each operator.
import { fetchHamletCoverage } from './api.js';
import { formatDistance, formatNumber, formatShare } from './format.js';
import { t, tEnum } from './i18n.js';
import { describeError } from './notify.js';
import { element, renderPopup } from './popup.js';
import { operatorColor } from './styles.js';

// One answer per hamlet code: { pending } → { data } or { error }. The popups waiting for it are
// rebuilt when it arrives (and on a language change), so the cache keeps that from asking twice.
const answers = new Map();

function load(code, layer) {
  let entry = answers.get(code);
  if (!entry) {
    entry = { pending: true, data: null, error: null, waiting: new Set() };
    answers.set(code, entry);
    fetchHamletCoverage(code)
      .then((data) => { entry.data = data; }, (error) => { entry.error = error; })
      .finally(() => {
        entry.pending = false;
        const open = [...entry.waiting].filter((waiting) => waiting.isPopupOpen());
        entry.waiting.clear();
        // A failure is shown once, then forgotten so that the next opening asks again.
        if (entry.error) {
          if (open.length) open[0].once('popupclose', () => answers.delete(code));
          else answers.delete(code);
        }
        open.forEach((waiting) => waiting.getPopup().update());
      });
  }
  if (entry.pending) entry.waiting.add(layer);
  return entry;
}

const isMissing = (value) => value === null || value === undefined;
const share = (value) => (isMissing(value) ? t('coverage.notComputed') : formatShare(value));

function coveredText(value, covered) {
  if (isMissing(value)) return t('coverage.notComputed');
  return `${formatShare(value)} · ${t(covered ? 'hamlet.covered' : 'hamlet.notCovered')}`;
}

/** The summary: label / value rows, each row named by `data-field`. */
function summary(rows) {
  const table = element('table', 'hg-popup-table');
  const body = element('tbody');
  for (const [field, label, value] of rows) {
    const tr = element('tr');
    tr.dataset.field = field;
    tr.append(element('th', null, label), element('td', null, value));
    body.append(tr);
  }
  table.append(body);
  return table;
}

/** A small table with a header; each row is a list of [text, className?] cells. */
function grid(className, head, rows) {
  const table = element('table', `hg-popup-grid ${className}`);
  const headRow = element('tr');
  head.forEach((label) => headRow.append(element('th', null, label)));
  const thead = element('thead');
  thead.append(headRow);
  const body = element('tbody');
  for (const cells of rows) {
    const tr = element('tr');
    cells.forEach(([text, cellClass]) => tr.append(element('td', cellClass, text)));
    body.append(tr);
  }
  table.append(thead, body);
  return table;
}

function operatorBars(operators) {
  const list = element('ul', 'hg-operator-bars');
  for (const { operator, mbb_share: value } of operators) {
    const item = element('li', 'hg-operator-row');
    item.dataset.operator = operator;
    const track = element('span', 'hg-bar');
    track.setAttribute('aria-hidden', 'true');
    const fill = element('span', 'hg-bar-fill');
    fill.style.width = `${Math.round(Math.max(0, Math.min(1, value ?? 0)) * 100)}%`;
    fill.style.background = operatorColor(operator);
    track.append(fill);
    item.append(element('span', 'hg-operator-name', operator), track, element('span', 'hg-bar-value', share(value)));
    list.append(item);
  }
  return list;
}

const technologies = (value) => (Array.isArray(value) ? value.join(', ') : (value ?? ''));

function renderCoverage(section, data) {
  const note = (key) => element('p', 'hg-popup-note', t(key));
  const people = isMissing(data.dead_zone_population)
    ? t('coverage.notComputed') : t('unit.people', { n: formatNumber(data.dead_zone_population, 0) });
  section.append(
    element('h3', 'hg-popup-subtitle', t('hamlet.coverageTitle')),
    summary([
      ['mbb_share', t('hamlet.mbb'), coveredText(data.mbb_share, data.mbb_covered)],
      ['ftth_share', t('hamlet.ftth'), coveredText(data.ftth_share, data.ftth_covered)],
      ['dead_zone_population', t('hamlet.deadZonePopulation'), people],
    ]),
    element('h4', 'hg-popup-subtitle', t('hamlet.byOperator')),
    data.operators?.length ? operatorBars(data.operators) : note('value.none'),
    element('h4', 'hg-popup-subtitle', t('hamlet.deadZones')),
    data.dead_zones?.length
      ? grid('hg-dead-zone-table', [t('field.kind'), t('field.area_km2'), t('field.population')],
        data.dead_zones.map((zone) => [[tEnum('dead_zone_kind', zone.kind)],
          [`${formatNumber(zone.area_km2, 2)} km²`, 'hg-num'], [formatNumber(zone.population, 0), 'hg-num']]))
      : note('hamlet.noDeadZones'),
    element('h4', 'hg-popup-subtitle', t('hamlet.nearestSites')),
    data.nearest_sites?.length
      ? grid('hg-nearest-sites', [t('field.operator'), t('field.site_code'), t('hamlet.distance'),
        t('field.technologies')], data.nearest_sites.map((site) => [[site.operator], [site.site_code],
        [formatDistance(site.distance_m), 'hg-num'], [technologies(site.technologies)]]))
      : note('value.none'),
  );
}

/** "Báo sai vùng phủ ở đây": the public challenge form with the popup's spot (where the map was
 * clicked, else the feature's middle) filled in. */
function challengeLink(layer) {
  const spot = layer.getPopup?.()?.getLatLng() ?? layer.getBounds?.().getCenter();
  const link = element('a', 'hg-popup-challenge', t('challenge.reportHere'));
  link.href = spot
    ? `/challenge?${new URLSearchParams({ lon: spot.lng.toFixed(6), lat: spot.lat.toFixed(6) })}`
    : '/challenge';
  return link;
}

/**
 * A `popup` (see layers/registry.js) for features of one hamlet: the feature's own table, then
 * the coverage of the hamlet whose code is in `codeField` (hamlets: 'code'; dead zones and FTTH
 * gaps: 'hamlet_code').
 */
export const hamletPopup = (codeField) => (def, feature, layer) => {
  const root = renderPopup(def, feature);
  root.classList.add('hg-popup-hamlet');
  const section = element('section', 'hg-hamlet-coverage');
  root.append(section);
  const entry = load(String(feature.properties?.[codeField]), layer);
  if (entry.pending) {
    section.append(element('p', 'hg-popup-note', t('hamlet.loading')));
  } else if (entry.error) {
    const text = entry.error.status === 404
      ? t('hamlet.noData') : t('hamlet.error', { message: describeError(entry.error) });
    section.append(element('p', 'hg-popup-note hg-popup-error', text));
  } else {
    renderCoverage(section, entry.data);
  }
  root.append(challengeLink(layer));
  return root;
};

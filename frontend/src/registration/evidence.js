// What decides a registration, shown to the operator who fills the form and to the planner who
// approves it: the other operators' shareable sites nearby and what the site would cover (the
// coverage engine's what-if).
import { getJSON, sendJSON, withQuery } from '../api.js';
import { formatDistance, formatNumber } from '../format.js';
import { t, tEnum } from '../i18n.js';
import { el } from './dom.js';

/**
 * `{nearby, whatIf}` for a site at `lon, lat` of `owner` with `cells` (`{technology, band_mhz,
 * azimuth_deg, antenna_height_m, eirp_dbm}`); a what-if the engine refuses comes back as `{error}`.
 * `candidatesFor` names the owner to the candidates' query (the Department's; an operator's is its own).
 */
export async function fetchEvidence({ lon, lat, owner, candidatesFor, heightM, cells }) {
  const nearby = await getJSON(withQuery('/api/sites/sharing-candidates', { lon, lat, owner: candidatesFor }));
  const whatIf = await sendJSON('/api/coverage/what-if', { body: {
    site: { lon, lat, height_m: heightM },
    cells: cells.map((c) => ({ ...c, operator: owner, beamwidth_deg: c.beamwidth_deg ?? 65 })),
  } }).catch((error) => ({ error }));
  return { nearby, whatIf };
}

/** The heading and list of shareable sites; `ask(code, button)` adds a tenancy button per site. */
export function candidatesPart(nearby, { id, ask } = {}) {
  const list = el('ul', { className: 'hg-list', id });
  for (const c of nearby.candidates) {
    const parts = [
      el('strong', { textContent: `${c.code} · ${c.owner}` }),
      ` — ${tEnum('structure_type', c.structure_type)}${c.height_m ? ` ${formatNumber(c.height_m, 1)} m` : ''}, `,
      `${formatDistance(c.distance_m)}`,
      c.rent_vnd_month != null ? `, ${formatNumber(c.rent_vnd_month, 0)} ${t('unit.perMonth')}` : '',
    ];
    if (ask) {
      const button = el('button', { type: 'button', className: 'hg-button secondary', textContent: t('reg.askTenancy') });
      button.addEventListener('click', () => ask(c.code, button));
      parts.push(' ', button);
    }
    list.append(el('li', { 'data-code': c.code }, parts));
  }
  const radius = formatNumber(nearby.radius_m, 0);
  return [el('h3', { className: 'hg-form-note', textContent: nearby.candidates.length
    ? t('reg.candidates', { count: nearby.candidates.length, radius })
    : t('reg.noCandidates', { radius }) }), list];
}

/** The what-if in one sentence and the hamlets that would become covered. */
export function whatIfPart(whatIf, { id } = {}) {
  if (whatIf.error) {
    return el('p', { className: 'hg-form-error', textContent: t('reg.whatIfFailed', { message: whatIf.error.description ?? '' }) });
  }
  const newly = whatIf.hamlets_changing_status ?? [];
  return el('div', { id, className: 'hg-form-note hg-whatif' }, [
    // The list's lead-in ends with a colon only when a list follows it.
    el('p', { textContent: t(newly.length ? 'reg.whatIf' : 'reg.whatIfNone', {
      population: formatNumber(whatIf.population_newly_covered, 0),
      area: formatNumber(whatIf.newly_covered_area_km2, 2), count: newly.length }) }),
    el('ul', { className: 'hg-list' }, newly.map((h) => el('li', { 'data-code': h.code,
      textContent: `${h.name} (${h.code}): ${formatNumber(h.mbb_share_before * 100, 0)}% → ${formatNumber(h.mbb_share_after * 100, 0)}%` }))),
  ]);
}

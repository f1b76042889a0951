// The reporter's private view: the token lives in the URL's fragment (never sent to a server or a
// Referer) and is sent in a header (never in a request line the logs keep).
import { el, stepList, summaryOf } from './dom.js';
import { t } from '../i18n.js';

export const tokenOfPage = () => new URLSearchParams(window.location.hash.slice(1)).get('t');

export async function showTrack(box, token) {
  box.hidden = false;
  const response = await fetch('/api/challenges/track', { headers: { 'X-Challenge-Token': token, Accept: 'application/json' } });
  if (!response.ok) {
    box.replaceChildren(el('p', { className: 'hg-report-status is-refused' }, t('challenge.trackMissing')));
    return;
  }
  const c = await response.json();
  box.replaceChildren(
    el('h2', {}, t('challenge.track', { code: c.code })),
    summaryOf(c),
    c.escalated ? el('p', { className: 'hg-ch-escalated' }, t('challenge.escalated')) : null,
    c.measured ? el('p', {}, t('challenge.measuredNote')) : null,
    el('h3', {}, t('challenge.steps')),
    stepList(c.steps),
  );
}

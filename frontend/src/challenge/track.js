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
    eraseButton(box, token, c),
  );
}

/** The reporter erases their contact details (the Department keeps none afterwards). */
function eraseButton(box, token, c) {
  if (c.steps.some((s) => s.step === 'erased')) return el('p', { className: 'hg-note' }, t('challenge.contactErased'));
  const status = el('p', { className: 'hg-note', role: 'status' });
  const button = el('button', { type: 'button', className: 'hg-button secondary', id: 'hg-ch-erase' }, t('challenge.eraseMine'));
  button.addEventListener('click', async () => {
    const response = await fetch('/api/challenges/track/contact', {
      method: 'DELETE', headers: { 'X-Challenge-Token': token, Accept: 'application/json' },
    });
    if (response.ok) {
      await showTrack(box, token);
      return;
    }
    const body = await response.json().catch(() => ({}));
    status.className = 'hg-note hg-report-status is-refused';
    status.textContent = body.problems?.[0]?.message ?? body.detail ?? String(response.status);
  });
  return el('div', { className: 'hg-ch-actions' }, el('p', { className: 'hg-note' }, t('challenge.eraseHint')), button, status);
}

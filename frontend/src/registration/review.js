// Registrations awaiting a decision and sharing requests, with the actions the user's role allows
// (the Department approves or rejects; an owner commissions its approved sites and decides
// requests for its structures); and any record's audit trail in a dialog.
import { getJSON, sendJSON, withQuery } from '../api.js';
import { currentUser, isStaff } from '../account/session.js';
import { t, tEnum } from '../i18n.js';
import { notify } from '../notify.js';
import { el, labelled, translated } from './dom.js';
import { refusalText } from './messages.js';
import { showHistory } from './history.js';

// The export counts days as the Department does (app/services/audit.py LOCAL_TZ), not in UTC:
// after 17:00 UTC the Department's day is already tomorrow.
const DEPARTMENT_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit',
});

/** The Department downloads the audit trail of a period (CSV, opens in Excel). */
function auditExport() {
  const today = DEPARTMENT_DAY.format(new Date());
  const monthAgo = DEPARTMENT_DAY.format(new Date(Date.now() - 30 * 86400e3));
  const from = el('input', { type: 'date', value: monthAgo, id: 'hg-audit-from' });
  const to = el('input', { type: 'date', value: today, id: 'hg-audit-to' });
  const link = el('a', { className: 'hg-button secondary', id: 'hg-audit-download', 'data-i18n': 'review.auditDownload' });
  const update = () => { link.href = withQuery('/api/audit/export', { from: from.value, to: to.value }); };
  from.addEventListener('change', update);
  to.addEventListener('change', update);
  update();
  return el('div', { className: 'hg-form' }, [
    el('h2', { className: 'hg-section-title', 'data-i18n': 'review.audit' }),
    el('div', { className: 'hg-grid-2' }, [...labelled('hg-audit-from', 'review.auditFrom', from),
      ...labelled('hg-audit-to', 'review.auditTo', to)]),
    link,
  ]);
}

export class ReviewPanel {
  constructor({ onChange, onEdit }) {
    this.onChange = onChange;
    this.onEdit = onEdit;
  }

  mount(container) {
    this.list = el('ul', { className: 'hg-list', id: 'hg-review-list' });
    this.requests = el('ul', { className: 'hg-list', id: 'hg-requests-list' });
    container.replaceChildren(
      el('h2', { className: 'hg-section-title', 'data-i18n': isStaff() ? 'review.titleStaff' : 'review.titleOperator' }),
      this.list,
      el('h2', { className: 'hg-section-title', 'data-i18n': 'review.requests' }),
      this.requests,
      ...(isStaff() ? [auditExport()] : []),
    );
    translated(container);
    return this.refresh();
  }

  async refresh() {
    const [{ registrations }, { requests }] = await Promise.all([
      getJSON('/api/registrations'), getJSON('/api/sharing-requests'),
    ]);
    this.list.replaceChildren(...(registrations.length ? registrations.map((r) => this.registrationRow(r))
      : [el('li', { textContent: t('review.none') })]));
    this.requests.replaceChildren(...(requests.length ? requests.map((r) => this.requestRow(r))
      : [el('li', { textContent: t('review.noRequests') })]));
  }

  button(key, id, action) {
    const b = el('button', { type: 'button', className: 'hg-button secondary', id, textContent: t(key) });
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await action();
        await this.refresh();
        this.onChange?.();
      } catch (error) {
        notify(refusalText(error));
        b.disabled = false;
      }
    });
    return b;
  }

  registrationRow(r) {
    const user = currentUser();
    const own = user.role === 'operator' && user.operator === r.owner;
    const headers = { 'If-Match': `"${r.version}"` };
    const move = (to, reason) => sendJSON(`/api/sites/${encodeURIComponent(r.code)}/transitions`, { body: { to, reason }, headers });
    const reason = el('input', { type: 'text', placeholder: t('review.reason'), id: `hg-reason-${r.code}` });
    const actions = [];
    if (isStaff() && r.status === 'proposed') {
      actions.push(this.button('review.approve', `hg-approve-${r.code}`, () => move('approved')));
      actions.push(reason, this.button('review.reject', `hg-reject-${r.code}`, () => move('rejected', reason.value)));
    }
    if (r.status === 'approved' && (isStaff() || own)) {
      actions.push(this.button('review.activate', `hg-activate-${r.code}`, () => move('active')));
    }
    if (r.has_pending_change && isStaff()) {
      const decide = (approve) => sendJSON(`/api/sites/${encodeURIComponent(r.code)}/pending-change`,
        { body: { approve, reason: reason.value || null }, headers });
      if (!actions.includes(reason)) actions.push(reason);
      actions.push(this.button('review.approveChange', `hg-approve-change-${r.code}`, () => decide(true)));
      actions.push(this.button('review.refuseChange', `hg-refuse-change-${r.code}`, () => decide(false)));
    }
    if ((isStaff() || own) && r.status !== 'decommissioned') {
      const edit = el('button', { type: 'button', className: 'hg-button secondary', id: `hg-edit-${r.code}`,
        textContent: t('review.edit') });
      edit.addEventListener('click', () => this.onEdit?.(r.code));
      actions.push(edit);
    }
    if (r.status === 'rejected' && (isStaff() || own)) {
      actions.push(this.button('review.resubmit', `hg-resubmit-${r.code}`, () => move('proposed')));
    }
    actions.push(this.button('review.history', `hg-history-${r.code}`, () => showHistory('site', r.code)));
    const notes = [r.new_structure_reason && t('review.newStructure', { reason: r.new_structure_reason }),
      r.status_reason && t('review.statusReason', { reason: r.status_reason }),
      r.has_pending_change && t('review.pendingChange', { by: r.pending_by })].filter(Boolean);
    return el('li', { 'data-code': r.code, 'data-status': r.status }, [
      el('strong', { textContent: `${r.code} · ${r.owner}` }), ' ',
      el('span', { className: 'hg-badge', textContent: tEnum('status', r.status) }),
      ...notes.map((n) => el('div', { className: 'hg-form-note', textContent: n })),
      el('div', { className: 'hg-form-actions' }, actions),
    ]);
  }

  requestRow(r) {
    const user = currentUser();
    const mineToDecide = isStaff() || (user.role === 'operator' && user.operator === r.owner);
    const mineAsked = user.role === 'operator' && user.operator === r.requester;
    const actions = [];
    if (r.status === 'pending' && mineToDecide) {
      const decide = (accept) => sendJSON(`/api/sharing-requests/${r.id}/decision`, { body: { accept } });
      actions.push(this.button('review.accept', `hg-accept-${r.id}`, () => decide(true)));
      actions.push(this.button('review.decline', `hg-decline-${r.id}`, () => decide(false)));
    }
    if (r.status === 'pending' && mineAsked) {
      actions.push(this.button('review.withdraw', `hg-withdraw-${r.id}`,
        () => sendJSON(`/api/sharing-requests/${r.id}/withdrawal`)));
    }
    return el('li', { 'data-request': String(r.id), 'data-status': r.status }, [
      el('strong', { textContent: t('review.requestLine', { requester: r.requester, asset: t(`review.asset.${r.asset}`),
        code: r.code, owner: r.owner }) }), ' ',
      el('span', { className: 'hg-badge', textContent: t(`review.request.${r.status}`) }),
      el('div', { className: 'hg-form-actions' }, actions),
    ]);
  }
}

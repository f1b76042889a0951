// Registrations awaiting a decision and sharing requests, with the actions the user's role allows
// (the Department approves or rejects; an owner commissions its approved sites and decides
// requests for its structures); and any record's audit trail in a dialog.
import { getJSON, sendJSON, withQuery } from '../api.js';
import { currentUser, isStaff } from '../account/session.js';
import { t, tEnum } from '../i18n.js';
import { notify } from '../notify.js';
import { el, labelled, options, translated } from './dom.js';
import { candidatesPart, fetchEvidence, whatIfPart } from './evidence.js';
import { formatDate, formatDateTime, regionDay } from '../format.js';
import { refusalText } from './messages.js';
import { showHistory } from './history.js';

// The export counts days as the Department does (on the region's clock, app/services/clock.py),
// not in UTC: in Vietnam, after 17:00 UTC the Department's day is already tomorrow.

/** Where a registered site stands, as the queue shows and filters it: "district · commune". */
const placeOf = (r) => [r.district, r.commune].filter(Boolean).join(' · ') || null;

/** The Department downloads the audit trail of a period (CSV, opens in Excel). */
function auditExport() {
  const today = regionDay(new Date());
  const monthAgo = regionDay(new Date(Date.now() - 30 * 86400e3));
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
    this.filters = {
      owner: el('select', { id: 'hg-review-owner' }),
      status: el('select', { id: 'hg-review-status' }),
      place: el('select', { id: 'hg-review-place' }),
      age: el('select', { id: 'hg-review-age' }),
    };
    for (const select of Object.values(this.filters)) select.addEventListener('change', () => this.draw());
    this.shown = el('p', { className: 'hg-form-note', id: 'hg-review-shown', 'aria-live': 'polite' });
    container.replaceChildren(
      el('h2', { className: 'hg-section-title', 'data-i18n': isStaff() ? 'review.titleStaff' : 'review.titleOperator' }),
      el('div', { className: 'hg-form hg-grid-2 hg-review-filters' }, [
        ...labelled('hg-review-owner', 'review.filterOwner', this.filters.owner),
        ...labelled('hg-review-status', 'review.filterStatus', this.filters.status),
        ...labelled('hg-review-place', 'review.filterPlace', this.filters.place),
        ...labelled('hg-review-age', 'review.filterAge', this.filters.age),
      ]),
      this.shown,
      this.list,
      el('h2', { className: 'hg-section-title', 'data-i18n': 'review.requests' }),
      this.requests,
      ...(isStaff() ? [auditExport()] : []),
    );
    translated(container);
    // A request filed elsewhere (a site proposal's row, share.js) joins the list at once.
    window.addEventListener('hg:sharing-requested', () => this.refresh());
    return this.refresh();
  }

  async refresh() {
    const [{ registrations }, { requests }] = await Promise.all([
      getJSON('/api/registrations'), getJSON('/api/sharing-requests'),
    ]);
    this.registrations = registrations;
    this.offerChoices();
    this.draw();
    this.requests.replaceChildren(...(requests.length ? requests.map((r) => this.requestRow(r))
      : [el('li', { textContent: t('review.noRequests') })]));
  }

  /** The filters offer what the queue holds (kept as chosen while still offered). */
  offerChoices() {
    const distinct = (values) => [...new Set(values.filter(Boolean))].sort((a, b) => a.localeCompare(b, 'vi'));
    const offer = (select, values, label) => {
      const before = select.value;
      options(select, ['', ...values], (v) => (v ? label(v) : t('review.any')));
      select.value = values.includes(before) ? before : '';
    };
    const rs = this.registrations;
    offer(this.filters.owner, distinct(rs.map((r) => r.owner)), (v) => v);
    offer(this.filters.status, distinct(rs.map((r) => r.status)), (v) => tEnum('status', v));
    offer(this.filters.place, distinct(rs.map((r) => placeOf(r))), (v) => v);
    offer(this.filters.age, ['7', '30', '90'], (v) => t('review.olderThan', { days: v }));
  }

  draw() {
    const f = Object.fromEntries(Object.entries(this.filters).map(([k, select]) => [k, select.value]));
    const today = Date.parse(regionDay(new Date()));
    const waited = (r) => (r.proposed_on ? (today - Date.parse(r.proposed_on)) / 86400e3 : 0);
    const kept = this.registrations.filter((r) => (!f.owner || r.owner === f.owner)
      && (!f.status || r.status === f.status) && (!f.place || placeOf(r) === f.place)
      && (!f.age || waited(r) > Number(f.age)));
    this.shown.textContent = t('review.shown', { shown: kept.length, total: this.registrations.length });
    this.list.replaceChildren(...(kept.length ? kept.map((r) => this.registrationRow(r))
      : [el('li', { textContent: t('review.none') })]));
  }

  /** A button doing `action`; with `confirm`, only once the user agrees to that sentence. */
  button(key, id, action, confirm = null) {
    const b = el('button', { type: 'button', className: 'hg-button secondary', id, textContent: t(key) });
    b.addEventListener('click', async () => {
      if (confirm && !window.confirm(confirm)) return;
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
    // Irreversible steps ask first, naming the site and its owner.
    const sure = (key) => t(`review.confirm.${key}`, { code: r.code, owner: r.owner });
    if (isStaff() && r.status === 'proposed') {
      actions.push(this.button('review.approve', `hg-approve-${r.code}`, () => move('approved'), sure('approved')));
      actions.push(reason, this.button('review.reject', `hg-reject-${r.code}`, () => move('rejected', reason.value),
        sure('rejected')));
    }
    if (r.status === 'approved' && (isStaff() || own)) {
      actions.push(this.button('review.activate', `hg-activate-${r.code}`, () => move('active'), sure('active')));
    }
    if (r.has_pending_change && isStaff()) {
      const decide = (approve) => sendJSON(`/api/sites/${encodeURIComponent(r.code)}/pending-change`,
        { body: { approve, reason: reason.value || null }, headers });
      if (!actions.includes(reason)) actions.push(reason);
      actions.push(this.button('review.approveChange', `hg-approve-change-${r.code}`, () => decide(true),
        sure('changeApproved')));
      actions.push(this.button('review.refuseChange', `hg-refuse-change-${r.code}`, () => decide(false),
        sure('changeRefused')));
    }
    if ((isStaff() || own) && r.status !== 'decommissioned') {
      const edit = el('button', { type: 'button', className: 'hg-button secondary', id: `hg-edit-${r.code}`,
        textContent: t('review.edit') });
      edit.addEventListener('click', () => this.onEdit?.(r.code));
      actions.push(edit);
    }
    if (r.status === 'draft' && (isStaff() || own)) {
      actions.push(this.button('review.submitDraft', `hg-submit-${r.code}`, () => move('proposed')));
    }
    if (r.status === 'rejected' && (isStaff() || own)) {
      actions.push(this.button('review.resubmit', `hg-resubmit-${r.code}`, () => move('proposed')));
    }
    actions.push(this.button('review.history', `hg-history-${r.code}`, () => showHistory('site', r.code)));
    const notes = [r.new_structure_reason && t('review.newStructure', { reason: r.new_structure_reason }),
      r.status_reason && t('review.statusReason', { reason: r.status_reason }),
      r.has_pending_change && t('review.pendingChange', { by: r.pending_by })].filter(Boolean);
    const onMap = el('button', { type: 'button', className: 'hg-button secondary', id: `hg-onmap-${r.code}`,
      textContent: t('review.onMap') });
    onMap.addEventListener('click', () => window.dispatchEvent(new CustomEvent('hg:show-site',
      { detail: { code: r.code, lon: r.lon, lat: r.lat } })));
    actions.unshift(onMap);
    return el('li', { 'data-code': r.code, 'data-status': r.status }, [
      el('strong', { textContent: `${r.code} · ${r.owner}` }), ' ',
      el('span', { className: 'hg-badge', textContent: tEnum('status', r.status) }),
      el('div', { className: 'hg-form-note', textContent: t('review.placeLine',
        { place: placeOf(r) ?? '—', day: r.proposed_on ? formatDate(r.proposed_on) : '—' }) }),
      ...notes.map((n) => el('div', { className: 'hg-form-note', textContent: n })),
      this.evidence(r),
      el('div', { className: 'hg-form-actions' }, actions),
    ]);
  }

  /** What the operator saw when registering — shareable sites nearby, the what-if — fetched when opened. */
  evidence(r) {
    const body = el('div', { className: 'hg-evidence' });
    const box = el('details', { id: `hg-evidence-${r.code}` }, [el('summary', { textContent: t('review.evidence') }), body]);
    box.addEventListener('toggle', async () => {
      if (!box.open || body.dataset.loaded) return;
      body.dataset.loaded = 'yes';
      body.replaceChildren(el('p', { className: 'hg-form-note', textContent: t('review.evidenceLoading') }));
      try {
        const site = await getJSON(`/api/sites/${encodeURIComponent(r.code)}`);
        const cells = (site.cells ?? []).map((c) => ({ technology: c.technology, band_mhz: c.band_mhz,
          azimuth_deg: c.azimuth_deg, beamwidth_deg: c.beamwidth_deg, antenna_height_m: c.antenna_height_m,
          eirp_dbm: c.eirp_dbm ?? 58 }));
        const { nearby, whatIf } = await fetchEvidence({ lon: r.lon, lat: r.lat, owner: r.owner,
          candidatesFor: isStaff() ? r.owner : undefined, heightM: r.height_m, cells });
        body.replaceChildren(...candidatesPart(nearby, { id: `hg-evidence-candidates-${r.code}` }),
          whatIfPart(whatIf));
      } catch (error) {
        body.replaceChildren(el('p', { className: 'hg-form-error', textContent: refusalText(error) }));
        delete body.dataset.loaded;
      }
    });
    return box;
  }

  requestRow(r) {
    const user = currentUser();
    const mineToDecide = isStaff() || (user.role === 'operator' && user.operator === r.owner);
    // Withdrawn by whoever the API lets (app/services/sharing.py withdraw): the requesting operator,
    // whoever filed it; the Department, a request it filed (a planner's from a site proposal).
    const mayWithdraw = (user.role === 'operator' && user.operator === r.requester) || (isStaff() && r.by_department);
    const actions = [];
    if (r.status === 'pending' && mineToDecide) {
      const decide = (accept) => sendJSON(`/api/sharing-requests/${r.id}/decision`, { body: { accept } });
      actions.push(this.button('review.accept', `hg-accept-${r.id}`, () => decide(true)));
      actions.push(this.button('review.decline', `hg-decline-${r.id}`, () => decide(false)));
    }
    if (r.status === 'pending' && mayWithdraw) {
      const sure = t('review.confirm.withdraw', { id: r.id, requester: r.requester, code: r.code, owner: r.owner });
      actions.push(this.button('review.withdraw', `hg-withdraw-${r.id}`,
        () => sendJSON(`/api/sharing-requests/${r.id}/withdrawal`), sure));
    }
    const filed = t('review.requestFiled', { by: r.requested_by, when: formatDateTime(r.requested_at) });
    return el('li', { 'data-request': String(r.id), 'data-status': r.status }, [
      el('strong', { textContent: t('review.requestLine', { requester: r.requester, asset: t(`review.asset.${r.asset}`),
        code: r.code, owner: r.owner }) }), ' ',
      el('span', { className: 'hg-badge', textContent: t(`review.request.${r.status}`) }),
      el('div', { className: 'hg-form-note hg-request-filed', textContent: filed }),
      el('div', { className: 'hg-form-actions' }, actions),
    ]);
  }
}

// The dashboard's toolbar: the plan (when there are several), period (closed or provisional, and
// closing it), indicator group, and the report of a closed period for the province or the drilled
// district on the plan shown.
import { isStaff } from '../account/session.js';
import { sendJSON } from '../api.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n.js';
import { periodLabel } from '../indicators.js';
import { describeError, notify } from '../notify.js';
import { element } from '../popup.js';

export const GROUPS = ['coverage', 'sharing', 'usage', 'speed', 'cloud_platforms'];

export class Toolbar {
  constructor(container, { onPlan, onPeriod, onGroup, onClosed }) {
    this.container = container;
    this._on = { onPlan, onPeriod, onGroup, onClosed };
    this.closing = false;
  }

  render({ plans = [], plan = null, periods, period, group, scope, whole = null }) {
    const root = element('div', 'hg-dash-tools');
    if (plans.length > 1) root.append(this._plans(plans, plan));
    const periodSelect = element('select');
    periodSelect.id = 'dash-period';
    periodSelect.append(...periods.map((p) => new Option(
      `${periodLabel(p.period)}${p.closed ? ' ✓' : ''}`, p.period,
    )));
    periodSelect.value = period?.period ?? '';
    periodSelect.addEventListener('change', () => this._on.onPeriod(periodSelect.value));
    const groupSelect = element('select');
    groupSelect.id = 'dash-group';
    groupSelect.append(new Option(t('dash.group.all'), ''), ...GROUPS.map((g) => new Option(t(`dash.group.${g}`), g)));
    groupSelect.value = group;
    groupSelect.addEventListener('change', () => this._on.onGroup(groupSelect.value));
    root.append(labelled('dash-period', t('dash.period'), periodSelect),
      labelled('dash-group', t('dash.group'), groupSelect));

    const status = element('p', 'hg-dash-period-status');
    status.id = 'dash-period-status';
    if (period?.closed) status.textContent = t('dash.closed', { time: formatDateTime(period.closed_at) });
    else status.textContent = t(period?.current ? 'dash.current' : 'dash.open');
    status.dataset.closed = String(Boolean(period?.closed));
    root.append(status);
    // Only the Department closes a quarter (the server checks it too).
    if (period && !period.closed && !period.current && isStaff()) {
      const close = element('button', 'hg-button', this.closing ? t('dash.closing') : t('dash.close'));
      close.type = 'button';
      close.id = 'dash-close';
      close.disabled = this.closing;
      close.addEventListener('click', () => this._close(period.period));
      root.append(close);
    }
    root.append(this._reports(period, scope, plan, whole));
    this.container.replaceChildren(root);
  }

  _plans(plans, plan) {
    const select = element('select');
    select.id = 'dash-plan';
    // A plan's title is its own words (Vietnamese); the code and period read in any language.
    select.append(new Option(t('dash.plan.default'), ''), ...plans.map((p) => new Option(
      `${p.code} — ${p.title} (${p.period_from.slice(0, 4)}–${p.period_to.slice(0, 4)})`, p.code,
    )));
    select.value = plan ?? '';
    select.addEventListener('change', () => this._on.onPlan(select.value || null));
    return labelled('dash-plan', t('dash.plan'), select);
  }

  // `whole`: the name of the province the plan is judged on (a former one after a reform).
  _reports(period, scope, plan, whole) {
    const box = element('div', 'hg-dash-reports');
    box.append(element('strong', null, `${t('dash.report')} · ${t('dash.report.scope', {
      name: scope?.name ?? whole ?? t('district.province'),
    })}`));
    if (!period?.closed) {
      box.append(element('span', 'hg-note', t('dash.report.needsClosed')));
      return box;
    }
    const query = new URLSearchParams({ scope: scope?.code ?? 'province', ...(plan ? { plan } : {}) });
    for (const [kind, label] of [['xlsx', 'dash.report.xlsx'], ['html', 'dash.report.html']]) {
      const link = element('a', 'hg-dash-report-link', t(label));
      link.href = `/api/reports/${period.period}.${kind}?${query}`;
      link.dataset.kind = kind;
      if (kind === 'html') link.target = '_blank';
      box.append(link);
    }
    return box;
  }

  async _close(period) {
    if (!window.confirm(t('dash.closeConfirm', { period: periodLabel(period) }))) return;
    this.closing = true;
    try {
      await sendJSON(`/api/periods/${period}/close`, { method: 'POST', body: {} });
      notify(t('dash.closedNow', { period: periodLabel(period) }));
      await this._on.onClosed();
    } catch (error) {
      notify(describeError(error));
    }
    this.closing = false;
  }
}

export function labelled(id, text, control) {
  const wrap = element('div', 'hg-dash-field');
  const label = element('label', null, text);
  label.htmlFor = id;
  wrap.append(label, control);
  return wrap;
}

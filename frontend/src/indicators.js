// "Indicators by district": pick a period and one of the plan's indicators; the districts are
// filled against its target (layers/indicatorLayer.js) and the legend states the target and rule.
import { fetchIndicators, isAbort } from './api.js';
import { formatDateTime } from './format.js';
import { localName, onLangChange, t, translateDom } from './i18n.js';
import { IndicatorLayer } from './layers/indicatorLayer.js';
import { targetLegendSection } from './legend.js';
import { describeError } from './notify.js';
import { targetClass } from './styles.js';

// The periods with reported statistics (the plan's last year, by quarter); the latest is the default.
export const PERIODS = ['2024-Q4', '2025-Q1', '2025-Q2', '2025-Q3'];
export const DEFAULT_PERIOD = PERIODS[PERIODS.length - 1];
const LEVEL = 'district';
const METHODS = ['computed', 'reported'];

export function periodLabel(period) {
  const match = /^(\d{4})-Q([1-4])$/.exec(period ?? '');
  return match ? t('period.quarter', { year: match[1], quarter: match[2] }) : String(period);
}

export class IndicatorPanel {
  /**
   * @param {object} options — `map`; `districts()` → Promise of the districts FeatureCollection;
   *   `initial` {indicator, period} (from the URL); `onChange()` after anything shown changed.
   */
  constructor({ map, districts, initial = {}, onChange = () => {} }) {
    this.map = map;
    this.layer = new IndicatorLayer();
    this.indicator = initial.indicator ?? '';
    this.period = PERIODS.includes(initial.period) ? initial.period : DEFAULT_PERIOD;
    this.loading = false;
    this.error = null;
    this._districts = districts;
    this._onChange = onChange;
    this._answer = null; // the /api/indicators body for this.period
    this._controller = null;
  }

  mount(container) {
    container.innerHTML = `
      <h2 data-i18n="indicator.title"></h2>
      <label class="hg-field" for="hg-indicator-period" data-i18n="indicator.period"></label>
      <select id="hg-indicator-period" name="period"></select>
      <label class="hg-field" for="hg-indicator-select" data-i18n="indicator.label"></label>
      <select id="hg-indicator-select" name="indicator"></select>
      <p class="hg-note" id="hg-indicator-note" aria-live="polite"></p>`;
    translateDom(container);
    this._period = container.querySelector('#hg-indicator-period');
    this._select = container.querySelector('#hg-indicator-select');
    this._note = container.querySelector('#hg-indicator-note');
    this._period.addEventListener('change', () => this.set({ indicator: this.indicator, period: this._period.value }));
    this._select.addEventListener('change', () => this.set({ indicator: this._select.value, period: this.period }));
    onLangChange(() => {
      this._render();
      this.layer.setRecords(this._records(), { periodLabel: periodLabel(this.period) });
    });
    this._render();
    this._load();
  }

  /** Show `indicator` ('' for none) of `period`; loads the period's values when needed. */
  set({ indicator = '', period = DEFAULT_PERIOD }) {
    const periodChanged = PERIODS.includes(period) && period !== this.period;
    this.indicator = indicator ?? '';
    if (periodChanged) {
      this.period = period;
      this._answer = null;
      this._load();
    } else {
      this._show();
    }
    this._render();
    this._onChange();
  }

  async _load() {
    this._controller?.abort();
    const controller = new AbortController();
    this._controller = controller;
    this.loading = true;
    this.error = null;
    this._render();
    try {
      const answer = await fetchIndicators({ level: LEVEL, period: this.period }, { signal: controller.signal });
      // The districts the plan is judged on (a former geography after a reform).
      const districts = await this._districts(answer.units_on);
      const codes = new Set((answer.units ?? []).map((u) => String(u.code)));
      if (controller !== this._controller) return;
      this._answer = answer;
      this.layer.setDistricts(districts, codes);
    } catch (error) {
      if (isAbort(error) || controller !== this._controller) return;
      this.error = error;
    }
    this.loading = false;
    this._controller = null;
    this._show();
    this._render();
    this._onChange();
  }

  /** Map district code → the chosen indicator's record (empty without one). */
  _records() {
    const records = new Map();
    if (!this.indicator || !this._answer) return records;
    for (const unit of this._answer.units ?? []) {
      const record = unit.indicators?.find((i) => i.id === this.indicator);
      if (record) records.set(String(unit.code), record);
    }
    return records;
  }

  _show() {
    const on = Boolean(this.indicator && this._answer);
    this.layer.setRecords(this._records(), { periodLabel: periodLabel(this.period) });
    if (on && !this.map.hasLayer(this.layer)) this.map.addLayer(this.layer);
    if (!on && this.map.hasLayer(this.layer)) this.map.removeLayer(this.layer);
  }

  /** Every indicator the answer lists, in its order (the units all list the same ones). */
  _catalogue() {
    const seen = new Map();
    for (const unit of this._answer?.units ?? []) {
      for (const record of unit.indicators ?? []) {
        const entry = seen.get(record.id) ?? { ...record, anyValue: false };
        entry.anyValue ||= record.value !== null && record.value !== undefined;
        seen.set(record.id, entry);
      }
    }
    return [...seen.values()];
  }

  _render() {
    if (!this._select) return;
    this._period.replaceChildren(...PERIODS.map((period) => new Option(periodLabel(period), period)));
    this._period.value = this.period;

    const options = [new Option(t('indicator.none'), '')];
    const catalogue = this._catalogue();
    for (const method of METHODS) {
      const group = document.createElement('optgroup');
      group.label = t(`indicator.group.${method}`);
      for (const record of catalogue.filter((r) => r.method === method)) {
        const suffix = record.anyValue ? '' : ` — ${t('value.noData')}`;
        group.append(new Option(`${localName(record)}${suffix}`, record.id));
      }
      if (group.children.length) options.push(group);
    }
    const others = catalogue.filter((r) => !METHODS.includes(r.method));
    others.forEach((record) => options.push(new Option(localName(record), record.id)));
    // A chosen id the answer does not list (yet) stays selectable.
    if (this.indicator && !catalogue.some((r) => r.id === this.indicator)) {
      options.push(new Option(this.indicator, this.indicator));
    }
    this._select.replaceChildren(...options);
    this._select.value = this.indicator;

    let note = '';
    if (this.loading) note = t('layer.state.loading');
    else if (this.error) note = t('indicator.error', { message: describeError(this.error) });
    else if (this._answer && !this._answer.coverage_run) note = t('indicator.noRun');
    else if (this._answer?.coverage_run?.finished_at) {
      note = t('indicator.run', { time: formatDateTime(this._answer.coverage_run.finished_at) });
    }
    this._note.textContent = note;
    this._note.classList.toggle('has-error', Boolean(this.error));
  }

  /** The chosen indicator's description (from the first unit that lists it). */
  _chosen() {
    return this._catalogue().find((r) => r.id === this.indicator) ?? null;
  }

  /** Counts of districts per colour class and per status. */
  summary() {
    const classes = {};
    const statuses = {};
    for (const record of this._records().values()) {
      const { id } = targetClass(record);
      classes[id] = (classes[id] ?? 0) + 1;
      statuses[record.status] = (statuses[record.status] ?? 0) + 1;
    }
    const drawn = this.map.hasLayer(this.layer)
      ? this.layer.getLayers().filter((layer) => this.layer.recordOf(layer.feature)).length : 0;
    return { classes, statuses, drawn };
  }

  /** The legend section (LegendControl `extras`). */
  legendSection() {
    const chosen = this._chosen();
    if (!this.indicator || !chosen || !this.map.hasLayer(this.layer)) return null;
    return targetLegendSection({
      title: `${localName(chosen)} (${periodLabel(this.period)})`,
      target: chosen.target, unit: chosen.unit, counts: this.summary().classes,
    });
  }

  /** For window.__hgmap. */
  debugState() {
    const chosen = this._chosen();
    const { classes, statuses, drawn } = this.summary();
    const districts = Object.fromEntries(this.layer.getLayers().map((layer) => [
      String(layer.feature.properties?.code),
      { status: this.layer.recordOf(layer.feature)?.status ?? null, fill: layer.options.fillColor },
    ]));
    return {
      indicator: this.indicator || null, period: this.period, loading: this.loading,
      error: this.error ? this.error.message : null, visible: this.map.hasLayer(this.layer), count: drawn,
      target: chosen?.target ?? null, unit: chosen?.unit ?? null, classes, statuses, districts,
      indicators: this._catalogue().map((r) => r.id),
    };
  }
}

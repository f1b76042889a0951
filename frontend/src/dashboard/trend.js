// The trend of the chosen indicator for the chosen unit: the server's SVG chart (the same one
// the printed report shows), inlined so its points carry their tooltips.
import { getText, isAbort, withQuery } from '../api.js';
import { getLang, t } from '../i18n.js';
import { describeError } from '../notify.js';
import { element } from '../popup.js';

export class TrendPanel {
  constructor(container) {
    this.container = container;
    this.loading = false;
    this._key = null;
    this._controller = null;
  }

  async show(unit, indicator, plan = null) {
    const key = unit && indicator ? `${unit.level}:${unit.code}:${indicator}:${plan}:${getLang()}` : null;
    if (key === this._key) return;
    this._key = key;
    const heading = element('h2', null, t('dash.trend.title'));
    const chart = element('div', 'hg-dash-chart');
    chart.id = 'dash-trend-chart';
    const note = element('p', 'hg-note', t('dash.trend.note'));
    this.container.replaceChildren(heading, element('p', 'hg-note', unit ? t('dash.trend.unit', { name: unit.name }) : ''),
      chart, note);
    if (!key) return;
    this._controller?.abort();
    const controller = new AbortController();
    this._controller = controller;
    this.loading = true;
    try {
      const svg = await getText(withQuery('/api/indicators/trend.svg', {
        level: unit.level, code: unit.code, indicator, lang: getLang(), plan,
      }), { signal: controller.signal });
      if (controller === this._controller) chart.innerHTML = svg; // our own server's SVG, no script
    } catch (error) {
      if (!isAbort(error)) chart.textContent = t('dash.trend.error', { message: describeError(error) });
    }
    if (controller === this._controller) this.loading = false;
  }
}

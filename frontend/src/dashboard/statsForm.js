// Reported figures: a form for one unit and period (every metric, validated by the server, all or
// nothing), and the CSV/XLSX import with its dry run and downloadable template.
import { getJSON, sendForm, sendJSON, withQuery } from '../api.js';
import { formatDate } from '../format.js';
import { getLang, onLangChange, t } from '../i18n.js';
import { periodLabel } from '../indicators.js';
import { describeError } from '../notify.js';
import { element } from '../popup.js';
import { problemParts } from '../problems.js';
import { labelled as field } from './toolbar.js';

// A refused save or import: the structured problems (`details`, as an import's refusal) and any
// sentence the server did not structure; a refusal without problems as the server said it.
function refusal(error) {
  const details = error.body?.details ?? [];
  const structured = new Set(details.map((d) => d.message));
  const sentences = (error.problems ?? []).filter((p) => typeof p === 'string' && !structured.has(p));
  const problems = [...details, ...sentences];
  return { kind: 'error', key: 'dash.stats.refused', problems: problems.length ? problems : [describeError(error)] };
}

/** "Dòng 3 — Số người sử dụng Internet: không được âm, nhận được -3" in the current language. */
function problemLine(problem) {
  if (typeof problem === 'string') return problem;
  const { column, text } = problemParts(problem);
  const where = problem.row == null ? '' : `${t(`upload.where.${problem.label ?? 'row'}`, { number: problem.row })} — `;
  return `${where}${column ? `${column}: ` : ''}${text}`;
}

function nextDay(iso) {
  const day = new Date(`${iso}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

export class StatisticsForm {
  constructor(container, { onSaved }) {
    this.container = container;
    this._onSaved = onSaved;
    this.period = null;
    this.code = null;
    this.units = [];
    this.data = null;
    // {kind: 'ok' | 'error', key, params, text, problems}: drawn again in the language of the moment
    this.message = null;
  }

  /** `units`: the province and the districts ({code, name}), those a figure is reported for. */
  async mount(units) {
    this.units = units;
    this.code = this.units[0]?.code ?? null;
    onLangChange(() => this._render());
    await this._load();
  }

  setPeriod(period) {
    if (period === this.period) return;
    this.period = period;
    if (this.units.length) this._load();
  }

  async _load() {
    if (!this.code || !this.period) return;
    try {
      this.data = await getJSON(withQuery('/api/statistics', { code: this.code, period: this.period }));
    } catch (error) {
      this.data = null;
      this.message = { kind: 'error', text: describeError(error), problems: [] };
    }
    this._render();
  }

  _render() {
    const root = element('div');
    root.append(element('h2', null, t('dash.stats.title')));
    const form = element('form', 'hg-dash-form');
    form.id = 'dash-stats-form';
    const unit = element('select');
    unit.id = 'dash-stats-unit';
    unit.append(...this.units.map((u) => new Option(u.name, u.code)));
    unit.value = this.code ?? '';
    unit.addEventListener('change', () => { this.code = unit.value; this.message = null; this._load(); });
    form.append(field('dash-stats-unit', `${t('dash.stats.unit')} (${periodLabel(this.period)})`, unit));
    const closed = Boolean(this.data?.closed);
    // A unit a reform replaced before the quarter's day: figures go on the new communes.
    const replaced = Boolean(this.data?.replaced);
    if (closed) form.append(element('p', 'hg-note', t('dash.stats.closed')));
    if (replaced) {
      const day = formatDate(nextDay(this.data.units_on));
      form.append(element('p', 'hg-note', t('dash.stats.replaced', { name: this.data.unit.name, day })));
    }
    for (const metric of this.data?.metrics ?? []) {
      const input = element('input');
      Object.assign(input, { type: 'number', min: '0', step: 'any', name: metric.key, id: `dash-stat-${metric.key}` });
      if (metric.kind === 'pct') input.max = '100';
      const value = this.data.figures[metric.key];
      const derived = value === null || value === undefined ? this.data.derived?.[metric.key] : null;
      input.value = derived ? String(derived.value) : value === null || value === undefined ? '' : String(value);
      input.disabled = closed || replaced;
      const label = getLang() === 'vi' ? metric.label_vi : metric.label_en;
      if (!derived) {
        form.append(field(input.id, label, input));
        continue;
      }
      // Carried back along the lineage: shown, labelled, never sent.
      Object.assign(input, { readOnly: true, disabled: true });
      input.dataset.derived = derived.derived;
      const note = t(`dash.stats.derived.${derived.derived}`, { from: derived.from.join(', ') });
      form.append(field(input.id, `${label} — ${note}`, input));
    }
    const save = element('button', 'hg-button', t('dash.stats.save'));
    save.type = 'submit';
    save.disabled = closed || replaced || !this.data;
    form.append(save);
    form.addEventListener('submit', (event) => { event.preventDefault(); this._save(form); });
    root.append(form, this._messageBox(), this._importForm());
    this.container.replaceChildren(root);
  }

  async _save(form) {
    const figures = {};
    for (const metric of this.data.metrics.filter((m) => !form.elements[m.key].readOnly)) {
      const raw = form.elements[metric.key].value.trim();
      figures[metric.key] = raw === '' ? null : raw;
    }
    try {
      this.data = await sendJSON('/api/statistics', { method: 'PUT', body: { code: this.code, period: this.period, figures } });
      this.message = { kind: 'ok', key: 'dash.stats.saved', params: { name: this.data.unit.name, period: this.period }, problems: [] };
      this._onSaved();
    } catch (error) {
      this.message = refusal(error);
    }
    this._render();
  }

  _importForm() {
    const form = element('form', 'hg-dash-form');
    form.id = 'dash-import-form';
    form.append(element('h3', null, t('dash.stats.import')));
    const file = element('input');
    Object.assign(file, { type: 'file', name: 'file', accept: '.csv,.xlsx', id: 'dash-import-file', required: true });
    const dry = element('input');
    Object.assign(dry, { type: 'checkbox', name: 'dry_run', id: 'dash-import-dry', checked: true });
    const dryLabel = element('label', 'hg-radio');
    dryLabel.append(dry, element('span', null, t('dash.stats.dryRun')));
    const submit = element('button', 'hg-button', t('dash.stats.upload'));
    submit.type = 'submit';
    const templates = element('p', 'hg-dash-exports', `${t('dash.stats.template')} `);
    for (const format of ['xlsx', 'csv']) {
      const link = element('a', null, format.toUpperCase());
      link.href = withQuery('/api/statistics/template', { period: this.period, format });
      templates.append(link, ' ');
    }
    form.append(field('dash-import-file', t('dash.stats.file'), file), dryLabel, submit, templates);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = new FormData();
      body.append('file', file.files[0]);
      try {
        const report = await sendForm(withQuery('/api/statistics/import', { dry_run: dry.checked }), body);
        const key = report.dry_run ? 'dash.stats.checked' : 'dash.stats.imported';
        this.message = { kind: 'ok', key, params: report.counts, problems: report.warnings };
        if (!report.dry_run) { this._onSaved(); await this._load(); return; }
      } catch (error) {
        this.message = refusal(error);
      }
      this._render();
    });
    return form;
  }

  _messageBox() {
    const box = element('div', 'hg-dash-message');
    box.id = 'dash-stats-message';
    box.setAttribute('role', 'status');
    if (!this.message) return box;
    const { kind, key, params, text, problems } = this.message;
    box.dataset.kind = kind;
    const shown = params?.period ? { ...params, period: periodLabel(params.period) } : params;
    box.append(element('p', null, key ? t(key, shown) : text));
    if (problems.length) {
      const list = element('ul');
      for (const problem of problems) {
        const item = element('li', null, problemLine(problem));
        if (problem.code) Object.assign(item.dataset, { code: problem.code, row: problem.row ?? '' });
        list.append(item);
      }
      box.append(list);
    }
    return box;
  }
}

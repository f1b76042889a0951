// The indicator table: province, districts (drill into communes), one column per indicator of
// the chosen group; each cell value / target / gap coloured with the map's target classes.
import { formatIndicator, formatNumber } from '../format.js';
import { localName, t } from '../i18n.js';
import { describeError } from '../notify.js';
import { element } from '../popup.js';
import { targetClass } from '../styles.js';

/** The value as people should read it: a speed without samples is "not measured", not 0. */
export function valueText(record) {
  if (record?.value === null || record?.value === undefined) {
    return record?.unit === 'Mb/s' && record?.detail?.samples === 0 ? t('dash.notMeasured') : t('value.noData');
  }
  return formatIndicator(record.value, record.unit);
}

export class IndicatorTable {
  constructor(container, { onSelect, onDrill }) {
    this.container = container;
    this._on = { onSelect, onDrill };
    this.sort = null; // {id, dir: 1 | -1}
    this._rows = [];
  }

  rowCodes() {
    return this._rows;
  }

  render(state) {
    this._state = state;
    const root = element('div');
    root.append(element('h2', null, t('dash.table.title')), element('p', 'hg-note', t('dash.table.note')));
    if (state.error) root.append(element('p', 'hg-note has-error', t('dash.table.error', { message: describeError(state.error) })));
    else if (state.loading) root.append(element('p', 'hg-note', t('dash.table.loading')));
    const catalogue = (state.province[0] ?? state.districts[0])?.indicators ?? [];
    const columns = catalogue.filter((r) => !state.group || r.group === state.group);
    const wrap = element('div', 'hg-dash-table-wrap');
    const table = element('table', 'hg-dash-table');
    table.id = 'dash-indicator-table';
    table.append(this._head(columns));
    const body = element('tbody');
    this._rows = [];
    for (const unit of state.province) body.append(this._row(unit, columns, state, 'province'));
    for (const unit of this._sorted(state.districts)) {
      body.append(this._row(unit, columns, state, 'district'));
      if (state.drilled === unit.code) {
        for (const commune of this._sorted(state.communes.get(unit.code) ?? [])) {
          body.append(this._row(commune, columns, state, 'commune'));
        }
      }
    }
    table.append(body);
    wrap.append(table);
    root.append(wrap);
    this.container.replaceChildren(root);
  }

  _head(columns) {
    const head = element('thead');
    const tr = element('tr');
    tr.append(element('th', 'hg-dash-unit-col', t('dash.table.unit')));
    for (const record of columns) {
      const th = element('th');
      th.dataset.indicator = record.id;
      const dir = this.sort?.id === record.id ? this.sort.dir : 0;
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : dir === -1 ? 'descending' : 'none');
      const button = element('button', 'hg-dash-sort', localName(record));
      button.type = 'button';
      button.title = t(dir === 1 ? 'dash.sort.desc' : 'dash.sort.asc');
      button.addEventListener('click', () => {
        this.sort = { id: record.id, dir: dir === 1 ? -1 : 1 };
        this.render(this._state);
      });
      th.append(button);
      tr.append(th);
    }
    head.append(tr);
    return head;
  }

  /** Units by the sorted column's value (missing values last), else by code. */
  _sorted(units) {
    if (!this.sort) return units;
    const value = (u) => u.indicators.find((r) => r.id === this.sort.id)?.value;
    return [...units].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      if (va === null || va === undefined) return vb === null || vb === undefined ? 0 : 1;
      if (vb === null || vb === undefined) return -1;
      return (va - vb) * this.sort.dir;
    });
  }

  _row(unit, columns, state, level) {
    this._rows.push(unit.code);
    const tr = element('tr', `hg-dash-row-${level}`);
    tr.dataset.code = unit.code;
    tr.dataset.level = level;
    const th = element('th', 'hg-dash-unit');
    th.scope = 'row';
    if (level === 'district') {
      const open = state.drilled === unit.code;
      const toggle = element('button', 'hg-dash-drill', open ? '▾' : '▸');
      toggle.type = 'button';
      toggle.setAttribute('aria-expanded', String(open));
      toggle.setAttribute('aria-label', t(open ? 'dash.table.undrill' : 'dash.table.drill', { name: unit.name }));
      toggle.addEventListener('click', () => this._on.onDrill(unit.code));
      th.append(toggle);
    }
    const name = element('button', 'hg-dash-unit-name', unit.name);
    name.type = 'button';
    name.setAttribute('aria-pressed', String(state.unit?.code === unit.code));
    name.addEventListener('click', () => this._on.onSelect({ unit: { level, code: unit.code, name: unit.name } }));
    th.append(name);
    tr.append(th);
    const byId = new Map(unit.indicators.map((r) => [r.id, r]));
    for (const column of columns) tr.append(this._cell(byId.get(column.id), unit, level, state));
    return tr;
  }

  _cell(record, unit, level, state) {
    const td = element('td', 'hg-dash-cell');
    const cls = targetClass(record);
    td.dataset.indicator = record?.id ?? '';
    td.dataset.status = record?.status ?? 'no_data';
    td.dataset.class = cls.id;
    if (cls.id === 'noData') td.classList.add('is-nodata');
    else td.style.setProperty('--cell-color', cls.color);
    if (state.unit?.code === unit.code && state.indicator === record?.id) td.classList.add('is-selected');
    td.append(element('span', 'hg-dash-value', valueText(record)));
    if (record) {
      td.append(element('span', 'hg-dash-target', t('dash.table.target', { value: formatIndicator(record.target, record.unit) })));
      if (record.status !== 'met' && record.gap !== null && record.gap !== undefined) {
        td.append(element('span', 'hg-dash-gap', t('dash.table.gap', { value: formatIndicator(record.gap, record.unit) })));
      }
      td.title = `${localName(record)}: ${t(`indicator.status.${record.status}`)}`
        + (record.detail?.samples !== undefined ? ` · ${t('dash.samples', {
          n: record.detail.samples, median: record.detail.median === null ? '—' : formatNumber(record.detail.median, 1),
        })}` : '');
    }
    td.addEventListener('click', () => this._on.onSelect({
      unit: { level, code: unit.code, name: unit.name }, indicator: record?.id,
    }));
    return td;
  }
}

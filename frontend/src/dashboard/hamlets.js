// Hamlet drill-down of a district or commune: hamlets short of mobile broadband or fibre and the
// commune offices not connected; sortable, exportable, each row zooms the map to its hamlet.
import { getJSON, isAbort, withQuery } from '../api.js';
import { formatDistance, formatNumber, formatShare } from '../format.js';
import { onLangChange, t } from '../i18n.js';
import { describeError } from '../notify.js';
import { element } from '../popup.js';

const COLUMNS = [
  { key: 'name', label: 'dash.col.hamlet', text: (h) => h.name },
  { key: 'commune_name', label: 'dash.col.commune', text: (h) => h.commune_name },
  { key: 'population', label: 'dash.col.population', text: (h) => formatNumber(h.population ?? 0, 0), numeric: true },
  { key: 'mbb_share', label: 'dash.col.mbb', text: (h) => share(h.mbb_share, h.mbb_covered), numeric: true },
  { key: 'ftth_share', label: 'dash.col.ftth', text: (h) => share(h.ftth_share, h.ftth_covered), numeric: true },
  { key: 'dead_zone_area_km2', label: 'dash.col.deadZone', numeric: true,
    text: (h) => (h.dead_zone_area_km2 === null ? t('dash.notComputed') : formatNumber(h.dead_zone_area_km2, 2)) },
  { key: 'nearest', label: 'dash.col.nearest', sortValue: (h) => h.nearest_sites[0]?.distance_m ?? Infinity,
    text: (h) => h.nearest_sites.map((s) => `${s.operator} ${formatDistance(s.distance_m)}`).join(' · ') },
];

function share(value, covered) {
  if (covered === null || covered === undefined) return t('dash.notComputed');
  return `${formatShare(value)}${covered ? ' ✓' : ''}`;
}

export class HamletPanel {
  constructor(container, { onZoom }) {
    this.container = container;
    this._onZoom = onZoom;
    this.loading = false;
    this.data = null;
    this.sort = { key: 'population', dir: -1 };
    this._render();
    onLangChange(() => this._render());
  }

  async show(unit, period) {
    this._controller?.abort();
    const controller = new AbortController();
    this._controller = controller;
    this.loading = true;
    this.unit = unit;
    this.period = period;
    try {
      this.data = await getJSON(withQuery(`/api/drilldown/${encodeURIComponent(unit.code)}`, { period }),
        { signal: controller.signal });
      this.error = null;
    } catch (error) {
      if (isAbort(error)) return;
      this.error = error;
      this.data = null;
    }
    if (controller !== this._controller) return;
    this.loading = false;
    this._render();
  }

  _sorted() {
    const column = COLUMNS.find((c) => c.key === this.sort.key);
    const value = column.sortValue ?? ((h) => h[column.key]);
    return [...this.data.hamlets].sort((a, b) => {
      const va = value(a) ?? -Infinity;
      const vb = value(b) ?? -Infinity;
      return (typeof va === 'string' ? va.localeCompare(vb, 'vi') : va - vb) * this.sort.dir;
    });
  }

  _render() {
    const root = element('div');
    root.append(element('h2', null, t('dash.hamlets.title')));
    if (!this.data) {
      root.append(element('p', 'hg-note', this.error ? describeError(this.error) : t('dash.hamlets.pick')));
      this.container.replaceChildren(root);
      return;
    }
    const { hamlets, offices, unit } = this.data;
    root.append(element('p', 'hg-note', t('dash.hamlets.of', {
      name: unit.name,
      mbb: hamlets.filter((h) => h.mbb_covered === false).length,
      ftth: hamlets.filter((h) => h.ftth_covered === false).length,
    })));
    root.append(this._exports());
    if (hamlets.length) root.append(this._table());
    else root.append(element('p', 'hg-note', t('dash.hamlets.none')));
    root.append(element('h3', null, t('dash.hamlets.offices')));
    if (offices.length) {
      const list = element('ul', 'hg-dash-offices');
      offices.forEach((o) => list.append(element('li', null, `${o.name} (${o.commune_name})`)));
      root.append(list);
    } else root.append(element('p', 'hg-note', t('dash.hamlets.noOffices')));
    this.container.replaceChildren(root);
  }

  _exports() {
    const box = element('p', 'hg-dash-exports', `${t('dash.hamlets.export')} `);
    const base = `/api/drilldown/${encodeURIComponent(this.data.unit.code)}/export`;
    for (const [format, which, label] of [['xlsx', 'hamlets', 'XLSX'], ['csv', 'hamlets', 'CSV'],
      ['csv', 'offices', `CSV (${t('dash.col.office')})`]]) {
      const link = element('a', null, label);
      link.href = withQuery(base, { format, which, period: this.period });
      link.dataset.format = format;
      box.append(link, ' ');
    }
    return box;
  }

  _table() {
    const table = element('table', 'hg-dash-table hg-dash-hamlets');
    table.id = 'dash-hamlet-table';
    const head = element('tr');
    for (const column of COLUMNS) {
      const th = element('th');
      const dir = this.sort.key === column.key ? this.sort.dir : 0;
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : dir === -1 ? 'descending' : 'none');
      const button = element('button', 'hg-dash-sort', t(column.label));
      button.type = 'button';
      button.dataset.sort = column.key;
      button.addEventListener('click', () => {
        this.sort = { key: column.key, dir: dir === 1 ? -1 : 1 };
        this._render();
      });
      th.append(button);
      head.append(th);
    }
    const thead = element('thead');
    thead.append(head);
    const body = element('tbody');
    for (const hamlet of this._sorted()) {
      const tr = element('tr', 'hg-dash-hamlet');
      tr.dataset.code = hamlet.code;
      tr.tabIndex = 0;
      tr.title = t('dash.hamlets.zoom', { name: hamlet.name });
      COLUMNS.forEach((column) => tr.append(element('td', column.numeric ? 'num' : null, column.text(hamlet))));
      const zoom = () => this._onZoom(hamlet);
      tr.addEventListener('click', zoom);
      tr.addEventListener('keydown', (event) => { if (event.key === 'Enter') zoom(); });
      body.append(tr);
    }
    table.append(thead, body);
    return table;
  }

  debugState() {
    return this.data ? {
      unit: this.data.unit.code, period: this.period, count: this.data.hamlets.length,
      offices: this.data.offices.length, order: this._sorted().map((h) => h.code), sort: { ...this.sort },
    } : null;
  }
}

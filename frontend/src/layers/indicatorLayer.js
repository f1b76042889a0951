// The districts filled by one of the plan's indicators, coloured against its target, with the
// value written on each district and a popup giving value, target, gap and status.
import { GeoJSON } from 'leaflet';
import { formatIndicator, formatNumber } from '../format.js';
import { localName, t } from '../i18n.js';
import { element } from '../popup.js';
import { indicatorStyle } from '../styles.js';

function detailText(detail) {
  if (detail === null || detail === undefined || detail === '') return null;
  if (typeof detail !== 'object') return String(detail);
  return Object.entries(detail).map(([key, value]) => `${key}: ${value}`).join('; ');
}

export const IndicatorLayer = GeoJSON.extend({
  initialize() {
    this._records = new Map(); // district code → indicator record
    this._meta = { periodLabel: '' };
    GeoJSON.prototype.initialize.call(this, null, {
      pane: 'hgDistrictFill',
      className: 'hg-indicator',
      style: (feature) => indicatorStyle(this.recordOf(feature)),
      onEachFeature: (feature, layer) => {
        layer.bindPopup(() => this._popup(feature), { maxWidth: 320 });
        layer.bindTooltip(() => this._label(feature), {
          permanent: true, direction: 'center', className: 'hg-indicator-label', interactive: false,
        });
      },
    });
  },

  recordOf(feature) {
    return this._records.get(String(feature.properties?.code)) ?? null;
  },

  /**
   * The district polygons — those of `codes` only when given (a plan covering one province of
   * several) — replaced when another day's units or other codes are given; true when they changed.
   */
  setDistricts(collection, codes = null) {
    const key = codes ? [...codes].sort().join(',') : '';
    if (this._collection === collection && this._codes === key) return false;
    this._collection = collection;
    this._codes = key;
    this.clearLayers();
    this.addData(codes
      ? { ...collection, features: collection.features.filter((f) => codes.has(String(f.properties?.code))) }
      : collection);
    return true;
  },

  onAdd(map) {
    GeoJSON.prototype.onAdd.call(this, map);
    map.on('zoomend', this._declutter, this);
    this._declutter();
  },

  onRemove(map) {
    map.off('zoomend', this._declutter, this);
    GeoJSON.prototype.onRemove.call(this, map);
  },

  // Labels that would overlap a bigger unit's label are hidden until a zoom gives them room
  // (their popup still tells everything).
  _declutter() {
    if (!this._map) return;
    requestAnimationFrame(() => {
      const placed = [];
      const byArea = this.getLayers().map((layer) => {
        const b = layer.getBounds();
        return { layer, area: (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth()) };
      }).sort((a, b) => b.area - a.area);
      for (const { layer } of byArea) {
        const el = layer.getTooltip()?.getElement();
        if (!el) continue;
        el.style.visibility = '';
        const box = el.getBoundingClientRect();
        const hit = placed.some((p) => box.left < p.right && p.left < box.right && box.top < p.bottom && p.top < box.bottom);
        if (hit) el.style.visibility = 'hidden';
        else placed.push(box);
      }
    });
  },

  /** Show `records` (Map district code → record); `meta.periodLabel` heads the popups. */
  setRecords(records, meta) {
    this._records = records;
    this._meta = meta;
    this.refreshText();
  },

  /** Restyle and rewrite labels (new records, or a new language). */
  refreshText() {
    this.resetStyle();
    this.eachLayer((layer) => {
      layer.setTooltipContent(this._label(layer.feature));
      if (layer.isPopupOpen()) layer.getPopup().update();
    });
    this._declutter();
  },

  _label(feature) {
    const record = this.recordOf(feature);
    const root = element('span');
    root.append(element('span', 'hg-indicator-name', feature.properties?.name ?? ''),
      element('strong', null, formatIndicator(record?.value, record?.unit)));
    return root;
  },

  _popup(feature) {
    const record = this.recordOf(feature);
    const root = element('div', 'hg-popup hg-popup-indicator');
    root.append(element('div', 'hg-popup-layer', `${t('indicator.title')} · ${this._meta.periodLabel}`));
    root.append(element('h2', 'hg-popup-title', feature.properties?.name ?? ''));
    if (!record) {
      root.append(element('p', 'hg-popup-note', t('value.noData')));
      return root;
    }
    root.append(element('p', 'hg-popup-indicator-name', localName(record)));
    const table = element('table', 'hg-popup-table');
    const body = element('tbody');
    const rows = [
      ['value', t('indicator.value'), formatIndicator(record.value, record.unit)],
      ['target', t('indicator.target'), formatIndicator(record.target, record.unit)],
      ['gap', t('indicator.gap'), record.status === 'behind' && record.gap !== null && record.gap !== undefined
        ? formatIndicator(Math.abs(record.gap), record.unit) : t('value.none')],
      ['status', t('indicator.status'), t(`indicator.status.${record.status}`)],
    ];
    if (record.numerator !== null && record.numerator !== undefined && record.denominator) {
      rows.push(['ratio', t('indicator.ratio'),
        `${formatNumber(record.numerator)} / ${formatNumber(record.denominator)}`]);
    }
    rows.push(['method', t('indicator.method'), t(`indicator.method.${record.method}`)]);
    const detail = detailText(record.detail);
    if (detail) rows.push(['detail', t('indicator.detail'), detail]);
    for (const [field, label, value] of rows) {
      const tr = element('tr');
      tr.dataset.field = field;
      tr.append(element('th', null, label), element('td', null, value));
      body.append(tr);
    }
    table.append(body);
    root.append(table);
    return root;
  },
});

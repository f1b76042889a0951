// The dashboard's map: the chosen indicator as a choropleth of the districts, or of the drilled
// district's communes — the map's IndicatorLayer, colour rule and legend — and hamlet zooms.
import { fetchFeatures, loadCollection } from '../api.js';
import { Highlight } from '../highlight.js';
import { localName, t } from '../i18n.js';
import { periodLabel } from '../indicators.js';
import { IndicatorLayer } from '../layers/indicatorLayer.js';
import { LegendControl, targetLegendSection } from '../legend.js';
import { createMap, enableFeaturePicking } from '../map.js';
import { describeError, notify } from '../notify.js';
import { targetClass } from '../styles.js';

export class DashboardMap {
  constructor(element, { onSelect }) {
    ({ map: this.map } = createMap(element));
    // A small map fitted to one unit at a time: whole zoom levels left a drilled district a third
    // of it (the next level would have cut its top off), so it zooms in quarters.
    this.map.options.zoomSnap = 0.25;
    this.highlight = new Highlight(this.map);
    this.loading = false;
    this._layers = { district: new IndicatorLayer(), commune: new IndicatorLayer() };
    this._level = 'district';
    this._shown = null;
    this._communesOf = null;
    this._onSelect = onSelect;
    this.legend = new LegendControl({ layers: new Map(), extras: [this] }).addTo(this.map);
    // The dashboard's map is small: its legend goes under it instead of covering the units.
    const holder = document.createElement('div');
    holder.className = 'hg-dash-legend';
    holder.append(this.legend.getContainer());
    element.after(holder);
    // The shared canvas lies over the SVG fills: a click reaches a unit through polygon picking,
    // which opens its popup; opening it chooses the unit too.
    enableFeaturePicking(this.map, () => Object.values(this._layers).filter((layer) => this.map.hasLayer(layer)));
    for (const [level, layer] of Object.entries(this._layers)) {
      layer.on('popupopen', (event) => {
        const props = (event.propagatedFrom ?? event.popup?._source)?.feature?.properties ?? {};
        this._onSelect({ level, code: String(props.code), name: props.name });
      });
    }
  }

  async show({ indicator, districts, drilled, communes, period, unitsOn }) {
    this._period = period;
    const level = drilled ? 'commune' : 'district';
    const units = drilled ? communes : districts;
    const records = new Map();
    for (const unit of units) {
      const record = unit.indicators.find((r) => r.id === indicator);
      if (record) records.set(String(unit.code), record);
    }
    this._shown = { indicator, records, level, name: drilled?.name, record: records.values().next().value ?? null };
    this.loading = true;
    try {
      if (level === 'district') {
        // New outlines (the first, or another day's units): show them whole.
        const outlines = await loadCollection('districts', { datetime: unitsOn });
        // The plan's districts only (a plan covers one former province of a merged city).
        if (this._layers.district.setDistricts(outlines, new Set(districts.map((u) => String(u.code))))) {
          this._fitDistricts = true;
        }
      } else if (this._communesOf !== `${drilled.code}@${unitsOn}`) {
        const params = { district: drilled.code, limit: 1000, ...(unitsOn ? { datetime: unitsOn } : {}) };
        const collection = await fetchFeatures('communes', params);
        this._layers.commune.clearLayers();
        this._layers.commune.addData(collection);
        this._communesOf = `${drilled.code}@${unitsOn}`;
        this.map.fitBounds(this._layers.commune.getBounds(), { padding: [12, 12] });
      }
    } catch (error) {
      notify(t('error.load', { layer: t(`layer.${level}s`), message: describeError(error) }));
      return;
    } finally {
      this.loading = false;
    }
    const layer = this._layers[level];
    layer.setRecords(records, { periodLabel: periodLabel(period) });
    for (const [other, otherLayer] of Object.entries(this._layers)) {
      if (other !== level && this.map.hasLayer(otherLayer)) this.map.removeLayer(otherLayer);
    }
    if (!this.map.hasLayer(layer)) this.map.addLayer(layer);
    if (level === 'district' && (this._level !== 'district' || this._fitDistricts) && layer.getLayers().length) {
      this.map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      this._fitDistricts = false;
    }
    this._level = level;
    const title = document.getElementById('dash-map-title');
    if (title) {
      title.textContent = `${t('dash.map.title')} — ${level === 'district'
        ? t('dash.map.level.district') : t('dash.map.level.commune', { name: drilled.name })}`;
    }
    this.legend.refresh();
  }

  zoomToHamlet(hamlet) {
    this.highlight.show({ level: 'hamlet', code: hamlet.code, bbox: hamlet.bbox });
  }

  /** LegendControl extra: the target classes of the chosen indicator. */
  legendSection() {
    const record = this._shown?.record;
    if (!record) return null;
    const counts = {};
    for (const r of this._shown.records.values()) {
      const { id } = targetClass(r);
      counts[id] = (counts[id] ?? 0) + 1;
    }
    return targetLegendSection({
      title: `${localName(record)} (${periodLabel(this._period)})`, target: record.target, unit: record.unit, counts,
    });
  }

  debugState() {
    const layer = this._layers[this._level];
    const units = Object.fromEntries(layer.getLayers().map((path) => [
      String(path.feature.properties?.code),
      { status: layer.recordOf(path.feature)?.status ?? null, fill: path.options.fillColor },
    ]));
    return {
      level: this._level, indicator: this._shown?.indicator ?? null, count: Object.keys(units).length, units,
      highlight: this.highlight.current ? { ...this.highlight.current } : null,
    };
  }
}

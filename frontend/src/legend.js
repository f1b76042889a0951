// Legend: the symbols of the layers that are on the map, drawn with the map's own styles.
import { Control, DomEvent } from 'leaflet';
import { challengeLegend } from './challenge/layerStyle.js';
import { formatIndicator } from './format.js';
import { t, tEnum, onLangChange } from './i18n.js';
import { choiceLabel } from './layerControls.js';
import { LAYERS } from './layers/registry.js';
import * as styles from './styles.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const ZOOM = 13; // symbols at the size they have at street level

const item = (shape, style, label) => ({ shape, style, label });
const operatorItems = () => [
  ...Object.keys(styles.OPERATOR_COLORS).map((name) =>
    item('circle', styles.siteStyle({ owner: name, status: 'active' }, ZOOM), () => name)),
  item('circle', styles.siteStyle({ owner: '', status: 'active' }, ZOOM), () => t('legend.other')),
];

/** Rows for the share classes (SHARE_CLASSES, lower bounds) and the grey "not computed". */
const shareItems = () => {
  const area = (fillColor) => ({ ...styles.hamletShareStyle({}), fillColor });
  const percent = (share) => Math.round(share * 100);
  return [
    ...styles.SHARE_CLASSES.map((shareClass, i, all) => item('area', area(shareClass.color), () => (i === 0
      ? `≥ ${percent(shareClass.min)}%` : `${percent(shareClass.min)}–${percent(all[i - 1].min)}%`))),
    item('area', area(styles.NOT_COMPUTED_COLOR), () => t('coverage.notComputed')),
  ];
};

// Legend rows per layer (given the layer, for its choices); labels are functions so they
// follow the language.
const ENTRIES = {
  dead_zones: (layer) => [
    ...styles.DEAD_ZONE_KINDS
      .filter((kind) => !layer?.choice.kind || layer.choice.kind === kind)
      .map((kind) => item('area', styles.deadZoneStyle({ kind }), () => tEnum('dead_zone_kind', kind))),
    item('area', styles.deadZoneStyle({ kind: layer?.choice.kind || 'no_signal', source: 'measured' }),
      () => tEnum('dead_zone_source', 'measured')),
  ],
  // Drawn opaque in a see-through pane (map.js): the swatch shows the result.
  coverage: () => styles.BANDS.map((band) => item('area', {
    ...styles.coverageStyle({ band }), fillOpacity: styles.COVERAGE_OPACITY, opacity: styles.COVERAGE_OPACITY,
  }, () => t(`coverage.band.${band}`))),
  ftth_gaps: () => [item('area', styles.ftthGapStyle(), () => t('legend.ftthGap'))],
  hamlet_coverage: () => shareItems(),
  districts: () => [item('area', styles.districtStyle(), () => t('legend.boundary'))],
  communes: () => [item('area', styles.communeStyle(), () => t('legend.boundary'))],
  hamlets: () => [item('area', styles.hamletStyle(), () => t('legend.boundary'))],
  commune_offices: () => [
    item('circle', styles.communeOfficeStyle({ gov_network_connected: true }, ZOOM), () => t('legend.connected')),
    item('circle', styles.communeOfficeStyle({ gov_network_connected: false }, ZOOM), () => t('legend.notConnected')),
  ],
  sites: () => [
    ...operatorItems(),
    item('circle', styles.siteStyle({ owner: '', status: 'active', shared: true }, ZOOM), () => t('legend.shared')),
    item('circle', styles.siteStyle({ owner: '', status: 'proposed' }, ZOOM), () => t('legend.planned')),
    item('circle', styles.siteStyle({ owner: '', status: 'decommissioned' }, ZOOM), () => t('legend.decommissioned')),
  ],
  cells: () => [item('wedge', styles.cellStyle({ operator: '' }), () => t('legend.cellSector'))],
  poles: () => [
    item('circle', styles.poleStyle({}, ZOOM), () => t('layer.poles')),
    item('circle', styles.poleStyle({ shared: true }, ZOOM), () => t('legend.shared')),
  ],
  ducts: () => [
    item('line', styles.ductStyle({ duct_count: 2 }), () => t('layer.ducts')),
    item('line', styles.ductStyle({ duct_count: 2, shared: true }), () => t('legend.sharedDuct')),
    item('line', styles.ductStyle({ duct_count: 2, free_duct_count: 0 }), () => t('legend.fullDuct')),
  ],
  manholes: () => [item('circle', styles.manholeStyle({}, ZOOM), () => t('layer.manholes'))],
  tall_structures: () => [item('circle', styles.tallStructureStyle({}, ZOOM), () => t('layer.tall_structures'))],
  fibre_access_points: () => [
    item('circle', styles.fibreAccessPointStyle({ status: 'active' }, ZOOM), () => t('legend.fapActive')),
    item('circle', styles.fibreAccessPointStyle({ status: 'planned' }, ZOOM), () => t('legend.fapPlanned')),
  ],
  speed_tests: () => styles.SPEED_CLASSES.map((speedClass, i, all) => item(
    'circle', styles.speedTestStyle({ download_mbps: speedClass.min }, ZOOM),
    () => (i === 0 ? `≥ ${speedClass.min} Mbps` : `${speedClass.min}–${all[i - 1].min} Mbps`),
  )),
};

// The public challenges (frontend/src/challenge/layerStyle.js): rows as [shape, style, [enum, value]].
const fromRows = (rows) => rows.map(([shape, style, [namespace, value]]) => item(shape, style, () => tEnum(namespace, value)));
ENTRIES.challenges = () => fromRows(challengeLegend());

export const legendEntries = (layerId, layer) => ENTRIES[layerId]?.(layer) ?? [];

/**
 * The legend section of an indicator choropleth (map and dashboard): the target, the rule and
 * one row per class, with `counts` (class id → units) after each label.
 */
export function targetLegendSection({ id = 'indicator', title, target, unit, counts = {} }) {
  const count = (classId) => (counts[classId] ? ` (${counts[classId]})` : '');
  // "Exceeded by 10 %" cannot happen for a 100 % target.
  const canExceed = !(unit === '%' && target * 1.1 > 100);
  const shown = [...styles.MET_CLASSES.filter((c) => c.id !== 'exceeded' || canExceed), styles.ON_TRACK_CLASS,
    ...styles.BEHIND_CLASSES, styles.targetClass(null)];
  return {
    id,
    title,
    notes: [t('indicator.targetLine', { target: formatIndicator(target, unit) }), t('indicator.rule')],
    entries: shown.map((c) => item('area', styles.targetClassStyle(c),
      () => `${t(`indicator.class.${c.id}`)}${count(c.id)}`)),
  };
}

// Section titles that say what the layer's choices show; notes under some titles.
const TITLES = {
  coverage: ({ choice }) => `${t('layer.coverage')}: ${choiceLabel('coverage', 'operator', choice.operator)}, `
    + choiceLabel('coverage', 'tech_class', choice.tech_class),
  hamlet_coverage: ({ choice }) => t(choice.metric === 'ftth' ? 'hamletCoverage.titleFtth' : 'layer.hamlet_coverage'),
};
const NOTES = {
  coverage: () => t('legend.modelled'),
  dead_zones: () => t('legend.deadZoneSources'),
};
const legendTitle = (def, layer) => TITLES[def.id]?.(layer) ?? t(`layer.${def.id}`);

function svg(tag, attributes) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) el.setAttribute(name, String(value));
  }
  return el;
}

/** A small SVG drawing of one legend entry. */
export function swatch({ shape, style }) {
  const root = svg('svg', { width: 22, height: 16, viewBox: '0 0 22 16', 'aria-hidden': 'true', class: 'hg-swatch' });
  const paint = {
    stroke: style.stroke === false ? 'none' : style.color, 'stroke-width': Math.min(style.weight ?? 1, 3),
    'stroke-dasharray': style.dashArray, fill: style.fill === false ? 'none' : (style.fillColor ?? style.color),
    'fill-opacity': style.fillOpacity ?? 0.2, 'stroke-opacity': style.opacity ?? 1,
  };
  if (shape === 'circle') root.append(svg('circle', { cx: 11, cy: 8, r: Math.min(style.radius ?? 5, 6), ...paint }));
  else if (shape === 'line') root.append(svg('path', { d: 'M2 12 L9 5 L14 10 L20 4', ...paint, fill: 'none' }));
  else if (shape === 'wedge') root.append(svg('path', { d: 'M4 14 L18 6 A12 12 0 0 0 10 2 Z', ...paint }));
  else root.append(svg('rect', { x: 2, y: 2, width: 18, height: 12, ...paint }));
  return root;
}

/** The legend control; it redraws when layers come and go or the language changes. */
export const LegendControl = Control.extend({
  // `extras`: other sources of legend sections, each with `legendSection()` → null or
  // { id, title, notes: [text], entries: [item] } (the indicator choropleth).
  options: { position: 'bottomright', layers: new Map(), extras: [] },

  onAdd(map) {
    const container = document.createElement('section');
    container.className = 'hg-legend leaflet-control';
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'hg-legend-toggle';
    toggle.setAttribute('aria-expanded', 'true');
    toggle.setAttribute('aria-controls', 'hg-legend-body');
    this._body = document.createElement('div');
    this._body.id = 'hg-legend-body';
    this._body.className = 'hg-legend-body';
    toggle.addEventListener('click', () => {
      const expanded = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(expanded));
      this._body.hidden = !expanded;
    });
    if (window.matchMedia?.('(max-width: 700px)').matches) {
      toggle.setAttribute('aria-expanded', 'false');
      this._body.hidden = true;
    }
    this._toggle = toggle;
    container.append(toggle, this._body);
    DomEvent.disableClickPropagation(container);
    DomEvent.disableScrollPropagation(container);
    map.on('layeradd layerremove', this._scheduleUpdate, this);
    this.options.layers.forEach((layer) => layer.on('hg:choice', this._scheduleUpdate, this));
    this._offLang = onLangChange(() => this.update());
    this.update();
    return container;
  },

  onRemove(map) {
    map.off('layeradd layerremove', this._scheduleUpdate, this);
    this._offLang();
  },

  /** Redraw soon (an extra section changed). */
  refresh() {
    this._scheduleUpdate();
  },

  // layeradd fires once per feature while data arrive: redraw once per frame.
  _scheduleUpdate() {
    if (this._frame) return;
    this._frame = requestAnimationFrame(() => {
      this._frame = null;
      this.update();
    });
  },

  update() {
    this._toggle.textContent = t('legend.title');
    this._toggle.setAttribute('title', t('legend.toggle'));
    this._body.replaceChildren();
    const visible = LAYERS.filter((def) => this.options.layers.get(def.id)?.isVisible());
    const sections = [
      ...this.options.extras.map((extra) => extra.legendSection()).filter(Boolean),
      ...visible.map((def) => {
        const layer = this.options.layers.get(def.id);
        return {
          id: def.id, title: legendTitle(def, layer), notes: NOTES[def.id] ? [NOTES[def.id]()] : [],
          entries: legendEntries(def.id, layer),
        };
      }),
    ];
    if (!sections.length) {
      const empty = document.createElement('p');
      empty.className = 'hg-legend-empty';
      empty.textContent = t('legend.empty');
      this._body.append(empty);
    }
    for (const { id, title, notes = [], entries } of sections) {
      const section = document.createElement('div');
      section.className = 'hg-legend-section';
      section.dataset.layer = id;
      const heading = document.createElement('h3');
      heading.textContent = title;
      section.append(heading);
      for (const text of notes) {
        const note = document.createElement('p');
        note.className = 'hg-legend-note';
        note.textContent = text;
        section.append(note);
      }
      const list = document.createElement('ul');
      for (const entry of entries) {
        const row = document.createElement('li');
        const label = document.createElement('span');
        label.textContent = entry.label();
        row.append(swatch(entry), label);
        list.append(row);
      }
      section.append(list);
      this._body.append(section);
    }
  },
});

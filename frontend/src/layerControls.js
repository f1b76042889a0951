// A layer's own options under its row in the layer panel (registry `choices`): the coverage
// layer's operator and network generation, the dead zones' kind, the hamlet choropleth's metric.
import { onLangChange, t, tEnum, translateDom } from './i18n.js';
import { DEAD_ZONE_KINDS, OPERATOR_COLORS } from './styles.js';

// The mobile operators (those the map has colours for); "all" = any operator.
const MOBILE_OPERATORS = Object.keys(OPERATOR_COLORS);

// Per layer: the choice key, its label and its options as [value, label()].
const CONTROLS = {
  coverage: [
    { key: 'operator', label: 'coverage.operator', options: () => [
      ['all', t('coverage.allOperators')], ...MOBILE_OPERATORS.map((name) => [name, name])] },
    { key: 'tech_class', label: 'coverage.techClass', options: () => [
      ['mbb', t('coverage.mbb')], ['legacy', t('coverage.legacy')]] },
  ],
  dead_zones: [
    { key: 'kind', label: 'deadZones.kind', options: () => [
      ['', t('deadZones.allKinds')], ...DEAD_ZONE_KINDS.map((kind) => [kind, tEnum('dead_zone_kind', kind)])] },
  ],
  hamlet_coverage: [
    { key: 'metric', label: 'hamletCoverage.metric', options: () => [
      ['mbb', t('hamletCoverage.byMbb')], ['ftth', t('hamletCoverage.byFtth')]] },
  ],
};

/** Label for a choice value (the legend's titles use it). */
export function choiceLabel(layerId, key, value) {
  const control = CONTROLS[layerId]?.find((c) => c.key === key);
  const option = control?.options().find(([v]) => v === value);
  return option ? option[1] : String(value);
}

function mountOne(id, layer, onChange) {
  const box = document.createElement('div');
  box.className = 'hg-layer-options';
  box.dataset.layer = id;
  const selects = CONTROLS[id].map((control) => {
    const select = document.createElement('select');
    select.id = `hg-choice-${id}-${control.key}`;
    select.name = control.key;
    const label = document.createElement('label');
    label.className = 'hg-field';
    label.htmlFor = select.id;
    label.dataset.i18n = control.label;
    select.addEventListener('change', () => {
      layer.setChoice({ [control.key]: select.value });
      onChange(id);
    });
    box.append(label, select);
    return { control, select };
  });

  const render = () => {
    for (const { control, select } of selects) {
      select.replaceChildren(...control.options().map(([value, text]) => new Option(text, value)));
      const value = layer.choice[control.key] ?? '';
      // A value from the URL that is not listed still works (as the filter panel does).
      if (![...select.options].some((o) => o.value === value)) select.append(new Option(value, value));
      select.value = value;
    }
  };
  const showWhenVisible = () => { box.hidden = !layer.isVisible(); };
  layer.on('hg:choice', render);
  layer.on('add remove', showWhenVisible);
  onLangChange(render);
  render();
  showWhenVisible();
  translateDom(box);
  return box;
}

/**
 * The option boxes of every layer that has choices, by layer id (for mountLayerPanel's extras).
 * `onChange(id)` is called after a choice changed the layer.
 */
export function mountLayerControls(layers, { onChange = () => {} } = {}) {
  const boxes = new Map();
  for (const id of Object.keys(CONTROLS)) {
    if (layers.has(id)) boxes.set(id, mountOne(id, layers.get(id), onChange));
  }
  return boxes;
}

/** Layers' choices that differ from their registry defaults, by layer id (for the permalink). */
export function changedChoices(layers) {
  const changed = {};
  for (const [id, layer] of layers) {
    const defaults = layer.def.choices;
    if (!defaults) continue;
    const diff = Object.entries(layer.choice).filter(([key, value]) => value && value !== defaults[key]);
    if (diff.length) changed[id] = Object.fromEntries(diff);
  }
  return changed;
}

/** Set every layer's choices from `choices` (by layer id); missing ones go back to the defaults. */
export function applyChoices(layers, choices = {}) {
  for (const [id, layer] of layers) {
    if (!layer.def.choices) continue;
    const wanted = { ...layer.def.choices, ...choices[id] };
    if (JSON.stringify(wanted) !== JSON.stringify(layer.choice)) layer.setChoice(wanted);
  }
}

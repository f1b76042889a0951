// The layer switcher: one checkbox per collection, grouped, with its load state beside it.
import { formatNumber } from './format.js';
import { onLangChange, t, translateDom } from './i18n.js';
import { legendEntries, swatch } from './legend.js';
import { describeError } from './notify.js';
import { GROUPS, LAYERS } from './layers/registry.js';

// A refusal with codes (a past day's coverage not computed yet …) in the page's language.
const errorText = (error) => describeError({ status: error.status, description: error.message, problems: error.body?.problems });

function stateText(layer) {
  const { state, def } = layer;
  if (!layer.isVisible()) return { text: '', title: '' };
  if (state.loading) return { text: t('layer.state.loading'), title: '' };
  if (state.error) return { text: t('layer.state.error'), title: errorText(state.error) };
  if (state.belowMinZoom) return { text: t('layer.state.zoom', { zoom: def.minZoom }), title: '' };
  const count = formatNumber(state.count, 0);
  if (state.matched !== null && state.matched > state.count) {
    const matched = formatNumber(state.matched, 0);
    return { text: `${count}/${matched}`, title: t('layer.state.partial', { count, matched }) };
  }
  return { text: count, title: '' };
}

/**
 * Render the switcher into `container`.
 * @param {Map<string, CollectionLayer>} layers — by layer id
 * @param {(id: string, visible: boolean) => void} onToggle
 * @param {Map<string, HTMLElement>} extras — shown under a layer's row (key: its id) or at the
 *   end of a group (key: `group:<name>`)
 */
export function mountLayerPanel(container, { layers, onToggle, extras = new Map() }) {
  const heading = document.createElement('h2');
  heading.dataset.i18n = 'layers.title';
  container.append(heading);
  const rows = new Map();

  for (const group of GROUPS) {
    // Only the layers this user may see (anonymous visitors: the public ones).
    const defs = LAYERS.filter((d) => d.group === group && layers.has(d.id));
    if (!defs.length) continue;
    const fieldset = document.createElement('fieldset');
    fieldset.className = 'hg-fieldset';
    const legend = document.createElement('legend');
    legend.dataset.i18n = `group.${group}`;
    fieldset.append(legend);
    for (const def of defs) {
      const layer = layers.get(def.id);
      const row = document.createElement('div');
      row.className = 'hg-layer-row';
      row.dataset.layer = def.id;
      const label = document.createElement('label');
      const checkbox = document.createElement('input');
      checkbox.type = 'checkbox';
      checkbox.name = 'layer';
      checkbox.value = def.id;
      checkbox.addEventListener('change', () => onToggle(def.id, checkbox.checked));
      const name = document.createElement('span');
      name.className = 'hg-layer-name';
      name.dataset.i18n = `layer.${def.id}`;
      const status = document.createElement('span');
      status.className = 'hg-layer-state';
      status.id = `hg-layer-state-${def.id}`;
      checkbox.setAttribute('aria-describedby', status.id);
      const [first] = legendEntries(def.id, layer);
      label.append(checkbox, first ? swatch(first) : '', name);
      row.append(label, status);
      fieldset.append(row);
      if (extras.has(def.id)) fieldset.append(extras.get(def.id));

      const update = () => {
        checkbox.checked = layer.isVisible();
        const { text, title } = stateText(layer);
        status.textContent = text;
        status.title = title;
        row.classList.toggle('has-error', Boolean(layer.isVisible() && layer.state.error));
      };
      layer.on('add remove hg:state', update);
      rows.set(def.id, update);
      update();
    }
    if (extras.has(`group:${group}`)) fieldset.append(extras.get(`group:${group}`));
    container.append(fieldset);
  }
  translateDom(container);
  onLangChange(() => rows.forEach((update) => update()));
}

// "Ngày hiệu lực" / "As of": the day whose admin units the boundary layers show, and whose network
// the coverage and dead-zone layers are computed for (empty: today). The day travels as each of
// these layers' `as_of` choice (layers/registry.js), so the layer reloads with OGC `datetime`
// (their tile URLs carry it) and the permalink keeps it.
import { translateDom } from './i18n.js';

export const ADMIN_LAYERS = ['districts', 'communes', 'hamlets'];
// A past day's coverage comes from that day's dated run (the server answers 409 while it computes it).
export const DATED_LAYERS = [...ADMIN_LAYERS, 'coverage', 'dead_zones'];

/**
 * The date field for the end of the layer panel's admin group (mountLayerPanel's extras).
 * `onChange(day)` is called after the layers were given the day ('' for today).
 */
export function mountAsOfDate(layers, { onChange = () => {} } = {}) {
  const admin = ADMIN_LAYERS.map((id) => layers.get(id)).filter(Boolean);
  const dated = DATED_LAYERS.map((id) => layers.get(id)).filter(Boolean);
  const box = document.createElement('div');
  box.className = 'hg-layer-options hg-as-of';
  const label = document.createElement('label');
  label.className = 'hg-field';
  label.htmlFor = 'hg-as-of';
  label.dataset.i18n = 'asOf.label';
  const input = document.createElement('input');
  input.type = 'date';
  input.id = 'hg-as-of';
  input.name = 'as_of';
  input.setAttribute('aria-describedby', 'hg-as-of-note');
  const note = document.createElement('p');
  note.className = 'hg-note';
  note.id = 'hg-as-of-note';
  note.dataset.i18n = 'asOf.note';
  box.append(label, input, note);

  input.addEventListener('change', () => {
    // An unfinished date reads as '' (today) until it is whole.
    dated.forEach((layer) => layer.setChoice({ as_of: input.value }));
    onChange(input.value);
  });
  // A permalink (or going back) sets the layers' choice: show it.
  admin[0]?.on('hg:choice', ({ choice }) => {
    if (input.value !== (choice.as_of ?? '')) input.value = choice.as_of ?? '';
  });
  input.value = admin[0]?.choice.as_of ?? '';
  translateDom(box);
  return box;
}

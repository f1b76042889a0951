// Small DOM builders shared by the registration panels (forms, lists, dialogs).
import { translateDom } from '../i18n.js';
import { problemParts } from '../problems.js';
import { fieldLabel, messageText } from './messages.js';

/** `el('button', { type: 'button', 'data-i18n': 'x' }, [children])`; data-*, for, aria-* become attributes. */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (/^(data-|aria-)/.test(key) || ['for', 'autocomplete', 'name', 'list'].includes(key)) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** A labelled input (or select/textarea); returns [label, control]. */
export function labelled(id, key, control) {
  control.id = id;
  return [el('label', { for: id, 'data-i18n': key }), control];
}

export function options(select, values, label) {
  select.replaceChildren(...values.map((value) => el('option', { value, textContent: label(value) })));
  return select;
}

// A value out of its range comes structured, as an import's (gis/importers/ranges.py): the catalogue says it.
const sentence = (p) => (p.code ? problemParts(p).text : messageText(p.message));

/** A list of problems from an ApiError: the server's `problems` (field + message) or its description,
 * in the current language (the field as the form labels it). */
export function problemList(error) {
  const problems = error?.body?.problems;
  if (Array.isArray(problems) && problems.length) {
    return el('ul', { className: 'hg-problems' }, problems.map((p) => el('li', {
      textContent: typeof p === 'string' ? messageText(p) : `${fieldLabel(p.field)}: ${sentence(p)}`,
      'data-field': typeof p === 'string' ? null : p.field,
    })));
  }
  const text = error?.description || String(error?.message ?? error);
  return el('p', { className: 'hg-form-error', textContent: messageText(text) });
}

export function translated(node) {
  translateDom(node);
  return node;
}

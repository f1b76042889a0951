// Small DOM builders shared by the registration panels (forms, lists, dialogs).
import { translateDom } from '../i18n.js';
import { problemText, refusalText } from './messages.js';

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

/** A list of problems from an ApiError: the server's `problems` (code, field, params) in the current
 * language (the field as the form labels it), or what it says of an error without them. */
export function problemList(error) {
  const problems = error?.body?.problems;
  if (Array.isArray(problems) && problems.length) {
    return el('ul', { className: 'hg-problems' }, problems.map((p) => el('li', {
      textContent: problemText(p),
      'data-field': p?.field ?? null,
      'data-problem': p?.code ?? null,
    })));
  }
  return el('p', { className: 'hg-form-error', textContent: refusalText(error) });
}

export function translated(node) {
  translateDom(node);
  return node;
}

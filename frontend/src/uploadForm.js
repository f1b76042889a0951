// The pieces of the Department's whole-file forms on the upload page (reformUpload.js,
// roadsUpload.js): labelled controls, and the outcome as a list of lines — what was written, or
// why the file was refused, each problem in the current language.
import { ApiError } from './api.js';
import { t, translateDom } from './i18n.js';
import { problemParts } from './problems.js';

/** A form headed by its title and introduction (i18n keys `<area>.title`, `<area>.intro`). */
export function headedForm(area) {
  const form = document.createElement('form');
  form.className = 'hg-upload-form';
  form.noValidate = true;
  const title = document.createElement('h2');
  title.dataset.i18n = `${area}.title`;
  const intro = document.createElement('p');
  intro.className = 'hg-note';
  intro.dataset.i18n = `${area}.intro`;
  form.append(title, intro);
  return form;
}

/** Where the outcome is said (`showLines`), read out when it changes. */
export function resultBox(id) {
  const result = document.createElement('div');
  result.id = id;
  result.setAttribute('aria-live', 'polite');
  return result;
}

/** `form` shown in its (hidden until then) `section`, in the current language. */
export function showForm(section, form) {
  section.replaceChildren(form);
  section.hidden = false;
  translateDom(section);
}

/** A label (its text by i18n `key`) and its `control`, bound by `id`: [label, control]. */
export function field(id, key, control) {
  const label = document.createElement('label');
  label.className = 'hg-field';
  label.htmlFor = id;
  label.dataset.i18n = key;
  control.id = id;
  return [label, control];
}

export function input(type, attrs = {}) {
  const node = document.createElement('input');
  node.type = type;
  Object.assign(node, attrs);
  return node;
}

/** A problem as one line: "<file> dòng 3: <field>: <sentence>". */
function sentence(problem) {
  const { number, column, text } = problemParts(problem);
  const where = [problem.source, number != null ? `${t('upload.row')} ${number}` : null].filter(Boolean).join(' ');
  return [where, column, text].filter(Boolean).join(': ');
}

/** Why a request was refused, one line per problem (a 422's `details`, else its `problems`). */
export function refusalLines(error) {
  const problems = error instanceof ApiError ? (error.body?.details ?? error.body?.problems ?? []) : [];
  return problems.length
    ? problems.map((p) => (p.code ? sentence(p) : p.message ?? String(p)))
    : [error.description ?? error.message];
}

/** `lines` as a list in `container`, marked `data-state` done or refused (for readers and tests). */
export function showLines(container, lines, refused) {
  const list = document.createElement('ul');
  list.className = refused ? 'hg-problems' : 'hg-list';
  for (const line of lines) {
    const item = document.createElement('li');
    item.textContent = line;
    list.append(item);
  }
  container.replaceChildren(list);
  container.dataset.state = refused ? 'refused' : 'done';
}

// The mapping a check read the file with (file column → field, value → code, CRS, axis order), with
// a select to correct each one; *Kiểm tra lại* checks again with the corrections, and the Department
// may save them as a named profile for the next file of the same shape (POST /api/import?save_profile=).
import { getJSON } from './api.js';
import { t } from './i18n.js';
import { fieldLabel } from './problems.js';

let known = null; // {fields: target → its fields, codes: domain → its codes}

/** The saved profiles (`GET /api/import/profiles`) and, once, what each target's fields are. */
export async function loadProfiles() {
  const [list, vocabulary] = await Promise.all([
    getJSON('/api/import/profiles'),
    known ? Promise.resolve(null) : getJSON('/api/vocabulary?domain=column'),
  ]);
  if (vocabulary) known = { fields: list.fields ?? {}, codes: vocabulary.targets ?? {} };
  return list.profiles ?? [];
}

const ORGANISATION_FIELDS = ['owner', 'operator', 'tenants', 'operators', 'attachments', 'occupants'];

function codesOf(field) {
  const codes = known?.codes ?? {};
  return ORGANISATION_FIELDS.includes(field) ? codes.organisation ?? [] : codes[field] ?? [];
}

function element(tag, attrs = {}, text) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  if (text !== undefined) el.textContent = text;
  return el;
}

function table(id, headings) {
  const el = element('table', { id, class: 'hg-report-table hg-mapping-table' });
  const head = element('tr');
  for (const key of headings) head.append(element('th', { scope: 'col' }, t(key)));
  el.append(element('thead'), element('tbody'));
  el.tHead.append(head);
  return el;
}

function columnSelect(column, field, fields, i) {
  const select = element('select', { id: `hg-mapping-column-${i}`, 'aria-label': t('mapping.fieldOf', { column }) });
  select.dataset.column = column;
  select.dataset.detected = field ?? '';
  const options = [new Option(t('mapping.ignore'), '')];
  const listed = field && !fields.includes(field) ? [field, ...fields] : fields;
  for (const name of listed) options.push(new Option(`${fieldLabel(name)} (${name})`, name));
  select.replaceChildren(...options);
  select.value = field ?? '';
  return select;
}

function valueSelect(value, i) {
  const select = element('select', {
    id: `hg-mapping-value-${i}`, 'aria-label': t('mapping.codeOf', { value: value.value }),
  });
  select.dataset.field = value.field;
  select.dataset.value = value.value;
  select.dataset.detected = value.code ?? '';
  const codes = codesOf(value.field);
  const listed = value.code == null || codes.includes(value.code) ? codes : [value.code, ...codes];
  const options = listed.map((code) => new Option(code, code));
  if (value.code == null) options.unshift(new Option(t('mapping.unknownCode'), ''));
  select.replaceChildren(...options);
  select.value = value.code ?? '';
  return select;
}

/**
 * Append to `container` the mapping of `report` (a check's, or `{target, mapping}` of a refusal) with its selects; `actions.recheck(corrections)`
 * checks again, `actions.save(name, corrections)` (staff only, when given) saves the profile.
 */
export function renderMapping(container, report, { staff, recheck, save, message = '' }) {
  const mapping = report?.mapping;
  if (!mapping || !known) return;
  const fields = known.fields[report.target] ?? [];
  const section = element('section', { id: 'hg-import-mapping', class: 'hg-mapping' });
  section.append(element('h3', {}, t('mapping.heading')), element('p', { class: 'hg-note' }, t('mapping.intro')));
  const facts = element('dl', { class: 'hg-report-summary' });
  facts.append(element('dt', {}, t('mapping.crs')), element('dd', {}, mapping.crs),
    element('dt', {}, t('mapping.axes')), element('dd', {}, mapping.axis_order || t('mapping.axesAsDeclared')));
  if (mapping.profile) facts.append(element('dt', {}, t('mapping.profile')), element('dd', {}, mapping.profile));
  section.append(facts);

  const columns = table('hg-mapping-columns', ['mapping.col.column', 'mapping.col.field']);
  mapping.columns.forEach((c, i) => {
    const row = element('tr');
    row.dataset.column = c.column;
    const cell = element('td');
    if (c.coordinate) cell.textContent = t('mapping.coordinate', { axis: c.field });
    else cell.append(columnSelect(c.column, c.field, fields, i));
    if (mapping.unrecognised.includes(c.column)) {
      row.classList.add('is-unrecognised');
      cell.append(' ', element('span', { class: 'hg-note' }, t('mapping.unrecognised')));
    }
    row.append(element('th', { scope: 'row' }, c.column), cell);
    columns.tBodies[0].append(row);
  });
  section.append(columns);

  if (mapping.values.length) {
    const values = table('hg-mapping-values', ['mapping.col.field', 'mapping.col.value', 'mapping.col.code']);
    mapping.values.forEach((v, i) => {
      const row = element('tr');
      if (v.code == null) row.classList.add('is-unrecognised');
      row.append(element('td', {}, fieldLabel(v.field)), element('th', { scope: 'row' }, v.value));
      const cell = element('td');
      cell.append(valueSelect(v, i));
      row.append(cell);
      values.tBodies[0].append(row);
    });
    section.append(values);
  }

  const corrections = () => {
    const out = { columns: {}, values: {} };
    section.querySelectorAll('select[data-column]').forEach((s) => {
      if (s.value !== s.dataset.detected) out.columns[s.dataset.column] = s.value;
    });
    section.querySelectorAll('select[data-field]').forEach((s) => {
      if (s.value && s.value !== s.dataset.detected) (out.values[s.dataset.field] ??= {})[s.dataset.value] = s.value;
    });
    return out;
  };
  const actions = element('div', { class: 'hg-upload-actions' });
  const again = element('button', { type: 'button', id: 'hg-mapping-recheck', class: 'hg-button' }, t('mapping.recheck'));
  again.addEventListener('click', () => recheck(corrections()));
  actions.append(again);
  if (staff) {
    const name = element('input', { id: 'hg-profile-name', type: 'text', autocomplete: 'off', maxlength: '100' });
    const label = element('label', { for: name.id }, t('mapping.profileName'));
    const button = element('button', { type: 'button', id: 'hg-profile-save', class: 'hg-button' }, t('mapping.save'));
    button.addEventListener('click', () => save(name.value.trim(), corrections()));
    actions.append(label, name, button);
  }
  section.append(actions);
  if (message) section.append(element('p', { id: 'hg-mapping-message', class: 'hg-note', role: 'status' }, message));
  container.append(section);
}

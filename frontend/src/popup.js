// Popup content for one feature: a title and a table of translated labels and formatted values.
import { formatValue } from './format.js';
import { t } from './i18n.js';
import { currentUser, isStaff } from './account/session.js';
import { showHistory } from './registration/history.js';

/** A DOM element with an optional class and text: the popups' one building block. */
export function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A field's label: the layer's own (`field.ducts.name`) if the locales have one, else the shared one. */
function fieldLabel(layerId, name) {
  const own = `field.${layerId}.${name}`;
  const label = t(own);
  return label === own ? t(`field.${name}`) : label;
}

/**
 * Build the popup for `feature` of the collection `def` (see layers/registry.js).
 * Built at open time, so it is always in the current language.
 */
export function renderPopup(def, feature) {
  const properties = feature.properties ?? {};
  const root = element('div', 'hg-popup');
  root.append(element('div', 'hg-popup-layer', t(`layer.${def.id}`)));
  root.append(element('h2', 'hg-popup-title', formatValue(properties[def.title] ?? feature.id)));

  const table = element('table', 'hg-popup-table');
  const body = element('tbody');
  for (const [name, format, nullKey] of def.fields) {
    const value = properties[name];
    const row = element('tr');
    row.dataset.field = name;
    row.append(element('th', null, fieldLabel(def.id, name)));
    const shown = (value === null || value === undefined) && nullKey ? t(nullKey) : formatValue(value, format);
    row.append(element('td', null, shown));
    body.append(row);
  }
  table.append(body);
  root.append(table);
  if (def.history && properties.code) {
    // Every change of the record, from the audit trail (layers with history are for logged-in users).
    const button = element('button', 'hg-button secondary hg-popup-history', t('review.history'));
    button.type = 'button';
    button.addEventListener('click', () => showHistory(def.history, properties.code));
    root.append(button);
  }
  const user = currentUser();
  if (def.id === 'sites' && (isStaff() || (user?.role === 'operator' && user.operator === properties.owner))
      && properties.status !== 'decommissioned') {
    // The registration form (main.js) listens: it loads the site for editing.
    const edit = element('button', 'hg-button secondary hg-popup-edit', t('review.edit'));
    edit.type = 'button';
    edit.addEventListener('click', () => window.dispatchEvent(new CustomEvent('hg:edit-site', { detail: properties.code })));
    root.append(edit);
  }
  return root;
}

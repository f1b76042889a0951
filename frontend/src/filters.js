// Filter selects (operator, technology, status) whose values go to the API as query parameters.
import { onLangChange, t, tEnum, translateDom } from './i18n.js';
import { FILTER_KEYS } from './urlState.js';

// Option values are what the API expects; labels are translated where they are words.
const OPTIONS = {
  operator: ['Viettel', 'VinaPhone', 'MobiFone', 'Vietnamobile', 'Gmobile', 'VNPT', 'FPT Telecom']
    .map((value) => ({ value, label: () => value })),
  technology: ['2G', '3G', '4G', '5G', 'fixed'].map((value) => ({ value, label: () => tEnum('technology', value) })),
  status: ['active', 'proposed', 'approved', 'rejected', 'decommissioned', 'planned']
    .map((value) => ({ value, label: () => tEnum('status', value) })),
};

/**
 * Render the filter form into `container`; `onChange(filters)` receives `{operator, technology,
 * status}` with only the chosen keys. Returns `{ get, set }` for restoring from the URL.
 */
export function mountFilters(container, { initial = {}, onChange }) {
  const form = document.createElement('form');
  form.className = 'hg-filters';
  form.addEventListener('submit', (event) => event.preventDefault());
  const heading = document.createElement('h2');
  heading.dataset.i18n = 'filters.title';
  form.append(heading);

  const selects = {};
  for (const key of FILTER_KEYS) {
    const label = document.createElement('label');
    label.className = 'hg-field';
    label.htmlFor = `hg-filter-${key}`;
    label.dataset.i18n = `filters.${key}`;
    const select = document.createElement('select');
    select.id = `hg-filter-${key}`;
    select.name = key;
    select.addEventListener('change', () => onChange(get()));
    selects[key] = select;
    form.append(label, select);
  }

  const reset = document.createElement('button');
  reset.type = 'button';
  reset.className = 'hg-button';
  reset.dataset.i18n = 'filters.reset';
  reset.addEventListener('click', () => {
    set({});
    onChange(get());
  });
  const note = document.createElement('p');
  note.className = 'hg-note';
  note.dataset.i18n = 'filters.note';
  form.append(reset, note);

  function renderOptions() {
    const chosen = get();
    for (const key of FILTER_KEYS) {
      selects[key].replaceChildren(new Option(t('filters.all'), ''));
      for (const option of OPTIONS[key]) selects[key].append(new Option(option.label(), option.value));
    }
    set(chosen);
  }

  function get() {
    const filters = {};
    for (const key of FILTER_KEYS) if (selects[key].value) filters[key] = selects[key].value;
    return filters;
  }

  function set(filters) {
    for (const key of FILTER_KEYS) {
      const value = filters[key] ?? '';
      // A value from the URL that is not in the list still works as a filter.
      if (value && ![...selects[key].options].some((o) => o.value === value)) {
        selects[key].append(new Option(value, value));
      }
      selects[key].value = value;
    }
  }

  renderOptions();
  set(initial);
  translateDom(form);
  onLangChange(renderOptions);
  container.append(form);
  return { get, set };
}

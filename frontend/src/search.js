// Place search: a combobox over GET /api/search (names with diacritics folded, site codes, typed
// positions: decimal, DMS, VN-2000 X/Y), debounced,
// with stale requests aborted and the result list navigable by keyboard.
import { isAbort, searchPlaces } from './api.js';
import { formatDate } from './format.js';
import { onLangChange, t, translateDom } from './i18n.js';
import { problemParts } from './problems.js';

const DEBOUNCE_MS = 250;
const MIN_CHARS = 2;
const LIMIT = 10;

/**
 * Render the search box into `container`; `onSelect(result)` receives the chosen result
 * (`{level, code, name, parent_name, district_name, bbox, formerly}`).
 */
export function mountSearch(container, { onSelect }) {
  container.innerHTML = `
    <label class="visually-hidden" for="hg-search-input" data-i18n="search.label"></label>
    <input id="hg-search-input" class="hg-search-input" type="search" autocomplete="off" spellcheck="false"
      role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="hg-search-results"
      data-i18n-placeholder="search.placeholder">
    <ul id="hg-search-results" class="hg-search-results" role="listbox" hidden
      data-i18n-label="search.results"></ul>
    <p class="hg-search-message" role="status" aria-live="polite" hidden></p>`;
  translateDom(container);
  const input = container.querySelector('input');
  const list = container.querySelector('ul');
  const message = container.querySelector('p');

  let results = [];
  let active = -1;
  let timer = null;
  let controller = null;
  let messageKey = null;
  let messageParams = null;

  function showMessage(key, params) {
    messageKey = key;
    messageParams = params;
    message.hidden = !key;
    message.textContent = key ? t(key, params) : '';
  }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function setActive(index) {
    active = index;
    list.querySelectorAll('[role="option"]').forEach((option, i) => {
      option.setAttribute('aria-selected', String(i === index));
      if (i === index) option.scrollIntoView({ block: 'nearest' });
    });
    if (index >= 0) input.setAttribute('aria-activedescendant', `hg-search-option-${index}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function render() {
    list.replaceChildren(...results.map((result, i) => {
      const option = document.createElement('li');
      option.id = `hg-search-option-${i}`;
      option.setAttribute('role', 'option');
      option.setAttribute('aria-selected', 'false');
      option.dataset.code = result.code;
      const name = document.createElement('span');
      name.className = 'hg-result-name';
      name.textContent = result.name;
      const level = document.createElement('span');
      level.className = `hg-result-level level-${result.level}`;
      level.textContent = t(`level.${result.level}`);
      const context = document.createElement('span');
      context.className = 'hg-result-context';
      context.textContent = [result.parent_name, result.district_name]
        .filter((part, j, parts) => part && parts.indexOf(part) === j && part !== result.name).join(', ');
      option.append(level, name, context);
      if (result.until) { // a former district, abolished by a reform: found as itself
        const until = document.createElement('span');
        until.className = 'hg-result-context hg-result-formerly';
        until.textContent = t('search.until', { day: formatDate(result.until) });
        option.append(until);
      } else if (result.formerly) { // found by the name of a former unit that became part of this one
        const formerly = document.createElement('span');
        formerly.className = 'hg-result-context hg-result-formerly';
        formerly.textContent = t('search.formerly', { name: result.formerly });
        option.append(formerly);
      }
      // mousedown, not click: it comes before the input's blur closes the list.
      option.addEventListener('mousedown', (event) => {
        event.preventDefault();
        choose(i);
      });
      return option;
    }));
    list.hidden = results.length === 0;
    input.setAttribute('aria-expanded', String(results.length > 0));
    setActive(-1);
  }

  function choose(index) {
    const result = results[index];
    if (!result) return;
    input.value = result.name;
    close();
    onSelect(result);
  }

  async function run(text) {
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    showMessage('search.searching');
    try {
      results = await searchPlaces(text, { limit: LIMIT, signal });
      showMessage(results.length ? null : 'search.none');
      render();
    } catch (error) {
      if (isAbort(error)) return;
      results = [];
      render();
      // A position that cannot be (outside the region, a latitude of 200°): the server says why.
      if (error.status === 422 && error.problems?.length) showMessage('search.refused', { message: error.problems.map((p) => problemParts(p).text).join('; ') });
      else showMessage('search.error', { message: error.message });
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < MIN_CHARS) {
      controller?.abort();
      results = [];
      render();
      showMessage(null);
      return;
    }
    timer = setTimeout(() => run(text), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (event) => {
    const open = !list.hidden && results.length > 0;
    if (event.key === 'ArrowDown' && open) {
      event.preventDefault();
      setActive((active + 1) % results.length);
    } else if (event.key === 'ArrowUp' && open) {
      event.preventDefault();
      setActive(active <= 0 ? results.length - 1 : active - 1);
    } else if (event.key === 'Enter' && open) {
      event.preventDefault();
      choose(active >= 0 ? active : 0);
    } else if (event.key === 'Escape') {
      close();
      showMessage(null);
    }
  });
  input.addEventListener('blur', () => {
    close();
    showMessage(null);
  });
  input.addEventListener('focus', () => {
    if (results.length) render();
  });

  onLangChange(() => {
    if (results.length) render();
    if (messageKey) showMessage(messageKey, messageParams);
  });
}

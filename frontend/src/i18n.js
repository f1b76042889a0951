// Translations: t(key, params), the current language, and DOM attributes that re-translate.
import viMain from './locales/vi.js';
import enMain from './locales/en.js';
import viAccounts from './locales/accounts.vi.js';
import enAccounts from './locales/accounts.en.js';
import viChallenge from './locales/challenge.vi.js';
import enChallenge from './locales/challenge.en.js';

const vi = { ...viMain, ...viAccounts, ...viChallenge };
const en = { ...enMain, ...enAccounts, ...enChallenge };
const DICTIONARIES = { vi, en };
export const LANGUAGES = Object.keys(DICTIONARIES);
const STORAGE_KEY = 'hgmap.lang';
const LOCALES = { vi: 'vi-VN', en: 'en-GB' };

let current = 'vi';
const listeners = new Set();
// Placeholders every sentence may use, per language (`{region}`: the region's name, from the
// server); until one is set, the catalogue's `context.<name>` says it generically.
const context = {};

/** Set a placeholder every sentence may use: `byLanguage` is `{vi, en}`. Call `refresh()` after. */
export function setContext(name, byLanguage) {
  context[name] = byLanguage;
}

function placeholder(name, params) {
  if (params && name in params) return String(params[name]);
  if (context[name]) return String(context[name][current] ?? context[name].vi);
  return DICTIONARIES[current][`context.${name}`] ?? vi[`context.${name}`];
}

/** Translate `key`, filling `{name}` placeholders; falls back to Vietnamese, then to the key. */
export function t(key, params) {
  const text = DICTIONARIES[current][key] ?? vi[key] ?? key;
  if (!text.includes('{')) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => placeholder(name, params) ?? whole);
}

/** Translate a coded value (`enum.<namespace>.<value>`), or return the value itself. */
export function tEnum(namespace, value) {
  const key = `enum.${namespace}.${value}`;
  return DICTIONARIES[current][key] ?? vi[key] ?? String(value);
}

/** A record's name in the current language: `name_vi` / `name_en` (or another `base`). */
export const localName = (record, base = 'name') =>
  record?.[`${base}_${current}`] ?? record?.[`${base}_vi`] ?? record?.[base] ?? '';

export const getLang = () => current;
export const getLocale = () => LOCALES[current];
export const isLanguage = (lang) => LANGUAGES.includes(lang);

/** The language to start with: the URL's, else the remembered one, else Vietnamese. */
export function initialLang(fromUrl) {
  if (isLanguage(fromUrl)) return fromUrl;
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // Storage can be disabled (privacy mode); the URL still carries the choice.
  }
  return 'vi';
}

export function setLang(lang) {
  if (!isLanguage(lang)) return;
  current = lang;
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // See initialLang.
  }
  document.documentElement.lang = lang;
  // A page names its title's key on <html> or <body data-title-key> (the map's is app.title).
  document.title = t(document.documentElement.dataset.titleKey ?? document.body?.dataset.titleKey ?? 'app.title');
  translateDom(document.body);
  listeners.forEach((listener) => listener(lang));
}

/** Say everything again in the current language (after a `setContext`). */
export const refresh = () => setLang(current);

export function onLangChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const ATTRIBUTES = [
  ['data-i18n', (el, text) => { el.textContent = text; }],
  ['data-i18n-label', (el, text) => el.setAttribute('aria-label', text)],
  ['data-i18n-title', (el, text) => el.setAttribute('title', text)],
  ['data-i18n-placeholder', (el, text) => el.setAttribute('placeholder', text)],
];

/** Re-translate every element under `root` that names its key in a data-i18n* attribute. */
export function translateDom(root) {
  for (const [attribute, apply] of ATTRIBUTES) {
    if (root.hasAttribute?.(attribute)) apply(root, t(root.getAttribute(attribute)));
    root.querySelectorAll(`[${attribute}]`).forEach((el) => apply(el, t(el.getAttribute(attribute))));
  }
}

// Kept only for the registration and account pages' messages, which still translate English
// server sentences through their own templates until they read structured problems; imports
// draw theirs from the catalogues (problems.js).
import { getLang, t } from './i18n.js';

/**
 * `text` (a server message, English) in the current language through `templates`
 * ([pattern, locale key, (match) => parameters]): `{text, translated}`.
 */
export function translateWith(templates, text) {
  if (getLang() === 'en') return { text, translated: true };
  for (const [pattern, key, params] of templates) {
    const match = pattern.exec(text);
    if (match) return { text: t(key, params(match)), translated: true };
  }
  return { text, translated: false };
}

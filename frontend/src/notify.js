// Short messages (load errors) in a polite live region, so screen readers hear them too.
import { t } from './i18n.js';
import { problemParts } from './problems.js';

const SHOW_MS = 9000;
let timer = null;

/** A person-readable reason for an ApiError (or any error). */
export function describeError(error) {
  if (error?.status === 0) return t('error.network');
  // A structured refusal is said in the page's language from its codes, whatever the server wrote.
  const structured = (error?.problems ?? []).filter((p) => p?.code);
  if (structured.length) {
    return structured.map((p) => {
      const { column, text } = problemParts(p);
      return column ? `${column}: ${text}` : text;
    }).join('; ');
  }
  return error?.description || (error?.status ? t('error.http', { status: error.status }) : String(error?.message ?? error));
}

export function notify(text) {
  const region = document.getElementById('hg-status');
  if (!region) return;
  const line = document.createElement('p');
  line.textContent = text;
  region.append(line);
  region.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => {
    region.replaceChildren();
    region.hidden = true;
  }, SHOW_MS);
}

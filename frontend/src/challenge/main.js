// The challenge page (/challenge): anyone reports; the reporter follows by a private link; the
// Department triages and the operators answer (when logged in, on the same page).
import { mountAccountMenu } from '../account/menu.js';
import { currentUser, isOperator, isStaff, loadSession } from '../account/session.js';
import { getJSON } from '../api.js';
import { getLang, initialLang, onLangChange, setLang } from '../i18n.js';
import { loadRegion } from '../region.js';
import { mountQueue } from './queue.js';
import { filedNotice, mountReport } from './report.js';
import { showTrack, tokenOfPage } from './track.js';

await loadSession();
await loadRegion(); // times are shown on the region's clock
mountAccountMenu(document.getElementById('hg-account'));
const info = await getJSON('/api/challenges/form');
const trackBox = document.getElementById('hg-ch-track');
const queueBox = document.getElementById('hg-ch-queue');
const renderForm = mountReport(document.getElementById('hg-ch-form'), info, (code, token) => filedNotice(trackBox, code, token));
const refreshQueue = isStaff() || isOperator() ? mountQueue(queueBox, { staff: isStaff(), operators: info.operators, own: currentUser()?.operator }) : null;

function redraw() {
  renderForm();
  const token = tokenOfPage();
  if (token) showTrack(trackBox, token);
  refreshQueue?.();
}

window.addEventListener('hashchange', redraw);
document.getElementById('hg-lang-toggle').addEventListener('click', () => setLang(getLang() === 'vi' ? 'en' : 'vi'));
onLangChange(redraw);
setLang(initialLang(new URLSearchParams(window.location.search).get('lang')));
window.__hgchallenge = { ready: true };

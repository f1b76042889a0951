// The Department replaces the offline map's main roads (POST /api/import/roads, the service of
// `app.cli import-roads`): an OpenStreetMap extract's lines (ogr2ogr), a GeoPackage or zipped
// Shapefile with highway, ref and name. All or nothing: a refused file leaves the roads as they
// were; once replaced, the map fetches the new ones at its next load (their ETag changed).
import { sendForm } from './api.js';
import { formatNumber } from './format.js';
import { onLangChange, t } from './i18n.js';
import { field, headedForm, input, refusalLines, resultBox, showForm, showLines } from './uploadForm.js';

const CLASSES = ['motorway', 'trunk', 'primary', 'secondary', 'tertiary']; // gis/roads.py MAIN_HIGHWAYS

/** The lines of an outcome, in the current language: {report}, {error} or {missing}. */
function lines(outcome) {
  if (outcome.missing) return [t('roads.missing')];
  if (outcome.error) return [t('roads.refused'), ...refusalLines(outcome.error)];
  const { report } = outcome;
  const classes = CLASSES.filter((c) => report.by_class[c]).map((c) =>
    t('roads.count.class', { highway: t(`roads.class.${c}`), n: formatNumber(report.by_class[c], 0) }));
  return [
    t('roads.done', { file: report.file, n: formatNumber(report.roads, 0) }),
    ...classes,
    t('roads.skipped', { n: formatNumber(report.skipped, 0) }),
  ];
}

/** The roads' form in `section` (shown to the Department's staff only; the server checks it too). */
export function mountRoadsUpload(section) {
  const form = headedForm('roads');
  const file = input('file', { name: 'file', accept: '.geojson,.json,.gpkg,.zip', required: true });
  const send = Object.assign(document.createElement('button'), { type: 'submit', className: 'hg-button hg-primary', id: 'hg-roads-send' });
  send.dataset.i18n = 'roads.send';
  const actions = document.createElement('div');
  actions.className = 'hg-upload-actions';
  actions.append(send);
  const result = resultBox('hg-roads-result');
  form.append(...field('hg-roads-file', 'roads.file', file), actions, result);
  showForm(section, form);

  let outcome = null; // the last answer, said again when the language changes
  const draw = () => {
    if (outcome) showLines(result, lines(outcome), !outcome.report);
  };
  onLangChange(draw);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) {
      outcome = { missing: true };
      draw();
      return;
    }
    if (!window.confirm(t('roads.confirm', { file: chosen.name }))) return;
    const body = new FormData();
    body.append('file', chosen, chosen.name);
    send.disabled = true;
    try {
      outcome = { report: await sendForm('/api/import/roads', body) };
    } catch (error) {
      outcome = { error };
    } finally {
      send.disabled = false;
    }
    draw();
  });
}

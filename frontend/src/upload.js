// The planners' upload page: choose a layer and a file, check it (dry run) or import it through
// POST /api/import (the same code as `python -m app.cli import`), and read the report.
import { mountAccountMenu } from './account/menu.js';
import { isOperator, isStaff, loadSession, mayRegister } from './account/session.js';
import { ApiError, importFile } from './api.js';
import { getLang, initialLang, onLangChange, setLang, t } from './i18n.js';
import { loadProfiles, renderMapping } from './importMapping.js';
import { renderReport } from './importReport.js';
import { describeError } from './notify.js';
import { loadRegion } from './region.js';
import { mountReformUpload } from './reformUpload.js';
import { mountRoadsUpload } from './roadsUpload.js';
import { renderVocabularyOffer, unknownValues, unrecognisedColumns } from './vocabularyOffer.js';
import { VN2000_CRSS, vn2000Label } from './vn2000.js';

const ALL_TARGETS = [
  'sites', 'cells', 'poles', 'ducts', 'manholes', 'fibre_access_points', 'commune_offices', 'speed_tests',
  'tall_structures', 'admin_units', 'districts', 'communes', 'hamlets', 'organisations', 'bodies', 'plans',
];
// Operators register their own infrastructure; the rest is the Department's (the server checks it).
const OPERATOR_TARGETS = ['sites', 'poles', 'ducts', 'fibre_access_points'];
await loadSession();
mountAccountMenu(document.getElementById('hg-account'));
const TARGETS = isOperator() ? OPERATOR_TARGETS : ALL_TARGETS;
const CRSS = ['', ...VN2000_CRSS, 'EPSG:4756', 'EPSG:4326'];
const ENCODINGS = ['', '1258'];

const form = document.getElementById('hg-upload-form');
const fields = {
  target: document.getElementById('hg-upload-target'),
  file: document.getElementById('hg-upload-file'),
  crs: document.getElementById('hg-upload-crs'),
  encoding: document.getElementById('hg-upload-encoding'),
  layer: document.getElementById('hg-upload-layer'),
  upsert: document.getElementById('hg-upload-upsert'),
  swapAxes: document.getElementById('hg-upload-swap-axes'),
  repair: document.getElementById('hg-upload-repair'),
  profile: document.getElementById('hg-upload-profile'),
};
const buttons = form.querySelectorAll('button[type="submit"]');
const hint = document.getElementById('hg-upload-hint');
const reportBox = document.getElementById('hg-upload-report');
let outcome = null; // the last report or refusal, redrawn when the language changes
let hintKey = '';
let profiles = []; // the saved import profiles (GET /api/import/profiles)
let corrections = { columns: {}, values: {} }; // the planner's corrections of this file's mapping
let mappingNote = null; // [key, params] of the mapping's last message

function fillSelect(select, values, label) {
  const chosen = select.value;
  select.replaceChildren(...values.map((value) => new Option(label(value), value)));
  if (values.includes(chosen)) select.value = chosen;
}

function renderOptions() {
  fillSelect(fields.target, TARGETS, (id) => t(`upload.target.${id}`));
  fillSelect(fields.crs, CRSS, (code) =>
    VN2000_CRSS.includes(code) ? vn2000Label(t, 'upload.crs', code) : t(`upload.crs.${code || 'file'}`));
  fillSelect(fields.encoding, ENCODINGS, (code) => t(`upload.encoding.${code || 'utf8'}`));
  renderProfiles();
}

function renderProfiles() {
  const names = profiles.filter((p) => p.target === fields.target.value).map((p) => p.name);
  fillSelect(fields.profile, ['', ...names], (name) => name || t('upload.profile.none'));
}

async function refreshProfiles() {
  try {
    profiles = await loadProfiles();
  } catch {
    profiles = [];
  }
  renderProfiles();
}

function forgetCorrections() {
  corrections = { columns: {}, values: {} };
  mappingNote = null;
}
for (const field of ['target', 'file', 'profile']) fields[field].addEventListener('change', forgetCorrections);
fields.target.addEventListener('change', renderProfiles);

function corrected(more) {
  Object.assign(corrections.columns, more.columns);
  for (const [field, values] of Object.entries(more.values)) {
    corrections.values[field] = { ...corrections.values[field], ...values };
  }
}

const mappingActions = {
  recheck(more) {
    corrected(more);
    mappingNote = null;
    submit(true);
  },
  async save(name, more) {
    if (!name) {
      mappingNote = ['mapping.nameRequired', {}];
      drawReport();
      return;
    }
    corrected(more);
    if (await submit(true, name)) {
      mappingNote = ['mapping.saved', { name }];
      await refreshProfiles();
      drawReport();
    }
  },
};

// Bulk-registration templates (an example row that imports as is), for the layers that have one.
const TEMPLATE_TARGETS = ['sites', 'poles', 'ducts', 'fibre_access_points'];
const templates = document.getElementById('hg-upload-templates');

function renderTemplates() {
  const target = fields.target.value;
  if (!TEMPLATE_TARGETS.includes(target) || !mayRegister()) {
    templates.replaceChildren();
    return;
  }
  const links = ['csv', 'xlsx', 'geojson', 'kml'].map((fmt) => {
    const a = document.createElement('a');
    a.href = `/api/templates/${target}.${fmt}`;
    a.id = `hg-template-${fmt}`;
    a.textContent = fmt.toUpperCase();
    return a;
  });
  templates.replaceChildren(`${t('upload.templates')} `, ...links.flatMap((a, i) => (i ? [' · ', a] : [a])));
}
fields.target.addEventListener('change', renderTemplates);

// The report, then (for the Department) the headers or values it did not know, to name their meaning.
function drawReport() {
  renderReport(reportBox, outcome);
  // After a check, or a refusal of a file that could be read: how it was read, to correct it.
  const read = outcome?.report?.dry_run ? outcome.report
    : outcome?.mapping ? { target: fields.target.value, mapping: outcome.mapping } : null;
  if (read) {
    const message = mappingNote ? t(mappingNote[0], mappingNote[1]) : '';
    renderMapping(reportBox, read, { staff: isStaff(), message, ...mappingActions });
  }
  if (!isStaff() || !outcome) return;
  const offers = outcome.report ? unrecognisedColumns(outcome.report.warning_details)
    : unknownValues(outcome.details);
  renderVocabularyOffer(reportBox, offers);
}

function setHint(key) {
  hintKey = key;
  hint.textContent = key ? t(key) : '';
}

async function submit(dryRun, saveProfile = null) {
  const file = fields.file.files[0];
  if (!file) {
    setHint('upload.noFile');
    fields.file.focus();
    return false;
  }
  buttons.forEach((button) => { button.disabled = true; });
  setHint(dryRun ? 'upload.checking' : 'upload.importing');
  try {
    const report = await importFile({
      file,
      target: fields.target.value,
      dryRun,
      crs: fields.crs.value,
      layer: fields.layer.value.trim(),
      encoding: fields.encoding.value,
      mode: fields.upsert.checked ? 'upsert' : 'insert',
      swapAxes: fields.swapAxes.checked,
      repair: fields.repair.checked,
      profile: fields.profile.value,
      corrections: Object.keys(corrections.columns).length || Object.keys(corrections.values).length ? corrections : null,
      saveProfile,
    });
    outcome = { report };
  } catch (error) {
    const refused = error instanceof ApiError && error.status >= 400 && error.status < 500;
    outcome = refused
      ? {
        problems: error.problems.length ? error.problems.map((p) => p.message ?? p) : [error.description],
        tooLarge: error.status === 413,
        // An import's refusal lists them as `details`; any other refusal (403, 413) as `problems`.
        details: error.body?.details ?? error.problems.filter((p) => p?.code),
        mapping: error.body?.mapping ?? null,
      }
      : { error: describeError(error) };
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
    setHint('');
  }
  drawReport();
  return Boolean(outcome.report);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  submit(event.submitter?.value !== 'import');
});
document.getElementById('hg-lang-toggle').addEventListener('click', () => setLang(getLang() === 'vi' ? 'en' : 'vi'));
onLangChange(() => {
  renderOptions();
  renderTemplates();
  setHint(hintKey);
  drawReport();
});

renderOptions();
// The Department also applies administrative reforms (new units and their lineage) and replaces
// the offline map's main roads (POST /api/import/roads: planners and admins, as the server says).
if (isStaff()) {
  mountReformUpload(document.getElementById('hg-reform'));
  mountRoadsUpload(document.getElementById('hg-roads'));
}
if (mayRegister()) {
  await refreshProfiles();
} else {
  // Imports write: only operators and the Department may send files (the server checks it too).
  buttons.forEach((button) => { button.disabled = true; });
  hintKey = 'upload.needLogin';
}
setLang(initialLang(new URLSearchParams(window.location.search).get('lang')));
loadRegion(); // the title names the region in force

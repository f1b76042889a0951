// The coverage model card: which run produced the coverage layers and every parameter of its
// model, one click from the layer panel (as the FCC asks providers to publish with their maps).
import { fetchModelCard } from './api.js';
import { formatDateTime, formatDuration, formatNumber, formatShare } from './format.js';
import { onLangChange, t, tEnum } from './i18n.js';
import { TruthSection } from './modelTruth.js';
import { describeError } from './notify.js';
import { element } from './popup.js';

// Units read from a parameter's name (longest suffix first); shares read as percentages.
const SUFFIX_UNITS = [['_dbm', 'dBm'], ['_dbi', 'dBi'], ['_db', 'dB'], ['_km2', 'km²'], ['_km', 'km'],
  ['_mhz', 'MHz'], ['_deg', '°'], ['_m', 'm'], ['_seconds', 's'], ['_s', 's'], ['bands', 'dBm']];
const SHARE = /(^|_)(share|reliability|probability|fraction)$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
// Long strings are sentences: a paragraph on their own, a bulleted list when in a list.
const isProse = (value, length = 60) => typeof value === 'string' && value.length > length;
// The card comes from JSONB, whose keys lose their order: show the known ones in reading order.
const ORDER = ['model', 'description', 'propagation_models', 'antenna_pattern', 'terrain', 'grid', 'cell_m',
  'block_cells', 'crs', 'classes', 'mbb', 'legacy', 'bands', 'band_edges_dbm', 'good', 'fair', 'weak',
  'reliability', 'shadow_margin_db', 'reference_signal_offsets_db', '2G', '3G', '4G', '5G', 'received_level',
  'mbb_covered_share', 'ftth_covered_share', 'ftth_default_radius_m', 'dead_zone_population', 'calibration',
  'parameters'];
const rank = (key) => (ORDER.includes(key) ? ORDER.indexOf(key) : ORDER.length);
const ordered = (object) => Object.entries(object).sort(([a], [b]) => rank(a) - rank(b));
const RUN_FIELDS = ['id', 'kind', 'started_at', 'finished_at', 'duration_s', 'data_snapshot_at', 'blocks'];

const unitOf = (key) => SUFFIX_UNITS.find(([suffix]) => key.endsWith(suffix))?.[1] ?? null;
const minus = (text) => text.replace(/^-/, '−');

/** A parameter's label: `card.<key>` when translated, else the key made readable. */
function label(key) {
  const text = t(`card.${key}`);
  return text === `card.${key}` ? key.replace(/_/g, ' ') : text;
}

/**
 * A parameter's value as text or, for nested objects and lists of them, a list element whose
 * items carry `data-param` = their path (grid.cell_m).
 */
function formatParam(key, value, unit = unitOf(key), path = key) {
  if (value === null || value === undefined || value === '') return t('value.none');
  if (typeof value === 'boolean') return t(value ? 'value.true' : 'value.false');
  if (typeof value === 'number') {
    if (SHARE.test(key) && value >= 0 && value <= 1) return formatShare(value, 2);
    return minus(unit ? `${formatNumber(value, 3)} ${unit}` : formatNumber(value, 3));
  }
  if (typeof value === 'string') return ISO_TIME.test(value) ? formatDateTime(value) : value;
  const scalars = Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null);
  if (scalars && !value.some((v) => isProse(v))) {
    return value.map((v) => formatParam(key, v, unit, path)).join(', ');
  }
  const list = element('ul', 'hg-card-list');
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i + 1), v]) : ordered(value);
  for (const [name, inner] of entries) {
    const item = element('li');
    item.dataset.param = `${path}.${name}`;
    const shown = formatParam(name, inner, unitOf(name) ?? unit, `${path}.${name}`);
    if (!Array.isArray(value)) item.append(element('span', 'hg-card-key', `${label(name)}: `));
    item.append(typeof shown === 'string' ? document.createTextNode(shown) : shown);
    list.append(item);
  }
  return list;
}

function paramTable(rows) {
  const table = element('table', 'hg-popup-table hg-card-table');
  const body = element('tbody');
  for (const [key, text, value] of rows) {
    const tr = element('tr');
    tr.dataset.param = key;
    const cell = element('td');
    cell.append(typeof value === 'string' ? document.createTextNode(value) : value);
    tr.append(element('th', null, text), cell);
    body.append(tr);
  }
  table.append(body);
  return table;
}

function runValue(key, value) {
  if (value === null || value === undefined) return t('value.none');
  if (key === 'kind') return tEnum('run_kind', value);
  if (key === 'duration_s') return formatDuration(value);
  if (key.endsWith('_at')) return formatDateTime(value);
  return typeof value === 'number' ? formatNumber(value, 0) : String(value);
}

export class ModelCard {
  constructor() {
    this.answer = null; // { run, card }
    this.error = null;
    this.loading = false;
    this._dialog = null;
    this._status = null;
    this._truth = new TruthSection(() => this.load());
    onLangChange(() => this._renderAll());
  }

  /** The button (and the latest run's time under it) for the layer panel. */
  mountButton() {
    const box = element('div', 'hg-model-card-box');
    // Named at once: while the card loads (slow on a busy server) a nameless button is what axe flags.
    const button = element('button', 'hg-button hg-model-card-button', t('card.button'));
    button.type = 'button';
    button.id = 'hg-model-card-button';
    button.setAttribute('aria-haspopup', 'dialog');
    button.addEventListener('click', () => this.open());
    this._status = element('p', 'hg-note hg-model-card-status');
    box.append(button, this._status);
    this._button = button;
    this.load();
    return box;
  }

  async load() {
    this.loading = true;
    try {
      this.answer = await fetchModelCard();
      this.error = null;
    } catch (error) {
      this.answer = null;
      this.error = error;
    }
    this.loading = false;
    this._renderAll();
    return this.answer;
  }

  get isOpen() {
    return Boolean(this._dialog?.open);
  }

  /** Open the dialog; the card is fetched again so that it names the latest run. */
  open() {
    if (!this._dialog) this._dialog = this._createDialog();
    this._renderAll();
    if (!this._dialog.open) this._dialog.showModal();
    this.load();
  }

  close() {
    this._dialog?.close();
  }

  _createDialog() {
    const dialog = element('dialog', 'hg-dialog');
    dialog.id = 'hg-model-card';
    dialog.setAttribute('aria-labelledby', 'hg-model-card-title');
    const header = element('div', 'hg-dialog-header');
    const title = element('h2', null);
    title.id = 'hg-model-card-title';
    const close = element('button', 'hg-dialog-close', '×');
    close.type = 'button';
    close.addEventListener('click', () => dialog.close());
    header.append(title, close);
    const body = element('div', 'hg-dialog-body');
    dialog.append(header, body);
    // A click on the backdrop (outside the box) closes it too.
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog.close();
    });
    document.body.append(dialog);
    this._title = title;
    this._close = close;
    this._body = body;
    return dialog;
  }

  _renderAll() {
    if (this._button) this._button.textContent = t('card.button');
    if (this._status) {
      const run = this.answer?.run;
      const time = run && formatDateTime(run.finished_at ?? run.started_at);
      if (run) this._status.textContent = t('card.lastRun', { time });
      else if (this.error?.status === 404) this._status.textContent = t('card.noRun');
      else this._status.textContent = this.error ? t('card.error', { message: describeError(this.error) }) : '';
    }
    if (!this._dialog) return;
    this._title.textContent = t('card.title');
    this._close.setAttribute('aria-label', t('card.close'));
    this._close.title = t('card.close');
    this._body.replaceChildren(element('p', 'hg-note', t('card.intro')));
    if (!this.answer) {
      let text = t('layer.state.loading');
      if (this.error?.status === 404) text = t('card.noRun');
      else if (this.error) text = t('card.error', { message: describeError(this.error) });
      this._body.append(element('p', 'hg-card-message', text));
      return;
    }
    const { run = {}, card = {} } = this.answer;
    this._body.append(element('h3', null, t('card.run')));
    this._body.append(paramTable(RUN_FIELDS.filter((key) => key in run)
      .map((key) => [key, t(`card.run.${key}`), runValue(key, run[key])])));
    if (this.answer.truth) this._body.append(this._truth.render(this.answer.truth));
    // Prose first (the description), then the parameters, then lists of sentences (notes,
    // validity limits, citations) each under its own heading.
    const entries = ordered(card);
    const prose = entries.filter(([, value]) => isProse(value, 100));
    const lists = entries.filter(([, value]) => Array.isArray(value) && value.some((v) => isProse(v)));
    const parameters = entries.filter((entry) => !prose.includes(entry) && !lists.includes(entry));
    for (const [key, value] of prose) {
      const paragraph = element('p', 'hg-card-prose', value);
      paragraph.dataset.param = key;
      this._body.append(paragraph);
    }
    this._body.append(element('h3', null, t('card.parametersTitle')));
    this._body.append(paramTable(parameters.map(([key, value]) => [key, label(key), formatParam(key, value)])));
    for (const [key, value] of lists) {
      this._body.append(element('h3', null, label(key)));
      const list = element('ul', 'hg-card-notes');
      list.dataset.param = key;
      value.forEach((note) => list.append(element('li', null, String(note))));
      this._body.append(list);
    }
  }

  /** For window.__hgmap. */
  debugState() {
    return {
      open: this.isOpen, loading: this.loading, runId: this.answer?.run?.id ?? null,
      error: this.error ? this.error.message : null,
    };
  }
}

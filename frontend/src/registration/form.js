// Register a BTS site: place it (map click, WGS 84, DMS or VN-2000), describe its structure and
// cells, check it (the shareable sites nearby and the what-if of the coverage engine), submit.
import { circleMarker } from 'leaflet';
import { getJSON, sendJSON } from '../api.js';
import { candidatesPart, fetchEvidence, whatIfPart } from './evidence.js';
import { currentUser, isStaff } from '../account/session.js';
import { onLangChange, t, tEnum } from '../i18n.js';
import { el, labelled, options, problemList, translated } from './dom.js';
import { VN2000_CRSS, vn2000Label } from '../vn2000.js';

const STRUCTURES = ['tower', 'monopole', 'guyed_mast', 'rooftop', 'camouflaged', 'small_cell'];
const TECHNOLOGIES = ['4G', '5G', '3G', '2G'];
const DEFAULT_CELL = { technology: '4G', band_mhz: 1800, azimuth_deg: 0, antenna_height_m: 30, eirp_dbm: 58 };
const num = (input) => (input.value.trim() === '' ? null : Number(input.value.replace(',', '.')));

export class RegistrationForm {
  constructor({ map, onRegistered }) {
    this.map = map;
    this.onRegistered = onRegistered;
    this.marker = null;
    this.placing = false;
    this.checked = null; // the last check: { lon, lat, candidates, whatIf }
    this.editing = null; // { code, version } while a registered site is being edited
  }

  mount(container) {
    const f = (this.fields = {
      code: el('input', { type: 'text', required: true, maxLength: 32, autocomplete: 'off' }),
      name: el('input', { type: 'text', maxLength: 200, autocomplete: 'off' }),
      owner: el('select'),
      mode: options(el('select'), ['wgs84', 'dms', 'vn2000'], (m) => t(`reg.mode.${m}`)),
      lat: el('input', { type: 'text', inputMode: 'decimal' }),
      lon: el('input', { type: 'text', inputMode: 'decimal' }),
      dms: el('input', { type: 'text', placeholder: "D°M'S\"N D°M'S\"E" }),
      easting: el('input', { type: 'text', inputMode: 'decimal' }),
      northing: el('input', { type: 'text', inputMode: 'decimal' }),
      // Empty: the region's own zone (the server says when it has none); else one named.
      crs: options(el('select'), ['', ...VN2000_CRSS], (c) => (c ? vn2000Label(t, 'reg.crs', c) : t('reg.crs.region'))),
      structure: options(el('select'), STRUCTURES, (s) => tEnum('structure_type', s)),
      height: el('input', { type: 'number', min: 1, max: 200, step: 0.1, value: 40 }),
      tenants: el('input', { type: 'checkbox', checked: true }),
      rent: el('input', { type: 'number', min: 0, step: 100000 }),
      reason: el('textarea', { rows: 2, maxLength: 2000 }),
    });
    this.cellRows = el('tbody');
    this.unlistenLang ??= onLangChange(() => this.nameCells());
    this.results = el('div', { id: 'hg-reg-results', 'aria-live': 'polite' });
    this.message = el('div', { id: 'hg-reg-message', 'aria-live': 'polite' });
    const place = el('button', { type: 'button', id: 'hg-reg-place', className: 'hg-button secondary', 'data-i18n': 'reg.place' });
    place.addEventListener('click', () => this.startPlacing());
    const addCell = el('button', { type: 'button', id: 'hg-reg-add-cell', className: 'hg-button secondary', 'data-i18n': 'reg.addCell' });
    addCell.addEventListener('click', () => this.addCell());
    const check = el('button', { type: 'button', id: 'hg-reg-check', className: 'hg-button secondary', 'data-i18n': 'reg.check' });
    check.addEventListener('click', () => this.check());
    const submit = el('button', { type: 'submit', id: 'hg-reg-submit', className: 'hg-button', 'data-i18n': 'reg.submit' });
    this.submitButton = submit;
    this.cancelEdit = el('button', { type: 'button', id: 'hg-reg-cancel-edit', className: 'hg-button secondary',
      'data-i18n': 'reg.cancelEdit', hidden: true });
    this.cancelEdit.addEventListener('click', () => this.stopEditing());
    this.positionBoxes = {
      wgs84: el('div', { className: 'hg-grid-2' }, [...labelled('hg-reg-lat', 'reg.lat', f.lat), ...labelled('hg-reg-lon', 'reg.lon', f.lon)]),
      dms: el('div', {}, labelled('hg-reg-dms', 'reg.dms', f.dms)),
      // X (northing) first, as Vietnamese survey sheets write it.
      vn2000: el('div', {}, [
        el('div', { className: 'hg-grid-2' }, [...labelled('hg-reg-northing', 'reg.northing', f.northing),
          ...labelled('hg-reg-easting', 'reg.easting', f.easting)]),
        ...labelled('hg-reg-crs', 'reg.crs', f.crs)]),
    };
    f.mode.addEventListener('change', () => this.showMode());
    const ownerRow = isStaff() ? labelled('hg-reg-owner', 'reg.owner', f.owner) : [];
    this.reasonRow = el('div', { id: 'hg-reg-reason-row', hidden: true }, labelled('hg-reg-reason', 'reg.reason', f.reason));
    const form = el('form', { className: 'hg-form', id: 'hg-reg-form', noValidate: true }, [
      ...labelled('hg-reg-code', 'reg.code', f.code),
      ...labelled('hg-reg-name', 'reg.name', f.name),
      ...ownerRow,
      ...labelled('hg-reg-mode', 'reg.position', f.mode),
      this.positionBoxes.wgs84, this.positionBoxes.dms, this.positionBoxes.vn2000, place,
      el('div', { className: 'hg-grid-2' }, [...labelled('hg-reg-structure', 'reg.structure', f.structure),
        ...labelled('hg-reg-height', 'reg.height', f.height)]),
      el('label', {}, [f.tenants, el('span', { 'data-i18n': 'reg.acceptsTenants' })]),
      ...labelled('hg-reg-rent', 'reg.rent', f.rent),
      el('table', { className: 'hg-cells-table' }, [
        el('thead', {}, [el('tr', {}, ['reg.cell.technology', 'reg.cell.band', 'reg.cell.azimuth', 'reg.cell.height',
          'reg.cell.eirp', 'reg.cell.remove'].map((key) => el('th', { 'data-i18n': key })))]),
        this.cellRows]),
      addCell, check, this.results, this.reasonRow,
      el('div', { className: 'hg-form-actions' }, [this.cancelEdit, submit]),
      this.message,
    ]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.title = el('h2', { className: 'hg-section-title', 'data-i18n': 'reg.title' });
    this.container = container;
    container.replaceChildren(this.title, form);
    for (let k = 0; k < 3; k += 1) this.addCell({ ...DEFAULT_CELL, azimuth_deg: k * 120 });
    this.showMode();
    if (isStaff()) this.loadOwners();
    translated(container);
  }

  async loadOwners() {
    const { operators } = await getJSON('/api/operators');
    // Mobile operators first (they carry cells), then the tower companies.
    const owners = [...operators.filter((o) => o.kind === 'mobile'), ...operators.filter((o) => o.kind === 'infrastructure')];
    options(this.fields.owner, owners.map((o) => o.short_name), (name) => name);
  }

  owner() {
    return isStaff() ? this.fields.owner.value : currentUser().operator;
  }

  showMode() {
    for (const [mode, box] of Object.entries(this.positionBoxes)) box.hidden = mode !== this.fields.mode.value;
  }

  /**
   * The next click (or tap) on the map places the site, whatever is drawn there: a dead zone is
   * exactly where sites go, and Leaflet stops a click that opens a feature's popup before the map
   * hears it. So the click is taken in the capture phase, before any layer, and goes no further.
   */
  startPlacing() {
    if (this.placing) return;
    this.placing = true;
    const box = this.map.getContainer();
    box.style.cursor = 'crosshair';
    let down = null;
    const press = (event) => { down = [event.clientX, event.clientY]; };
    const click = (event) => {
      // A drag that pans the map ends in a click too: only a click that stayed put places.
      if (down && Math.hypot(event.clientX - down[0], event.clientY - down[1]) > 6) return;
      if (event.target.closest?.('.leaflet-control-container, .leaflet-popup')) return; // zoom, layers …
      event.stopPropagation();
      event.preventDefault();
      this.placeAt(this.map.mouseEventToLatLng(event));
    };
    box.addEventListener('pointerdown', press, true);
    box.addEventListener('click', click, true);
    this.stopPlacing = () => {
      box.removeEventListener('pointerdown', press, true);
      box.removeEventListener('click', click, true);
      box.style.cursor = '';
      this.placing = false;
    };
    this.say('reg.placeHint');
  }

  placeAt(latlng) {
    if (!this.placing) return;
    this.stopPlacing();
    this.fields.mode.value = 'wgs84';
    this.showMode();
    this.fields.lat.value = latlng.lat.toFixed(6);
    this.fields.lon.value = latlng.lng.toFixed(6);
    this.showMarker(latlng.lat, latlng.lng);
    this.say('reg.placed');
  }

  showMarker(lat, lon) {
    if (!this.marker) this.marker = circleMarker([lat, lon], { radius: 8, color: '#d81b60', weight: 3, fillOpacity: 0.3 }).addTo(this.map);
    else this.marker.setLatLng([lat, lon]);
  }

  addCell(cell = DEFAULT_CELL) {
    // The table's controls have no <label>: each is named "Cell n, <its column>" (nameCells).
    const column = (key) => ({ 'data-cell-column': key });
    const input = (value, key, attrs) => el('input', { type: 'number', value, ...column(key), ...attrs });
    const tech = options(el('select', { name: 'technology', ...column('reg.cell.technology') }), TECHNOLOGIES, (x) => x);
    tech.value = cell.technology;
    const remove = el('button', { type: 'button', className: 'hg-button secondary', textContent: '×', ...column('reg.cell.remove') });
    const row = el('tr', {}, [
      el('td', {}, [tech]),
      el('td', {}, [input(cell.band_mhz, 'reg.cell.band', { name: 'band_mhz', step: 1 })]),
      el('td', {}, [input(cell.azimuth_deg, 'reg.cell.azimuth', { name: 'azimuth_deg', min: 0, max: 359, step: 1 })]),
      el('td', {}, [input(cell.antenna_height_m, 'reg.cell.height', { name: 'antenna_height_m', step: 0.1 })]),
      el('td', {}, [input(cell.eirp_dbm, 'reg.cell.eirp', { name: 'eirp_dbm', step: 0.1 })]),
      el('td', {}, [remove]),
    ]);
    remove.addEventListener('click', () => {
      row.remove();
      this.nameCells();
    });
    this.cellRows.append(row);
    this.nameCells();
  }

  /** Name every cell control by its row and column, as the server's refusals name the field. */
  nameCells() {
    [...this.cellRows.rows].forEach((row, k) => {
      row.querySelectorAll('[data-cell-column]').forEach((control) => {
        control.setAttribute('aria-label', t('reg.cellField', { n: k + 1, field: t(control.dataset.cellColumn) }));
      });
    });
  }

  cells() {
    return [...this.cellRows.rows].map((row) => {
      const value = (name) => row.querySelector(`[name="${name}"]`);
      return {
        technology: value('technology').value,
        band_mhz: Number(value('band_mhz').value),
        azimuth_deg: num(value('azimuth_deg')),
        antenna_height_m: num(value('antenna_height_m')),
        eirp_dbm: num(value('eirp_dbm')),
      };
    });
  }

  position() {
    const f = this.fields;
    if (f.mode.value === 'dms') return { dms: f.dms.value };
    if (f.mode.value === 'vn2000') {
      return { easting: num(f.easting), northing: num(f.northing), ...(f.crs.value ? { crs: f.crs.value } : {}) };
    }
    return { lon: num(f.lon), lat: num(f.lat) };
  }

  body() {
    const f = this.fields;
    const body = {
      // Left out when empty: the server then says it is required, not that "" breaks a pattern.
      code: f.code.value.trim() || undefined, position: this.position(), structure_type: f.structure.value,
      height_m: num(f.height), accepts_tenants: f.tenants.checked, rent_vnd_month: f.tenants.checked ? num(f.rent) : null,
      cells: this.cells(),
    };
    if (isStaff()) body.owner = this.owner();
    if (f.reason.value.trim()) body.new_structure_reason = f.reason.value.trim();
    body.name = f.name.value.trim() || null; // an edit may clear it
    return body;
  }

  say(key, params, error) {
    const text = el('p', { className: error ? 'hg-form-error' : 'hg-form-note', textContent: t(key, params) });
    this.message.replaceChildren(text);
  }

  sayError(error) {
    this.message.replaceChildren(problemList(error));
    const suggestion = error?.body?.suggestion;
    if (suggestion) {
      const swap = el('button', { type: 'button', id: 'hg-reg-swap', className: 'hg-button secondary', textContent: t('reg.swap') });
      swap.addEventListener('click', () => {
        this.fields.mode.value = 'wgs84';
        this.showMode();
        this.fields.lat.value = String(suggestion.lat);
        this.fields.lon.value = String(suggestion.lon);
        this.message.replaceChildren();
      });
      this.message.append(swap);
    }
  }

  /** Where it lands, who could share, what it would bring: shown before anything is sent. */
  async check() {
    this.results.replaceChildren(el('p', { className: 'hg-form-note', textContent: t('reg.checking') }));
    try {
      const place = await sendJSON('/api/positions/resolve', { body: this.position() });
      this.showMarker(place.lat, place.lon);
      const { nearby, whatIf } = await fetchEvidence({
        lon: place.lon, lat: place.lat, owner: this.owner(), candidatesFor: isStaff() ? this.owner() : undefined,
        heightM: num(this.fields.height), cells: this.cells(),
      });
      this.checked = { ...place, candidates: nearby.candidates, whatIf };
      this.renderCheck(place, nearby, whatIf);
    } catch (error) {
      this.results.replaceChildren();
      this.sayError(error);
    }
  }

  renderCheck(place, nearby, whatIf) {
    const where = place.place;
    const parts = [el('p', { className: 'hg-form-note', id: 'hg-reg-place-name',
      textContent: t('reg.placeName', { hamlet: where.hamlet_name ?? '—', commune: where.commune_name, district: where.district_name }) })];
    parts.push(...candidatesPart(nearby, { id: 'hg-reg-candidates', ask: (code, button) => this.askTenancy(code, button) }));
    this.reasonRow.hidden = nearby.candidates.length === 0;
    parts.push(whatIfPart(whatIf, { id: 'hg-reg-whatif' }));
    this.results.replaceChildren(...parts);
  }

  async askTenancy(code, button) {
    try {
      await sendJSON('/api/sharing-requests', { body: { asset: 'site', code, note: this.fields.code.value || null } });
      button.disabled = true;
      button.textContent = t('reg.asked');
      this.onRegistered?.();
    } catch (error) {
      this.sayError(error);
    }
  }

  /** Load a registered site into the form; submitting then edits it (If-Match its version). */
  async edit(code) {
    const site = await getJSON(`/api/sites/${encodeURIComponent(code)}`);
    const f = this.fields;
    this.editing = { code: site.code, version: site.version };
    f.code.value = site.code;
    f.code.readOnly = true;
    if (isStaff()) f.owner.value = site.owner;
    f.mode.value = 'wgs84';
    this.showMode();
    f.lat.value = site.lat.toFixed(6);
    f.lon.value = site.lon.toFixed(6);
    f.name.value = site.name ?? '';
    f.structure.value = site.structure_type;
    f.height.value = site.height_m ?? '';
    f.tenants.checked = site.accepts_tenants;
    f.rent.value = site.rent_vnd_month ?? '';
    f.reason.value = site.new_structure_reason ?? '';
    this.reasonRow.hidden = !site.new_structure_reason;
    this.cellRows.replaceChildren();
    site.cells.forEach((cell) => this.addCell(cell));
    this.showMarker(site.lat, site.lon);
    this.title.textContent = t('reg.editTitle', { code: site.code });
    this.submitButton.textContent = t('reg.saveEdit');
    this.cancelEdit.hidden = false;
    this.results.replaceChildren();
    this.message.replaceChildren();
    this.container.scrollIntoView?.({ block: 'start' });
  }

  stopEditing() {
    this.editing = null;
    this.fields.code.readOnly = false;
    this.fields.code.value = '';
    this.title.textContent = t('reg.title');
    this.submitButton.textContent = t('reg.submit');
    this.cancelEdit.hidden = true;
    this.marker?.remove();
    this.marker = null;
  }

  async saveEdit() {
    const { code, version } = this.editing;
    const { code: _code, owner: _owner, ...patch } = this.body();
    try {
      const site = await sendJSON(`/api/sites/${encodeURIComponent(code)}`, {
        method: 'PATCH', body: patch, headers: { 'If-Match': `"${version}"` },
      });
      this.stopEditing();
      this.say(site.pending_change ? 'reg.editPending' : 'reg.editSaved', { code });
      this.onRegistered?.(site);
    } catch (error) {
      this.sayError(error);
      if (error?.status === 409 && error.body?.current) this.editing.version = error.body.current.version;
    }
  }

  async submit() {
    if (this.editing) {
      await this.saveEdit();
      return;
    }
    try {
      const body = await sendJSON('/api/sites', { body: this.body() });
      this.say('reg.done', { code: body.code });
      this.marker?.remove();
      this.marker = null;
      this.onRegistered?.(body);
    } catch (error) {
      this.sayError(error);
      if (error?.body?.sharing_candidates) this.reasonRow.hidden = false;
    }
  }
}

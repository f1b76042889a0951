// "Đề xuất vị trí trạm": ask POST /api/proposals for an area, an operator and K; show the ranked
// table, the sites on the map and the set-covering curve; turn a row into a sharing request
// (share.js) or a stored draft registration (draft.js): an operator for itself, a planner for the
// operator it names (action.js). What a row filed stays shown when the table is drawn again.
import { ApiError, csrfToken, getJSON, loadCollection, sendJSON } from '../api.js';
import { currentUser, isOperator, mayRegister } from '../account/session.js';
import { onLangChange, t, translateDom } from '../i18n.js';
import { formatNumber } from '../format.js';
import { describeError } from '../notify.js';
import { el, labelled } from '../registration/dom.js';
import { curveSvg } from './curve.js';
import { ProposalMarkers } from './markers.js';
import { actionControls } from './action.js';
import { drafting } from './draft.js';
import { mayRequestSharing, sharing } from './share.js';

// Existing structures: a sharing request for those that take tenants; the others name their owner.
// A tall structure (water tower, building …) is no telecom asset: its owner is asked outside the
// system, and the operator's site on it starts as a draft registration.
const EXISTING = new Set(['co_location', 'structure', 'pole']);
const REQUESTABLE = new Set(['co_location', 'pole']);
const ANY = 'any';
const fmt = (value, digits = 0) => formatNumber(value, digits);

export class ProposalPanel {
  /** `map`; `onDraft(row, answer)` stores a proposal as a draft registration, resolving to the site
   *  (when the account may register). */
  constructor({ map, onDraft }) {
    this.markers = new ProposalMarkers(map);
    this.onDraft = onDraft;
    this.answer = null;
    this.operators = []; // mobile operators' short names: who a planner may file for
    this.filed = new Map(); // rank → { operator, result } of the answer shown (action.js)
  }

  async mount(container) {
    this.container = container;
    const f = (this.fields = {
      area: el('select', { name: 'area' }),
      operator: el('select', { name: 'operator' }),
      k: el('input', { type: 'number', min: 1, max: 50, step: 1, value: 5, name: 'k' }),
    });
    const form = el('form', { id: 'hg-prop-form', className: 'hg-form' }, [
      ...labelled('hg-prop-area', 'prop.area', f.area),
      ...labelled('hg-prop-operator', 'prop.operator', f.operator),
      ...labelled('hg-prop-k', 'prop.k', f.k),
      el('button', { type: 'submit', id: 'hg-prop-submit', className: 'hg-button', 'data-i18n': 'prop.submit' }),
    ]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.ask();
    });
    this.status = el('p', { id: 'hg-prop-status', className: 'hg-note', 'aria-live': 'polite' });
    this.results = el('div', { id: 'hg-prop-results' });
    container.replaceChildren(el('h2', { 'data-i18n': 'prop.title' }), form, this.status, this.results);
    translateDom(container);
    onLangChange(() => this.render());
    await this.loadChoices();
  }

  async loadChoices() {
    const [districts, communes] = await Promise.all([loadCollection('districts'), loadCollection('communes')]);
    const byName = (a, b) => a.properties.name.localeCompare(b.properties.name, 'vi');
    const group = (key, features) => el('optgroup', { label: t(key) }, [...features].sort(byName)
      .map((feature) => el('option', { value: feature.properties.code, textContent: feature.properties.name })));
    this.fields.area.replaceChildren(
      el('option', { value: '', textContent: t('prop.region') }),
      group('prop.communes', communes.features),
      group('prop.districts', districts.features),
    );
    if (isOperator()) {
      const own = currentUser().operator;
      this.fields.operator.replaceChildren(el('option', { value: own, textContent: own }));
    } else {
      const { operators } = await getJSON('/api/operators');
      this.operators = operators.filter((o) => o.kind === 'mobile').map((o) => o.short_name);
      this.fields.operator.replaceChildren(el('option', { value: ANY, textContent: t('prop.anyOperator') }),
        ...this.operators.map((name) => el('option', { value: name, textContent: name })));
    }
  }

  body() {
    const f = this.fields;
    return { area: f.area.value || null, operator: f.operator.value, k: Number(f.k.value) };
  }

  async ask() {
    this.status.textContent = t('prop.working');
    this.results.replaceChildren();
    this.filed = new Map();
    try {
      this.answer = await sendJSON('/api/proposals', { body: this.body() });
      this.render();
    } catch (error) {
      this.answer = null;
      this.markers.clear();
      this.status.textContent = t('prop.failed', { message: describeError(error) });
    }
  }

  render() {
    const a = this.answer;
    if (!a) return;
    const s = a.solver;
    this.status.textContent = t(a.proposals.length ? 'prop.summary' : 'prop.nothing', {
      people: fmt(s.objective_people), demand: fmt(a.demand.people_uncovered), hamlets: a.demand.hamlets_uncovered,
      method: t(`prop.method.${s.method}`), gap: fmt(100 * s.gap, 2), sites: a.proposals.length,
    });
    this.markers.show(a.proposals, (row) => `${row.rank}. ${this.where(row)} — ${t('prop.people', { n: fmt(row.people) })}`);
    const head = ['prop.col.rank', 'prop.col.site', 'prop.col.kind', 'prop.col.people', 'prop.col.hamlets',
      'prop.col.cumulative', 'prop.col.owner', 'prop.col.action'];
    const table = el('table', { id: 'hg-prop-table', className: 'hg-prop-table' }, [
      el('thead', {}, [el('tr', {}, head.map((key) => el('th', { scope: 'col', textContent: t(key) })))]),
      el('tbody', {}, a.proposals.map((row) => this.row(row))),
    ]);
    const curve = a.curve.length ? curveSvg(a.curve, a.k, t('prop.curveLabel')) : null;
    const fewest = a.sites_for_all_coverable;
    const note = el('p', { className: 'hg-note', id: 'hg-prop-curve-note', textContent: t('prop.curveNote', {
      sites: fewest.exact ?? fewest.greedy, people: fmt(a.demand.people_coverable) }) });
    const xlsx = el('button', { type: 'button', id: 'hg-prop-xlsx', className: 'hg-button secondary', textContent: t('prop.xlsx') });
    xlsx.addEventListener('click', () => this.download(xlsx));
    // A region's table is wider than the panel: it scrolls, and the keyboard can scroll it too.
    const scroll = el('div', { className: 'hg-prop-scroll', tabIndex: 0, role: 'region', 'aria-label': t('prop.title') }, [table]);
    this.results.replaceChildren(scroll, el('h3', { textContent: t('prop.curveTitle') }), ...(curve ? [curve] : []), note, xlsx);
  }

  where(row) {
    return row.code ?? row.label ?? `${row.lat.toFixed(5)}, ${row.lon.toFixed(5)}`;
  }

  row(row) {
    const action = el('td');
    const say = (error) => { this.status.textContent = t('prop.failed', { message: describeError(error) }); };
    const context = { operators: this.operators, memory: this.filed, say };
    if (REQUESTABLE.has(row.kind) && row.code && mayRequestSharing()) {
      action.append(...actionControls(row, this.answer, sharing(row, this.answer), context));
    } else if (!EXISTING.has(row.kind) && mayRegister() && this.onDraft) {
      const draft = drafting(row, this.answer, this.onDraft, this.where(row));
      action.append(...actionControls(row, this.answer, draft, context));
    }
    return el('tr', { 'data-rank': row.rank, 'data-kind': row.kind, 'data-lat': row.lat, 'data-lon': row.lon,
      'data-height': row.height_m }, [
      el('td', { textContent: String(row.rank) }),
      el('td', { textContent: this.where(row) }),
      el('td', { textContent: t(`prop.kind.${row.kind}`) }),
      el('td', { textContent: fmt(row.people) }),
      el('td', { textContent: String(row.hamlets) }),
      el('td', { textContent: `${fmt(row.cumulative_people)} (${fmt(100 * (row.cumulative_share ?? 0), 1)} %)` }),
      el('td', { textContent: row.owner ?? '—' }),
      action,
    ]);
  }

  async download(button) {
    button.disabled = true;
    try {
      const response = await fetch('/api/proposals.xlsx', {
        method: 'POST', credentials: 'same-origin', body: JSON.stringify(this.body()),
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
      });
      if (!response.ok) throw new ApiError({ status: response.status, code: `http_${response.status}`, url: response.url });
      const name = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? 'de_xuat_tram.xlsx';
      const link = el('a', { href: URL.createObjectURL(await response.blob()), download: name });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      this.status.textContent = t('prop.failed', { message: describeError(error) });
    } finally {
      button.disabled = false;
    }
  }
}

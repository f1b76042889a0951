// The officials' dashboard, wiring only: one state (period, group, selected unit and indicator,
// drilled district) that the toolbar, the table, the trend, the map and the drill-down follow.
import { mountAccountMenu } from '../account/menu.js';
import { currentUser, isStaff, loadSession } from '../account/session.js';
import { fetchIndicators, getJSON } from '../api.js';
import { getLang, initialLang, onLangChange, setLang } from '../i18n.js';
import { describeError, notify } from '../notify.js';
import { loadRegion } from '../region.js';
import { ChallengePanel } from './challenges.js';
import { DashboardMap } from './mapView.js';
import { HamletPanel } from './hamlets.js';
import { StatisticsForm } from './statsForm.js';
import { IndicatorTable } from './table.js';
import { TargetsPanel } from './targets.js';
import { Toolbar } from './toolbar.js';
import { TrendPanel } from './trend.js';

const params = new URLSearchParams(window.location.search);
setLang(initialLang(params.get('lang')));
await loadRegion(); // the title names the region in force
// Anyone sees the indicators; the drill-down and reports need a login, the forms (statistics,
// targets) the Department. The server enforces all of it; the page only hides what would be refused.
await loadSession();
mountAccountMenu(document.getElementById('hg-account'));
const user = currentUser();
document.getElementById('dash-stats').hidden = !isStaff();
document.getElementById('dash-targets').hidden = !isStaff();
document.getElementById('dash-hamlets').hidden = !user;

const state = {
  plan: params.get('plan') || null, // a plan's code; null: the plan in force in the period
  plans: [],
  period: params.get('period') || null,
  group: params.get('group') || '',
  unit: null, // {level, code, name}: the row chosen for the trend and the drill-down
  indicator: params.get('indicator') || 'mobile_bb_hamlet_coverage',
  drilled: null, // district code whose communes are shown
  unitsOn: null, // the day whose units the plan is judged on (its districts' outlines)
  loading: false,
  error: null,
  province: [], districts: [], communes: new Map(), periods: [],
};

const toolbar = new Toolbar(document.getElementById('dash-toolbar'), {
  onPlan: (plan) => { state.plan = plan; syncUrl(); loadTable(); targets.setPlan(plan).catch((e) => notify(describeError(e))); },
  onPeriod: (period) => { state.period = period; state.communes.clear(); loadTable(); },
  onGroup: (group) => { state.group = group; render(); },
  onClosed: () => loadPeriods().then(loadTable),
});
const table = new IndicatorTable(document.getElementById('dash-table'), {
  onSelect: ({ unit, indicator }) => select(unit, indicator),
  onDrill: (code) => drill(code),
});
const trend = new TrendPanel(document.getElementById('dash-trend'));
const map = new DashboardMap(document.getElementById('dash-map'), {
  onSelect: (unit) => select(unit, state.indicator),
});
const hamlets = new HamletPanel(document.getElementById('dash-hamlets'), {
  onZoom: (hamlet) => map.zoomToHamlet(hamlet),
});
const stats = new StatisticsForm(document.getElementById('dash-stats'), { onSaved: () => loadTable() });
const targets = new TargetsPanel(document.getElementById('dash-targets'), { onSaved: () => loadTable() });
new ChallengePanel(document.getElementById('dash-challenges')).load().catch((e) => notify(describeError(e)));

function select(unit, indicator) {
  state.unit = unit;
  state.indicator = indicator ?? state.indicator;
  render();
  if (unit.level !== 'province' && user) hamlets.show(unit, state.period);
}

async function drill(code) {
  state.drilled = state.drilled === code ? null : code;
  if (state.drilled && !state.communes.has(code)) {
    try {
      const body = await fetchIndicators({ level: 'commune', parent: code, period: state.period, plan: state.plan });
      state.communes.set(code, body.units);
    } catch (error) {
      notify(describeError(error));
      state.drilled = null;
    }
  }
  render();
}

function syncUrl() {
  const url = new URL(window.location.href);
  if (state.plan) url.searchParams.set('plan', state.plan);
  else url.searchParams.delete('plan');
  window.history.replaceState(null, '', url);
}

async function loadPlans() {
  state.plans = (await getJSON('/api/plans')).plans;
}

async function loadPeriods() {
  const body = await getJSON('/api/periods');
  state.periods = body.periods;
  if (!state.period) {
    // The latest period with statistics or a snapshot: where the figures are.
    const filled = body.periods.filter((p) => p.has_statistics || p.closed);
    state.period = (filled.at(-1) ?? body.periods.at(-1)).period;
  }
}

async function loadTable() {
  state.loading = true;
  state.error = null;
  render();
  try {
    // An official limited to one district starts on it and never asks for the province (a 403).
    const limitedTo = user?.district_code ?? null;
    const [province, districts] = await Promise.all([
      limitedTo ? { units: [] } : fetchIndicators({ level: 'province', period: state.period, plan: state.plan }),
      fetchIndicators({ level: 'district', period: state.period, plan: state.plan }),
    ]);
    if (limitedTo && !state.drilled) state.drilled = limitedTo;
    state.shownPlan = districts.plan;
    state.province = province.units;
    state.districts = districts.units;
    state.closedAt = districts.closed_at;
    state.unitsOn = districts.units_on ?? null;
    state.communes.clear();
    if (state.drilled) {
      const body = await fetchIndicators({ level: 'commune', parent: state.drilled, period: state.period, plan: state.plan });
      state.communes.set(state.drilled, body.units);
    }
    const first = province.units[0] ?? districts.units[0];
    state.unit ??= first ? { level: province.units[0] ? 'province' : 'district', code: first.code, name: first.name } : null;
  } catch (error) {
    state.error = error;
  }
  state.loading = false;
  render();
  stats.setPeriod(state.period, state.periods);
}

function render() {
  const period = state.periods.find((p) => p.period === state.period) ?? null;
  const drilledUnit = state.districts.find((u) => u.code === state.drilled) ?? null;
  toolbar.render({ plans: state.plans, plan: state.plan, periods: state.periods, period, group: state.group,
    scope: drilledUnit, whole: state.province[0]?.name ?? null });
  table.render(state);
  trend.show(state.unit, state.indicator, state.plan);
  map.show({ indicator: state.indicator, districts: state.districts, drilled: drilledUnit,
    communes: state.communes.get(state.drilled) ?? [], period: state.period, unitsOn: state.unitsOn });
}

document.getElementById('hg-lang-toggle').addEventListener('click', () => setLang(getLang() === 'vi' ? 'en' : 'vi'));
onLangChange(() => render());

// For the browser tests and for people debugging: what the dashboard shows.
Object.defineProperty(window, '__hgdash', {
  configurable: true,
  value: Object.freeze({
    get idle() { return !state.loading && !trend.loading && !map.loading && !hamlets.loading; },
    get state() {
      return {
        plan: state.plan, shownPlan: state.shownPlan?.code ?? null, period: state.period, group: state.group, indicator: state.indicator, drilled: state.drilled,
        unit: state.unit, error: state.error ? state.error.message : null,
        rows: table.rowCodes(), map: map.debugState(), hamlets: hamlets.debugState(), lang: getLang(),
      };
    },
    map: map.map,
  }),
});

// The forms are the Department's: nobody else's page asks for what it would be refused.
Promise.all([loadPlans(), loadPeriods()]).then(loadTable).then(() => {
  if (!isStaff()) return;
  stats.mount([...state.province, ...state.districts].map((u) => ({ code: u.code, name: u.name })));
  targets.mount(state.plan);
}).catch((error) => notify(describeError(error)));

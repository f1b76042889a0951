// Wiring only: build the map, the layers and the controls, and connect them to the URL.
import { mountAccountMenu } from './account/menu.js';
import { canSee, currentUser, loadSession, mayRegister } from './account/session.js';
import { mountAsOfDate } from './asOfDate.js';
import { loadCollection, loadSubdivisions } from './api.js';
import { Basemap } from './basemap.js';
import { installDebugHook } from './debug.js';
import { mountDistrictZoom } from './districtZoom.js';
import { mountExportPanel } from './exportPanel.js';
import { mountFilters } from './filters.js';
import { Highlight } from './highlight.js';
import { getLang, initialLang, onLangChange, setLang, t } from './i18n.js';
import { IndicatorPanel } from './indicators.js';
import { applyChoices, changedChoices, mountLayerControls } from './layerControls.js';
import { mountLayerPanel } from './layerPanel.js';
import { collectionLayer } from './layers/collectionLayer.js';
import { tileCollectionLayer } from './layers/tileLayer.js';
import {
  CANVAS_ORDER, DEFAULT_VISIBLE, LAYERS as ALL_LAYERS, canvasZIndex, stackOf,
} from './layers/registry.js';
import { LegendControl } from './legend.js';
import { canvasFor, createMap, enableFeaturePicking } from './map.js';
import { ModelCard } from './modelCard.js';
import { RegistrationForm } from './registration/form.js';
import { ReviewPanel } from './registration/review.js';
import { describeError, notify } from './notify.js';
import { PlaceNames } from './placeNames.js';
import { loadRegion } from './region.js';
import { mountSearch } from './search.js';
import { mountPointQuery } from './pointQuery.js';
import { draftRegistration } from './proposals/draft.js';
import { ProposalPanel } from './proposals/panel.js';
import { parseHash, UrlState } from './urlState.js';

const initial = parseHash(window.location.hash);
setLang(initialLang(initial.lang));
// The region in force today names the page and gives the first view.
const region = await loadRegion();
// Anonymous visitors get the public layers only (the server says which).
await loadSession();
// Only those who may import see the way to it (the server refuses the others anyway).
document.getElementById('hg-upload-link').hidden = !mayRegister();
const LAYERS = ALL_LAYERS.filter((def) => canSee(def.collection ?? def.id));
mountAccountMenu(document.getElementById('hg-account'));

const { map, canvases } = createMap(document.getElementById('map'), initial.view, region);
let filters = { ...initial.filters };

// Dense layers come from vector tiles; `?tiles=off` in the page's address draws every layer from
// GeoJSON as before (to compare, or to fall back).
const useTiles = new URLSearchParams(window.location.search).get('tiles') !== 'off';
const fromTiles = (def) => useTiles && def.tiles;
// Each layer goes in its pane and place in the stack (registry STACK) whatever it is drawn from.
const tiledIds = new Set(LAYERS.filter(fromTiles).map((def) => def.id));
// Off its canvas: tiled, or not shown to this account.
const offCanvas = (id) => tiledIds.has(id) || !LAYERS.some((def) => def.id === id);
const layers = new Map(LAYERS.map((def) => {
  const stack = stackOf(def.id) ?? {};
  if (fromTiles(def)) return [def.id, tileCollectionLayer(def, { filters, ...stack })];
  const renderer = def.renderer === 'canvas'
    ? canvasFor(def, canvases, { pane: stack.pane, zIndex: canvasZIndex(stack.pane, offCanvas) })
    : undefined;
  return [def.id, collectionLayer(def, { renderer, filters })];
}));
const visibleIds = () => LAYERS.map((def) => def.id).filter((id) => layers.get(id).isVisible());

applyChoices(layers, initial.choices);

const urlState = new UrlState({
  collect: () => {
    const center = map.getCenter();
    return {
      view: { zoom: map.getZoom(), lat: center.lat, lon: center.lng },
      layers: visibleIds(),
      lang: getLang(),
      basemap: basemap.choice,
      placeNames: placeNames.isShown(),
      filters,
      choices: changedChoices(layers),
      indicator: indicators.indicator,
      period: indicators.period,
    };
  },
  apply: applyState,
});

const basemap = new Basemap(map, {
  outline: async () => (await loadSubdivisions()).collection,
  onChange: () => urlState.schedule(),
});
const highlight = new Highlight(map);
const indicators = new IndicatorPanel({
  map,
  districts: (day) => loadCollection('districts', { datetime: day }),
  initial: { indicator: initial.indicator, period: initial.period },
  onChange: () => {
    urlState.schedule();
    legend.refresh();
  },
});
const modelCard = new ModelCard();

function setVisible(id, visible) {
  const layer = layers.get(id);
  if (!layer || visible === layer.isVisible()) return;
  if (visible) map.addLayer(layer);
  else map.removeLayer(layer);
}

function setFilters(next) {
  filters = { ...next };
  layers.forEach((layer) => layer.setFilters(filters));
  exportPanel?.refresh();
  urlState.schedule();
}

// The canvas draws in insertion order and gives a click to the topmost feature, so after
// every load put the layers back in CANVAS_ORDER (bringToBack from the top layer down).
function restackCanvas() {
  for (const id of [...CANVAS_ORDER].reverse()) {
    const layer = layers.get(id);
    if (layer?.isVisible()) layer.bringToBack();
  }
}

for (const [id, layer] of layers) {
  layer.on('add remove', () => urlState.schedule());
  layer.on('hg:error', ({ error }) => notify(t('error.load', { layer: t(`layer.${id}`), message: describeError(error) })));
  if (layer.def.renderer === 'canvas' && !layer.def.pane && !fromTiles(layer.def)) layer.on('hg:loaded', restackCanvas);
}

/** Bring the app to a state parsed from the URL (someone edited it, or went back). */
function applyState(state) {
  if (state.lang && state.lang !== getLang()) setLang(state.lang);
  if (state.view) map.setView([state.view.lat, state.view.lon], state.view.zoom);
  const wanted = new Set((state.layers ?? DEFAULT_VISIBLE).filter((id) => layers.has(id)));
  LAYERS.forEach((def) => setVisible(def.id, wanted.has(def.id)));
  filterForm.set(state.filters);
  if (JSON.stringify(state.filters) !== JSON.stringify(filters)) setFilters(state.filters);
  applyChoices(layers, state.choices);
  const indicator = state.indicator ?? '';
  if (indicator !== indicators.indicator || (state.period && state.period !== indicators.period)) {
    indicators.set({ indicator, period: state.period ?? indicators.period });
  }
  basemap.select(state.basemap === 'none' ? 'none' : 'osm');
  placeNames.setShown(state.placeNames);
}

// Controls.
basemap.mount(document.getElementById('hg-basemap'));
const legend = new LegendControl({ layers, extras: [indicators] }).addTo(map);
const layerExtras = mountLayerControls(layers, { onChange: () => urlState.schedule() });
layerExtras.set('group:coverage', modelCard.mountButton());
// The title names the region of the day the boundaries show (a province before a merger, the city after).
layerExtras.set('group:admin', mountAsOfDate(layers, { onChange: (day) => {
  urlState.schedule();
  loadRegion({ date: day || undefined });
} }));
// "Tên địa danh": on unless the permalink says names=off.
const placeNames = new PlaceNames({ layers }).addTo(map).mountToggle(layerExtras);
placeNames.setShown(initial.placeNames);
placeNames.on('add remove', () => urlState.schedule());
const shownDay = layers.get('districts')?.choice.as_of;
if (shownDay) loadRegion({ date: shownDay });
mountLayerPanel(document.getElementById('hg-layers'), { layers, onToggle: setVisible, extras: layerExtras });
indicators.mount(document.getElementById('hg-indicators'));
const filterForm = mountFilters(document.getElementById('hg-filter-panel'), {
  initial: filters, onChange: setFilters,
});
const exportPanel = mountExportPanel(document.getElementById('hg-export'), { map, layers });
mountDistrictZoom(document.getElementById('hg-district-zoom'), {
  map, subdivisions: loadSubdivisions, region,
});
// Click priority after the canvas clicked (which answers first): the stacked layers as drawn, top
// first (tiles and lower GeoJSON canvases), then the SVG polygons: hamlets, the indicator
// choropleth, then outlines.
const stackedOnTop = [...CANVAS_ORDER].reverse().map((id) => layers.get(id)).filter(Boolean);
enableFeaturePicking(map, () => [...stackedOnTop, layers.get('hamlet_coverage'), layers.get('hamlets'),
  indicators.layer, layers.get('communes'), layers.get('districts')].filter((layer) => layer && map.hasLayer(layer)));
// "Tại điểm này": after the feature popups, which take their clicks first.
const pointQuery = mountPointQuery(map);
mountSearch(document.getElementById('hg-search'), {
  onSelect: (result) => (result.lon == null ? highlight.show(result) : pointQuery.flyTo(result.lat, result.lon)),
});

// Operators and the Department: register sites, decide registrations and sharing requests.
let registrationForm = null;
if (mayRegister()) {
  // A registration, a decision or a commissioning changes sites and their cells: draw them anew.
  const refreshSites = () => Promise.all(['sites', 'cells'].map((id) => layers.get(id)?.reload()));
  let form = null;
  const review = new ReviewPanel({ onChange: refreshSites, onEdit: (code) => form.edit(code) });
  form = new RegistrationForm({ map, onRegistered: () => { refreshSites(); review.refresh(); } });
  // The queue's "on the map": centre the site and open its popup (the map shows queued sites to
  // those who decide them).
  window.addEventListener('hg:show-site', async (event) => {
    const { code, lon, lat } = event.detail;
    map.setView([lat, lon], Math.max(map.getZoom(), 16));
    if (window.matchMedia('(max-width: 800px)').matches) setPanelOpen(false);
    const sites = layers.get('sites');
    if (!sites) return;
    if (!map.hasLayer(sites)) map.addLayer(sites);
    await sites.reload();
    if (sites.openFeature) await sites.openFeature(code, [lat, lon]);
    else sites.getLayers().find((layer) => layer.feature?.properties?.code === code)?.openPopup();
  });
  window.addEventListener('hg:edit-site', (event) => {
    map.closePopup();
    form.edit(event.detail).catch((error) => notify(describeError(error)));
  });
  for (const [id, panel] of [['hg-register', form], ['hg-review', review]]) {
    const section = document.getElementById(id);
    section.hidden = false;
    panel.mount(section);
  }
  registrationForm = form;
}

// Every account: site proposals; a row becomes a sharing request or a draft registration.
if (currentUser()) {
  const section = document.getElementById('hg-proposals');
  section.hidden = false;
  const onDraft = registrationForm && ((row, answer) => draftRegistration(registrationForm, row, answer));
  new ProposalPanel({ map, onDraft }).mount(section).catch((error) => notify(describeError(error)));
}

// Header buttons.
document.getElementById('hg-lang-toggle').addEventListener('click', () => {
  setLang(getLang() === 'vi' ? 'en' : 'vi');
});
const panelToggle = document.getElementById('hg-panel-toggle');
function setPanelOpen(open) {
  document.body.dataset.panel = open ? 'open' : 'closed';
  panelToggle.setAttribute('aria-expanded', String(open));
  map.invalidateSize();
}
panelToggle.addEventListener('click', () => setPanelOpen(document.body.dataset.panel !== 'open'));
setPanelOpen(!window.matchMedia('(max-width: 800px)').matches);

// First state, then keep the URL in step.
const wanted = new Set((initial.layers ?? DEFAULT_VISIBLE).filter((id) => layers.has(id)));
LAYERS.forEach((def) => setVisible(def.id, wanted.has(def.id)));
basemap.select(initial.basemap === 'none' ? 'none' : 'osm');
map.on('moveend', () => urlState.schedule());
onLangChange(() => urlState.schedule());
// Popup content is built when opened; rebuild an open one in the new language.
let openPopup = null;
map.on('popupopen', (event) => { openPopup = event.popup; });
map.on('popupclose', () => { openPopup = null; });
onLangChange(() => openPopup?.update());
urlState.writeNow();

installDebugHook({ map, layers, basemap, highlight, getLang, indicators, modelCard });
window.__hgpoint = pointQuery; // for the browser tests: the answer the popup shows

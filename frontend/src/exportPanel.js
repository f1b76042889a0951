// "Download what I see": one link per layer on the map, to GET /api/export/{collection} with the
// layer's filters and choices, the current view's bbox, and the chosen format and CRS.
import { withQuery } from './api.js';
import { onLangChange, t, translateDom } from './i18n.js';
import { bboxParam } from './layers/collectionLayer.js';
import { LAYERS } from './layers/registry.js';
import { VN2000_CRSS, vn2000Label } from './vn2000.js';

export const EXPORT_FORMATS = ['geojson', 'gpkg', 'shp', 'kml', 'csv', 'xlsx'];
export const EXPORT_CRSS = ['EPSG:4326', ...VN2000_CRSS];
const WGS84_ONLY = new Set(['kml']); // KML is WGS 84 by definition

/** The export URL of `layer` in the current view. */
export function exportUrl(layer, bounds, { format, crs }) {
  return withQuery(`/api/export/${encodeURIComponent(layer.collection)}`, {
    ...layer.queryParams(), bbox: bboxParam(bounds), format, crs: WGS84_ONLY.has(format) ? 'EPSG:4326' : crs,
  });
}

function select(id, labelKey, values, label) {
  const field = document.createElement('label');
  field.className = 'hg-field';
  field.htmlFor = id;
  field.dataset.i18n = labelKey;
  const box = document.createElement('select');
  box.id = id;
  const render = () => {
    const chosen = box.value;
    box.replaceChildren(...values.map((value) => new Option(label(value), value)));
    if (chosen) box.value = chosen;
  };
  render();
  return { field, box, render };
}

/**
 * Render the export panel into `container`: format and CRS choices, and a download link for each
 * visible layer, kept in step with the map's view, the layers and the filters.
 * @param {object} options — `map`, `layers` (Map id → CollectionLayer)
 * @returns {{ refresh: () => void }} — call it when the filters change
 */
export function mountExportPanel(container, { map, layers }) {
  const heading = document.createElement('h2');
  heading.dataset.i18n = 'export.title';
  const format = select('hg-export-format', 'export.format', EXPORT_FORMATS, (f) => t(`export.format.${f}`));
  const crs = select('hg-export-crs', 'export.crs', EXPORT_CRSS, (c) =>
    VN2000_CRSS.includes(c) ? vn2000Label(t, 'export.crs', c) : t(`export.crs.${c}`));
  const list = document.createElement('ul');
  list.className = 'hg-export-links';
  list.id = 'hg-export-links';
  const note = document.createElement('p');
  note.className = 'hg-note';
  note.id = 'hg-export-note';
  container.append(heading, format.field, format.box, crs.field, crs.box, list, note);

  function refresh() {
    const chosen = { format: format.box.value, crs: crs.box.value };
    const wgs84Only = WGS84_ONLY.has(chosen.format);
    crs.box.disabled = wgs84Only;
    const bounds = map.getBounds();
    const visible = LAYERS.filter((def) => layers.get(def.id)?.isVisible());
    list.replaceChildren(...visible.map((def) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.className = 'hg-export-link';
      link.dataset.layer = def.id;
      link.href = exportUrl(layers.get(def.id), bounds, chosen);
      link.download = ''; // the server names the file (layer_date.extension)
      link.textContent = t(`layer.${def.id}`);
      link.title = t('export.linkTitle', { layer: t(`layer.${def.id}`), format: t(`export.format.${chosen.format}`) });
      item.append(link);
      return item;
    }));
    note.textContent = visible.length ? t(wgs84Only ? 'export.noteKml' : 'export.note') : t('export.none');
  }

  format.box.addEventListener('change', refresh);
  crs.box.addEventListener('change', refresh);
  map.on('moveend', refresh);
  for (const layer of layers.values()) layer.on('add remove hg:choice', refresh);
  onLangChange(() => {
    format.render();
    crs.render();
    refresh();
  });
  translateDom(container);
  refresh();
  return { refresh };
}

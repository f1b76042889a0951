// "Zoom to district": a select listing the region (its province or provinces, as GET /api/region
// says) and its districts — or its communes since a reform abolished districts; choosing one fits
// the map.
import { geoJSON } from 'leaflet';
import { onLangChange, t, translateDom } from './i18n.js';
import { regionBounds } from './map.js';

/**
 * Render the select into `container`. `subdivisions()` resolves to `{ level, collection }` (api.js
 * loadSubdivisions); `region` is the region in force (null: the entry for the whole region is left out).
 */
export function mountDistrictZoom(container, { map, subdivisions, region }) {
  container.innerHTML = `
    <h2 data-i18n="district.title"></h2>
    <label class="visually-hidden" for="hg-district-select" data-i18n="district.label"></label>
    <select id="hg-district-select" name="district"></select>`;
  translateDom(container);
  const select = container.querySelector('select');
  const whole = region ? region.codes.join(',') : null;
  const bounds = new Map(whole ? [[whole, regionBounds(region)]] : []);
  let features = [];
  let level = 'district';

  function render() {
    const value = select.value;
    container.querySelector('h2').textContent = t(`${level}.title`);
    container.querySelector('label').textContent = t(`${level}.label`);
    select.replaceChildren(
      new Option(t(`${level}.placeholder`), ''),
      ...(whole ? [new Option(t('district.province'), whole)] : []),
      ...features.map((f) => new Option(f.properties.name, f.properties.code)),
    );
    select.value = value;
  }

  select.addEventListener('change', () => {
    const target = bounds.get(select.value);
    if (target) map.fitBounds(target, { padding: [16, 16] });
  });

  subdivisions().then(({ level: shown, collection }) => {
    level = shown;
    features = [...collection.features].sort((a, b) =>
      String(a.properties.code).localeCompare(String(b.properties.code)));
    for (const feature of features) bounds.set(String(feature.properties.code), geoJSON(feature).getBounds());
    render();
  }).catch(() => {
    // The boundary layers show the error; the region's entry still works.
  });
  render();
  onLangChange(render);
}

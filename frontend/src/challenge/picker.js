// The report form's map picker: a small map of the region — its subdivisions' outlines from the
// app's own layers, Leaflet from the app's vendor assets, no tile server — where a click sets the
// spot (longitude, latitude); typed coordinates move the marker. A spot given in the page's
// address (/challenge?lon=…&lat=…, the map popups' "Báo sai vùng phủ ở đây") is filled in first.
import { circleMarker, geoJSON, map as leafletMap } from 'leaflet';
import { loadSubdivisions } from '../api.js';
import { t } from '../i18n.js';

const DIGITS = 6; // ≈ 0.1 m: more than a phone's fix
const OUTLINE = { color: '#546e7a', weight: 1, fillColor: '#eceff1', fillOpacity: 0.6 };
const SPOT = { radius: 7, color: '#fff', weight: 2, fillColor: '#d84315', fillOpacity: 1 };

const number = (input) => {
  const value = Number.parseFloat(String(input.value).replace(',', '.'));
  return Number.isFinite(value) ? value : null;
};

/** The spot the page's address asks for ({ lon, lat } or null; a hamlet code as `hamlet`). */
export function spotOfPage(search = window.location.search) {
  const params = new URLSearchParams(search);
  const lon = Number.parseFloat(params.get('lon'));
  const lat = Number.parseFloat(params.get('lat'));
  return {
    lon: Number.isFinite(lon) && Math.abs(lon) <= 180 ? lon : null,
    lat: Number.isFinite(lat) && Math.abs(lat) <= 90 ? lat : null,
    hamlet: params.get('hamlet') || null,
  };
}

export function mountPicker(box, lonInput, latInput) {
  const map = leafletMap(box, { attributionControl: false, zoomSnap: 0.5 }).setView([0, 0], 2);
  box.setAttribute('aria-label', t('challenge.pickerLabel'));
  let marker = null;
  const show = (lat, lon) => {
    if (marker) marker.setLatLng([lat, lon]);
    else marker = circleMarker([lat, lon], SPOT).addTo(map);
  };
  map.on('click', (event) => {
    const { lat, lng } = event.latlng.wrap();
    lonInput.value = lng.toFixed(DIGITS);
    latInput.value = lat.toFixed(DIGITS);
    show(lat, lng);
    box.dataset.picked = 'true';
  });
  const typed = () => {
    const lon = number(lonInput);
    const lat = number(latInput);
    if (lon !== null && lat !== null) show(lat, lon);
  };
  lonInput.addEventListener('change', typed);
  latInput.addEventListener('change', typed);
  const ready = loadSubdivisions().then(({ collection }) => {
    const outline = geoJSON(collection, { style: () => OUTLINE, interactive: false }).addTo(map);
    if (outline.getBounds().isValid()) map.fitBounds(outline.getBounds());
    const lon = number(lonInput);
    const lat = number(latInput);
    if (lon !== null && lat !== null) {
      show(lat, lon);
      map.setView([lat, lon], Math.max(map.getZoom(), 13));
    }
    box.dataset.ready = 'true';
  });
  return { map, ready };
}

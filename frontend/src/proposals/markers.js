// The proposals on the map: a numbered marker per site, in rank order.
import { divIcon, layerGroup, marker } from 'leaflet';

export class ProposalMarkers {
  constructor(map) {
    this.map = map;
    this.group = layerGroup();
  }

  /** Draw `rows` (the ranked proposals); `describe(row)` gives each marker's tooltip. */
  show(rows, describe) {
    this.group.clearLayers();
    for (const row of rows) {
      const icon = divIcon({ className: `hg-prop-marker hg-prop-${row.kind}`, html: String(row.rank), iconSize: [24, 24] });
      const m = marker([row.lat, row.lon], { icon, title: describe(row), keyboard: true });
      m.bindTooltip(describe(row));
      m.feature = { properties: { rank: row.rank, kind: row.kind } };
      this.group.addLayer(m);
    }
    if (!this.map.hasLayer(this.group)) this.group.addTo(this.map);
    if (rows.length) this.map.fitBounds(rows.map((r) => [r.lat, r.lon]), { padding: [40, 40], maxZoom: 14 });
  }

  clear() {
    this.group.clearLayers();
  }

  get count() {
    return this.group.getLayers().length;
  }
}

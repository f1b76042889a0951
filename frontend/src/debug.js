// window.__hgmap: a read-only view of the map's state for tests and for people debugging.
// Counts are the features actually drawn; nothing here changes what the app does.

/**
 * @param {object} app — { map, layers: Map<id, CollectionLayer>, basemap, highlight, getLang,
 *   indicators: IndicatorPanel, modelCard: ModelCard }
 */
export function installDebugHook({ map, layers, basemap, highlight, getLang, indicators, modelCard }) {
  const layerState = (layer) => ({
    choice: layer.def.choices ? { ...layer.choice } : undefined,
    visible: layer.isVisible(),
    loading: layer.state.loading,
    count: layer.isVisible() ? layer.state.count : 0,
    matched: layer.state.matched,
    belowMinZoom: layer.state.belowMinZoom,
    error: layer.state.error ? layer.state.error.message : null,
  });
  const hook = {
    version: 2,
    map,
    get lang() {
      return getLang();
    },
    get basemap() {
      return { choice: basemap.choice, offline: basemap.offline, reason: basemap.reason };
    },
    get layers() {
      return Object.fromEntries([...layers].map(([id, layer]) => [id, layerState(layer)]));
    },
    /** The district choropleth: indicator, period, districts drawn, classes and statuses. */
    get choropleth() {
      return indicators.debugState();
    },
    get modelCard() {
      return modelCard.debugState();
    },
    /** True when no visible layer (nor the choropleth) is loading. */
    get idle() {
      return [...layers.values()].every((layer) => !layer.isVisible() || !layer.state.loading)
        && !indicators.loading;
    },
    get highlight() {
      return highlight.current ? { ...highlight.current } : null;
    },
    /** The codes of the features a layer has drawn (tests look for one record). */
    codes(id) {
      const layer = layers.get(id);
      if (!layer) return [];
      // A vector-tile layer names the features of the tiles it draws (layers/tileLayer.js).
      return layer.codes ? layer.codes() : layer.getLayers().map((feature) => feature.feature?.properties?.code);
    },
    /**
     * The element a visible layer draws into, for stacking tests: its tiles' container, its
     * canvas, or the pane of its SVG paths.
     */
    element(id) {
      const layer = layers.get(id);
      if (!layer?.isVisible()) return null;
      if (layer._grid) return layer._grid.getContainer();
      return layer.options?.renderer?._container ?? map.getPane(layer.options?.pane ?? 'overlayPane');
    },
    get view() {
      const center = map.getCenter();
      return { zoom: map.getZoom(), lat: center.lat, lon: center.lng };
    },
  };
  Object.defineProperty(window, '__hgmap', { value: Object.freeze(hook), configurable: true });
  return hook;
}

// Room on the screen for labels: the boxes they take, what covers the map (zoom buttons, legend,
// the offline notice), and text widths measured once. Shared by the place names (placeNames.js)
// and the road numbers (roads.js), which are placed after them and never over them.
export const GAP_PX = 2; // kept free between two labels
// Fired on the map whenever the place names have been placed (or taken away): labels placed after
// them (the road numbers) find their room again.
export const NAMES_PLACED = 'hg:namesplaced';

/** Whether two boxes {x0, y0, x1, y1} (container pixels) come closer than GAP_PX. */
export const overlaps = (a, b) => a.x0 < b.x1 + GAP_PX && b.x0 < a.x1 + GAP_PX
  && a.y0 < b.y1 + GAP_PX && b.y0 < a.y1 + GAP_PX;

/** The boxes, in `map`'s container pixels, of the visible elements under it matching `selector`. */
export function screenBoxes(map, selector) {
  const container = map.getContainer();
  const origin = container.getBoundingClientRect();
  return [...container.querySelectorAll(selector)]
    .map((el) => el.getBoundingClientRect())
    .filter((r) => r.width > 0 && r.height > 0) // hidden ones have no box
    .map((r) => ({ x0: r.left - origin.left, y0: r.top - origin.top, x1: r.right - origin.left, y1: r.bottom - origin.top }));
}

/** What covers the map (zoom buttons, legend, notices): boxes no label is written under. */
export const controlBoxes = (map) => screenBoxes(map, '.leaflet-control, .hg-basemap-notice');

/** Text widths in px (plus `padPx` each side), measured once per font and text. */
export class TextWidths {
  constructor(padPx) {
    this._padPx = padPx;
    this._widths = new Map();
  }

  of(text, font) {
    const key = `${font}|${text}`;
    if (!this._widths.has(key)) {
      this._measure ??= document.createElement('canvas').getContext('2d');
      this._measure.font = font;
      this._widths.set(key, Math.ceil(this._measure.measureText(text).width) + 2 * this._padPx);
    }
    return this._widths.get(key);
  }
}

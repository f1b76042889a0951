"""Hand-written SVG: an indicator's trend over quarters with its target line, and a small map.

Both return one self-contained ``<svg>`` string (no scripts, no external references) that the
dashboard inlines and the printed report embeds. Pure: no web or database imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

import shapely
from pyproj import Proj
from shapely.geometry.base import BaseGeometry

from gis.crs import to_lonlat, to_metric
from gis.text import format_number

__all__ = ["LABEL_CHAR_EM", "MapLayer", "TrendPoint", "label_box", "map_svg", "projection_at", "trend_chart"]

_FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


@dataclass(frozen=True)
class TrendPoint:
    label: str  # the quarter as readers name it ("Q3/2025")
    value: float | None  # None = no data: a gap in the line, never a zero
    color: str = "#37474f"
    note: str = ""  # tooltip text after the value


def _nice_max(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 × a power of ten, at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def trend_chart(
    points: list[TrendPoint],
    target: float | None,
    *,
    title: str,
    target_label: str,
    unit: str = "",
    no_data_label: str = "no data",
    lang: str = "vi",
    width: int = 420,
    height: int = 200,
) -> str:
    """A line chart of ``points`` (one per quarter, in order) and a dashed line at ``target``."""
    left, right, top, bottom = 48, 30, 26, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [p.value for p in points if p.value is not None]
    highest = max(values + [target or 0])
    top_value = _nice_max(highest * 1.05)
    if unit == "%" and highest <= 100:
        top_value = min(top_value, 100.0)  # a share never runs past 100 %: no axis up to 200 %
    x_step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return left + (i * x_step if len(points) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - v / top_value * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" class="hg-trend" {_FONT} font-size="10">',
        f"<title>{escape(title)}</title>",
        f'<text x="8" y="14" font-size="11" font-weight="bold">{escape(_fit(title, (width - 16) // 6))}</text>',
    ]
    for k in range(5):  # grid and y labels
        v = top_value * k / 4
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e0e0e0"/>'
        )
        out.append(
            f'<text x="{left - 4}" y="{y(v) + 3:.1f}" text-anchor="end" fill="#616161">'
            f"{escape(format_number(v, 1, lang))}{escape(unit)}</text>"
        )
    for i, p in enumerate(points):
        out.append(
            f'<text x="{x(i):.1f}" y="{height - 14}" text-anchor="middle" fill="#424242">{escape(p.label)}</text>'
        )
    if target is not None:
        ty = y(target)
        out.append(
            f'<line class="hg-trend-target" x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" '
            'stroke="#1565c0" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<text x="{left + plot_w}" y="{ty - 4:.1f}" text-anchor="end" fill="#1565c0">{escape(target_label)}</text>'
        )
    segment: list[str] = []
    for i, p in enumerate(points + [TrendPoint("", None)]):
        if p.value is None:
            if len(segment) > 1:
                out.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="#37474f" stroke-width="2"/>'
                )
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(p.value):.1f}")
    for i, p in enumerate(points):
        if p.value is None:
            out.append(
                f'<text class="hg-trend-nodata" x="{x(i):.1f}" y="{top + plot_h - 4}" text-anchor="middle" '
                f'fill="#9e9e9e" font-size="8">{escape(no_data_label)}</text>'
            )
            continue
        shown = f"{p.label}: {format_number(p.value, 1, lang)}{unit}{(' — ' + p.note) if p.note else ''}"
        out.append(
            f'<circle class="hg-trend-point" cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="4" fill="{p.color}" '
            f'stroke="#263238" stroke-width="1"><title>{escape(shown)}</title></circle>'
        )
    out.append("</svg>")
    return "".join(out)


def _fit(text: str, chars: int) -> str:
    """``text`` cut to ``chars`` characters with an ellipsis (the full text stays in <title>)."""
    return text if len(text) <= chars else text[: max(chars - 1, 1)].rstrip() + "…"


@dataclass
class MapLayer:
    """Geometries in a metric CRS drawn with one style; ``titles`` name features for tooltips."""

    geometries: list[BaseGeometry]
    fill: str | list[str] = "none"
    stroke: str = "#37474f"
    stroke_width: float = 1.0
    opacity: float = 1.0
    titles: list[str] = field(default_factory=list)
    css_class: str = ""
    label_size: float = 0.0  # > 0: the titles are written on the features at this size (px)


# A label's box: its text at ~0.6 em a character (DejaVu Sans, Vietnamese marks add no width)
# by 1.2 em, centred on its anchor.
LABEL_CHAR_EM = 0.6
_LABEL_GAP_PX = 2.0  # kept between two labels' boxes


def label_box(text: str, x: float, y: float, size: float) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1) a label of ``text`` at ``size`` px centred on (x, y) takes."""
    half_w, half_h = len(text) * size * LABEL_CHAR_EM / 2, size * 0.6
    return (x - half_w, y - half_h, x + half_w, y + half_h)


def _overlap(a, b, gap: float = 0.0) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def projection_at(crs: str, x: float, y: float) -> tuple[float, float]:
    """The point scale factor of projected ``crs`` at (x, y) — projected metres per metre on the
    ground — and the grid bearing of true north there (degrees clockwise from the map's up).

    Example: Web Mercator at 60° N draws a metre two metres long (1 / cos 60°), north straight up.
    """
    lon, lat = to_lonlat(x, y, crs)
    # Conformal projections (UTM, TM-3, Mercator) scale alike in every direction: the meridian's.
    scale = Proj(crs).get_factors(lon, lat).meridional_scale
    north_x, north_y = to_metric(lon, min(lat + 0.01, 89.9), crs)
    return float(scale), math.degrees(math.atan2(north_x - x, north_y - y))


def _place_labels(
    layers: list[MapLayer], tx, frame: tuple[float, float, float, float], taken: list
) -> list[str]:
    """Greedy placement: the largest labels first (districts before communes), then the larger
    features; each on its feature, else just above or below it; a label is left out when every
    box would leave the map or touch one already placed (or one of the ``taken`` boxes)."""
    candidates = []
    for layer in layers:
        if layer.label_size <= 0:
            continue
        for geom, title in zip(layer.geometries, layer.titles, strict=False):
            if geom is None or geom.is_empty or not title:
                continue
            anchor = geom.representative_point()
            candidates.append((-layer.label_size, -geom.area, title, anchor, layer))
    candidates.sort(key=lambda c: c[:2])
    placed, out = list(taken), []
    for _, _, title, anchor, layer in candidates:
        ((ax, ay),) = tx([(anchor.x, anchor.y)])
        size = layer.label_size
        half_w = len(title) * size * LABEL_CHAR_EM / 2
        # On the feature, above, below, then ending or starting at it (near the map's edges).
        for x, y in (
            (ax, ay),
            (ax, ay - size * 1.3),
            (ax, ay + size * 1.3),
            (ax - half_w, ay),
            (ax + half_w, ay),
        ):
            box = label_box(title, x, y, size)
            inside = frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]
            if inside and not any(_overlap(box, other, _LABEL_GAP_PX) for other in placed):
                break
        else:
            continue
        placed.append(box)
        out.append(
            f'<text class="hg-label {escape(layer.css_class)}" x="{x:.1f}" y="{y + layer.label_size * 0.35:.1f}" '
            f'font-size="{layer.label_size:g}">{escape(title)}</text>'
        )
    return out


def _north_arrow(x: float, y: float, bearing_deg: float) -> str:
    """An arrow 24 px tall centred on (x, y), pointing to true north, with "B" (Bắc) above."""
    return (
        f'<g class="hg-north" transform="rotate({bearing_deg:.2f} {x:.1f} {y:.1f})">'
        f'<path d="M{x:.1f} {y - 12:.1f}L{x + 7:.1f} {y + 10:.1f}L{x:.1f} {y + 5:.1f}Z" fill="#212121"/>'
        f'<path d="M{x:.1f} {y - 12:.1f}L{x - 7:.1f} {y + 10:.1f}L{x:.1f} {y + 5:.1f}Z" fill="#ffffff" '
        'stroke="#212121" stroke-width="0.8"/>'
        f'<text x="{x:.1f}" y="{y - 15:.1f}" text-anchor="middle" font-weight="bold" font-size="11">B</text></g>'
    )


def _path(geom: BaseGeometry, tx) -> str:
    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty:
            continue
        if poly.geom_type in ("Polygon",):
            rings = [poly.exterior, *poly.interiors]
            for ring in rings:
                coords = shapely.get_coordinates(ring)
                parts.append("M" + "L".join(f"{a:.1f} {b:.1f}" for a, b in tx(coords)) + "Z")
        elif poly.geom_type in ("LineString",):
            coords = shapely.get_coordinates(poly)
            parts.append("M" + "L".join(f"{a:.1f} {b:.1f}" for a, b in tx(coords)))
    return "".join(parts)


def map_svg(
    layers: list[MapLayer],
    *,
    title: str,
    legend: list[tuple[str, str]] = (),
    width: int = 640,
    simplify_m: float = 25.0,
    crs: str | None = None,
) -> str:
    """The layers (first drawn first) fitted into ``width`` pixels, grid north up, with the
    layers' labels (placed without overlap), a north arrow, a scale bar and a legend.
    Geometries are in ``crs`` (projected, metres), simplified to ``simplify_m`` metres before
    drawing; the scale bar measures metres on the ground with ``crs``'s scale factor at the
    map's centre (without ``crs``, a map metre is a ground metre)."""
    every = [g for layer in layers for g in layer.geometries if g is not None and not g.is_empty]
    if not every:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 60" width="{width}" height="60" '
            f'role="img" {_FONT}><title>{escape(title)}</title><text x="8" y="30">{escape(title)}</text></svg>'
        )
    minx, miny, maxx, maxy = shapely.total_bounds(every)
    pad = 8
    scale = (width - 2 * pad) / max(maxx - minx, 1.0)
    map_h = (maxy - miny) * scale
    map_top = pad + 20
    if crs is None:
        ground, north = 1.0, 0.0
    else:
        ground, north = projection_at(crs, (minx + maxx) / 2, (miny + maxy) / 2)
    legend_h = 18 * len(legend) + (10 if legend else 0)
    height = int(map_h + 2 * pad + 24 + legend_h)

    def tx(coords):
        return [(pad + (a - minx) * scale, pad + 20 + (maxy - b) * scale) for a, b in coords]

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" class="hg-report-map" {_FONT} font-size="10">',
        f"<title>{escape(title)}</title>",
        f'<text x="{pad}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for layer in layers:
        fills = layer.fill if isinstance(layer.fill, list) else [layer.fill] * len(layer.geometries)
        out.append(
            f'<g class="{escape(layer.css_class)}" stroke="{layer.stroke}" stroke-width="{layer.stroke_width}" '
            f'opacity="{layer.opacity}" fill-rule="evenodd" stroke-linejoin="round">'
        )
        for i, geom in enumerate(layer.geometries):
            if geom is None or geom.is_empty:
                continue
            d = _path(geom.simplify(simplify_m, preserve_topology=True), tx)
            if not d:
                continue
            tip = f"<title>{escape(layer.titles[i])}</title>" if i < len(layer.titles) else ""
            out.append(f'<path d="{d}" fill="{fills[i]}">{tip}</path>')
        out.append("</g>")
    arrow_x, arrow_y = width - pad - 12, map_top + 18
    arrow_box = (arrow_x - 10, arrow_y - 26, arrow_x + 10, arrow_y + 12)
    labels = _place_labels(layers, tx, (0.0, float(map_top), float(width), map_top + map_h), [arrow_box])
    if labels:
        out.append(
            '<g class="hg-labels" text-anchor="middle" fill="#212121" stroke="#ffffff" stroke-width="2.5" '
            f'stroke-linejoin="round" paint-order="stroke">{"".join(labels)}</g>'
        )
    out.append(_north_arrow(arrow_x, arrow_y, north))
    # A ground length of about a fifth of the map's width; on the map it is `ground` times longer.
    bar_m = _nice_max((maxx - minx) / ground / 5)
    bar_px = bar_m * ground * scale
    y0 = map_top + map_h + 14
    out.append(
        f'<g class="hg-scale" data-km="{bar_m / 1000:g}"><line x1="{pad}" x2="{pad + bar_px:.2f}" y1="{y0}" '
        f'y2="{y0}" stroke="#212121" stroke-width="3"/>'
        f'<line x1="{pad}" x2="{pad}" y1="{y0 - 5}" y2="{y0 + 1}" stroke="#212121"/>'
        f'<line x1="{pad + bar_px:.2f}" x2="{pad + bar_px:.2f}" y1="{y0 - 5}" y2="{y0 + 1}" stroke="#212121"/>'
        f'<text x="{pad + bar_px + 6:.1f}" y="{y0 + 4}">'
        f"{escape(format_number(bar_m / 1000, 1))} km</text></g>"
    )
    for i, (color, label) in enumerate(legend):
        ly = y0 + 14 + i * 18
        out.append(
            f'<rect x="{pad}" y="{ly}" width="14" height="12" fill="{color}" stroke="#616161" stroke-width="0.5"/>'
            f'<text x="{pad + 20}" y="{ly + 10}">{escape(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)

"""Hand-written SVG: an indicator's trend over quarters with its target line, and a small map.

Both return one self-contained ``<svg>`` string (no scripts, no external references) that the
dashboard inlines and the printed report embeds. Pure: no web or database imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import shapely
from shapely.geometry.base import BaseGeometry

from gis.text import format_number

__all__ = ["MapLayer", "TrendPoint", "map_svg", "trend_chart"]

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
    top_value = _nice_max(max(values + [target or 0]) * 1.05)
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
) -> str:
    """The layers (first drawn first) fitted into ``width`` pixels, north up, with a legend and
    a scale bar. Geometries are simplified to ``simplify_m`` metres before drawing."""
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
    bar_m = _nice_max((maxx - minx) / 5)
    bar_px = bar_m * scale
    y0 = pad + 20 + map_h + 14
    out.append(
        f'<g class="hg-scale"><line x1="{pad}" x2="{pad + bar_px:.1f}" y1="{y0}" y2="{y0}" stroke="#212121" '
        f'stroke-width="3"/><text x="{pad + bar_px + 6:.1f}" y="{y0 + 4}">'
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

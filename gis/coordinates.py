"""Positions as people type them: WGS 84 decimal degrees, degrees-minutes-seconds, or VN-2000
easting/northing in a named projection (a TM-3 zone, UTM) — all to (lon, lat) WGS 84. Pure: no database.

>>> parse_dms("33°52'00\\"S 151°12'30\\"E")
(151.20833333333331, -33.86666666666667)
>>> print(format_dms(151.20833333333331, -33.86666666666667))
33°52'00"S 151°12'30"E
"""

from __future__ import annotations

import re

from pyproj import CRS

from gis.importers.crs import to_wgs84_transformer
from gis.problems import Problem

__all__ = ["PositionError", "format_dms", "parse_dms", "from_vn2000", "swapped_hint"]

_DMS_PART = re.compile(
    r"""(?P<deg>-?\d+(?:[.,]\d+)?)\s*(?:°|º|d|\s)\s*
        (?:(?P<min>\d+(?:[.,]\d+)?)\s*(?:'|′|’|m|\s)\s*)?
        (?:(?P<sec>\d+(?:[.,]\d+)?)\s*(?:"|″|”|''|s)?\s*)?
        (?P<hemi>[NSEWnsew]|[BbĐđTt](?![a-z]))?""",
    re.VERBOSE,
)
# Vietnamese hemispheres: Bắc (N), Nam (S), Đông (E), Tây (W).
_HEMI = {"n": "N", "s": "S", "e": "E", "w": "W", "b": "N", "đ": "E", "t": "W"}


class PositionError(ValueError):
    """A position that cannot be read: its ``problem`` says what was expected (``str()``: the code)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


def _number(text: str | None) -> float:
    return float(text.replace(",", ".")) if text else 0.0


def parse_dms(text: str) -> tuple[float, float]:
    """'33°52'00"S 151°12'30"E' (either order, N/S/E/W or B/Đ) → (lon, lat) decimal degrees."""
    found = [m for m in _DMS_PART.finditer(text.strip()) if m.group("deg")]
    if len(found) != 2:
        raise PositionError(Problem("position.dms_unreadable", params={"text": text}))
    values = []
    for m in found:
        minutes, seconds = _number(m.group("min")), _number(m.group("sec"))
        if minutes >= 60 or seconds >= 60:
            raise PositionError(Problem("position.dms_minutes", params={"text": m.group(0).strip()}))
        deg = _number(m.group("deg"))
        value = abs(deg) + minutes / 60 + seconds / 3600
        hemi = _HEMI.get((m.group("hemi") or "").lower())
        if deg < 0 or hemi in ("S", "W"):
            value = -value
        values.append((value, hemi))
    (a, ha), (b, hb) = values
    if ha in ("E", "W") or hb in ("N", "S"):
        (a, ha), (b, hb) = (b, hb), (a, ha)
    elif ha is None and hb is None and abs(a) > 90 >= abs(b):
        a, b = b, a  # no hemispheres: the angle above 90° can only be the longitude
    lat, lon = a, b
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise PositionError(
            Problem(
                "position.dms_out_of_range", params={"text": text, "lat": round(lat, 6), "lon": round(lon, 6)}
            )
        )
    return lon, lat


def format_dms(lon: float, lat: float) -> str:
    """(lon, lat) as parse_dms reads it back, to the nearest second: 'D°MM'SS"N D°MM'SS"E'."""

    def part(value: float, hemispheres: str) -> str:
        seconds = round(abs(value) * 3600)
        return f"{seconds // 3600}°{seconds // 60 % 60:02d}'{seconds % 60:02d}\"{hemispheres[value < 0]}"

    return f"{part(lat, 'NS')} {part(lon, 'EW')}"


def from_vn2000(easting_m: float, northing_m: float, crs: str) -> tuple[float, float]:
    """VN-2000 easting/northing in ``crs`` (a TM-3 zone or UTM) → (lon, lat) WGS 84, with the
    official 7-parameter shift of Decision 05/2007 (the importers' transformation; PROJ by EPSG code
    alone would take another one, 0.8 m away)."""
    # In Vietnam a TM-3 easting stays within ~200 km of 500 km and a northing runs from ~950 km (Cà Mau)
    # to ~2,600 km: a northing typed as easting (the common X/Y mix-up of surveys) shows by its size.
    if easting_m > 900_000 > northing_m > 100_000:
        raise PositionError(
            Problem(
                "position.xy_swapped", params={"easting": round(easting_m), "northing": round(northing_m)}
            )
        )
    lon, lat = to_wgs84_transformer(CRS.from_user_input(crs)).transform(easting_m, northing_m)
    return float(lon), float(lat)


def swapped_hint(
    lon: float, lat: float, bounds: tuple[float, float, float, float]
) -> tuple[float, float] | None:
    """(lon, lat) swapped back when the given pair lies outside ``bounds`` and its swap inside."""
    minx, miny, maxx, maxy = bounds
    inside = minx <= lon <= maxx and miny <= lat <= maxy
    swapped_inside = minx <= lat <= maxx and miny <= lon <= maxy
    return (lat, lon) if not inside and swapped_inside else None

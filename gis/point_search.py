"""Positions typed into the search box: decimal degrees ("10.5, 106.5", "10,5 106,5"), degrees-minutes-
seconds ("33°52'00\"S 151°12'30\"E", gis.coordinates.parse_dms) and VN-2000 X/Y in metres (in the
projection the text names — an EPSG code, "UTM" — else the region's TM-3 zone or UTM). Pure: no database.

A text that does not look like a position at all gives None (the search goes on with names); one that
looks like one but cannot be (a latitude of 200°) raises gis.coordinates.PositionError.

>>> [(round(c.lon, 2), round(c.lat, 2), c.form) for c in read_position("10.5, 106.5")]
[(106.5, 10.5, 'decimal')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gis.coordinates import PositionError, from_vn2000, parse_dms
from gis.crs import VN2000_PROJECTED
from gis.problems import Problem

__all__ = ["Candidate", "read_position"]

_UTM = ("EPSG:3405", "EPSG:3406")
_EPSG_CODE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_NUM = r"-?\d{1,3}(?:\.\d+)?"
_DECIMAL = re.compile(rf"\s*({_NUM})\s*(?:[,;]\s*|\s+)({_NUM})\s*")
_COMMA_DECIMAL = re.compile(
    r"\s*(-?\d{1,3},\d+)\s*(?:;\s*|\s+)(-?\d{1,3},\d+)\s*"
)  # Vietnamese decimal comma
_METRES = r"\d{5,7}(?:[.,]\d+)?"
_XY = re.compile(
    rf"\s*(?:x\s*[:=]?\s*)?({_METRES})\s*(?:m\b)?\s*[,;]?\s*(?:y\s*[:=]?\s*)?({_METRES})\s*(?:m\b)?\s*(.*)",
    re.IGNORECASE,
)
_DMS_MARKS = re.compile(r"[°º'′’\"″”]")


@dataclass(frozen=True)
class Candidate:
    lon: float
    lat: float
    form: str  # decimal / dms / vn2000
    crs: str | None = None  # the VN-2000 zone read, for X/Y


def _decimal(a: float, b: float, text: str) -> Candidate:
    """Two angles: latitude first as people say it, unless only the second can be one."""
    lat, lon = (b, a) if abs(a) > 90 >= abs(b) else (a, b)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PositionError(
            Problem("position.dms_out_of_range", params={"text": text, "lat": lat, "lon": lon})
        )
    return Candidate(lon, lat, "decimal")


def _zones(rest: str, tm3_zone: str | None) -> list[str]:
    """The VN-2000 projections a text names (an EPSG code: '9209'; 'UTM': 48N and 49N; 'TM-3': the
    region's zone), else the region's zone and UTM. A TM-3 zone is never guessed: none named and the
    region has none, the text must name one."""
    rest = rest.lower()
    named = [f"EPSG:{code}" for code in _EPSG_CODE.findall(rest) if f"EPSG:{code}" in VN2000_PROJECTED]
    if named:
        return named[:1]
    if "utm" in rest:
        return list(_UTM)
    if tm3_zone is None:
        raise PositionError(Problem("position.crs_required"))
    return [tm3_zone] if "tm" in rest else [tm3_zone, *_UTM]


def _vn2000(first: float, second: float, rest: str, tm3_zone: str | None) -> list[Candidate]:
    # X is the northing in Vietnamese surveys (X/Y), yet people type E/N too: the northing of any place
    # in Vietnam (~950 000 … 2 600 000 m) is larger than its easting (< 900 000 m).
    northing, easting = max(first, second), min(first, second)
    if northing < 900_000:
        raise PositionError(
            Problem("search.coordinates_unreadable", params={"text": f"{first:g} {second:g}"})
        )
    return [Candidate(*from_vn2000(easting, northing, crs), "vn2000", crs) for crs in _zones(rest, tm3_zone)]


def read_position(text: str, tm3_zone: str | None = None) -> list[Candidate] | None:
    """The positions ``text`` may mean (X/Y without a projection: in ``tm3_zone``, the region's, and
    UTM 48N/49N), None when it is no position."""
    text = text.strip()
    if m := _DECIMAL.fullmatch(text):
        return [_decimal(float(m[1]), float(m[2]), text)]
    if m := _COMMA_DECIMAL.fullmatch(text):
        return [_decimal(float(m[1].replace(",", ".")), float(m[2].replace(",", ".")), text)]
    if m := _XY.fullmatch(text):
        return _vn2000(float(m[1].replace(",", ".")), float(m[2].replace(",", ".")), m[3], tm3_zone)
    if _DMS_MARKS.search(text) and re.search(r"\d", text):
        lon, lat = parse_dms(text)
        return [Candidate(lon, lat, "dms")]
    return None

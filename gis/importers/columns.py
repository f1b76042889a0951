"""Column names in Vietnamese or English → the project's attribute names, through the vocabulary.

The aliases are data (``data/vocabulary/columns.csv``, domain ``column``): "Tên", "ten", "TEN" and
"name" all become ``name`` ("Tên ấp" becomes ``hamlet_name``); coordinate columns (lat/lon/x/y/wkt)
are recognised separately; anything else is reported as unrecognised.
"""

from __future__ import annotations

import functools
from pathlib import Path

from gis.problems import Problem
from gis.vocabulary import Vocabulary, fold_key, read_terms

__all__ = [
    "VOCABULARY_DIR",
    "column_key",
    "canonical",
    "default_vocabulary",
    "LAT_KEYS",
    "LON_KEYS",
    "X_KEYS",
    "Y_KEYS",
    "WKT_KEYS",
    "COORDINATE_NAMES",
    "unrecognised",
]

VOCABULARY_DIR = Path(__file__).resolve().parents[2] / "data" / "vocabulary"

LAT_KEYS = ("lat", "latitude", "vi_do", "vido", "lat_wgs84", "y_wgs84")
LON_KEYS = ("lon", "lng", "long", "longitude", "kinh_do", "kinhdo", "lon_wgs84", "x_wgs84")
X_KEYS = ("x", "toa_do_x", "easting", "x_vn2000", "e")
Y_KEYS = ("y", "toa_do_y", "northing", "y_vn2000", "n")
COORDINATE_NAMES = ("Kinh độ", "Vĩ độ")  # how a refusal names the longitude/latitude columns it expected
WKT_KEYS = ("wkt", "geometry", "geom", "the_geom", "hinh_hoc")


@functools.cache
def default_vocabulary() -> Vocabulary:
    """The vocabulary of the files in ``data/vocabulary/*.csv`` (column names, coded values,
    organisations), read once. Planner-added terms are layered on top by the application."""
    return Vocabulary(term for path in sorted(VOCABULARY_DIR.glob("*.csv")) for term in read_terms(path))


def column_key(header: str) -> str:
    """'Độ cao (m)' → 'do_cao_m': folded, non-alphanumerics collapsed to '_'."""
    return fold_key(header)


def canonical(header: str, vocabulary: Vocabulary | None = None, target: str | None = None) -> str | None:
    """The project attribute a column header stands for, or None when unrecognised.

    A header may mean something else in one target's files: "Mã tuyến cống" is a duct route's own
    code in a ducts file, the route a manhole lies on in a manholes file (domain ``column.manholes``).
    """
    vocabulary = vocabulary or default_vocabulary()
    own = vocabulary.resolve(f"column.{target}", header) if target else None
    return own or vocabulary.resolve("column", header)


def unrecognised(source: str, unknown: list[tuple[str, str | None]]) -> tuple[list[str], list[Problem]]:
    """The unrecognised columns of ``source`` (``(header, the column first read as the same field
    or None)``, in file order) as the report's mapping lists them, and their warnings."""
    shown = [h if first is None else f"{h} (same meaning as {first})" for h, first in unknown]
    plain = [h for h, first in unknown if first is None]
    warnings = [Problem("columns.unrecognised", source=source, params={"columns": plain})] if plain else []
    warnings += [
        Problem("columns.same_meaning", source=source, params={"column": h, "first": first})
        for h, first in unknown
        if first is not None
    ]
    return shown, warnings

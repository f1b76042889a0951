"""The deployment's region: the top-level admin units (level 'province') in force on a day.

The region is data, never code: one province until a reform, several former provinces merged
into one city after it (each in force over its own period). Titles, the map's first view, the
"outside the province" checks and the exports' metadata read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import orjson
from shapely import wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

from app.errors import NotFound
from app.layer_types import IN_FORCE_ON
from app.services.reports.periods import today
from app.settings import get_settings
from gis.problems import Problem

__all__ = [
    "Region",
    "RegionUnit",
    "in_region_sql",
    "region_geometry",
    "region_on",
    "vn2000_crs",
]

# The kind of a top-level unit in English (Vietnamese is the data's own word).
_KIND_EN = {"tỉnh": "province", "thành phố": "city"}
# The outline's tolerance in degrees (~100 m): the map's background and offline outline.
OUTLINE_TOLERANCE_DEG = 0.001
_TOP = "r.level = 'province' AND " + IN_FORCE_ON.format(a="r", day=":day")


@dataclass(frozen=True)
class RegionUnit:
    code: str
    name: str  # as stored, with its kind: "Tỉnh A"
    kind: str | None  # "Tỉnh", "Thành phố"

    @property
    def bare_name(self) -> str:
        """The name without its kind: "A"."""
        kind = (self.kind or "").strip()
        if kind and self.name.lower().startswith(kind.lower() + " "):
            return self.name[len(kind) + 1 :]
        return self.name

    @property
    def display_vi(self) -> str:
        """As a title says it: "tỉnh A" (the kind in lower case)."""
        kind = (self.kind or "").strip()
        return f"{kind.lower()} {self.bare_name}" if kind else self.name

    @property
    def display_en(self) -> str:
        """In English: "A province"; a kind without an English word is left out."""
        kind = _KIND_EN.get((self.kind or "").strip().lower())
        return f"{self.bare_name} {kind}" if kind else self.bare_name


def _joined(parts: list[str], conjunction: str) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" {conjunction} " + parts[-1]


@dataclass(frozen=True)
class Region:
    day: date
    units: tuple[RegionUnit, ...]  # by code
    bbox: tuple[float, float, float, float]  # lon/lat: min x, min y, max x, max y
    centre: tuple[float, float]  # lon, lat: a point inside the region
    outline: dict | None = None  # simplified GeoJSON geometry, when asked for

    @property
    def codes(self) -> list[str]:
        return [u.code for u in self.units]

    @property
    def name(self) -> str:
        """The units' names: "Tỉnh A"; several joined: "Tỉnh A, Tỉnh B và Thành phố C"."""
        return _joined([u.name for u in self.units], "và")

    @property
    def display_vi(self) -> str:
        return _joined([u.display_vi for u in self.units], "và")

    @property
    def display_en(self) -> str:
        return _joined([u.display_en for u in self.units], "and")


def _no_region(day: date) -> NotFound:
    return NotFound(reasons=[Problem("region.none_in_force", "date", params={"date": day.isoformat()})])


def region_on(conn: Connection, day: date | None = None, *, outline: bool = False) -> Region:
    """The region in force on ``day`` (default today); NotFound when no top-level unit is."""
    day = day or today()
    units = conn.execute(
        text(f"SELECT r.code, r.name, r.kind FROM admin_units r WHERE {_TOP} ORDER BY r.code"),
        {"day": day},
    ).all()
    if not units:
        raise _no_region(day)
    # Extent and inner point without a union (three provinces' detailed outlines take a while to
    # merge): the point lies on the largest unit. The outline, when asked, is the merged one.
    shape = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), ST_X(c), ST_Y(c), "
            "CASE WHEN :outline THEN (SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(ST_Union(r.geom), "
            f":tolerance), 5) FROM admin_units r WHERE {_TOP}) END FROM ("
            f"SELECT ST_Extent(r.geom) AS e FROM admin_units r WHERE {_TOP}) AS x, ("
            f"SELECT ST_PointOnSurface(r.geom) AS c FROM admin_units r WHERE {_TOP} "
            "ORDER BY ST_Area(r.geom) DESC, r.code LIMIT 1) AS y"
        ),
        {"day": day, "outline": outline, "tolerance": OUTLINE_TOLERANCE_DEG},
    ).one()
    return Region(
        day=day,
        units=tuple(RegionUnit(*u) for u in units),
        bbox=tuple(round(v, 6) for v in shape[:4]),
        centre=(round(shape[4], 6), round(shape[5], 6)),
        outline=orjson.loads(shape[6]) if shape[6] else None,
    )


def region_geometry(conn: Connection, day: date | None = None) -> BaseGeometry | None:
    """The union of the region's units in force on ``day`` (default today); None when none is."""
    raw = conn.execute(
        text(f"SELECT ST_AsBinary(ST_Union(r.geom)) FROM admin_units r WHERE {_TOP}"),
        {"day": day or today()},
    ).scalar()
    return None if raw is None else wkb.loads(bytes(raw))


def vn2000_crs(conn: Connection, day: date | None = None) -> str | None:
    """The VN-2000 projection bare easting/northing are read in: the setting VN2000_CRS, else the one
    zone the region's units in force on ``day`` share (their data); None when neither names one (or
    merged units keep different zones): the CRS must then be named, never guessed."""
    chosen = get_settings().vn2000_crs
    if chosen:
        return chosen
    zones = (
        conn.execute(
            text(
                f"SELECT DISTINCT r.vn2000_crs FROM admin_units r WHERE {_TOP} AND r.vn2000_crs IS NOT NULL"
            ),
            {"day": day or today()},
        )
        .scalars()
        .all()
    )
    return zones[0] if len(zones) == 1 else None


def in_region_sql(geom: str, day: str = ":day") -> str:
    """SQL: ``geom`` touches one of the region's units in force on ``day`` (an SQL expression)."""
    return (
        "EXISTS (SELECT 1 FROM admin_units r WHERE r.level = 'province' AND "
        + IN_FORCE_ON.format(a="r", day=day)
        + f" AND ST_Intersects(r.geom, {geom}))"
    )

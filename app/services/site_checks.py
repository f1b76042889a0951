"""Spatial checks of a registration, done by PostGIS: in the region in force, where (urban or rural),
another site too close, shareable structures nearby. Shared by the form and the bulk import."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import Connection, text

from app.errors import NotFound, Unprocessable
from app.layer_types import IN_FORCE_ON
from app.services.region import in_region_sql, region_on, vn2000_crs
from app.services.reports.periods import today
from app.services.scope import EVERYTHING, Scope
from app.settings import get_settings
from gis.coordinates import PositionError, from_vn2000, parse_dms, swapped_hint
from gis.problems import Problem

# Structures that stand (or will): a rejected or decommissioned site blocks nothing.
STANDING = ("proposed", "approved", "active")
_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
_IN_FORCE_H = IN_FORCE_ON.format(a="h", day=":day")
_IN_FORCE_C = IN_FORCE_ON.format(a="c", day=":day")


def region_bounds(conn: Connection, day: date | None = None) -> tuple[float, float, float, float] | None:
    """The extent of the region in force on ``day`` (default today), None when none is loaded."""
    try:
        return region_on(conn, day).bbox
    except NotFound:
        return None


def place_of(conn: Connection, lon: float, lat: float, day: date | None = None) -> dict | None:
    """The hamlet, commune and district in force on ``day`` (default today) at a point (None outside
    every commune), and whether the commune is a town ward (phường / thị trấn), where structures
    stand closer together."""
    row = conn.execute(
        text(
            "SELECT h.code AS hamlet_code, h.name AS hamlet_name, c.code AS commune_code, c.name AS commune_name, "
            "c.urban, d.code AS district_code, d.name AS district_name "
            "FROM admin_units c JOIN admin_units d ON d.id = c.parent_id "
            f"LEFT JOIN admin_units h ON h.parent_id = c.id AND h.level = 'hamlet' AND {_IN_FORCE_H} "
            f"AND ST_Intersects(h.geom, {_POINT}) "
            f"WHERE c.level = 'commune' AND {_IN_FORCE_C} AND ST_Intersects(c.geom, {_POINT}) LIMIT 1"
        ),
        {"lon": lon, "lat": lat, "day": day or today()},
    ).first()
    return None if row is None else dict(row._mapping)


def in_region(conn: Connection, lon: float, lat: float, day: date | None = None) -> bool:
    """Whether a point lies in the region (the union of its top-level units) in force on ``day``."""
    return conn.execute(
        text(f"SELECT {in_region_sql(_POINT)}"), {"lon": lon, "lat": lat, "day": day or today()}
    ).scalar_one()


def share_radius_m(place: dict | None) -> float:
    s = get_settings()
    return s.share_radius_urban_m if place and place.get("urban") else s.share_radius_rural_m


def sites_within(
    conn: Connection, lon: float, lat: float, radius_m: float, exclude_id: int | None = None
) -> list[dict]:
    """Standing sites within ``radius_m`` of a point, nearest first."""
    rows = conn.execute(
        text(
            "SELECT s.id, s.code, o.short_name AS owner, s.status, s.structure_type, "
            f"round(ST_Distance(s.geom::geography, {_POINT}::geography)::numeric, 1)::float8 AS distance_m "
            "FROM sites s JOIN operators o ON o.id = s.owner_id "
            f"WHERE ST_DWithin(s.geom::geography, {_POINT}::geography, :r) AND s.status = ANY(:standing) "
            "AND s.id IS DISTINCT FROM :exclude ORDER BY distance_m, s.code"
        ),
        {"lon": lon, "lat": lat, "r": radius_m, "standing": list(STANDING), "exclude": exclude_id},
    )
    return [dict(r._mapping) for r in rows]


def sharing_candidates(
    conn: Connection,
    lon: float,
    lat: float,
    owner_id: int | None,
    radius_m: float,
    exclude_id: int | None = None,
    scope: Scope = EVERYTHING,
) -> list[dict]:
    """Other operators' approved or active sites within ``radius_m`` that accept tenants (and lie in
    ``scope``: a limited official's district)."""
    inside, params = scope.in_district("s.geom")
    rows = conn.execute(
        text(
            "SELECT s.code, o.short_name AS owner, s.structure_type, s.height_m, s.rent_vnd_month, s.status, "
            f"round(ST_Distance(s.geom::geography, {_POINT}::geography)::numeric, 1)::float8 AS distance_m, "
            "ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, "
            "(SELECT string_agg(op.short_name, ',' ORDER BY op.short_name) FROM site_tenancies t "
            " JOIN operators op ON op.id = t.operator_id WHERE t.site_id = s.id) AS tenants "
            "FROM sites s JOIN operators o ON o.id = s.owner_id "
            f"WHERE ST_DWithin(s.geom::geography, {_POINT}::geography, :r) AND s.accepts_tenants "
            "AND s.status IN ('approved', 'active') AND s.owner_id IS DISTINCT FROM :owner "
            f"AND s.id IS DISTINCT FROM :exclude AND {inside} ORDER BY distance_m, s.code"
        ),
        {**params, "lon": lon, "lat": lat, "r": radius_m, "owner": owner_id, "exclude": exclude_id},
    )
    return [dict(r._mapping) for r in rows]


def spacing_problem(other: dict, spacing_m: float, scope: Scope = EVERYTHING) -> Problem:
    """Why a place is refused. Another company's site awaiting approval blocks it too, but stays that
    company's secret: neither its code, owner nor distance is told."""
    if not scope.sees_site(other["owner"], other["status"]):
        return Problem("site.too_close_unseen", "position", params={"spacing": spacing_m})
    seen = {k: other[k] for k in ("code", "owner", "status")}
    return Problem(
        "site.too_close", "position", params={**seen, "distance": other["distance_m"], "spacing": spacing_m}
    )


def spacing_details(other: dict, scope: Scope = EVERYTHING) -> dict:
    """The refused answer's `site` (the one too close), when ``scope`` may see it."""
    return {"site": other} if scope.sees_site(other["owner"], other["status"]) else {}


def sharing_problem(candidates: list[dict], radius_m: float) -> Problem:
    """Shareable structures nearby: a new one needs its reason (the answer lists them in full)."""
    sites = [f"{c['code']} ({c['owner']}, {c['distance_m']:g} m)" for c in candidates[:5]]
    return Problem(
        "site.sharing_first",
        "new_structure_reason",
        params={"count": len(candidates), "radius": radius_m, "sites": sites},
    )


def _crs_of(conn: Connection, position, field: str, day: date | None) -> str:
    """The VN-2000 projection of typed easting/northing: the one named, else the region's zone; a 422
    when neither names one (a TM-3 zone guessed wrong moves a point by tens of kilometres)."""
    crs = position.crs or vn2000_crs(conn, day)
    if crs is None:
        raise Unprocessable(reasons=[Problem("position.crs_required", field)])
    return crs


def resolve_position(
    conn: Connection, position, field: str = "position", day: date | None = None
) -> tuple[float, float, dict]:
    """A typed position (schemas_registry.Position) → (lon, lat, place) inside the region in force on
    ``day`` (default today: a new registration), or a 422 naming the field — with the swapped pair
    offered when latitude and longitude look swapped."""
    try:
        if position.dms is not None:
            lon, lat = parse_dms(position.dms)
        elif position.easting is not None:
            lon, lat = from_vn2000(position.easting, position.northing, _crs_of(conn, position, field, day))
        else:
            lon, lat = position.lon, position.lat
    except PositionError as exc:
        raise Unprocessable(reasons=[replace(exc.problem, field=field)]) from None
    bounds = region_bounds(conn, day)
    swap = swapped_hint(lon, lat, bounds) if bounds else None
    if swap is not None:
        given = {"lon": lon, "lat": lat, "swapped_lon": swap[0], "swapped_lat": swap[1]}
        raise Unprocessable(
            reasons=[Problem("position.swapped", field, params=given)],
            extra={"suggestion": {"lon": swap[0], "lat": swap[1]}},
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise Unprocessable(reasons=[Problem("position.not_lon_lat", field, params={"lon": lon, "lat": lat})])
    place = place_of(conn, lon, lat, day)
    # Outside the region's units; a point inside them but in no commune (a gap in the data) too,
    # since every record needs its place.
    if place is None or not in_region(conn, lon, lat, day):
        at = {"lon": round(lon, 6), "lat": round(lat, 6)}
        raise Unprocessable(reasons=[Problem("position.outside_province", field, params=at)])
    return lon, lat, place

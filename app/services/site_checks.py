"""Spatial checks of a registration, done by PostGIS: in the province, where (urban or rural),
another site too close, shareable structures nearby. Shared by the form and the bulk import."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, text

from app.errors import Unprocessable
from app.services.scope import EVERYTHING, Scope
from app.settings import get_settings
from gis.coordinates import PositionError, from_vn2000, parse_dms, swapped_hint
from gis.problems import Problem

# Structures that stand (or will): a rejected or decommissioned site blocks nothing.
STANDING = ("proposed", "approved", "active")
_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"


def province_bounds(conn: Connection) -> tuple[float, float, float, float] | None:
    row = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e "
            "FROM admin_units WHERE level = 'province' AND valid_to IS NULL) x"
        )
    ).first()
    return None if row is None or row[0] is None else tuple(row)


def place_of(conn: Connection, lon: float, lat: float) -> dict | None:
    """The hamlet, commune and district at a point (None outside the province), and whether the
    commune is a town ward (phường / thị trấn), where structures stand closer together."""
    row = conn.execute(
        text(
            "SELECT h.code AS hamlet_code, h.name AS hamlet_name, c.code AS commune_code, c.name AS commune_name, "
            "c.urban, d.code AS district_code, d.name AS district_name "
            "FROM admin_units c JOIN admin_units d ON d.id = c.parent_id "
            "LEFT JOIN admin_units h ON h.parent_id = c.id AND h.level = 'hamlet' AND h.valid_to IS NULL "
            f"AND ST_Intersects(h.geom, {_POINT}) "
            f"WHERE c.level = 'commune' AND c.valid_to IS NULL AND ST_Intersects(c.geom, {_POINT}) LIMIT 1"
        ),
        {"lon": lon, "lat": lat},
    ).first()
    return None if row is None else dict(row._mapping)


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


def resolve_position(conn: Connection, position, field: str = "position") -> tuple[float, float, dict]:
    """A typed position (schemas_registry.Position) → (lon, lat, place) inside the province, or a 422
    naming the field — with the swapped pair offered when latitude and longitude look swapped."""
    try:
        if position.dms is not None:
            lon, lat = parse_dms(position.dms)
        elif position.easting is not None:
            lon, lat = from_vn2000(position.easting, position.northing, position.crs)
        else:
            lon, lat = position.lon, position.lat
    except PositionError as exc:
        raise Unprocessable(reasons=[replace(exc.problem, field=field)]) from None
    bounds = province_bounds(conn)
    swap = swapped_hint(lon, lat, bounds) if bounds else None
    if swap is not None:
        given = {"lon": lon, "lat": lat, "swapped_lon": swap[0], "swapped_lat": swap[1]}
        raise Unprocessable(
            reasons=[Problem("position.swapped", field, params=given)],
            extra={"suggestion": {"lon": swap[0], "lat": swap[1]}},
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise Unprocessable(reasons=[Problem("position.not_lon_lat", field, params={"lon": lon, "lat": lat})])
    place = place_of(conn, lon, lat)
    if place is None:
        at = {"lon": round(lon, 6), "lat": round(lat, 6)}
        raise Unprocessable(reasons=[Problem("position.outside_province", field, params=at)])
    return lon, lat, place

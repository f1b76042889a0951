"""The layers we publish (OGC API collections and vector-tile layers), declared once.

Each collection is a SQL source selecting `fid` (the public feature id), its properties and
`geom` (EPSG:4326). Filters are named query parameters mapped to SQL on the source's columns,
always with bound values. `located` sources get the commune and district they lie in (in force
today): read as triggers keep them while they hold, else looked up per row (app/services/features.py).
"""

from app.collections_challenges import CHALLENGES
from app.collections_results import HAMLET_COVERAGE_PROPERTIES, RESULT_COLLECTIONS
from app.errors import not_found
from app.layer_types import (
    DRAFT,
    IN_FORCE,
    IN_FORCE_ON,
    LOCATION_FILTERS,
    UNAPPROVED_SQL,
    Collection,
    Filter,
    eq,
    in_list,
)

__all__ = [
    "COLLECTIONS",
    "IN_FORCE",
    "PUBLIC",
    "STORED_LOCATION_SOURCES",
    "Collection",
    "Filter",
    "get_collection",
    "is_public",
    "shown_to",
]

# What anonymous visitors may see: boundaries and computed coverage, never infrastructure
# details (site positions, owners, offices' network links or individual measurements).
PUBLIC = frozenset({"districts", "communes", "hamlets", "coverage", "dead_zones", "ftth_gaps", "challenges"})

# Where the map writes a unit's name: a point surely inside it (an L- or C-shaped unit's bbox centre or
# centroid may lie outside it, in a neighbour), ~1 m precision.
_LABEL_POINT = (
    "round(ST_X(ST_PointOnSurface(a.geom))::numeric, 5)::float8 AS label_lon, "
    "round(ST_Y(ST_PointOnSurface(a.geom))::numeric, 5)::float8 AS label_lat"
)
_LABEL_PROPERTIES = {"label_lon": "number", "label_lat": "number"}

_ADMIN_COLUMNS = (
    "a.code AS fid, a.code, a.name, a.kind, a.population, a.households, "
    "round(a.area_km2::numeric, 3)::float8 AS area_km2, " + _LABEL_POINT
)

# The admin units in force on `{day}` (an SQL expression: CURRENT_DATE, or a bound day).
_IN_FORCE_DAY = IN_FORCE_ON.format(a="a", day="{day}")
_DISTRICTS = (
    f"SELECT {_ADMIN_COLUMNS}, a.geom FROM admin_units a WHERE a.level = 'district' AND {_IN_FORCE_DAY}"
)
_COMMUNES = (
    f"SELECT {_ADMIN_COLUMNS}, d.code AS district_code, d.name AS district_name, a.geom "
    "FROM admin_units a JOIN admin_units d ON d.id = a.parent_id "
    f"WHERE a.level = 'commune' AND {_IN_FORCE_DAY}"
)
# What the hamlets layer shows (commune, district, label point, coverage shares, per-operator shares)
# is kept per hamlet version by migration 0033's triggers: a tile reads one table.
_HAMLETS = (
    "SELECT a.code AS fid, a.code, a.name, a.kind, a.population, a.households, a.area_km2, a.label_lon, "
    "a.label_lat, a.commune_code, a.commune_name, a.district_code, a.mbb_share, a.mbb_covered, a.ftth_share, "
    "a.ftth_covered, a.dead_zone_population, a.no_signal_share, a.legacy_only_share, a.single_operator_share, "
    f"a.mbb_share_by_operator, a.geom FROM hamlet_features a WHERE {_IN_FORCE_DAY}"
)

# What the sites, poles and ducts layers show, read from migration 0029's side tables.
_SITE_COLUMNS = (
    "s.code AS fid, s.code, s.structure_type, s.height_m, s.owner, s.status, s.permit_no, "
    "s.commissioned_on, s.accepts_tenants, s.rent_vnd_month, s.operators, s.tenant_count, s.shared, "
    "s.technologies"
)
_POLE_COLUMNS = "p.code AS fid, p.code, p.owner, p.material, p.height_m, p.operators, p.attachment_count, p.shared, p.cables"
_DUCT_COLUMNS = (
    "r.code AS fid, r.code, r.name, r.owner, r.duct_count, r.free_duct_count, r.used_duct_count, "
    "r.subduct_count, r.length_m, r.stated_length_m, r.operators, r.occupant_count, r.shared"
)
# What the cells, manholes, access points, tall structures and speed tests layers show, and where
# they read it from (the stored-location variant of each joins its kept codes).
_CELL_COLUMNS = (
    "c.code AS fid, c.code, s.code AS site_code, o.short_name AS operator, c.technology, c.band_mhz, "
    "c.azimuth_deg, c.beamwidth_deg, c.tilt_mech_deg, c.tilt_elec_deg, c.antenna_height_m, c.eirp_dbm, s.status"
)
_CELL_FROM = "cells c JOIN {sites} s ON s.id = c.site_id JOIN operators o ON o.id = c.operator_id"
_MANHOLE_COLUMNS = "m.code AS fid, m.code, o.short_name AS owner, r.code AS duct_code"
_MANHOLE_FROM = (
    "manholes m JOIN operators o ON o.id = m.owner_id LEFT JOIN duct_routes r ON r.id = m.duct_route_id"
)
_ACCESS_POINT_COLUMNS = (
    "f.code AS fid, f.code, o.short_name AS operator, f.kind, f.ports_total, f.ports_used, "
    "f.service_radius_m, f.status"
)
_ACCESS_POINT_FROM = "fibre_access_points f JOIN operators o ON o.id = f.operator_id"
# The owner and address as the commune's or the power company's file gave them.
_TALL_COLUMNS = "t.code AS fid, t.code, t.name, t.kind, t.height_m, t.owner, t.address, t.in_service_from, t.in_service_to"
_SPEED_TEST_COLUMNS = (
    "t.code AS fid, t.code, t.measured_at, o.short_name AS operator, t.technology, t.download_mbps, "
    "t.upload_mbps, t.latency_ms, t.rsrp_dbm"
)
_SPEED_TEST_FROM = "speed_tests t LEFT JOIN operators o ON o.id = t.operator_id"
_KEPT = ", l.commune_code, l.district_code, {a}.geom FROM {source} JOIN {table} l ON l.id = {a}.id"

# The same, with the commune and district each feature lies in as the side tables keep them
# (migrations 0030, 0034; valid while `feature_locations_state` says so: app/services/features.py).
# A cell lies where its site does: it reads its site's.
STORED_LOCATION_SOURCES = {
    "sites": f"SELECT {_SITE_COLUMNS}, s.commune_code, s.district_code, s.geom FROM site_features s",
    "cells": f"SELECT {_CELL_COLUMNS}, s.commune_code, s.district_code, s.geom FROM "
    + _CELL_FROM.format(sites="site_features"),
    "poles": f"SELECT {_POLE_COLUMNS}, p.commune_code, p.district_code, p.geom FROM pole_features p",
    "ducts": f"SELECT {_DUCT_COLUMNS}, r.commune_code, r.district_code, r.geom FROM duct_features r",
    "manholes": f"SELECT {_MANHOLE_COLUMNS}"
    + _KEPT.format(a="m", source=_MANHOLE_FROM, table="manhole_locations"),
    "fibre_access_points": f"SELECT {_ACCESS_POINT_COLUMNS}"
    + _KEPT.format(a="f", source=_ACCESS_POINT_FROM, table="fibre_access_point_locations"),
    "tall_structures": f"SELECT {_TALL_COLUMNS}"
    + _KEPT.format(a="t", source="tall_structures t", table="tall_structure_locations"),
    "speed_tests": f"SELECT {_SPEED_TEST_COLUMNS}"
    + _KEPT.format(a="t", source=_SPEED_TEST_FROM, table="speed_test_locations"),
}


def _today(dated: str) -> str:
    return dated.replace("{day}", "CURRENT_DATE")


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in [
        Collection(
            "districts",
            "Huyện, thị xã, thành phố",
            "Districts",
            "MultiPolygon",
            _today(_DISTRICTS),
            {
                "code": "string",
                "name": "string",
                "kind": "string",
                "population": "integer",
                "households": "integer",
                "area_km2": "number",
                **_LABEL_PROPERTIES,
            },
            district_sql="{a}.code = :scope_district",
            dated_source=_DISTRICTS,
        ),
        Collection(
            "communes",
            "Xã, phường, thị trấn",
            "Communes",
            "MultiPolygon",
            _today(_COMMUNES),
            {
                "code": "string",
                "name": "string",
                "kind": "string",
                "district_code": "string",
                "district_name": "string",
                "population": "integer",
                "households": "integer",
                "area_km2": "number",
                **_LABEL_PROPERTIES,
            },
            {"district": eq("district_code", description="district code")},
            dated_source=_COMMUNES,
        ),
        Collection(
            "hamlets",
            "Ấp, khu vực",
            "Hamlets",
            "MultiPolygon",
            _today(_HAMLETS),
            {
                "code": "string",
                "name": "string",
                "kind": "string",
                "commune_code": "string",
                "commune_name": "string",
                "district_code": "string",
                "population": "integer",
                "households": "integer",
                "area_km2": "number",
                **_LABEL_PROPERTIES,
                **HAMLET_COVERAGE_PROPERTIES,
            },
            {
                **LOCATION_FILTERS,
                "mbb_covered": eq("mbb_covered", "boolean"),
                "ftth_covered": eq("ftth_covered", "boolean"),
            },
            dated_source=_HAMLETS,
        ),
        Collection(
            "sites",
            "Trạm BTS",
            "BTS sites",
            "Point",
            # What a site shows (owner's and tenants' short names, cells' technologies) is kept per
            # site by migration 0029's triggers: a tile reads one table.
            f"SELECT {_SITE_COLUMNS}, s.geom FROM site_features s",
            {
                "code": "string",
                "structure_type": "string",
                "height_m": "number",
                "owner": "string",
                "status": "string",
                "permit_no": "string",
                "commissioned_on": "date",
                "accepts_tenants": "boolean",
                "rent_vnd_month": "integer",
                "operators": "string",
                "tenant_count": "integer",
                "shared": "boolean",
                "technologies": "string",
            },
            {
                "operator": Filter(
                    ":v = ANY(string_to_array(operators, ',')) OR owner = :v",
                    description="owner or tenant operator (short name)",
                ),
                "owner": eq("owner"),
                "technology": in_list("technologies", "has a cell of this technology (2G/3G/4G/5G)"),
                "status": eq("status"),
                "structure_type": eq("structure_type"),
                "shared": eq("shared", "boolean", "two or more tenant operators"),
                **LOCATION_FILTERS,
            },
            located=True,
            unapproved_owner_sql=f"CASE WHEN {{a}}.status IN {UNAPPROVED_SQL} THEN {{a}}.owner END",
            draft_owner_sql=f"CASE WHEN {{a}}.status = '{DRAFT}' THEN {{a}}.owner END",
            is_draft_sql=f"{{a}}.status = '{DRAFT}'",
            temporal="commissioned_on",
        ),
        Collection(
            "cells",
            "Ô phủ sóng (cell)",
            "Cells",
            "Point",
            f"SELECT {_CELL_COLUMNS}, s.geom FROM " + _CELL_FROM.format(sites="sites"),
            {
                "code": "string",
                "site_code": "string",
                "operator": "string",
                "technology": "string",
                "band_mhz": "integer",
                "azimuth_deg": "number",
                "beamwidth_deg": "number",
                "tilt_mech_deg": "number",
                "tilt_elec_deg": "number",
                "antenna_height_m": "number",
                "eirp_dbm": "number",
                "status": "string",
            },
            {
                "operator": eq("operator"),
                "technology": eq("technology"),
                "band_mhz": eq("band_mhz", "integer"),
                "status": eq("status", description="status of the cell's site"),
                "site": eq("site_code"),
                **LOCATION_FILTERS,
            },
            located=True,
            unapproved_owner_sql="(SELECT o.short_name FROM sites s JOIN operators o ON o.id = s.owner_id "
            f"WHERE s.code = {{a}}.site_code AND s.status IN {UNAPPROVED_SQL})",
            draft_owner_sql="(SELECT o.short_name FROM sites s JOIN operators o ON o.id = s.owner_id "
            f"WHERE s.code = {{a}}.site_code AND s.status = '{DRAFT}')",
            is_draft_sql=f"{{a}}.status = '{DRAFT}'",  # the cell's site's status
        ),
        Collection(
            "poles",
            "Cột treo cáp",
            "Cable poles",
            "Point",
            # The attachments (operators, and each one's cables as operators write them,
            # "VNPT:1;Viettel:2": the importer reads it back, so an exported survey keeps its cable
            # counts), kept per pole by migration 0029's triggers.
            f"SELECT {_POLE_COLUMNS}, p.geom FROM pole_features p",
            {
                "code": "string",
                "owner": "string",
                "material": "string",
                "height_m": "number",
                "operators": "string",
                "attachment_count": "integer",
                "shared": "boolean",
                "cables": "string",
            },
            {
                "operator": in_list("operators", "an operator with cables attached"),
                "owner": eq("owner"),
                "material": eq("material"),
                "shared": eq("shared", "boolean"),
                **LOCATION_FILTERS,
            },
            located=True,
        ),
        Collection(
            "ducts",
            "Tuyến cống bể cáp",
            "Duct routes",
            "LineString",
            # The name, free ducts and stated length are the owner's file's, NULL when it gave none;
            # the ducts in use follow from the free ones (and are unknown without them). Occupants
            # kept per route by migration 0029's triggers.
            f"SELECT {_DUCT_COLUMNS}, r.geom FROM duct_features r",
            {
                "code": "string",
                "name": "string",
                "owner": "string",
                "duct_count": "integer",
                "free_duct_count": "integer",
                "used_duct_count": "integer",
                "subduct_count": "integer",
                "length_m": "number",
                "stated_length_m": "number",
                "operators": "string",
                "occupant_count": "integer",
                "shared": "boolean",
            },
            {
                "operator": in_list("operators", "an operator occupying the route"),
                "owner": eq("owner"),
                "shared": eq("shared", "boolean"),
                **LOCATION_FILTERS,
            },
            located=True,
        ),
        Collection(
            "manholes",
            "Hố ga, bể cáp",
            "Manholes",
            "Point",
            f"SELECT {_MANHOLE_COLUMNS}, m.geom FROM {_MANHOLE_FROM}",
            {"code": "string", "owner": "string", "duct_code": "string"},
            {"owner": eq("owner"), "duct": eq("duct_code"), **LOCATION_FILTERS},
            located=True,
        ),
        Collection(
            "fibre_access_points",
            "Điểm truy nhập cáp quang (FTTH)",
            "Fibre access points",
            "Point",
            f"SELECT {_ACCESS_POINT_COLUMNS}, f.geom FROM {_ACCESS_POINT_FROM}",
            {
                "code": "string",
                "operator": "string",
                "kind": "string",
                "ports_total": "integer",
                "ports_used": "integer",
                "service_radius_m": "number",
                "status": "string",
            },
            {"operator": eq("operator"), "status": eq("status"), "kind": eq("kind"), **LOCATION_FILTERS},
            located=True,
        ),
        Collection(
            "commune_offices",
            "UBND cấp xã",
            "Commune offices",
            "Point",
            "SELECT u.code AS fid, u.code, u.name, c.code AS commune_code, c.name AS commune_name, "
            "d.code AS district_code, u.gov_network_connected, u.bandwidth_mbps, u.connected_on, u.geom "
            "FROM commune_offices u JOIN admin_units c ON c.id = u.commune_id "
            "JOIN admin_units d ON d.id = c.parent_id",
            {
                "code": "string",
                "name": "string",
                "commune_code": "string",
                "commune_name": "string",
                "district_code": "string",
                "gov_network_connected": "boolean",
                "bandwidth_mbps": "number",
                "connected_on": "date",
            },
            {"connected": eq("gov_network_connected", "boolean"), **LOCATION_FILTERS},
            temporal="connected_on",
        ),
        Collection(
            "tall_structures",
            "Công trình cao (tháp nước, nhà cao tầng, cột điện …)",
            "Tall structures",
            "Point",
            f"SELECT {_TALL_COLUMNS}, t.geom FROM tall_structures t",
            {
                "code": "string",
                "name": "string",
                "kind": "string",
                "height_m": "number",
                "owner": "string",
                "address": "string",
                "in_service_from": "date",
                "in_service_to": "date",
            },
            {"kind": eq("kind"), "owner": eq("owner"), **LOCATION_FILTERS},
            located=True,
        ),
        Collection(
            "speed_tests",
            "Đo tốc độ",
            "Speed tests",
            "Point",
            f"SELECT {_SPEED_TEST_COLUMNS}, t.geom FROM {_SPEED_TEST_FROM}",
            {
                "code": "string",
                "measured_at": "date-time",
                "operator": "string",
                "technology": "string",
                "download_mbps": "number",
                "upload_mbps": "number",
                "latency_ms": "number",
                "rsrp_dbm": "number",
            },
            {"operator": eq("operator"), "technology": eq("technology"), **LOCATION_FILTERS},
            located=True,
            temporal="measured_at",
        ),
        *RESULT_COLLECTIONS,
        CHALLENGES,
    ]
}


def get_collection(collection_id: str, logged_in: bool = False) -> Collection:
    """The collection; an unknown id is a 404 naming only those the caller may see."""
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        known = ", ".join(c.id for c in shown_to(logged_in))
        raise not_found("notfound.collection", id=collection_id, known=known) from None


def is_public(collection: Collection) -> bool:
    return collection.id in PUBLIC


def shown_to(logged_in: bool) -> list[Collection]:
    """The collections a visitor sees: anonymous visitors the public ones only."""
    return [c for c in COLLECTIONS.values() if logged_in or is_public(c)]

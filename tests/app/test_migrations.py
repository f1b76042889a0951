"""Alembic migrations, up and down, on a database of their own."""

import re

from sqlalchemy import inspect, text

from app import dbadmin
from app.db import new_engine
from tests.conftest import SHARED

TABLES = {
    "admin_units",
    "operators",
    "sites",
    "site_tenancies",
    "cells",
    "poles",
    "pole_attachments",
    "duct_routes",
    "duct_occupancy",
    "manholes",
    "fibre_access_points",
    "commune_offices",
    "speed_tests",
    "statistics",
    "indicators",
    # 0006: the dashboard
    "indicator_target_history",
    "closed_periods",
    "indicator_snapshots",
    "hamlet_snapshots",
    "office_snapshots",
    "period_maps",
    # 0010: the planners' vocabulary
    "vocabulary_terms",
    # 0012: import profiles
    "import_profiles",
    # 0013: who issues the report and to whom, in force by date
    "bodies",
    # 0014: which old admin units formed each new one
    "admin_lineage",
}
GEOMETRY_TABLES = {
    "admin_units": ("MultiPolygon", 4326),
    "sites": ("Point", 4326),
    "poles": ("Point", 4326),
    "duct_routes": ("LineString", 4326),
    "manholes": ("Point", 4326),
    "fibre_access_points": ("Point", 4326),
    "commune_offices": ("Point", 4326),
    "speed_tests": ("Point", 4326),
}


def test_upgrade_creates_schema_with_typed_indexed_geometries(scratch_url):
    engine = new_engine(scratch_url)
    try:
        assert TABLES <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            cols = dict(
                (r[0], (r[1], r[2]))
                for r in conn.execute(text("SELECT f_table_name, type, srid FROM geometry_columns"))
            )
            for table, (gtype, srid) in GEOMETRY_TABLES.items():
                assert cols[table] == (gtype.upper(), srid)
                gist = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_indexes "
                        "WHERE tablename = :t AND indexdef ILIKE '%USING gist%'"
                    ),
                    {"t": table},
                ).scalar_one()
                assert gist == 1, table
            # An invalid (self-intersecting) polygon is refused by the validity check.
            bad = "SRID=4326;MULTIPOLYGON(((105 9,105.1 9.1,105.1 9,105 9.1,105 9)))"
            try:
                conn.execute(
                    text(
                        "INSERT INTO admin_units (level, code, name, name_folded, geom) "
                        "VALUES ('province', '93', 'x', 'x', ST_GeomFromEWKT(:g))"
                    ),
                    {"g": bad},
                )
                raise AssertionError("invalid polygon accepted")
            except Exception as exc:  # noqa: BLE001 - any integrity error will do
                assert "admin_units_geom_valid" in str(exc)
    finally:
        engine.dispose()


def test_targets_seeded_with_the_ids_of_targets_md(scratch_url):
    engine = new_engine(scratch_url)
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                text("SELECT indicator_id, target_value FROM plan_targets WHERE plan_code = 'HG-2023-2025'")
            ).all()
        )
        measures = conn.execute(text("SELECT count(*) FROM indicators")).scalar_one()
    engine.dispose()
    assert len(rows) == measures == 21
    assert rows["bts_site_sharing"] == 10 and rows["pole_sharing"] == 50 and rows["mobile_4g_speed"] == 70
    targets_md = SHARED / "plan" / "targets.md"
    if targets_md.exists():
        ids = set(re.findall(r"^\| ([a-z0-9_]+) \|", targets_md.read_text(encoding="utf-8"), re.M))
        assert ids - {"id"} == set(rows)


def test_downgrade_to_base_and_up_again(scratch_url):
    dbadmin.downgrade(scratch_url, "base")
    engine = new_engine(scratch_url)
    assert not TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
    dbadmin.upgrade(scratch_url)
    engine = new_engine(scratch_url)
    assert TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()

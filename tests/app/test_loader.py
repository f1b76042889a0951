"""The loader: the sample province as the files say, all-or-nothing, and real boundaries."""

import json
import shutil

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union
from sqlalchemy import create_engine, text

from app.services import loader
from app.services.loader import AdminRecord, LoadError, as_multipolygon
from tests.conftest import ROOT, SHARED

SAMPLE = ROOT / "data" / "hamlets"


def _features(name: str) -> list[dict]:
    return json.loads((SAMPLE / name).read_text(encoding="utf-8"))["features"]


def _scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_sample_counts_match_the_files(engine):
    for level, name in (("district", "districts"), ("commune", "communes"), ("hamlet", "hamlets")):
        n = _scalar(engine, f"SELECT count(*) FROM admin_units WHERE level = '{level}'")
        assert n == len(_features(f"{name}.geojson"))
    assert _scalar(engine, "SELECT count(*) FROM sites") == len(_features("sites.geojson"))
    tenancies = sum(len(set(f["properties"]["tenants"])) for f in _features("sites.geojson"))
    assert _scalar(engine, "SELECT count(*) FROM site_tenancies") == tenancies
    assert _scalar(engine, "SELECT count(*) FROM indicators") == 21


def test_hamlets_nest_in_communes_and_districts_in_db(engine):
    outside = _scalar(
        engine,
        "SELECT count(*) FROM admin_units h JOIN admin_units c ON c.id = h.parent_id "
        "WHERE h.level IN ('hamlet', 'commune', 'district') "
        "AND ST_Area(ST_Difference(h.geom, c.geom)::geography) > 1",  # > 1 m² outside its parent
    )
    assert outside == 0
    pop = _scalar(engine, "SELECT sum(population) FROM admin_units WHERE level = 'hamlet'")
    assert pop == _scalar(engine, "SELECT population FROM admin_units WHERE level = 'province'")


def test_area_is_geodesic(engine):
    area = _scalar(engine, "SELECT sum(area_km2) FROM admin_units WHERE level = 'district'")
    assert area == pytest.approx(
        _scalar(engine, "SELECT area_km2 FROM admin_units WHERE level = 'province'"), rel=1e-6
    )


def test_a_bad_row_writes_nothing(scratch_url, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(SAMPLE, bundle)
    sites = json.loads((bundle / "sites.geojson").read_text(encoding="utf-8"))
    sites["features"][41]["properties"]["owner"] = "Không Tồn Tại"
    (bundle / "sites.geojson").write_text(json.dumps(sites, ensure_ascii=False), encoding="utf-8")
    engine = create_engine(scratch_url)
    with pytest.raises(
        LoadError, match="sites.geojson feature 42: Owner: unknown organisation 'Không Tồn Tại'"
    ):
        loader.load_sample(engine, bundle)
    assert _scalar(engine, "SELECT count(*) FROM admin_units") == 0
    assert _scalar(engine, "SELECT count(*) FROM operators") == 0
    engine.dispose()


def test_invalid_polygon_is_refused_with_its_reason():
    bowtie = shape({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})
    with pytest.raises(LoadError, match="x feature 3: invalid polygon .*Self-intersection"):
        as_multipolygon(bowtie, "x feature 3")


REAL = SHARED / "data" / "real" / "haugiang_districts.geojson"


@pytest.mark.skipif(not REAL.exists(), reason="../shared/data/real is not present on this machine")
def test_real_district_polygons_load_through_the_same_path(scratch_url):
    # Published areas in SOURCES.md (km², WGS 84 / UTM 48N); geodesic areas agree to well under 1 %.
    expected = {
        "930": 119.6,
        "931": 77.6,
        "932": 161.8,
        "933": 140.2,
        "934": 484.6,
        "935": 227.9,
        "936": 260.7,
        "937": 148.7,
    }
    doc = json.loads(REAL.read_text(encoding="utf-8"))
    records = [
        AdminRecord(
            code=f["properties"]["district_code"],
            name=f["properties"]["district_name"],
            kind=f["properties"]["district_type"],
            parent_code="93",
            geometry=as_multipolygon(shape(f["geometry"]), f"district {i}"),
            official_code=True,
        )
        for i, f in enumerate(doc["features"], start=1)
    ]
    province = AdminRecord(
        code="93",
        name="Tỉnh Hậu Giang",
        kind="Tỉnh",
        parent_code=None,
        official_code=True,
        geometry=as_multipolygon(unary_union([r.geometry for r in records]), "province"),
    )
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        assert loader.load_admin_units(conn, "province", [province]) == 1
        assert loader.load_admin_units(conn, "district", records) == 8
    with engine.connect() as conn:
        areas = dict(
            conn.execute(text("SELECT code, area_km2 FROM admin_units WHERE level = 'district'")).all()
        )
        total = conn.execute(text("SELECT area_km2 FROM admin_units WHERE level = 'province'")).scalar_one()
    engine.dispose()
    assert set(areas) == set(expected)
    for code, km2 in expected.items():
        assert areas[code] == pytest.approx(km2, rel=0.01), code
    assert total == pytest.approx(1621.0, rel=0.01)


def test_cli_seed_loads_an_empty_database_once(scratch_url, monkeypatch, capsys):
    from app import cli
    from app.db import reset_engine
    from app.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", scratch_url)
    get_settings.cache_clear()
    reset_engine()
    try:
        cli.main(["seed"])
        hamlets = len(_features("hamlets.geojson"))
        assert f"hamlet {hamlets}," in capsys.readouterr().out
        cli.main(["seed"])
        assert "nothing to do" in capsys.readouterr().out
        engine = create_engine(scratch_url)
        assert _scalar(engine, "SELECT count(*) FROM admin_units WHERE level = 'district'") == 8
        engine.dispose()
    finally:
        reset_engine()
        monkeypatch.undo()
        get_settings.cache_clear()

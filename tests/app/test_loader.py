"""The loader: the sample province as the files say, all-or-nothing, and real boundaries."""

import json
import shutil

import pytest
from shapely.geometry import shape
from sqlalchemy import text

from app.db import new_engine
from app.services.imports import loader
from app.services.imports.importer import ImportFailed, import_into
from app.services.imports.loader import LoadError
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
    engine = new_engine(scratch_url)
    with pytest.raises(
        LoadError, match="sites.geojson feature 42: Owner: unknown organisation 'Không Tồn Tại'"
    ):
        loader.load_sample(engine, bundle)
    assert _scalar(engine, "SELECT count(*) FROM admin_units") == 0
    assert _scalar(engine, "SELECT count(*) FROM operators") == 0
    engine.dispose()


def test_an_invalid_hamlet_polygon_stops_the_seed_naming_it(scratch_url, tmp_path):
    """The seed's admin layers are imports: a bow-tie hamlet is refused as any file's would be."""
    bundle = tmp_path / "bundle"
    shutil.copytree(SAMPLE, bundle)
    doc = json.loads((bundle / "hamlets.geojson").read_text(encoding="utf-8"))
    inside = shape(doc["features"][2]["geometry"]).representative_point()
    x, y, d = inside.x, inside.y, 0.0005
    bowtie = [[x, y], [x + d, y + d], [x + d, y], [x, y + d], [x, y]]
    doc["features"][2]["geometry"] = {"type": "Polygon", "coordinates": [bowtie]}
    (bundle / "hamlets.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    engine = new_engine(scratch_url)
    with pytest.raises(ImportFailed) as err:
        loader.load_sample(engine, bundle)
    assert [(p.code, p.source, p.row) for p in err.value.details] == [
        ("geometry.invalid", "hamlets.geojson", 3)
    ]
    assert "Self-intersection" in err.value.details[0].params["reason"]
    assert _scalar(engine, "SELECT count(*) FROM admin_units") == 0
    engine.dispose()


def test_the_seeds_statistics_pass_the_checks_of_a_planners_file(scratch_url, tmp_path):
    """Mobile broadband subscriptions above all mobile subscriptions: refused, naming the row."""
    bundle = tmp_path / "bundle"
    shutil.copytree(SAMPLE, bundle)
    lines = (bundle / "statistics.csv").read_text(encoding="utf-8").splitlines()
    number = next(
        n for n, line in enumerate(lines, start=1) if line.startswith("93,2024-Q4,mobile_bb_subscriptions,")
    )
    lines[number - 1] = "93,2024-Q4,mobile_bb_subscriptions,999999999"
    (bundle / "statistics.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    engine = new_engine(scratch_url)
    with pytest.raises(ImportFailed) as err:
        loader.load_sample(engine, bundle)
    said = [(p.code, p.field, p.source, dict(p.params)) for p in err.value.details]
    assert said == [
        (
            "stats.exceeds_mobile_subscriptions",
            "mobile_bb_subscriptions",
            "statistics.csv",
            {"value": 999999999, "limit": 878002},
        ),
        (
            "stats.per_person",
            "mobile_bb_subscriptions",
            "statistics.csv",
            {"value": 999999999, "max": 3, "population": 732000},
        ),
    ]
    assert _scalar(engine, "SELECT count(*) FROM statistics") == 0
    assert _scalar(engine, "SELECT count(*) FROM admin_units") == 0
    engine.dispose()


def test_the_seed_reads_the_province_as_a_layer_of_admin_units(engine):
    province = _features("province.geojson")[0]["properties"]
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT code, name, kind, population, parent_id FROM admin_units WHERE level = 'province'")
        ).one()
    assert tuple(row) == (province["code"], province["name"], province["kind"], province["population"], None)


REAL = SHARED / "data" / "real" / "haugiang_districts.geojson"


@pytest.mark.skipif(not REAL.exists(), reason="../shared/data/real is not present on this machine")
def test_real_district_polygons_load_through_the_same_path(scratch_url, tmp_path):
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
    # A boundary file names no province: the importer's user says which (here, in the file).
    doc = json.loads(REAL.read_text(encoding="utf-8"))
    for f in doc["features"]:
        f["properties"]["province_code"] = "93"
    districts = tmp_path / "districts.geojson"
    districts.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    engine = new_engine(scratch_url)
    with engine.begin() as conn:
        assert import_into(conn, SAMPLE / "province.geojson", "admin_units").counts["province_inserted"] == 1
        report = import_into(conn, districts, "districts")
    assert report.counts["district_inserted"] == 8
    assert report.counts["province_updated"] == 1  # the province is redrawn as its districts' union
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
        engine = new_engine(scratch_url)
        assert _scalar(engine, "SELECT count(*) FROM admin_units WHERE level = 'district'") == 8
        engine.dispose()
    finally:
        reset_engine()
        monkeypatch.undo()
        get_settings.cache_clear()

"""A duct owner's route list imported, then read back as the map and the open data read it: the
OGC items, queryables and CQL2 filters, and the exports carry the route's name, its free ducts (and
so the ducts in use) and its stated length — each NULL where the file gave none."""

import pyogrio
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.collections import COLLECTIONS
from app.services.exports import layers as exporter
from app.services.imports.importer import import_file
from app.services.scope import EVERYTHING
from tests.conftest import bearer, new_account, sample_database
from tests.fixtures import real_files as rf

# A fourth route without name, free ducts or length: its ducts in use are unknown too.
ROWS = [*rf.DUCTS, ["RF-TC-04", None, "VNPT", 3, None, None, ""]]
# code -> (name, duct_count, free_duct_count, used_duct_count, stated_length_m), as the file says
EXPECTED = {
    "RF-TC-01": ("Tuyến cống Trần Hưng Đạo", 4, 2, 2, 1250.5),
    "RF-TC-02": ("Tuyến 3 tháng 2", 2, 0, 2, 800.0),
    "RF-TC-03": ("Tuyến Quốc lộ 61", 6, 6, 0, None),
    "RF-TC-04": (None, 3, None, None, None),
}
NEW = ("name", "duct_count", "free_duct_count", "used_duct_count", "stated_length_m")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """The sample province with the owner's routes imported (ma_tuyen, ten_tuyen, so_ong, ong_trong, dai_m)."""
    with sample_database("ducts") as engine:
        path = rf.duct_routes(tmp_path_factory.mktemp("ducts") / "tuyen_cong.geojson", ROWS)
        assert import_file(engine, path, "ducts").counts["duct_routes"] == 4
        yield engine


@pytest.fixture(scope="module")
def client(db):
    """The app on this module's database, as a planner of it."""
    from app.db import reset_engine
    from app.main import create_app
    from app.settings import get_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", db.url.render_as_string(hide_password=False))
        patch.setenv("COVERAGE_WORKER", "false")
        get_settings.cache_clear()
        reset_engine()
        try:
            token = new_account(db, "duct-planner", "planner")
            with TestClient(create_app(), headers=bearer(token)) as c:
                yield c
        finally:
            patch.undo()
            get_settings.cache_clear()
            reset_engine()


def _items(client, **params) -> dict:
    r = client.get("/ogc/collections/ducts/items", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    return {f["properties"]["code"]: f["properties"] for f in r.json()["features"]}


def test_ogc_items_carry_the_files_name_free_ducts_and_stated_length(client):
    found = _items(client, filter="code LIKE 'RF-TC-%'")
    assert {code: tuple(p[k] for k in NEW) for code, p in found.items()} == EXPECTED
    one = client.get("/ogc/collections/ducts/items/RF-TC-01").json()["properties"]
    assert (one["name"], one["free_duct_count"], one["stated_length_m"]) == (
        "Tuyến cống Trần Hưng Đạo",
        2,
        1250.5,
    )


def test_the_new_properties_are_queryable(client):
    queryables = client.get("/ogc/collections/ducts/queryables").json()["properties"]
    assert {k: queryables[k]["type"] for k in NEW[2:]} == {
        "free_duct_count": "integer",
        "used_duct_count": "integer",
        "stated_length_m": "number",
    }
    assert queryables["name"]["type"] == "string"
    free = _items(client, filter="code LIKE 'RF-TC-%' AND free_duct_count >= 2")
    assert sorted(free) == ["RF-TC-01", "RF-TC-03"]
    named = _items(client, filter="name LIKE 'Tuyến cống%'")
    assert sorted(named) == ["RF-TC-01"]


def _plain(value):
    """A cell as a comparable value: CSV reads every column as text, missing is None or NaN."""
    if value is None or value != value or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


@pytest.mark.parametrize("fmt", ["gpkg", "csv", "xlsx"])
def test_exports_carry_them(db, tmp_path, fmt):
    with Session(db) as session:
        out = exporter.export_collection(
            session,
            COLLECTIONS["ducts"],
            bbox=None,
            filters={},
            scope=EVERYTHING,
            fmt=fmt,
            crs="EPSG:4326",
            directory=tmp_path,
        )
    frame = pyogrio.read_dataframe(out.path, layer=0, read_geometry=False)
    frame = frame[frame["code"].str.startswith("RF-TC-")]
    read = {r["code"]: tuple(_plain(r[k]) for k in NEW) for _, r in frame.iterrows()}
    assert read == {code: tuple(_plain(v) for v in values) for code, values in EXPECTED.items()}
    if fmt == "xlsx":
        fields = load_workbook(out.path, read_only=True)["Trường dữ liệu"]
        labels = {r[0]: r[1] for r in fields.iter_rows(min_row=2, values_only=True)}
        assert (labels["free_duct_count"], labels["used_duct_count"], labels["stated_length_m"]) == (
            "Số ống trống",
            "Số ống đã dùng",
            "Chiều dài khai báo (m)",
        )


def test_ofds_spans_are_named_by_the_route_name_else_the_code(client):
    spans = client.get("/api/export/ofds").json()["networks"][0]["spans"]
    names = {s["id"]: s["name"] for s in spans if s["id"].startswith("RF-TC-")}
    assert names["RF-TC-01"] == "Tuyến cống Trần Hưng Đạo" and names["RF-TC-04"] == "RF-TC-04"

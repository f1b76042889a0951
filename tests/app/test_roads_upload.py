"""POST /api/import/roads: the Department (planner, admin) replaces the offline map's main roads
by upload, through the service of `app.cli import-roads`; other roles 403, anonymous 401; a refused
file answers 422 with the reason in the reader's language and leaves the roads and their ETag as
they were. The sample's roads are put back afterwards."""

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.app.test_region import api  # noqa: F401 (a fixture: the app without a coverage run)
from tests.app.test_roads import FIXTURES, _stored, sample_roads_back  # noqa: F401 (a fixture)
from tests.conftest import bearer

ROUTE = "/api/import/roads"
# ogr2ogr's "lines" layer of tests/fixtures/roads/extract.osm: QL61 (trunk) and ĐT927 (secondary)
# are main roads; the residential street, the canal and the trunk link are left out.
OSM_LINES = FIXTURES / "osm_lines.geojson"
DENIED = {"official1": 403, "official934": 403, "viettel1": 403, "vina1": 403}


def _upload(client, path: Path, name: str | None = None, headers: dict | None = None, **query):
    with path.open("rb") as f:
        files = {"file": (name or path.name, f, "application/geo+json")}
        return client.post(ROUTE, params=query, files=files, headers=headers or {})


def _etag(client) -> str:
    return client.get("/basemap/roads.json").headers["etag"]


@pytest.mark.usefixtures("sample_roads_back")
def test_only_the_department_may_replace_the_roads(api, tokens, engine):  # noqa: F811
    before, etag = _stored(engine), _etag(api)
    assert _upload(api, OSM_LINES).status_code == 401
    for user, status in DENIED.items():
        r = _upload(api, OSM_LINES, headers=bearer(tokens[user]))
        assert r.status_code == status, (user, r.text)
    assert _stored(engine) == before and _etag(api) == etag  # nobody refused wrote anything

    for user in ("planner1", "admin1"):
        r = _upload(api, OSM_LINES, name="duong chinh.geojson", headers=bearer(tokens[user]))
        assert r.status_code == 200, (user, r.text)
        body = r.json()
        assert {k: body[k] for k in ("file", "roads", "by_class", "skipped", "crs")} == {
            "file": "duong chinh.geojson",
            "roads": 2,
            "by_class": {"trunk": 1, "secondary": 1},
            "skipped": 3,
            "crs": "OGC:CRS84",  # the fixture's crs member, as ogr2ogr writes it
        }
        assert body["etag"] != etag
        served = api.get("/basemap/roads.json")
        assert served.headers["etag"] == body["etag"]  # the map's next fetch gets the new roads
        assert [f["properties"] for f in served.json()["features"]] == [
            {"ref": "ĐT927", "name": "Đường tỉnh 927", "highway": "secondary"},
            {"ref": "QL61", "name": "Quốc lộ 61", "highway": "trunk"},
        ]
        assert [r[:3] for r in _stored(engine)] == [
            ("QL61", "Quốc lộ 61", "trunk"),
            ("ĐT927", "Đường tỉnh 927", "secondary"),
        ]  # replaced, not appended: the admin's upload left two roads, not four
    with engine.connect() as conn:  # the audit names who replaced them
        who = conn.execute(
            text(
                "SELECT DISTINCT actor FROM audit_log WHERE entity = 'roads' AND actor IN ('planner1', 'admin1')"
            )
        ).scalars()
        assert sorted(who) == ["admin1", "planner1"]


def _points(tmp_path: Path) -> Path:
    path = tmp_path / "diem.geojson"
    point = {"type": "Point", "coordinates": [105.47, 9.784]}
    feature = {"type": "Feature", "properties": {"highway": "trunk", "ref": "QL61"}, "geometry": point}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    return path


def _only_streets(tmp_path: Path) -> Path:
    doc = json.loads(OSM_LINES.read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"].get("highway") == "residential"]
    path = tmp_path / "pho.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _garbage(tmp_path: Path) -> Path:
    path = tmp_path / "hong.geojson"
    path.write_bytes(b"{ not json at all")
    return path


REFUSED = [
    (_points, "roads.not_lines", "1 đối tượng không phải đường (Point", "1 features are not lines (Point"),
    (_only_streets, "roads.none_main", "không có đường chính nào", "no main road"),
]


@pytest.mark.usefixtures("sample_roads_back")
@pytest.mark.parametrize(("make", "code", "vietnamese", "english"), REFUSED, ids=[r[1] for r in REFUSED])
def test_a_refused_file_changes_neither_the_roads_nor_their_etag(
    api,  # noqa: F811
    tokens,
    engine,
    tmp_path,
    make,
    code,
    vietnamese,
    english,
):
    before, etag = _stored(engine), _etag(api)
    path = make(tmp_path)
    r = _upload(api, path, headers=bearer(tokens["admin1"]))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "ImportFailed"
    assert [d["code"] for d in body["details"]] == [code]
    assert body["details"][0]["source"] == path.name
    assert vietnamese in body["problems"][0] and vietnamese in body["description"]
    en = _upload(api, path, headers={**bearer(tokens["planner1"]), "Accept-Language": "en"})
    assert en.status_code == 422 and english in en.json()["problems"][0]
    assert _stored(engine) == before and _etag(api) == etag


@pytest.mark.usefixtures("sample_roads_back")
def test_a_file_that_cannot_be_read_is_refused(api, tokens, engine, tmp_path):  # noqa: F811
    before, etag = _stored(engine), _etag(api)
    r = _upload(api, _garbage(tmp_path), headers=bearer(tokens["planner1"]))
    assert r.status_code == 422, r.text
    assert [(d["code"], d["source"]) for d in r.json()["details"]] == [("geojson.not_json", "hong.geojson")]
    assert _stored(engine) == before and _etag(api) == etag

"""Items pages of cells, manholes, access points, tall structures and speed tests without per-row
lookups (migration 0034): the kept commune and district equal the point-in-polygon lookup after
writes through the API, the importer and raw SQL; stale codes are never served and get rewritten;
the pages say what they said when every location was looked up per row."""

import json

import pytest
from sqlalchemy import text

from app import collections as layers
from app.collections import COLLECTIONS
from app.services.imports.importer import import_file
from app.services.scope import Scope
from app.services.sql import scoped_source, with_location
from tests.app.importing import remove_test_rows, write_csv
from tests.app.test_items_fast import _two_communes
from tests.fixtures import tall_structures as ts
from tests.workflow.test_registration import site_body

# Layer -> (its table, the table keeping its codes, migration 0034; cells read their site's).
KEPT = {
    "cells": ("sites", "site_features"),
    "manholes": ("manholes", "manhole_locations"),
    "fibre_access_points": ("fibre_access_points", "fibre_access_point_locations"),
    "tall_structures": ("tall_structures", "tall_structure_locations"),
    "speed_tests": ("speed_tests", "speed_test_locations"),
}
ADDED = ("manholes", "fibre_access_points", "tall_structures", "speed_tests")
# A speed-test app's export as surveyors send it: Vietnamese headers, times with their offset.
SPEED_HEADER = [
    "Mã điểm",
    "Vĩ độ",
    "Kinh độ",
    "Ngày giờ đo",
    "Nhà mạng",
    "Công nghệ",
    "Tốc độ tải xuống (Mbps)",
    "Tốc độ tải lên (Mbps)",
]


def _mismatches(engine, layer: str) -> list:
    """Features whose location as the items read it kept differs from the per-row lookup (or that
    one of the two lacks)."""
    stored = layers.STORED_LOCATION_SOURCES[layer]
    looked_up = with_location(COLLECTIONS[layer].source)
    with engine.connect() as conn:
        return conn.execute(
            text(
                f"SELECT coalesce(k.fid, l.fid), k.commune_code, k.district_code, l.commune_code, "
                f"l.district_code FROM ({stored}) k FULL JOIN ({looked_up}) l ON l.fid = k.fid "
                "WHERE k.fid IS NULL OR l.fid IS NULL OR "
                "(k.commune_code, k.district_code) IS DISTINCT FROM (l.commune_code, l.district_code)"
            )
        ).all()


def _place(client, layer: str, code: str) -> tuple[str, str]:
    r = client.get(f"/ogc/collections/{layer}/items", params={"filter": f"code = '{code}'"})
    assert r.status_code == 200, r.text
    (feature,) = r.json()["features"]
    return feature["properties"]["commune_code"], feature["properties"]["district_code"]


def _geojson(path, features: list[tuple[dict, float, float]]):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
            for p, lon, lat in features
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def added_rows(engine):
    """Rows a test adds to the four layers' tables (and sites coded ILOC-) go after it."""
    with engine.connect() as conn:
        last = {t: conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar_one() for t in ADDED}
    yield
    with engine.begin() as conn:
        for table, before in last.items():
            conn.execute(text(f"DELETE FROM {table} WHERE id > :n"), {"n": before})
    remove_test_rows(engine, "ILOC-")


def test_kept_codes_equal_the_lookup_after_api_importer_and_sql_writes(client, engine, tmp_path, added_rows):
    (c1, d1, lon1, lat1), (c2, d2, lon2, lat2) = _two_communes(engine)
    assert d1 != d2

    # The API: a site's cells lie where it does, also once it moved.
    made = client.post("/api/sites", json=site_body("ILOC-S1", lon1, lat1, owner="Viettel"))
    assert made.status_code == 201, made.text
    cell = made.json()["cells"][0]["code"]
    assert _place(client, "cells", cell) == (c1, d1)
    moved = client.patch(
        "/api/sites/ILOC-S1",
        json={"position": {"lon": lon2, "lat": lat2}},
        headers={"If-Match": made.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    assert _place(client, "cells", cell) == (c2, d2)

    # The importer, into each layer; an upsert moving a manhole.
    speed = [["ILOC-T1", lat1, lon1, "2025-05-01T10:00:00+07:00", "Viettel", "4G", 55.1, 12.0]]
    speed.append(["ILOC-T2", lat2, lon2, "2025-05-01T11:00:00+07:00", "Viettel", "4G", 40.0, 10.0])
    import_file(engine, write_csv(tmp_path / "do.csv", SPEED_HEADER, speed), "speed_tests")
    manholes = [
        ({"code": "ILOC-M1", "owner": "VNPT"}, lon1, lat1),
        ({"code": "ILOC-M2", "owner": "VNPT"}, lon2, lat2),
    ]
    import_file(engine, _geojson(tmp_path / "ho.geojson", manholes), "manholes")
    ap = {"operator": "VNPT", "kind": "odp", "ports_total": 8, "ports_used": 3, "status": "active"}
    import_file(
        engine,
        _geojson(tmp_path / "ap.geojson", [({"code": "ILOC-F1", **ap}, lon1, lat1)]),
        "fibre_access_points",
    )
    import_file(engine, ts.commune_csv(tmp_path / "ct.csv", first=90), "tall_structures")
    assert _place(client, "speed_tests", "ILOC-T2") == (c2, d2)
    assert _place(client, "fibre_access_points", "ILOC-F1") == (c1, d1)
    back = _geojson(tmp_path / "ho2.geojson", [({"code": "ILOC-M2", "owner": "VNPT"}, lon1, lat1)])
    import_file(engine, back, "manholes", mode="upsert")
    assert _place(client, "manholes", "ILOC-M2") == (c1, d1)

    # Raw SQL: a new row, a moved one, and a kept code overwritten by hand (the row trigger redoes it).
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO manholes (code, owner_id, geom) SELECT 'ILOC-M3', id, "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) FROM operators WHERE short_name = 'VNPT'"
            ),
            {"lon": lon2, "lat": lat2},
        )
        conn.execute(
            text(
                "UPDATE speed_tests SET geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) WHERE code = 'ILOC-T1'"
            ),
            {"lon": lon2, "lat": lat2},
        )
        conn.execute(text("UPDATE fibre_access_points SET ports_used = 4 WHERE code = 'ILOC-F1'"))
        conn.execute(
            text(
                "UPDATE fibre_access_point_locations SET commune_code = 'SAI' "
                "WHERE id = (SELECT id FROM fibre_access_points WHERE code = 'ILOC-F1')"
            )
        )
    assert _place(client, "manholes", "ILOC-M3") == (c2, d2)
    assert _place(client, "speed_tests", "ILOC-T1") == (c2, d2)
    assert _place(client, "fibre_access_points", "ILOC-F1") == (c1, d1)
    for layer in KEPT:
        assert _mismatches(engine, layer) == [], layer
    with engine.connect() as conn:
        for table, side in KEPT.values():
            located = conn.execute(text(f"SELECT count(commune_code), count(*) FROM {side}")).one()
            assert located[1] == conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one(), side
            assert located[0] > 0, side  # the codes are there, not all missing alike


def _first_located(conn, layer: str) -> tuple[str, int, str]:
    """A feature of `layer` with a kept commune: its code, the kept row's id and its commune."""
    table, side = KEPT[layer]
    if layer == "cells":
        return conn.execute(
            text(
                "SELECT c.code, s.id, s.commune_code FROM cells c JOIN site_features s ON s.id = c.site_id "
                "WHERE s.commune_code IS NOT NULL ORDER BY c.code LIMIT 1"
            )
        ).one()
    return conn.execute(
        text(
            f"SELECT t.code, k.id, k.commune_code FROM {table} t JOIN {side} k ON k.id = t.id "
            "WHERE k.commune_code IS NOT NULL ORDER BY t.code LIMIT 1"
        )
    ).one()


@pytest.fixture(params=list(KEPT))
def wrong_code(request, engine):
    """One feature's kept commune set to a code no lookup gives (the row trigger off meanwhile)."""
    layer = request.param
    side = KEPT[layer][1]
    trigger = "site_features_location" if layer == "cells" else f"{side}_location"
    with engine.begin() as conn:
        code, kept_id, right = _first_located(conn, layer)
        conn.execute(text(f"ALTER TABLE {side} DISABLE TRIGGER {trigger}"))
        conn.execute(text(f"UPDATE {side} SET commune_code = 'SAI' WHERE id = :i"), {"i": kept_id})
        conn.execute(text(f"ALTER TABLE {side} ENABLE TRIGGER {trigger}"))
    yield layer, code, kept_id, right
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {side} SET geom = geom WHERE id = :i"), {"i": kept_id})


def test_items_read_the_kept_codes_while_they_hold(client, wrong_code):
    layer, code, _, _ = wrong_code
    # Fresh state: served as kept (no lookup), which is what makes a page cheap.
    assert _place(client, layer, code)[0] == "SAI"


@pytest.mark.parametrize(
    "staling",
    [
        # the admin units changed (their data version moves on commit)
        "UPDATE admin_units SET name = name WHERE id = (SELECT min(id) FROM admin_units)",
        # a day passed beyond which units come into or go out of force
        "UPDATE feature_locations_state SET valid_to = CURRENT_DATE",
    ],
)
def test_stale_codes_are_never_served_and_get_rewritten(client, engine, wrong_code, staling):
    layer, code, kept_id, right = wrong_code
    side = KEPT[layer][1]
    with engine.begin() as conn:
        conn.execute(text(staling))
    assert _place(client, layer, code)[0] == right
    with engine.connect() as conn:
        kept = conn.execute(
            text(f"SELECT commune_code FROM {side} WHERE id = :i"), {"i": kept_id}
        ).scalar_one()
    assert kept == right
    assert _mismatches(engine, layer) == []


def _pages(client, layer: str, lon: float, lat: float, district: str) -> list:
    urls = [
        f"/ogc/collections/{layer}/items?limit=100",
        f"/ogc/collections/{layer}/items?limit=1000&bbox={lon - 0.1},{lat - 0.1},{lon + 0.1},{lat + 0.1}",
        f"/ogc/collections/{layer}/items?limit=50&district={district}&sortby=-commune_code",
    ]
    pages = []
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, r.text
        page = r.json()
        pages.append((page["features"], page.get("numberMatched"), page["numberReturned"]))
    return pages


@pytest.mark.parametrize("layer", list(KEPT))
def test_pages_say_what_the_per_row_lookup_said(client, engine, monkeypatch, layer):
    (_, d1, lon, lat), _ = _two_communes(engine)
    kept = _pages(client, layer, lon, lat, d1)
    assert any(f["properties"]["commune_code"] for f in kept[1][0]), "the bbox page holds located features"
    monkeypatch.delitem(layers.STORED_LOCATION_SOURCES, layer)  # every location looked up per row
    assert _pages(client, layer, lon, lat, d1) == kept


@pytest.mark.parametrize("layer", list(KEPT))
def test_a_page_walks_the_code_index_not_a_sort_of_all(engine, layer):
    """Items pages are in byte-wise code order: each layer's table has an index in that order
    (migration 0034), so a first page reads its rows off it instead of sorting the whole layer."""
    source, params = scoped_source(COLLECTIONS[layer], Scope(every_company=True))
    sql = f'SELECT f.fid FROM ({source}) AS f ORDER BY f.fid COLLATE "C" LIMIT 101'
    table = "cells" if layer == "cells" else KEPT[layer][0]
    with engine.begin() as conn:
        conn.execute(text(f"ANALYZE {table}"))
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # the sample's small tables: plan as a big one
        plan = "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}"), params))
    assert f"{table}_code_bytes" in plan and "Sort" not in plan, plan

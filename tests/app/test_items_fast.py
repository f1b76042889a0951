"""Items pages without per-row lookups: the commune and district of each site, pole and duct route
kept in its side table (migration 0030) equal the point-in-polygon lookup after writes through the
API and the importer; stale codes (admin units changed, a day passed) are never served; later
keyset pages skip the count."""

import gzip
from types import SimpleNamespace

import orjson
import pytest
from sqlalchemy import text

from app.collections import COLLECTIONS
from app.services import tiles
from app.services.imports.importer import import_file
from app.services.scope import Scope
from app.services.sql import scoped_source, with_location
from tests.app.importing import HEADER, cell_rows, remove_test_rows, write_csv

SIDE = {"sites": "site_features", "poles": "pole_features", "ducts": "duct_features"}
POLE_HEADER = ["Mã cột", "lat", "lon", "Chủ sở hữu", "Vật liệu", "Độ cao", "Treo cáp"]


def _mismatches(engine, table: str) -> list:
    """Rows of `table` whose kept codes differ from the lookup items made per row before."""
    lookup = with_location(f"SELECT id, code, geom FROM {table}")
    with engine.connect() as conn:
        return conn.execute(
            text(
                f"SELECT f.code, f.commune_code, f.district_code, l.commune_code, l.district_code "
                f"FROM {table} f JOIN ({lookup}) l ON l.id = f.id "
                "WHERE (f.commune_code, f.district_code) IS DISTINCT FROM (l.commune_code, l.district_code)"
            )
        ).all()


def _two_communes(engine) -> list[tuple[str, str, float, float]]:
    """(commune, district, lon, lat) of a point inside each of two communes of different districts."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT DISTINCT ON (d.code) c.code, d.code, ST_X(ST_PointOnSurface(c.geom)), "
                "ST_Y(ST_PointOnSurface(c.geom)) FROM admin_units c JOIN admin_units d ON d.id = c.parent_id "
                "WHERE c.level = 'commune' AND c.valid_to IS NULL ORDER BY d.code, c.code LIMIT 2"
            )
        ).all()


def _props(client, collection: str, code: str) -> dict:
    r = client.get(f"/ogc/collections/{collection}/items", params={"filter": f"code = '{code}'"})
    assert r.status_code == 200, r.text
    (feature,) = r.json()["features"]
    return feature["properties"]


def test_kept_codes_equal_the_lookup_after_api_and_importer_writes(client, engine, tmp_path):
    try:
        _codes_follow_api_and_importer_writes(client, engine, tmp_path)
    finally:
        remove_test_rows(engine, "IFAST-")
        remove_test_rows(engine, "IFS-")


def _codes_follow_api_and_importer_writes(client, engine, tmp_path):
    (c1, d1, lon1, lat1), (c2, d2, lon2, lat2) = _two_communes(engine)
    assert d1 != d2
    made = client.post(
        "/api/poles", json={"code": "IFAST-P1", "owner": "VNPT", "position": {"lon": lon1, "lat": lat1}}
    )
    assert made.status_code == 201, made.text
    assert (
        _props(client, "poles", "IFAST-P1")["commune_code"],
        _props(client, "poles", "IFAST-P1")["district_code"],
    ) == (c1, d1)
    moved = client.patch(
        "/api/poles/IFAST-P1",
        json={"position": {"lon": lon2, "lat": lat2}},
        headers={"If-Match": made.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    props = _props(client, "poles", "IFAST-P1")
    assert (props["commune_code"], props["district_code"]) == (c2, d2)
    assert (
        client.get(
            "/ogc/collections/poles/items", params={"commune": c2, "filter": "code = 'IFAST-P1'"}
        ).json()["numberMatched"]
        == 1
    )

    # The importer: new poles, one moved by an upsert, and sites with their cells.
    path = write_csv(
        tmp_path / "cot.csv",
        POLE_HEADER,
        [
            ["IFAST-P2", lat1, lon1, "VNPT", "concrete", 8, "Viettel"],
            ["IFAST-P3", lat2, lon2, "VNPT", "", 9, ""],
        ],
    )
    import_file(engine, path, "poles")
    moved_back = write_csv(tmp_path / "doi.csv", POLE_HEADER, [["IFAST-P3", lat1, lon1, "VNPT", "", 9, ""]])
    import_file(engine, moved_back, "poles", mode="upsert")
    assert _props(client, "poles", "IFAST-P3")["district_code"] == d1

    import_file(engine, write_csv(tmp_path / "tram.csv", HEADER, cell_rows(3, prefix="IFS")), "sites")
    for table in SIDE.values():
        assert _mismatches(engine, table) == [], table
    with engine.connect() as conn:
        nulls = conn.execute(
            text("SELECT count(*) FROM pole_features WHERE commune_code IS NULL")
        ).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM pole_features")).scalar_one()
    assert nulls < total  # the codes are there, not all missing alike


@pytest.fixture
def wrong_code(engine):
    """One pole's kept commune set to a code no lookup gives (its row trigger off meanwhile)."""
    with engine.begin() as conn:
        code, right = conn.execute(
            text(
                "SELECT code, commune_code FROM pole_features WHERE commune_code IS NOT NULL ORDER BY code LIMIT 1"
            )
        ).one()
        conn.execute(text("ALTER TABLE pole_features DISABLE TRIGGER pole_features_location"))
        conn.execute(text("UPDATE pole_features SET commune_code = 'SAI' WHERE code = :c"), {"c": code})
        conn.execute(text("ALTER TABLE pole_features ENABLE TRIGGER pole_features_location"))
    yield code, right
    with engine.begin() as conn:
        conn.execute(text("UPDATE pole_features SET geom = geom WHERE code = :c"), {"c": code})


def test_items_read_the_kept_codes_while_they_hold(client, wrong_code):
    code, _ = wrong_code
    # Fresh state: served as kept (no lookup), which is what makes a page cheap.
    assert _props(client, "poles", code)["commune_code"] == "SAI"


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
    code, right = wrong_code
    with engine.begin() as conn:
        conn.execute(text(staling))
    assert _props(client, "poles", code)["commune_code"] == right
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT commune_code FROM pole_features WHERE code = :c"), {"c": code}
            ).scalar_one()
            == right
        )
    assert _mismatches(engine, "pole_features") == []


def test_only_the_first_page_counts(client):
    first = client.get("/ogc/collections/sites/items", params={"limit": 100}).json()
    assert first["numberMatched"] > 100 and first["numberReturned"] == 100
    (nxt,) = [link["href"] for link in first["links"] if link["rel"] == "next"]
    assert "after=" in nxt
    second = client.get(nxt).json()
    assert "numberMatched" not in second and second["numberReturned"] == 100
    # keyset on the feature id, byte-wise: the second page starts after the first's last id
    assert second["features"][0]["id"].encode() > first["features"][-1]["id"].encode()
    # a first page holding every match says how many without counting them apart
    few = client.get("/ogc/collections/districts/items", params={"limit": 100}).json()
    assert few["numberMatched"] == few["numberReturned"] == len(few["features"]) > 0


def _page(client, url: str, **headers):
    return client.get(url, headers=headers)


def test_items_pages_are_cached_until_an_edit_through_the_api(client, engine):
    (_, _, lon, lat), _ = _two_communes(engine)
    made = client.post(
        "/api/poles",
        json={"code": "IFAST-C1", "owner": "VNPT", "position": {"lon": lon, "lat": lat}, "height_m": 8},
    )
    assert made.status_code == 201, made.text
    url = f"/ogc/collections/poles/items?limit=1000&bbox={lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    first = _page(client, url)
    second = _page(client, url)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Items-Cache"] in ("miss", "hit") and second.headers["X-Items-Cache"] == "hit"
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.json()["features"] == second.json()["features"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert _page(client, url, **{"If-None-Match": first.headers["ETag"]}).status_code == 304

    edited = client.patch(
        "/api/poles/IFAST-C1", json={"height_m": 11}, headers={"If-Match": made.headers["ETag"]}
    )
    assert edited.status_code == 200, edited.text
    after = _page(client, url, **{"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert after.headers["X-Items-Cache"] == "miss"
    heights = {f["id"]: f["properties"]["height_m"] for f in after.json()["features"]}
    assert heights["IFAST-C1"] == 11


def test_a_page_kept_for_one_caller_is_not_served_to_another_scope(client, client_as):
    url = "/ogc/collections/sites/items?limit=1000&status=proposed"
    planner = _page(client, url)
    operator = _page(client_as("viettel1"), url)
    assert planner.status_code == operator.status_code == 200
    assert planner.headers["ETag"] != operator.headers["ETag"]
    owners = {f["properties"]["owner"] for f in operator.json()["features"]}
    assert owners <= {"Viettel"} and len(planner.json()["features"]) > len(operator.json()["features"])


def test_items_come_gzipped_at_the_fastest_level_when_asked(client):
    r = client.get("/ogc/collections/sites/items?limit=100", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    assert r.json()["numberReturned"] == 100  # the client decompresses it


def test_items_are_gzipped_by_the_tiles_helper_and_unzip_to_the_same_json(client, monkeypatch):
    """One gzip helper for tiles and items (ISA-L, a declared dependency): the raw gzip body of a page
    is the identity page's JSON (all but its timeStamp, read to the second)."""
    assert tiles._fast_gzip is not None, "isal (a declared dependency) is not importable"
    real, calls = tiles._fast_gzip, []
    spy = SimpleNamespace(compress=lambda data, level: calls.append(level) or real.compress(data, level))
    monkeypatch.setattr(tiles, "_fast_gzip", spy)
    url = "/ogc/collections/sites/items?limit=100"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers and not calls
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
        packed = b"".join(r.iter_raw())  # as sent: not decoded by the client
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip" and calls == [1]
    assert packed[:2] == b"\x1f\x8b" and len(packed) < len(plain.content)
    unzipped, expected = orjson.loads(gzip.decompress(packed)), plain.json()
    assert unzipped.pop("timeStamp") and expected.pop("timeStamp")
    assert unzipped == expected and expected["numberReturned"] == 100


@pytest.mark.parametrize(
    "scope", [Scope(company="Viettel"), Scope(every_company=True)], ids=["operator", "official"]
)
def test_a_sites_page_walks_the_code_index_not_a_sort_of_all(engine, scope):
    """The scope's condition on unapproved sites has statistics (migration 0030), an official's on
    drafts is one on the status: the planner knows most rows pass and reads a page off the code
    index instead of sorting the whole table."""
    source, params = scoped_source(COLLECTIONS["sites"], scope)
    sql = f'SELECT f.fid FROM ({source}) AS f ORDER BY f.fid COLLATE "C" LIMIT 101'
    with engine.begin() as conn:
        conn.execute(text("ANALYZE site_features"))
        plan = "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}"), params))
    assert "site_features_code" in plan and "Sort" not in plan, plan

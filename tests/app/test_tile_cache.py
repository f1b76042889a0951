"""The vector tile cache: served again without building the tile, byte for byte; every write that
changes a tile changes its data version; never one caller's tile for another's scope; ETag/304; a
bytes-bounded LRU."""

import io
import math
from contextlib import contextmanager

import mapbox_vector_tile
import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.collections import COLLECTIONS
from app.services import tile_cache, tiles
from app.services.scope import EVERYTHING, Scope
from app.services.tile_matrix_sets import WEB_MERCATOR_QUAD
from tests.app.importing import HEADER, cell_rows

# A quiet corner of the sample province (no sample site within a few hundred metres).
SPOT = (105.4530, 9.6950)
CELL = {"technology": "4G", "band_mhz": 1800, "azimuth_deg": 0, "antenna_height_m": 38, "eirp_dbm": 60}


def _xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _codes(r, layer: str = "sites") -> set[str]:
    decoded = mapbox_vector_tile.decode(r.content)
    return {f["properties"]["code"] for f in decoded.get(layer, {}).get("features", [])}


@contextmanager
def tile_queries():
    """Counts the tile-building queries (ST_AsMVT) the app runs meanwhile."""
    from app.db import get_engine

    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if "ST_AsMVT" in statement:
            seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _fresh(engine, ids: list[str], z: int, x: int, y: int, filters: dict, scope: Scope) -> bytes:
    """The tile built now, without any cache."""
    sql, params = tiles.tile_query([COLLECTIONS[i] for i in ids], z, x, y, filters, scope, WEB_MERCATOR_QUAD)
    with Session(engine) as session:
        return bytes(session.execute(text(sql), params).scalar_one())


def _version(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT version FROM data_versions WHERE table_name = :t"), {"t": table}
        ).scalar_one()


def test_second_request_is_a_hit_byte_identical_without_building_the_tile(client, engine):
    x, y = _xy(105.47, 9.78, 12)
    url = f"/tiles/sites,poles/12/{x}/{y}.mvt"
    with tile_queries() as built:
        first = client.get(url)
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.headers["x-tile-cache"] in {"miss", "hit"} and second.headers["x-tile-cache"] == "hit"
    assert len(built) <= 1 and second.content == first.content and first.content
    assert second.content == _fresh(engine, ["sites", "poles"], 12, x, y, {}, EVERYTHING)
    assert second.headers["etag"] == first.headers["etag"]


def test_a_registration_and_a_status_transition_show_in_the_next_tile(client_as, engine):
    operator, planner, other = client_as("viettel1"), client_as("planner1"), client_as("vina1")
    z = 14
    x, y = _xy(*SPOT, z)
    url = f"/tiles/sites/{z}/{x}/{y}.mvt"
    before = planner.get(url)
    assert planner.get(url).headers["x-tile-cache"] == "hit" and "TC-REG-1" not in _codes(before)
    version = _version(engine, "sites")
    body = {
        "code": "TC-REG-1",
        "position": {"lon": SPOT[0], "lat": SPOT[1]},
        "structure_type": "tower",
        "height_m": 40,
        "new_structure_reason": "Khu dân cư mới, chưa có trạm",
        "cells": [CELL, {**CELL, "azimuth_deg": 120}],
    }
    r = operator.post("/api/sites", json=body)
    assert r.status_code == 201, r.text
    assert _version(engine, "sites") > version
    after = planner.get(url)
    assert after.headers["x-tile-cache"] == "miss" and after.headers["etag"] != before.headers["etag"]
    assert "TC-REG-1" in _codes(after)
    # Another company does not see the proposal, from the same z/x/y just cached for the planner …
    assert "TC-REG-1" not in _codes(other.get(url)) and "TC-REG-1" in _codes(operator.get(url))
    # … until the Department approves it.
    approved = planner.post(
        "/api/sites/TC-REG-1/transitions", json={"to": "approved"}, headers={"If-Match": r.headers["ETag"]}
    )
    assert approved.status_code == 200, approved.text
    seen = other.get(url)
    assert seen.headers["x-tile-cache"] == "miss" and "TC-REG-1" in _codes(seen)
    status = {
        f["properties"]["code"]: f["properties"]["status"]
        for f in mapbox_vector_tile.decode(planner.get(url).content)["sites"]["features"]
    }
    assert status["TC-REG-1"] == "approved"


def test_an_operator_never_gets_the_tile_cached_for_planners(client_as, engine):
    planner, viettel, vina = client_as("planner1"), client_as("viettel1"), client_as("vina1")
    with engine.connect() as conn:
        code, lon, lat, owner = conn.execute(
            text(
                "SELECT s.code, ST_X(s.geom), ST_Y(s.geom), o.short_name FROM sites s "
                "JOIN operators o ON o.id = s.owner_id WHERE s.status IN ('proposed', 'rejected') "
                "AND o.short_name = 'Viettel' ORDER BY s.code LIMIT 1"
            )
        ).one()
    for z in (8, 11, 14):
        x, y = _xy(lon, lat, z)
        url = f"/tiles/sites,cells/{z}/{x}/{y}.mvt"
        seen = planner.get(url)
        assert code in _codes(seen) and planner.get(url).headers["x-tile-cache"] == "hit"
        theirs = vina.get(url)
        assert code not in _codes(theirs) and theirs.headers["etag"] != seen.headers["etag"]
        assert theirs.content == _fresh(engine, ["sites", "cells"], z, x, y, {}, Scope(company="VinaPhone"))
        assert not {c for c in _codes(theirs, "cells") if c.startswith(code + "-")}
        assert code in _codes(viettel.get(url)), owner
        assert "private" in theirs.headers["cache-control"]


def test_etag_answers_304_until_a_write_changes_the_tile(client, client_as, engine, tmp_path):
    from tests.app.importing import remove_test_rows, write_csv

    z = 11
    lon, lat = 105.4700, 9.7840  # the import's first site lands here (tests/app/importing.py)
    x, y = _xy(lon, lat, z)
    url = f"/tiles/sites/{z}/{x}/{y}.mvt"
    first = client.get(url)
    tag = first.headers["etag"]
    for header in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = client.get(url, headers={"If-None-Match": header})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    csv_file = write_csv(tmp_path / "tram.csv", HEADER, cell_rows(1, prefix="TCIMP"))
    version = _version(engine, "cells")
    try:
        r = client.post(
            "/api/import?target=sites",
            files={"file": ("tram.csv", io.BytesIO(csv_file.read_bytes()), "text/csv")},
        )
        assert r.status_code == 200, r.text
        assert _version(engine, "cells") > version
        fresh = client.get(url, headers={"If-None-Match": tag})
        assert fresh.status_code == 200 and fresh.headers["etag"] != tag and "TCIMP-00000" in _codes(fresh)
    finally:  # the site stands at the sample's known point, where other tests measure and sort
        remove_test_rows(engine, "TCIMP")


def test_datetime_and_filters_are_part_of_the_key(client, engine):
    x, y = _xy(105.47, 9.78, 9)
    plain = client.get(f"/tiles/sites/9/{x}/{y}.mvt")
    owned = client.get(f"/tiles/sites/9/{x}/{y}.mvt?owner=VinaPhone")
    assert owned.headers["etag"] != plain.headers["etag"] and owned.content != plain.content
    assert owned.content == _fresh(engine, ["sites"], 9, x, y, {"owner": "VinaPhone"}, EVERYTHING)
    dated = client.get(f"/tiles/sites/9/{x}/{y}.mvt?datetime=../2015-01-01")
    assert dated.headers["etag"] not in {plain.headers["etag"], owned.headers["etag"]}
    assert dated.content == _fresh(engine, ["sites"], 9, x, y, {"datetime": "../2015-01-01"}, EVERYTHING)
    assert len(_codes(dated)) < len(_codes(plain))
    # Admin units in force on a day: a day is a key of its own.
    days = {
        client.get(f"/tiles/communes/9/{x}/{y}.mvt?datetime={d}").headers["etag"]
        for d in ("2020-01-01", "2026-01-01")
    }
    assert len(days) == 2


def test_every_collection_is_cacheable_and_shared_caches_keep_only_what_everyone_sees(
    client, anon_client, client_as
):
    x, y = _xy(105.47, 9.78, 10)
    for collection_id in COLLECTIONS:
        url = f"/tiles/{collection_id}/10/{x}/{y}.mvt"
        assert client.get(url).headers["x-tile-cache"] in {"hit", "miss"}, collection_id
    public = anon_client.get(f"/tiles/districts,communes/10/{x}/{y}.mvt")
    assert public.headers["cache-control"].startswith("public")
    # A district official's districts are his district only: not for shared caches.
    limited = client_as("official934").get(f"/tiles/districts,communes/10/{x}/{y}.mvt")
    assert limited.headers["cache-control"].startswith("private")
    assert client.get(f"/tiles/sites/10/{x}/{y}.mvt").headers["cache-control"].startswith("private")


def test_a_query_reading_an_untracked_table_is_not_cached(engine):
    with Session(engine) as session:
        epoch, versions = tile_cache.data_versions(session)
        read = tile_cache.tables_read(session, "SELECT u.username FROM users u JOIN sites s ON true")
        assert read == {"users", "sites"}
        # A view stands for the tables it reads.
        assert {"hamlet_cover_cells", "admin_units", "coverage_runs"} <= tile_cache.tables_read(
            session, "SELECT * FROM hamlet_coverage"
        )
        assert tile_cache.tile_key(read, epoch, "q", {}, versions) is None
        sites = tile_cache.tile_key(frozenset({"sites"}), epoch, "q", {"a": 1}, versions)
        assert sites is not None
        assert tile_cache.tile_key(frozenset({"sites"}), epoch, "q", {"a": "1"}, versions) != sites
        bumped = {**versions, "sites": versions["sites"] + 1}
        assert tile_cache.tile_key(frozenset({"sites"}), epoch, "q", {"a": 1}, bumped) != sites


def test_lru_evicts_the_least_recently_used_by_bytes():
    lru = tile_cache.BytesLRU(3 * (1000 + 1 + tile_cache._ENTRY_OVERHEAD))
    for key in "abc":
        lru.put(key, bytes(1000))
    assert len(lru) == 3
    assert lru.get("a") is not None  # a is now the most recent
    lru.put("d", bytes(1000))
    assert lru.get("b") is None and all(lru.get(k) is not None for k in "acd")
    lru.put("e", bytes(1500))  # one and a half entries' room: the two least recent go
    assert lru.get("a") is None and lru.get("c") is None
    assert lru.get("d") is not None and lru.get("e") is not None and lru.size_bytes <= lru.budget_bytes
    lru.put("huge", bytes(lru.budget_bytes))  # never kept: larger than the whole budget
    assert lru.get("huge") is None and lru.get("e") is not None


def test_no_budget_no_server_side_cache():
    assert tile_cache.tile_lru(0) is None and tile_cache.tile_lru(1024) is not None


def test_gzipped_tiles_are_cached_gzipped_with_an_etag_of_their_own(client, engine):
    x, y = _xy(105.47, 9.78, 10)
    url = f"/tiles/poles/10/{x}/{y}.mvt"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    again = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert again.headers["x-tile-cache"] == "hit" and again.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers and len(plain.content) > 1000
    # httpx decodes: the same tile either way, under two ETags.
    assert (
        again.content == first.content == plain.content == _fresh(engine, ["poles"], 10, x, y, {}, EVERYTHING)
    )
    assert again.headers["etag"] != plain.headers["etag"] and "Accept-Encoding" in again.headers["vary"]
    tag = again.headers["etag"]
    assert client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": tag}).status_code == 304


def test_a_write_by_another_process_shows_in_the_next_tile(client, engine):
    """Another worker, the coverage engine or psql: versions live in the database, not the process."""
    with engine.connect() as conn:
        code, lon, lat, height_m = conn.execute(
            text(
                "SELECT code, ST_X(geom), ST_Y(geom), height_m FROM sites WHERE status = 'active' ORDER BY code LIMIT 1"
            )
        ).one()
    x, y = _xy(lon, lat, 13)
    url = f"/tiles/sites/13/{x}/{y}.mvt"

    def height() -> float:
        r = client.get(url)
        features = mapbox_vector_tile.decode(r.content)["sites"]["features"]
        return next(f["properties"]["height_m"] for f in features if f["properties"]["code"] == code)

    assert height() == pytest.approx(height_m) and client.get(url).headers["x-tile-cache"] == "hit"
    with engine.begin() as conn:
        conn.execute(text("UPDATE sites SET height_m = height_m + 7 WHERE code = :c"), {"c": code})
    try:
        assert height() == pytest.approx(height_m + 7)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE sites SET height_m = :h WHERE code = :c"), {"c": code, "h": height_m})
    assert height() == pytest.approx(height_m)


def test_versions_move_at_commit_once_and_hold_no_lock_through_a_transaction(engine):
    """A version changes when the writing transaction commits (never before its data is visible),
    once per transaction however many statements; an open writer does not hold the row, so another
    writer of the same table commits meanwhile (bumping at each statement would make it wait)."""
    code = _first_active_site(engine)
    before = _version(engine, "sites")
    first = engine.connect()
    try:
        with first.begin():
            for step in (1, -1, 2):
                first.execute(
                    text("UPDATE sites SET height_m = height_m + :d WHERE code = :c"), {"d": step, "c": code}
                )
            assert _version(engine, "sites") == before  # not yet committed: not yet seen
            with engine.begin() as second:  # a second writer of sites, while the first is open
                second.execute(text("SET LOCAL lock_timeout = '3s'"))
                other = "SELECT min(code) FROM sites WHERE code <> :c"
                second.execute(text(f"UPDATE sites SET status = status WHERE code = ({other})"), {"c": code})
            assert _version(engine, "sites") == before + 1  # the second's commit
            first.execute(text("UPDATE sites SET height_m = height_m - 2 WHERE code = :c"), {"c": code})
        assert _version(engine, "sites") == before + 2  # the first's three statements: one bump
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM data_version_marks")).scalar_one() == 0
    finally:
        first.close()


def _first_active_site(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT code FROM sites WHERE status = 'active' ORDER BY code LIMIT 1")
        ).scalar_one()

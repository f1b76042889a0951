"""What the hamlets layer shows is kept per hamlet (migration 0033's side table and triggers): after a
full and an incremental coverage run, a change of the covered levels, and edits of hamlets, communes,
operators and the coverage results, it equals what the per-request computation gave, and tiles and
items pages are the same as that computation built them."""

from dataclasses import replace

import mapbox_vector_tile
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import COLLECTIONS
from app.services import features, tiles
from app.services.coverage import runs as coverage
from app.services.features import ItemsQuery
from app.services.scope import EVERYTHING
from bench.tile_sql import JOINED
from tests.app.test_coverage import _add_site
from tests.app.test_tile_cache import _xy
from tests.conftest import sample_database

HAMLETS = COLLECTIONS["hamlets"]
COMPUTED = replace(HAMLETS, source=JOINED["hamlets"])  # the layer before migration 0033
# Position of ftth_share in _rows (after the fid).
HAMLET_FTTH_SHARE = 1 + list(HAMLETS.properties).index("ftth_share")


@pytest.fixture(scope="module")
def scratch():
    with sample_database("hamlets") as eng:
        coverage.run_full(eng, processes=2)
        yield eng


def _rows(conn, source: str) -> list[tuple]:
    columns = ", ".join(f"f.{name}" for name in HAMLETS.properties)
    sql = f"SELECT f.fid, {columns}, ST_AsEWKB(f.geom) FROM ({source}) AS f ORDER BY f.fid"
    return [tuple(r) for r in conn.execute(text(sql))]


def assert_kept(conn) -> list[tuple]:
    """Every hamlet in force shows what the per-request computation gives (seen from `conn`)."""
    kept, computed = _rows(conn, HAMLETS.source), _rows(conn, COMPUTED.source)
    assert len(kept) == len(computed) > 500
    differ = [(a, b) for a, b in zip(kept, computed, strict=True) if a != b]
    assert not differ, differ[:2]
    return kept


def _decoded(conn, collection, z: int, x: int, y: int) -> list[dict]:
    sql, params = tiles.tile_query([collection], z, x, y, {}, EVERYTHING)
    data = bytes(conn.execute(text(sql), params).scalar_one())
    found = mapbox_vector_tile.decode(data).get("hamlets", {}).get("features", [])
    return sorted(({**f["properties"], "_geom": f["geometry"]} for f in found), key=lambda p: p["code"])


def test_after_a_full_run_tiles_and_items_show_what_the_computation_gave(scratch):
    with scratch.connect() as conn:
        kept = assert_kept(conn)
        assert sum(1 for r in kept if r[-2] is not None) > 500  # per-operator shares, computed
        lon, lat = conn.execute(
            text(
                f"SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM ({COMPUTED.source}) f "
                "WHERE f.mbb_share_by_operator IS NOT NULL ORDER BY f.code LIMIT 1"
            )
        ).one()
        for z in (8, 11, 14):
            x, y = _xy(lon, lat, z)
            shown = _decoded(conn, HAMLETS, z, x, y)
            assert shown and shown == _decoded(conn, COMPUTED, z, x, y), z
            assert any("Viettel" in f for f in shown)  # the per-operator share, one attribute each
    with Session(scratch) as session:
        for query in (
            ItemsQuery(EVERYTHING, limit=50),
            ItemsQuery(EVERYTHING, filters={"mbb_covered": "true"}),
        ):
            page = features.get_items(session, HAMLETS, query)
            assert page.number_returned > 0
            assert page == features.get_items(session, COMPUTED, query)


def test_a_full_run_refreshes_the_layer_once_at_its_end(scratch):
    """While a full run writes (hg.hamlet_features_deferred on, migration 0041) the triggers leave the
    layer as it was; the run's closing refresh brings every hamlet to the computation's answer."""
    with scratch.connect() as conn, conn.begin() as transaction:
        before = _rows(conn, HAMLETS.source)
        assert any(r[HAMLET_FTTH_SHARE] for r in before)  # some reach to lose
        conn.execute(coverage._DEFER_HAMLET_FEATURES)
        conn.execute(text("UPDATE hamlet_ftth SET share = 0"))
        assert _rows(conn, HAMLETS.source) == before  # deferred: nothing refreshed yet
        for statement in coverage._REFRESH_HAMLET_FEATURES:
            conn.execute(statement)
        after = assert_kept(conn)
        assert not any(r[HAMLET_FTTH_SHARE] for r in after)
        conn.execute(text("UPDATE hamlet_ftth SET share = 0.5"))  # deferral ended: triggers again
        assert all(r[HAMLET_FTTH_SHARE] == 0.5 for r in assert_kept(conn) if r[HAMLET_FTTH_SHARE] is not None)
        transaction.rollback()


def test_an_incremental_run_and_a_change_of_levels_follow(scratch):
    with scratch.connect() as conn:
        before = dict((r[0], r[1:]) for r in assert_kept(conn))
    _add_site(scratch)
    assert coverage.run_incremental(scratch) is not None
    with scratch.connect() as conn:
        after = dict((r[0], r[1:]) for r in assert_kept(conn))
        assert any(after[code] != before[code] for code in before)  # the new site's hamlets changed
        # A finished live run with another covered level: every hamlet's flag follows it.
        conn.execute(
            text(
                "INSERT INTO coverage_runs (kind, status, started_at, card) VALUES ('full', 'done', now(), "
                "jsonb_build_object('mbb_covered_share', 0.5, 'ftth_covered_share', 0.1))"
            )
        )
        flags = assert_kept(conn)
        assert sum(1 for r in flags if r[13]) > sum(1 for code, r in after.items() if r[12])  # mbb_covered
        conn.rollback()
        assert_kept(conn)


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE admin_units SET population = population + 100, name = name || ' mới' "
        "WHERE id = (SELECT min(id) FROM admin_units WHERE level = 'hamlet')",
        "UPDATE admin_units SET geom = ST_Multi(ST_Buffer(geom, 0.001)) "
        "WHERE id = (SELECT max(id) FROM admin_units WHERE level = 'hamlet')",
        "UPDATE admin_units SET code = code || 'X', name = 'Xã mới' "
        "WHERE id = (SELECT min(id) FROM admin_units WHERE level = 'commune')",
        "UPDATE admin_units SET code = code || 'D' WHERE id = (SELECT min(id) FROM admin_units WHERE level = 'district')",
        "UPDATE admin_units SET valid_to = CURRENT_DATE WHERE id = (SELECT min(id) FROM admin_units WHERE level = 'hamlet')",
        "UPDATE admin_units SET parent_id = (SELECT max(id) FROM admin_units WHERE level = 'commune') "
        "WHERE id = (SELECT min(id) FROM admin_units WHERE level = 'hamlet')",
        "DELETE FROM hamlet_cover_cells WHERE hamlet_id = (SELECT min(hamlet_id) FROM hamlet_cover_cells)",
        "DELETE FROM hamlet_operator_cells WHERE operator_id = (SELECT min(id) FROM operators)",
        "UPDATE hamlet_ftth SET share = share / 2",
        "TRUNCATE hamlet_ftth",
        "UPDATE operators SET short_name = short_name || '2' WHERE short_name = 'Viettel'",
    ],
)
def test_edits_show_at_once(scratch, edit):
    with scratch.connect() as conn:
        before = assert_kept(conn)
        conn.execute(text(edit))
        assert assert_kept(conn) != before  # the edit changed what hamlets show, and the side table follows
        conn.rollback()

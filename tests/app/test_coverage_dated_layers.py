"""The coverage and dead-zone layers (OGC items and vector tiles) as of a past day, on a copy of the
sample province: a site commissioned the day after day D, standing in a live dead zone, is absent from
D's layers and present in today's; the polygons of D's dated run, built on demand, equal the live
run's from before the site existed; a day without a dated run is queued and answered 409."""

import json
import math
import time
from contextlib import contextmanager
from datetime import timedelta

import mapbox_vector_tile
import pytest
from pyproj import Transformer
from shapely import Point
from shapely.geometry import shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import COLLECTIONS
from app.errors import Conflict
from app.services import features, tiles
from app.services.clock import today
from app.services.coverage import asof, dated, dated_layers
from app.services.coverage import runs as coverage
from app.services.scope import EVERYTHING
from app.services.tile_matrix_sets import WEB_MERCATOR_QUAD
from gis.indicators import Quarter
from tests.app.test_coverage_as_of import put_up_site
from tests.conftest import sample_database

ZOOM = 13
TO_MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)


def _rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


@pytest.fixture(scope="module")
def world():
    """The sample with its live run (kept aside as `before_*`); then a strong site commissioned the day
    after the previous quarter's last day D, inside a modelled dead zone (no signal, or no 4G/5G), and the live run updated."""
    day = Quarter.of(Quarter.of(today()).start - timedelta(days=1)).last_day
    with sample_database("dcov") as eng:
        changed = _rows(
            eng, "SELECT count(*) FROM sites WHERE commissioned_on > :d OR decommissioned_on > :d", d=day
        )
        # The sample's sites are commissioned by 2025-08-31 (gis/synthetic/radio.py): a sample that
        # changes later must fail here loudly, not skip the test in silence.
        assert not changed[0][0], "the sample's network changed after the previous quarter"
        coverage.run_full(eng, processes=2)
        with eng.begin() as conn:
            conn.execute(text("CREATE TABLE before_parts AS SELECT * FROM coverage_parts"))
            conn.execute(text("CREATE TABLE before_dead_zones AS SELECT * FROM dead_zones"))
            # the largest spot without 4G/5G (no signal at all if the sample has one)
            hamlet, kind, lon, lat = conn.execute(
                text(
                    "SELECT h.code, z.kind, ST_X(p), ST_Y(p) FROM (SELECT hamlet_id, kind, ST_PointOnSurface(geom) AS p, "
                    "area_km2 FROM dead_zones WHERE kind IN ('no_signal', 'no_mbb')) z "
                    "JOIN admin_units h ON h.id = z.hamlet_id "
                    "ORDER BY z.kind = 'no_signal' DESC, z.area_km2 DESC, h.code LIMIT 1"
                )
            ).one()
            put_up_site(conn, "HG-LOM-2025", day + timedelta(days=1), lon, lat)
        assert coverage.run_incremental(eng) is not None
        yield dict(engine=eng, day=day, hamlet=hamlet, kind=kind, spot=Point(lon, lat))


def _items(engine, collection: str, filters: dict) -> list[dict]:
    query = features.ItemsQuery(scope=EVERYTHING, filters=filters, limit=10_000)
    with Session(engine) as session:
        page = features.get_items(session, COLLECTIONS[collection], query)
    return json.loads(b"[" + page.body + b"]")


def _covered_by_mbb(items: list[dict], spot: Point) -> bool:
    """Some operator's 4G/5G reaches the spot (any band)."""
    return any(
        f["properties"]["operator"] == "all"
        and f["properties"]["tech_class"] == "mbb"
        and shape(f["geometry"]).covers(spot)
        for f in items
    )


def _dead_at(items: list[dict], spot: Point, kind: str) -> bool:
    return any(
        f["properties"]["source"] == "modelled"
        and f["properties"]["kind"] == kind
        and shape(f["geometry"]).covers(spot)
        for f in items
    )


def _xy(spot: Point, z: int) -> tuple[int, int]:
    n = 1 << z
    return int((spot.x + 180) / 360 * n), int(
        (1 - math.asinh(math.tan(math.radians(spot.y))) / math.pi) / 2 * n
    )


def _tile(engine, layers: str, spot: Point, filters: dict) -> tuple[dict, Point]:
    """The decoded tile holding the spot, and the spot in the tile's pixels (y up, as decoded)."""
    x, y = _xy(spot, ZOOM)
    minx, miny, maxx, maxy = WEB_MERCATOR_QUAD.envelope(ZOOM, x, y)
    mx, my = TO_MERCATOR.transform(spot.x, spot.y)
    pixel = Point((mx - minx) / (maxx - minx) * 4096, (my - miny) / (maxy - miny) * 4096)
    collections = [COLLECTIONS[c] for c in layers.split(",")]
    with Session(engine) as session:
        built = tiles.cached_tile(
            session, collections, ZOOM, x, y, filters, EVERYTHING, WEB_MERCATOR_QUAD, None, 0
        )
    return mapbox_vector_tile.decode(built.data), pixel


def _tile_says(tile: dict, layer: str, pixel: Point, **props) -> bool:
    return any(
        all(f["properties"].get(k) == v for k, v in props.items())
        and shape(f["geometry"]).buffer(1).covers(pixel)
        for f in tile.get(layer, {}).get("features", [])
    )


def test_a_past_day_without_its_run_is_queued_and_refused_409(world):
    eng, day = world["engine"], world["day"]
    for collection in ("coverage", "dead_zones"):
        with pytest.raises(Conflict) as refused:
            _items(eng, collection, {"datetime": day.isoformat()})
        assert "not been computed yet" in refused.value.description and refused.value.headers["Retry-After"]
    with pytest.raises(Conflict):
        _tile(eng, "coverage,dead_zones", world["spot"], {"datetime": day.isoformat()})
    queued = _rows(
        eng,
        "SELECT count(*) FROM coverage_runs WHERE kind = 'dated' AND status = 'queued' AND as_of = :d",
        d=day,
    )
    assert queued[0][0] == 1  # once, however many readers asked
    # Nothing was built: no polygons of any run.
    assert _rows(eng, "SELECT count(*) FROM coverage_run_parts")[0][0] == 0


def test_the_site_is_absent_from_the_layers_of_the_day_before_it_and_present_today(world):
    eng, day, spot = world["engine"], world["day"], world["spot"]
    assert dated.run_queued(eng) is not None  # the worker computes the day asked for
    when = {"datetime": day.isoformat()}
    then_cov = _items(eng, "coverage", when)
    now_cov = _items(eng, "coverage", {})
    assert _covered_by_mbb(now_cov, spot) and not _covered_by_mbb(then_cov, spot)
    then_dead, now_dead = _items(eng, "dead_zones", when), _items(eng, "dead_zones", {})
    kind = world["kind"]
    assert _dead_at(then_dead, spot, kind) and not _dead_at(now_dead, spot, kind)
    # Today (and any day from the site's commissioning on) is the live layer.
    assert _items(eng, "coverage", {"datetime": today().isoformat()}) == now_cov
    assert _items(eng, "coverage", {"datetime": (day + timedelta(days=1)).isoformat()}) == now_cov
    # The polygons are kept under the run: a second request builds nothing.
    built = _rows(eng, "SELECT id, polygons_at FROM coverage_runs WHERE polygons_at IS NOT NULL")
    assert len(built) == 1
    parts = _rows(eng, "SELECT count(*) FROM coverage_run_parts")
    assert _items(eng, "coverage", when) == then_cov
    assert _rows(eng, "SELECT id, polygons_at FROM coverage_runs WHERE polygons_at IS NOT NULL") == built
    assert _rows(eng, "SELECT count(*) FROM coverage_run_parts") == parts
    # The tiles say the same, with the same `datetime`.
    tile, pixel = _tile(eng, "coverage,dead_zones", spot, when)
    assert not _tile_says(tile, "coverage", pixel, operator="all", tech_class="mbb")
    assert _tile_says(tile, "dead_zones", pixel, kind=kind, source="modelled")
    tile, pixel = _tile(eng, "coverage,dead_zones", spot, {})
    assert _tile_says(tile, "coverage", pixel, operator="all", tech_class="mbb")
    assert not _tile_says(tile, "dead_zones", pixel, kind=kind, source="modelled")


def test_the_polygons_of_the_day_equal_the_live_ones_of_the_same_network(world):
    """D's network is the one the live run computed before the site was added: its polygons — copied
    for the blocks the live run shares, vectorised again for the blocks around the site — are those."""
    eng, day = world["engine"], world["day"]
    run = _rows(
        eng, "SELECT id FROM coverage_runs WHERE kind = 'dated' AND status = 'done' AND as_of = :d", d=day
    )
    if not run:
        run = [(dated.run_dated(eng, day, processes=2).run_id,)]
    dated_layers.build_polygons(eng, run[0][0])
    redone = _rows(
        eng, "SELECT count(*) FROM coverage_run_blocks WHERE run_id = :r AND NOT reused", r=run[0][0]
    )
    assert redone[0][0] > 0  # the blocks the site reaches were evaluated again
    parts = _rows(
        eng,
        "WITH d AS (SELECT block_key, coalesce(operator_id, 0) AS op, tech_class, band, geom FROM coverage_run_parts "
        "WHERE run_id = :r), b AS (SELECT block_key, coalesce(operator_id, 0) AS op, tech_class, band, geom "
        "FROM before_parts) "
        "SELECT count(*) FILTER (WHERE d.geom IS NULL OR b.geom IS NULL OR NOT ST_Equals(d.geom, b.geom)), count(*) "
        "FROM d FULL JOIN b USING (block_key, op, tech_class, band)",  # op 0: any operator
        r=run[0][0],
    )
    assert parts[0][1] > 0 and parts[0][0] == 0
    zones = _rows(
        eng,
        "WITH d AS (SELECT * FROM coverage_run_dead_zones WHERE run_id = :r) "
        "SELECT count(*) FILTER (WHERE d.geom IS NULL OR b.geom IS NULL OR d.population <> b.population "
        "OR ST_Area(ST_SymDifference(d.geom, b.geom)::geography) > 1), count(*) "
        "FROM d FULL JOIN before_dead_zones b USING (hamlet_id, kind)",
        r=run[0][0],
    )
    assert zones[0][1] > 0 and zones[0][0] == 0


def test_an_interval_is_refused(world):
    from app.errors import InvalidParameter

    with pytest.raises(InvalidParameter):
        _items(world["engine"], "coverage", {"datetime": "2024-01-01/2024-03-31"})


def test_the_worker_builds_the_polygons_of_a_day_it_computes(world):
    """The worker computes a queued day and its polygons at once: the map's first request after its
    409 reads them (the day before D: the same network as D's, another dated run)."""
    from app.services.coverage.worker import CoverageWorker

    eng, day = world["engine"], world["day"] - timedelta(days=1)
    asof.request(eng, day)
    worker = CoverageWorker(0.2, engine=eng)
    t0 = time.monotonic()
    worker.start()
    try:
        while time.monotonic() - t0 < 60:
            done = _rows(
                eng,
                "SELECT id, polygons_at FROM coverage_runs WHERE kind = 'dated' AND status = 'done' AND as_of = :d",
                d=day,
            )
            if done and done[0].polygons_at is not None:
                break
            time.sleep(0.2)
    finally:
        worker.stop()
    print(f"worker: day computed with its polygons in {time.monotonic() - t0:.1f} s")
    assert done and done[0].polygons_at is not None, "the worker left the day without polygons"
    assert _rows(eng, "SELECT count(*) FROM coverage_run_parts WHERE run_id = :r", r=done[0].id)[0][0] > 0
    # The map's request builds nothing more.
    assert _dead_at(_items(eng, "dead_zones", {"datetime": day.isoformat()}), world["spot"], world["kind"])
    assert _rows(eng, "SELECT id, polygons_at FROM coverage_runs WHERE id = :r", r=done[0].id) == done


def test_a_site_dated_before_a_built_day_added_later_replaces_that_days_polygons(world):
    """D's polygons are built; then a site commissioned five days before D is entered. D's stored
    polygons no longer hold: D is refused (queued) rather than drawn from them, and once the worker
    has caught up D's layers show the new site, and still not the one commissioned after D."""
    eng, day, first = world["engine"], world["day"], world["spot"]
    when = {"datetime": day.isoformat()}
    with eng.connect() as conn:
        if asof.dated_run(conn, day) is None:  # run alone: D's run as the tests above leave it
            dated.run_dated(eng, day, processes=2)
    _items(eng, "coverage", when)  # D's polygons: built now, or read
    with eng.connect() as conn:  # a spot dead on D and today, 5 km or more from the first site
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p, area_km2 FROM dead_zones "
                "WHERE kind IN ('no_signal', 'no_mbb')) z WHERE ST_Distance(p::geography, "
                "ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography) > 5000 ORDER BY area_km2 DESC LIMIT 1"
            ),
            {"x": first.x, "y": first.y},
        ).one()
    second = Point(lon, lat)
    assert not _covered_by_mbb(_items(eng, "coverage", when), second)
    with eng.begin() as conn:
        put_up_site(conn, "HG-LOM-EARLIER", day - timedelta(days=5), lon, lat)
    with pytest.raises(Conflict):
        _items(eng, "coverage", when)
    assert coverage.run_incremental(eng) is not None  # the worker's two jobs, in its order
    assert dated_layers.run_queued(eng) is not None
    then_cov = _items(eng, "coverage", when)
    assert _covered_by_mbb(then_cov, second) and not _covered_by_mbb(then_cov, first)
    assert _covered_by_mbb(_items(eng, "coverage", {}), second)


# Over HTTP, on the session's database (its live run): the coverage layers are public, so every
# role and anonymous callers see them as today, and are told alike when a past day is not ready.
ROLES = [None, "planner1", "official1", "official934", "viettel1"]
PAST = "2001-01-01"  # before every site of the sample: never the live network


@pytest.fixture(scope="module")
def z8(engine) -> str:
    """z/x/y of a zoom-8 tile holding some of the live coverage."""
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM dead_zones LIMIT 1) x"
            )
        ).one()
    return "8/{}/{}".format(*_xy(Point(lon, lat), 8))


def _features(data: bytes) -> list[str]:
    """A tile's features, in an order of their own (the layers' SQL may list them in another)."""
    decoded = mapbox_vector_tile.decode(data)
    return sorted(json.dumps(f, sort_keys=True) for layer in decoded.values() for f in layer["features"])


@contextmanager
def not_computed(engine, day: str):
    """``day`` with no dated run while the block runs: a live server's worker (started by other
    tests of the session) would compute the day a request queues; it waits for the dated runs' lock,
    held here. Whatever was queued or computed for the day goes afterwards."""
    forget = text("DELETE FROM coverage_runs WHERE kind = 'dated' AND as_of = :d")
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": dated.DATED_LOCK})
        try:
            with engine.begin() as conn:
                conn.execute(forget, {"d": day})
            yield
        finally:
            with engine.begin() as conn:
                conn.execute(forget, {"d": day})
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": dated.DATED_LOCK})
            lock.commit()


def _caller(role, anon_client, client_as):
    return anon_client if role is None else client_as(role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("collection", ["coverage", "dead_zones"])
def test_every_role_sees_the_layer_of_today_with_datetime_today(role, collection, anon_client, client_as, z8):
    api = _caller(role, anon_client, client_as)
    plain = api.get(f"/ogc/collections/{collection}/items", params={"limit": 5})
    dated_today = api.get(
        f"/ogc/collections/{collection}/items", params={"limit": 5, "datetime": today().isoformat()}
    )
    assert plain.status_code == dated_today.status_code == 200
    assert dated_today.json()["numberMatched"] == plain.json()["numberMatched"] > 0
    assert [f["id"] for f in dated_today.json()["features"]] == [f["id"] for f in plain.json()["features"]]
    tile = api.get(f"/tiles/{collection}/{z8}.mvt", params={"datetime": today().isoformat()})
    assert tile.status_code == 200
    assert _features(tile.content) == _features(api.get(f"/tiles/{collection}/{z8}.mvt").content)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_told_a_past_day_is_being_computed(role, anon_client, client_as, engine, z8):
    api = _caller(role, anon_client, client_as)
    with not_computed(engine, PAST):
        for url in (
            "/ogc/collections/coverage/items",
            "/ogc/collections/dead_zones/items",
            f"/tiles/coverage,dead_zones/{z8}.mvt",
            f"/ogc/collections/coverage/tiles/WebMercatorQuad/{z8}",
        ):
            r = api.get(url, params={"datetime": PAST})
            assert r.status_code == 409, (url, r.status_code)
            assert r.headers["retry-after"] == str(dated_layers.RETRY_AFTER_S)
            body = r.json()
            assert body["queued"] is True and body["as_of"] == PAST
            assert "vùng phủ sóng ngày 2001-01-01 chưa được tính" in body["description"].lower()
        english = api.get(
            "/ogc/collections/coverage/items", params={"datetime": PAST}, headers={"Accept-Language": "en"}
        )
        assert "has not been computed yet" in english.json()["description"]
        assert (
            api.get(
                "/ogc/collections/coverage/items", params={"datetime": "2001-01-01/2001-12-31"}
            ).status_code
            == 400
        )

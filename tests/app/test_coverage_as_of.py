"""Coverage as of a day, on a copy of the sample province: a site put up after the last day of the
previous quarter covers a hamlet in the live run but not in the run as of that day; the indicators
of that day, closing that quarter and the blocks a dated run reuses follow from it."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import InvalidParameter
from app.models import FAP_KINDS
from app.services.clock import today
from app.services.coverage import dated
from app.services.coverage import runs as coverage
from app.services.coverage.inputs import load_operators
from app.services.reports import drilldown, periods
from app.services.reports.indicators import indicators_report
from gis.coverage import CellArrays, Grid, reaching
from gis.indicators import Quarter
from tests.app.test_coverage import _rows
from tests.conftest import sample_database

KEY = "mobile_bb_hamlet_coverage"
CELLS = [  # three strong 4G sectors: they cover the hamlet they stand in (tall, high power)
    {
        "technology": "4G",
        "band_mhz": 1800,
        "azimuth_deg": az,
        "beamwidth_deg": 65,
        "antenna_height_m": 45,
        "eirp_dbm": 62,
    }
    for az in (0, 120, 240)
]


def put_up_site(conn, code: str, commissioned_on, lon: float, lat: float) -> None:
    """A Viettel tower with the strong CELLS, in service from ``commissioned_on``."""
    site = conn.execute(
        text(
            "INSERT INTO sites (code, structure_type, height_m, owner_id, status, commissioned_on, geom) "
            "SELECT :code, 'tower', 48, id, 'active', :on, ST_SetSRID(ST_MakePoint(:x, :y), 4326) "
            "FROM operators WHERE short_name = 'Viettel' RETURNING id, owner_id"
        ),
        {"code": code, "on": commissioned_on, "x": lon, "y": lat},
    ).one()
    for i, c in enumerate(CELLS):
        conn.execute(
            text(
                "INSERT INTO cells (code, site_id, operator_id, technology, band_mhz, azimuth_deg, "
                "beamwidth_deg, antenna_height_m, eirp_dbm) VALUES (:code, :s, :o, :technology, "
                ":band_mhz, :azimuth_deg, :beamwidth_deg, :antenna_height_m, :eirp_dbm)"
            ),
            {"code": f"{code}-{i}", "s": site.id, "o": site.owner_id, **c},
        )


def _covered(engine) -> set[str]:
    return {
        r[0]
        for r in _rows(
            engine,
            "SELECT h.code FROM hamlet_coverage hc JOIN admin_units h ON h.id = hc.hamlet_id WHERE hc.mbb_covered",
        )
    }


def _district_counts(engine, district: str, covered: set[str]) -> tuple[int, int]:
    """(hamlets with mobile broadband, hamlets computed) under a hamlet's grandparent (its district),
    counted hamlet by hamlet."""
    hamlets = [
        r[0]
        for r in _rows(
            engine,
            "SELECT h.code FROM admin_units h JOIN admin_units c ON c.id = h.parent_id "
            "JOIN admin_units d ON d.id = c.parent_id JOIN hamlet_coverage hc ON hc.hamlet_id = h.id "
            "WHERE h.level = 'hamlet' AND d.code = :d AND hc.cells_total > 0",
            d=district,
        )
    ]
    return sum(code in covered for code in hamlets), len(hamlets)


def _indicator(world, **kw) -> tuple[dict, dict]:
    with Session(world["engine"]) as session:
        body = indicators_report(session, world["level"], code=world["district"], **kw)
    found = next(i for i in body["units"][0]["indicators"] if i["id"] == KEY)
    return found, body


@pytest.fixture(scope="module")
def world():
    """The sample with its live run; then a site commissioned the day after the previous quarter
    ended, at the least-covered-but-almost hamlet, and the live run updated incrementally."""
    quarter = Quarter.of(Quarter.of(today()).start - timedelta(days=1))
    day = quarter.last_day
    with sample_database("asof") as eng:
        # The hand derivation below needs the network of `day` to be today's but for our site.
        changed = _rows(
            eng, "SELECT count(*) FROM sites WHERE commissioned_on > :d OR decommissioned_on > :d", d=day
        )[0][0]
        assert changed == 0
        coverage.run_full(eng, processes=2)
        before = _covered(eng)
        hamlet, level, district, lon, lat = _rows(
            eng,
            "SELECT h.code, d.level, d.code, ST_X(ST_PointOnSurface(h.geom)), ST_Y(ST_PointOnSurface(h.geom)) "
            "FROM hamlet_coverage hc JOIN admin_units h ON h.id = hc.hamlet_id "
            "JOIN admin_units c ON c.id = h.parent_id JOIN admin_units d ON d.id = c.parent_id "
            "WHERE NOT hc.mbb_covered ORDER BY hc.mbb_share DESC, h.code LIMIT 1",
        )[0]
        with eng.begin() as conn:
            put_up_site(conn, "HG-MOI-2025", day + timedelta(days=1), lon, lat)
        assert coverage.run_incremental(eng) is not None
        after = _covered(eng)
        yield dict(
            engine=eng, quarter=quarter, day=day, hamlet=hamlet, level=level, district=district,
            lon=lon, lat=lat, before=before, after=after,
        )  # fmt: skip


def test_a_site_commissioned_after_the_day_covers_nothing_in_the_run_as_of_that_day(world):
    eng, day, hamlet = world["engine"], world["day"], world["hamlet"]
    assert hamlet not in world["before"] and hamlet in world["after"]  # the live run: covered now
    summary = coverage.run_full(eng, as_of=day, processes=2)
    assert summary.kind == "dated" and summary.blocks > 0
    covered_then = {
        r[0]
        for r in _rows(
            eng,
            "SELECT h.code FROM coverage_run_blocks b JOIN coverage_block_counts k ON k.input_hash = b.input_hash "
            "JOIN admin_units h ON h.id = k.hamlet_id WHERE b.run_id = :r GROUP BY h.code "
            "HAVING sum(k.cells_mbb_any)::float / sum(k.cells_total) >= 0.95",
            r=summary.run_id,
        )
    }
    assert hamlet not in covered_then
    assert covered_then == world["before"]  # the network of that day is today's without the site
    # The live layers (map, tiles, OGC) are untouched: still today's coverage.
    assert _covered(eng) == world["after"]
    assert _rows(
        eng, "SELECT kind FROM coverage_runs WHERE status = 'done' AND kind <> 'dated' ORDER BY id DESC"
    )[0][0] in ("full", "incremental")


def test_the_indicators_of_a_day_use_its_run_and_say_its_day(world):
    eng, day, district = world["engine"], world["day"], world["district"]
    covered_then, hamlets = _district_counts(eng, district, world["before"])
    covered_now, _ = _district_counts(eng, district, world["after"])
    assert covered_now > covered_then  # the site's hamlet is in this district
    coverage.run_full(eng, as_of=day, processes=2)
    then, body = _indicator(world, as_of=day)
    assert (then["numerator"], then["denominator"]) == (covered_then, hamlets)
    assert then["value"] == round(100 * covered_then / hamlets, 1)
    assert body["coverage_as_of"] == day
    now, body = _indicator(world, as_of=today())
    assert (now["numerator"], now["denominator"]) == (covered_now, hamlets)
    assert body["coverage_as_of"] == today()


def _gap(body: dict, hamlet: str) -> dict | None:
    return next((h for h in body["hamlets"] if h["code"] == hamlet), None)


def test_the_drilldown_of_a_past_open_quarter_shows_coverage_and_ftth_as_of_its_last_day(world):
    """A hamlet covered today by the site (and reached by an access point) put in service after the
    quarter's last day is listed uncovered (and without FTTH) in that quarter's drill-down."""
    eng, quarter, day, hamlet, district = (
        world[k] for k in ("engine", "quarter", "day", "hamlet", "district")
    )
    coverage.run_full(eng, as_of=day, processes=2)
    with eng.begin() as conn:  # an access point reaching the whole hamlet, in service the day after
        conn.execute(
            text(
                "INSERT INTO fibre_access_points (code, operator_id, kind, ports_total, service_radius_m, status, "
                "in_service_from, geom) SELECT 'HG-ODP-MOI', o.id, :kind, 16, "
                "least(ceil(ST_Length(ST_LongestLine(p.g, h.geom)::geography)) + 50, 5000), 'active', :on, p.g "
                "FROM operators o, admin_units h, (SELECT ST_SetSRID(ST_MakePoint(:x, :y), 4326) AS g) p "
                "WHERE o.short_name = 'Viettel' AND h.level = 'hamlet' AND h.code = :h AND h.valid_to IS NULL"
            ),
            {
                "kind": FAP_KINDS[0],
                "on": day + timedelta(days=1),
                "x": world["lon"],
                "y": world["lat"],
                "h": hamlet,
            },
        )
    coverage.run_incremental(eng)
    with Session(eng) as session:
        now = drilldown.hamlet_gaps(session, district)
        then = drilldown.hamlet_gaps(session, district, str(quarter))
        asked = drilldown.hamlet_gaps(session, district, as_of=day)
    assert now["as_of"] == today() and then["as_of"] == asked["as_of"] == day and not then["closed"]
    assert _gap(now, hamlet) is None  # covered and reached today: not a gap
    listed = _gap(then, hamlet)
    assert listed is not None and listed["mbb_covered"] is False and listed["ftth_covered"] is False
    assert listed["dead_zone_area_km2"] > 0 and listed["ftth_share"] < 0.8
    assert _gap(asked, hamlet) == listed
    # Every hamlet of the district the day's run counts as covered is off the list, the others on it.
    gaps = {h["code"] for h in then["hamlets"] if h["mbb_covered"] is not True}
    covered_then = world["before"]
    assert hamlet in gaps and not gaps & covered_then


def test_a_past_day_without_its_run_is_answered_live_and_queued_for_the_worker(world):
    eng, district = world["engine"], world["district"]
    day = world["day"] - timedelta(days=1)
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM coverage_runs WHERE kind = 'dated' AND as_of = :d"), {"d": day})
    first, body = _indicator(world, as_of=day)
    assert body["coverage_as_of"] == today()  # the live run's day, not the one asked for
    assert first["numerator"] == _district_counts(eng, district, world["after"])[0]
    queued = _rows(
        eng,
        "SELECT count(*) FROM coverage_runs WHERE kind = 'dated' AND status = 'queued' AND as_of = :d",
        d=day,
    )
    assert queued[0][0] == 1
    summary = dated.run_queued(eng)
    assert summary is not None and summary.reused == summary.blocks  # the day before is the same network
    assert dated.run_queued(eng) is None
    second, body = _indicator(world, as_of=day)
    assert body["coverage_as_of"] == day
    assert second["numerator"] == _district_counts(eng, district, world["before"])[0]


def test_a_dated_run_reuses_every_block_but_those_the_changed_site_reaches(world):
    eng, day = world["engine"], world["day"]
    same = coverage.run_full(eng, as_of=today(), processes=2)  # today's network: the live run's blocks
    assert same.reused == same.blocks > 0
    with eng.begin() as conn:  # forget the runs as of `day`: its blocks come from the live run only
        conn.execute(text("DELETE FROM coverage_runs WHERE kind = 'dated' AND as_of <> :t"), {"t": today()})
        coverage.forget_unused_blocks(conn)
    other = coverage.run_full(eng, as_of=day, processes=2)
    computed = {
        r[0]
        for r in _rows(
            eng, "SELECT block_key FROM coverage_run_blocks WHERE run_id = :r AND NOT reused", r=other.run_id
        )
    }
    params = coverage.coverage_params()
    with eng.connect() as conn:
        operators, _ = load_operators(conn)
    site = CellArrays.from_records(
        [dict(c, lon=world["lon"], lat=world["lat"], operator="Viettel") for c in CELLS],
        operators,
        crs=params.crs,
    )
    grid = Grid.for_params(params)
    keys = [
        r[0]
        for r in _rows(eng, "SELECT block_key FROM coverage_run_blocks WHERE run_id = :r", r=other.run_id)
    ]
    near = {k for k in keys if reaching(grid.block(k), site, params).size}
    assert computed == near and 0 < len(near) < other.blocks
    assert other.reused == other.blocks - len(near)


def test_closing_the_quarter_uses_the_run_as_of_its_last_day(world):
    eng, quarter, district = world["engine"], world["quarter"], world["district"]
    covered_then, hamlets = _district_counts(eng, district, world["before"])
    with Session(eng) as session:
        closed = periods.close_period(session, str(quarter), closed_by="test")
    run_id = closed["coverage_run"]["id"]
    kind, as_of = _rows(eng, "SELECT kind, as_of FROM coverage_runs WHERE id = :r", r=run_id)[0]
    assert (kind, as_of) == ("dated", quarter.last_day)
    frozen, body = _indicator(world, period=str(quarter))
    assert body["closed"] and body["coverage_as_of"] == quarter.last_day
    assert (frozen["numerator"], frozen["denominator"]) == (covered_then, hamlets)
    assert frozen["value"] == round(100 * covered_then / hamlets, 1)


def test_a_future_day_is_refused(world):
    with pytest.raises(InvalidParameter, match="in the future"):
        dated.run_dated(world["engine"], today() + timedelta(days=1))


def test_a_corrected_commissioning_day_makes_the_run_of_that_day_stale(world):
    eng, day, district = world["engine"], world["day"], world["district"]
    coverage.run_full(eng, as_of=day, processes=2)
    assert _indicator(world, as_of=day)[1]["coverage_as_of"] == day
    with eng.begin() as conn:  # the site was in fact on air on the quarter's last day
        conn.execute(text("UPDATE sites SET commissioned_on = :d WHERE code = 'HG-MOI-2025'"), {"d": day})
    found, body = _indicator(world, as_of=day)  # the stored run no longer describes that day
    assert body["coverage_as_of"] == today()
    coverage.run_incremental(eng)  # the worker: live layers first, the stale run marked so
    status = _rows(
        eng, "SELECT status FROM coverage_runs WHERE kind = 'dated' AND as_of = :d ORDER BY id", d=day
    )
    # Stale, the runs of that day: the closed quarter's (kept, it names it) and the latest one.
    assert [s for (s,) in status] == ["stale", "stale", "queued"]
    summary = dated.run_queued(eng)
    assert summary is not None and summary.reused == summary.blocks  # that day's network is now today's
    found, body = _indicator(world, as_of=day)
    assert body["coverage_as_of"] == day
    assert found["numerator"] == _district_counts(eng, district, world["after"])[0]

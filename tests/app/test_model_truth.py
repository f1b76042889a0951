"""Model truth on the tiny province: one 4G cell of operator A, speed tests measured exactly 6 dB below
what the stored raster predicts at their grid cells → the comparison, the fitted offset −6 dB and
the agreement before and after known by hand; accepting it changes the next run's raster by exactly
−6 dB (and the blocks' input digests), withdrawing it restores the bare model."""

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound
from app.services.audit import Actor
from app.services.coverage import calibration
from app.services.coverage import runs as coverage
from app.services.coverage.inputs import load_inputs
from gis.block_analysis import decode_raster
from gis.coverage import MBB, NO_SIGNAL, CoverageParams
from gis.crs import to_lonlat
from gis.grid import Grid

PARAMS = CoverageParams(cell_m=100.0, block_cells=16)
PLANNER = Actor(None, "planner-thu", "planner")
SITE = (105.504, 9.805)  # S3 of the tiny province: active, tenants A and B


def _run(engine) -> int:
    return coverage.run_full(engine, params=PARAMS, processes=1).run_id


def _levels(engine) -> dict[tuple[str, int, int], float]:
    """(block, row, col) → operator A's stored 4G/5G level, where it has one."""
    out = {}
    with engine.connect() as conn:
        for r in conn.execute(text("SELECT block_key, operators, ny, nx, data FROM coverage_rasters")):
            raster = decode_raster(r.data, (len(r.operators), 2, r.ny, r.nx))[
                list(r.operators).index("A"), MBB
            ]
            for row, col in zip(*np.nonzero(raster > NO_SIGNAL), strict=True):
                out[(r.block_key, int(row), int(col))] = float(raster[row, col])
    return out


@pytest.fixture
def measured(tiny, request):
    """The tiny province, A's omni 4G cell, a run, and one speed test (with RSRP 6 dB below the model,
    or ``request.param`` dB off) at the centre of every 4th grid cell A covers; returns
    (engine, {(block,row,col): predicted})."""
    delta_db = getattr(request, "param", -6.0)
    with tiny.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cells (code, site_id, operator_id, technology, band_mhz, azimuth_deg, beamwidth_deg, "
                "antenna_height_m, eirp_dbm) SELECT 'S3-A-4G', s.id, o.id, '4G', 1800, NULL, 360, 30, 52 "
                "FROM sites s, operators o WHERE s.code = 'S3' AND o.short_name = 'A'"
            )
        )
    _run(tiny)
    levels = _levels(tiny)
    grid = Grid.for_params(PARAMS)
    chosen = dict(sorted(levels.items())[::4])
    rows = []
    for i, ((key, row, col), level) in enumerate(chosen.items()):
        block = grid.block(key)
        x = block.x0_m + (col + 0.5) * PARAMS.cell_m
        y = block.y0_m + (block.ny - row - 0.5) * PARAMS.cell_m
        (lon,), (lat,) = to_lonlat([x], [y], PARAMS.crs)
        at = datetime(2025, 3, 1, 8, 0, i % 60, tzinfo=UTC)
        rows.append(
            {"code": f"DT-{i:04d}", "at": at, "rsrp": level + delta_db, "lon": float(lon), "lat": float(lat)}
        )
    with tiny.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO speed_tests (code, measured_at, operator_id, technology, download_mbps, upload_mbps, "
                "rsrp_dbm, geom) SELECT :code, :at, id, '4G', 20, 5, :rsrp, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) "
                "FROM operators WHERE short_name = 'A'"
            ),
            rows,
        )
    return tiny, chosen


def _truth(engine) -> dict:
    with engine.connect() as conn:
        card = conn.execute(text("SELECT card FROM coverage_runs ORDER BY id DESC LIMIT 1")).scalar_one()
        return calibration.model_truth(conn, card)


def test_six_db_below_the_model_fits_minus_six(measured):
    engine, chosen = measured
    predicted = np.array(list(chosen.values()))
    assert predicted.size >= 20
    # By hand: the model calls covered ≥ −105; the measurement (6 dB lower) only where predicted ≥ −99.
    disagree = int(((predicted >= -105) & (predicted < -99)).sum())
    both = int((predicted >= -99).sum())
    assert disagree > 0 and both > 0
    truth = _truth(engine)
    [group] = truth["groups"]
    assert (group["operator"], group["technology"], group["n"]) == ("A", "4G", predicted.size)
    assert group["confusion"] == {
        "both_covered": both,
        "model_only": disagree,
        "measured_only": 0,
        "neither": predicted.size - both - disagree,
    }
    assert group["agreement"] == round((predicted.size - disagree) / predicted.size, 4)
    assert (group["median_error_db"], group["mean_error_db"]) == (6.0, 6.0)
    [proposal] = truth["proposals"]
    assert proposal == {
        "operator": "A",
        "tech_class": "mbb",
        "offset_db": -6.0,
        "samples": predicted.size,
        "agreement_before": group["agreement"],
        "agreement_after": 1.0,
        "median_error_before_db": 6.0,
        "median_error_after_db": 0.0,
    }
    assert truth["in_force"] == [] and truth["samples"] == truth["samples_placed"] == predicted.size


def test_accepting_changes_the_next_run_and_withdrawing_restores_it(measured):
    engine, chosen = measured
    before = _levels(engine)
    with engine.connect() as conn:
        hashes_before = coverage.input_hashes(
            *_inputs_and_blocks(conn),
            PARAMS,
        )
    with engine.begin() as conn:
        with pytest.raises(Conflict):  # the planner saw another offset: the samples changed since
            calibration.accept(conn, "A", "mbb", -5.0, PLANNER)
    with engine.begin() as conn:
        accepted = calibration.accept(conn, "A", "mbb", -6.0, PLANNER)
    assert (accepted["offset_db"], accepted["samples"], accepted["accepted_by"]) == (
        -6.0,
        len(chosen),
        "planner-thu",
    )
    with engine.connect() as conn:
        queued = conn.execute(text("SELECT count(*) FROM coverage_dirty WHERE source = 'cells'")).scalar_one()
        assert queued == 1  # A's one cell: the worker recomputes what it reaches
        hashes_after = coverage.input_hashes(*_inputs_and_blocks(conn), PARAMS)
    assert hashes_after.keys() == hashes_before.keys()
    changed = {k for k in hashes_before if hashes_after[k] != hashes_before[k]}
    assert changed == {key for key, _, _ in before}  # the blocks A's cell reaches, no other
    run_id = _run(engine)
    after = _levels(engine)
    # 6 dB lower (to the rasters' 0.1 dB) where the level stays above the floor; below it, no signal.
    floor = PARAMS.floor_dbm
    edge = {k for k, v in before.items() if abs(v - 6.0 - floor) <= 0.1}  # stored to 0.1 dB: either side
    expected = {k: v - 6.0 for k, v in before.items() if v - 6.0 > floor + 0.1}
    assert set(after) - edge == set(expected)
    assert max(abs(after[k] - v) for k, v in expected.items()) <= 0.1 + 1e-6
    with engine.connect() as conn:
        card = conn.execute(
            text("SELECT card FROM coverage_runs WHERE id = :id"), {"id": run_id}
        ).scalar_one()
    [offset] = card["calibration"]["offsets"]
    assert (offset["operator"], offset["tech_class"], offset["offset_db"]) == ("A", "mbb", -6.0)
    truth = _truth(engine)
    assert truth["groups"][0]["agreement"] == 1.0 and truth["groups"][0]["median_error_db"] == 0.0
    assert truth["proposals"][0]["offset_db"] == -6.0  # fitted on the bare model: the same offset, not −12
    assert [c["offset_db"] for c in truth["in_force"]] == [-6.0]

    with engine.begin() as conn:
        calibration.withdraw(conn, "A", "mbb", PLANNER)
    with engine.begin() as conn, pytest.raises(NotFound):
        calibration.withdraw(conn, "A", "mbb", PLANNER)
    card = coverage.run_full(engine, params=PARAMS, processes=1)
    assert _levels(engine) == before
    with engine.connect() as conn:
        card = conn.execute(
            text("SELECT card FROM coverage_runs WHERE id = :id"), {"id": card.run_id}
        ).scalar_one()
        assert card["calibration"]["offsets"] == []
        audit = conn.execute(
            text("SELECT action, actor FROM audit_log WHERE entity = 'coverage_calibrations' ORDER BY id")
        ).all()
    assert [tuple(a) for a in audit] == [("create", "planner-thu"), ("update", "planner-thu")]


def _inputs_and_blocks(conn):
    inputs = load_inputs(conn, PARAMS)
    return inputs, coverage.province_blocks(inputs.hamlets, PARAMS)


def test_refusals(measured):
    engine, _ = measured
    with engine.begin() as conn, pytest.raises(NotFound) as err:
        calibration.accept(conn, "B", "mbb", 0.0, PLANNER)  # B has no samples: nothing proposed
    assert err.value.reasons[0].code == "calibration.no_proposal"
    with engine.begin() as conn, pytest.raises(NotFound) as err:
        calibration.accept(conn, "C", "mbb", 0.0, PLANNER)  # C is a fixed-line operator
    assert err.value.reasons[0].code == "calibration.unknown_operator"
    with engine.begin() as conn, pytest.raises(NotFound):
        calibration.withdraw(conn, "A", "mbb", PLANNER)
    with engine.begin() as conn, pytest.raises(IntegrityError):  # at most one in force per operator and class
        for _ in range(2):
            conn.execute(
                text(
                    "INSERT INTO coverage_calibrations (operator_id, tech_class, offset_db, samples, accepted_by) "
                    "SELECT id, 'mbb', -1, 5, 'x' FROM operators WHERE short_name = 'A'"
                )
            )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM coverage_calibrations")).scalar_one() == 0


@pytest.mark.parametrize("measured", [-6.0, 4.0], indirect=True)
def test_the_worker_recomputes_as_a_full_run_would(measured):
    """Acceptance and withdrawal queue the operator's cells: the incremental runs then give the
    layers a full run gives (a positive offset reaches farther: those blocks are redone too)."""
    engine, _ = measured
    bare = _levels(engine)
    with engine.begin() as conn:
        offset = calibration.model_truth(conn, _card(conn))["proposals"][0]["offset_db"]
        calibration.accept(conn, "A", "mbb", offset, PLANNER)
    assert coverage.run_incremental(engine, params=PARAMS) is not None
    calibrated = _levels(engine)
    assert calibrated != bare
    _run(engine)
    assert _levels(engine) == calibrated
    with engine.begin() as conn:
        calibration.withdraw(conn, "A", "mbb", PLANNER)
    assert coverage.run_incremental(engine, params=PARAMS) is not None
    assert _levels(engine) == bare


def _card(conn) -> dict:
    return conn.execute(text("SELECT card FROM coverage_runs ORDER BY id DESC LIMIT 1")).scalar_one()

"""gis.model_truth on hand-counted samples: covered by level or by speed, the confusion table, the
signal error and the robust offset."""

import math

import numpy as np
import pytest

from gis.coverage import NO_SIGNAL
from gis.grid import Grid
from gis.model_truth import calibrated, cell_index, compare, fit_offset, measured_covered

THRESHOLD = -105.0
NAN = math.nan


def test_covered_by_level_when_the_sample_has_one_else_by_the_speed_tier():
    rsrp = [-105.0, -105.1, NAN, NAN, NAN, NAN, -90.0]
    down = [0.0, 500.0, 5.0, 4.9, 7.0, 6.9, 1.0]  # a level decides, whatever the speed
    up = [0.0, 50.0, 1.0, 1.0, 1.0, 1.0, 0.1]
    tech = ["4G", "4G", "4G", "4G", "5G", "5G", "5G"]
    got = measured_covered(rsrp, down, up, tech, THRESHOLD)
    assert got.tolist() == [True, False, True, False, True, False, True]
    assert measured_covered([NAN], [5.0], [0.9], ["4G"], THRESHOLD).tolist() == [False]  # upload short
    assert measured_covered([NAN], [900.0], [900.0], ["fixed"], THRESHOLD).tolist() == [False]


def test_confusion_agreement_and_signal_error_counted_by_hand():
    # model:    covered, covered, not,  not (no signal), covered
    predicted = [-90.0, -100.0, -110.0, NO_SIGNAL, -104.0]
    # measured: covered, not,     covered, not,          not
    rsrp = [-92.0, -110.0, -101.0, -120.0, NAN]
    covered = [True, False, True, False, False]
    c = compare(predicted, covered, rsrp, THRESHOLD)
    assert (c.n, c.both_covered, c.model_only, c.measured_only, c.neither) == (5, 1, 2, 1, 1)
    assert c.agreement == 2 / 5
    # errors predicted − measured of the 3 samples with both: 2, 10, −9 → median 2, mean 1
    assert (c.signal_n, c.median_error_db, c.mean_error_db) == (3, 2.0, 1.0)
    assert c.to_dict()["confusion"] == {"both_covered": 1, "model_only": 2, "measured_only": 1, "neither": 1}


def test_measurements_six_db_below_the_model_fit_minus_six_and_then_agree():
    predicted = np.array([-80.0, -95.0, -100.0, -101.5, -103.0, -104.9, NO_SIGNAL])
    rsrp = predicted - 6.0
    rsrp[-1] = -118.0
    covered = measured_covered(rsrp, [50.0] * 7, [10.0] * 7, ["4G"] * 7, THRESHOLD)
    assert covered.tolist() == [True, True, False, False, False, False, False]
    before = compare(predicted, covered, rsrp, THRESHOLD)
    assert before.agreement == 3 / 7  # −100 … −104.9 are covered by the model, not measured
    assert (before.median_error_db, before.mean_error_db) == (6.0, 6.0)
    fit = fit_offset(predicted, rsrp)
    assert (fit.offset_db, fit.samples) == (-6.0, 6)
    after = compare(calibrated(predicted, fit.offset_db), covered, rsrp, THRESHOLD)
    assert after.agreement == 1.0 and after.median_error_db == 0.0


def test_the_offset_is_the_median_so_an_outlier_does_not_move_it():
    predicted = [-90.0, -90.0, -90.0, -90.0, -90.0]
    rsrp = [-93.0, -93.0, -93.0, -94.0, -140.0]  # one indoor sample 50 dB down
    assert fit_offset(predicted, rsrp).offset_db == -3.0
    assert fit_offset(predicted[:4], rsrp[:4]) is None  # too few samples
    assert fit_offset([-90.0, -90.0, -90.0], [-92.04, -92.06, -92.2], min_samples=3).offset_db == -2.1
    assert fit_offset([-90.0] * 5, [-90.0] * 5).offset_db == 0.0
    assert math.copysign(1, fit_offset([-90.0] * 5, [-90.01] * 5).offset_db) == 1  # not −0.0


def test_no_signal_stays_no_signal_when_calibrated():
    assert calibrated([-100.0, NO_SIGNAL], 6.0).tolist() == [-94.0, NO_SIGNAL]
    assert calibrated([-100.0, NO_SIGNAL], -6.0).tolist() == [-106.0, NO_SIGNAL]


def test_cell_index_is_north_up():
    block = Grid(cell_m=50.0, block_cells=4).block_at(1, 2)  # x 200 … 400, y 400 … 600
    x = [200.0, 399.9, 225.0, 199.9, 300.0, 400.0]
    y = [599.9, 400.0, 575.0, 500.0, 600.0, 500.0]
    row, col, inside = cell_index(block, x, y)
    assert inside.tolist() == [True, True, True, False, False, False]  # borders: east and north
    assert row.tolist()[:3] == [0, 3, 0] and col.tolist()[:3] == [0, 3, 0]


def test_empty_inputs():
    c = compare([], [], [], THRESHOLD)
    assert (c.n, c.agreement, c.median_error_db) == (0, None, None)
    assert fit_offset([], []) is None


@pytest.mark.parametrize("offset", [-6.0, 3.5])
def test_calibrated_error_is_the_error_plus_the_offset(offset):
    predicted, rsrp = [-90.0, -99.0, -101.0], [-95.0, -100.0, -104.0]
    base = compare(predicted, [True] * 3, rsrp, THRESHOLD)
    shifted = compare(calibrated(predicted, offset), [True] * 3, rsrp, THRESHOLD)
    assert shifted.median_error_db == pytest.approx(base.median_error_db + offset)

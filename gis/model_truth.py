"""Model truth: the predicted signal against speed-test samples, and a calibration offset fitted to them.

"Covered" means the same thing on both sides:

* predicted — the best server's level of the operator (class mbb = 4G/5G for a 4G or 5G test) at the
  grid cell holding the sample is at least the outdoor threshold (−105 dBm RSRP by default,
  ``CoverageParams.outdoor_threshold_dbm``: the level the coverage layers call covered);
* measured — when the sample carries its RSRP, that level is at least the same threshold; otherwise
  its speeds reach the FCC BDC mobile tier of its technology (4G LTE 5/1 Mbps, 5G-NR 7/1 Mbps;
  research mission-anchors §1.2) — the speed a −105 dBm RSRP link is planned to carry, far below the
  plan's 70 Mb/s average target, which judges averages, not a single spot.

The signal error is ``predicted − measured`` (dB) over the samples that carry a level and whose
prediction is above the model's floor (a NO_SIGNAL prediction has no level to compare). The
calibration offset is the median of ``measured − predicted``: it makes the median error zero and
minimises the mean absolute error, so a few indoor or faulty samples cannot drag it (robust, unlike
a mean). A calibrated prediction is ``predicted + offset``; NO_SIGNAL stays NO_SIGNAL (the stored
raster keeps no level below the floor: a positive offset reveals those only in the next run).

Example
-------
>>> import numpy as np
>>> predicted = np.array([-80.0, -100.0, -103.0, NO_SIGNAL])
>>> rsrp = np.array([-86.0, -106.0, -109.0, np.nan])
>>> covered = measured_covered(rsrp, np.array([30.0, 9.0, 9.0, 2.0]), np.array([8.0, 2.0, 2.0, 0.5]),
...                            np.array(["4G"] * 4), -105.0)
>>> covered.tolist()
[True, False, False, False]
>>> compare(predicted, covered, rsrp, -105.0).agreement
0.5
>>> fit_offset(predicted, rsrp, min_samples=3).offset_db
-6.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gis.coverage import NO_SIGNAL
from gis.grid import Block

__all__ = [
    "SPEED_TIERS_MBPS",
    "COVERED_RULE",
    "OFFSET_RULE",
    "MIN_CALIBRATION_SAMPLES",
    "Comparison",
    "Fit",
    "measured_covered",
    "calibrated",
    "compare",
    "fit_offset",
    "cell_index",
]

# (download, upload) Mb/s a test must reach to count as covered when it carries no signal level.
SPEED_TIERS_MBPS = {"4G": (5.0, 1.0), "5G": (7.0, 1.0)}
COVERED_RULE = (
    "predicted: the operator's best 4G/5G level at the sample's grid cell ≥ the outdoor threshold; "
    "measured: the sample's RSRP ≥ the same threshold, or without RSRP its speeds ≥ the FCC BDC tier "
    "(4G 5/1 Mb/s, 5G 7/1 Mb/s)"
)
OFFSET_RULE = (
    "offset = median(measured RSRP − predicted level) over the samples with both: median error 0, "
    "least mean absolute error, robust to outliers; added to the EIRP of the operator's cells of the "
    "class before propagation"
)
MIN_CALIBRATION_SAMPLES = 5  # fewer samples with a level: no offset is proposed
_OFFSET_STEP_DB = 0.1  # the rasters' resolution (gis.block_analysis.encode_raster)


@dataclass(frozen=True)
class Comparison:
    """Agreement on covered / not covered, the confusion table, and the signal error (dB)."""

    n: int
    both_covered: int  # model and measurement say covered
    model_only: int  # the model says covered, the measurement does not
    measured_only: int  # the measurement says covered, the model does not
    neither: int
    signal_n: int  # samples with a level and a prediction above the floor
    median_error_db: float | None  # predicted − measured
    mean_error_db: float | None

    @property
    def agreement(self) -> float | None:
        return (self.both_covered + self.neither) / self.n if self.n else None

    def to_dict(self) -> dict:
        agreement = self.agreement
        return {
            "n": self.n,
            "agreement": None if agreement is None else round(agreement, 4),
            "confusion": {
                "both_covered": self.both_covered,
                "model_only": self.model_only,
                "measured_only": self.measured_only,
                "neither": self.neither,
            },
            "signal_n": self.signal_n,
            "median_error_db": self.median_error_db,
            "mean_error_db": self.mean_error_db,
        }


@dataclass(frozen=True)
class Fit:
    offset_db: float
    samples: int


def measured_covered(rsrp_dbm, download_mbps, upload_mbps, technology, threshold_dbm: float) -> np.ndarray:
    """Whether each sample measured coverage: its RSRP ≥ threshold when it has one (not NaN), else
    its speeds ≥ its technology's tier (``SPEED_TIERS_MBPS``; an unknown technology: not covered)."""
    rsrp = np.asarray(rsrp_dbm, dtype=float)
    tech = np.asarray(technology).astype(str)
    tiers = np.array([SPEED_TIERS_MBPS.get(t, (np.inf, np.inf)) for t in tech.tolist()], dtype=float)
    tiers = tiers.reshape(-1, 2)
    fast = (np.asarray(download_mbps, dtype=float) >= tiers[:, 0]) & (
        np.asarray(upload_mbps, dtype=float) >= tiers[:, 1]
    )
    return np.where(np.isnan(rsrp), fast, rsrp >= threshold_dbm)


def calibrated(predicted_dbm, offset_db: float) -> np.ndarray:
    """``predicted + offset`` where the model has a level; NO_SIGNAL stays NO_SIGNAL."""
    levels = np.asarray(predicted_dbm, dtype=float)
    return np.where(levels <= NO_SIGNAL, NO_SIGNAL, levels + offset_db)


def _rounded(value) -> float | None:
    return None if value is None else round(float(value), 2)


def compare(predicted_dbm, covered, rsrp_dbm, threshold_dbm: float) -> Comparison:
    """Predictions (dBm, NO_SIGNAL below the floor) against what the samples measured
    (``covered`` from :func:`measured_covered`, ``rsrp_dbm`` NaN where the sample has no level)."""
    predicted = np.asarray(predicted_dbm, dtype=float)
    model = predicted >= threshold_dbm
    measured = np.asarray(covered, dtype=bool)
    rsrp = np.asarray(rsrp_dbm, dtype=float)
    paired = ~np.isnan(rsrp) & (predicted > NO_SIGNAL)
    errors = predicted[paired] - rsrp[paired]
    return Comparison(
        n=int(predicted.size),
        both_covered=int((model & measured).sum()),
        model_only=int((model & ~measured).sum()),
        measured_only=int((~model & measured).sum()),
        neither=int((~model & ~measured).sum()),
        signal_n=int(paired.sum()),
        median_error_db=_rounded(np.median(errors)) if errors.size else None,
        mean_error_db=_rounded(errors.mean()) if errors.size else None,
    )


def fit_offset(predicted_dbm, rsrp_dbm, min_samples: int = MIN_CALIBRATION_SAMPLES) -> Fit | None:
    """The robust offset (``OFFSET_RULE``) on the 0.1 dB grid of the rasters, or None when fewer
    than ``min_samples`` samples carry both a level and a prediction above the floor."""
    predicted = np.asarray(predicted_dbm, dtype=float)
    rsrp = np.asarray(rsrp_dbm, dtype=float)
    paired = ~np.isnan(rsrp) & (predicted > NO_SIGNAL)
    if int(paired.sum()) < min_samples:
        return None
    offset = float(np.median(rsrp[paired] - predicted[paired]))
    offset = round(round(offset / _OFFSET_STEP_DB) * _OFFSET_STEP_DB, 1) + 0.0  # no −0.0
    return Fit(offset, int(paired.sum()))


def cell_index(block: Block, x_m, y_m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, inside) of metric points in ``block``'s north-up raster (row 0 = north edge);
    row and col are 0 where ``inside`` is False."""
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    col = np.floor((x - block.x0_m) / block.cell_m).astype(np.int64)
    # Cells are half-open like the grid's blocks, [x0, x0 + cell) × [y0, y0 + cell): a point on a
    # border belongs to the cell (and block) to its east and north.
    row = block.ny - 1 - np.floor((y - block.y0_m) / block.cell_m).astype(np.int64)
    inside = (col >= 0) & (col < block.nx) & (row >= 0) & (row < block.ny)
    return np.where(inside, row, 0), np.where(inside, col, 0), inside

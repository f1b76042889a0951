"""Horizontal antenna pattern of a sector (vectorised).

3GPP TR 36.814 V9.2.0 Table A.2.1.1-2 (and TR 36.942 §4.2.1) give the sector antenna's
horizontal attenuation relative to boresight:

    A(φ) = min(12 · (φ / φ_3dB)², A_m)

with φ the angle off boresight in degrees (−180 … 180), φ_3dB the half-power beamwidth and
A_m the front-to-back ratio (25 dB in 36.942 / 36.814 for macro cells). Omnidirectional cells
(azimuth NaN/None or beamwidth ≥ 360°) have no horizontal attenuation. The vertical pattern
(tilt) is not modelled: over flat delta land at the ranges used here, the main lobe's elevation
angle is within a degree or two of the horizon.

Example
-------
>>> float(sector_attenuation_db(32.5, 0.0, 65.0))   # half the beamwidth off boresight
3.0
"""

from __future__ import annotations

import numpy as np

__all__ = ["FRONT_TO_BACK_DB", "off_boresight_deg", "bearing_deg", "sector_attenuation_db"]

FRONT_TO_BACK_DB = 25.0


def off_boresight_deg(bearing_deg, azimuth_deg):
    """|bearing − azimuth| wrapped to 0 … 180°."""
    diff = np.abs(np.asarray(bearing_deg, dtype=float) - np.asarray(azimuth_deg, dtype=float)) % 360.0
    return np.minimum(diff, 360.0 - diff)


def bearing_deg(dx_m, dy_m):
    """Grid bearing (degrees clockwise from grid north, 0 … 360) of the offset (dx, dy)."""
    return np.degrees(np.arctan2(dx_m, dy_m)) % 360.0


def sector_attenuation_db(bearing_deg, azimuth_deg, beamwidth_deg, front_to_back_db=FRONT_TO_BACK_DB):
    """Attenuation in dB towards ``bearing_deg`` of a sector pointing at ``azimuth_deg``.

    All arguments broadcast; ``azimuth_deg`` None or NaN, or ``beamwidth_deg`` ≥ 360, means
    omnidirectional (0 dB).
    """
    azimuth = np.asarray(np.nan if azimuth_deg is None else azimuth_deg, dtype=float)
    beamwidth = np.asarray(beamwidth_deg, dtype=float)
    omni = np.isnan(azimuth) | (beamwidth >= 360.0)
    phi = off_boresight_deg(bearing_deg, np.where(omni, 0.0, azimuth))
    safe_beam = np.where(omni, 360.0, beamwidth)
    attenuation = np.minimum(12.0 * (phi / safe_beam) ** 2, front_to_back_db)
    return np.where(omni, 0.0, attenuation)

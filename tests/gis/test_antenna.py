"""3GPP TR 36.814 sector pattern: A(φ) = min(12 (φ/φ3dB)², A_m)."""

import numpy as np
import pytest

from gis.antenna import bearing_deg, sector_attenuation_db


def test_zero_at_boresight():
    assert sector_attenuation_db(120.0, 120.0, 65.0) == 0.0


@pytest.mark.parametrize("side", [-1, 1])
def test_three_db_at_half_the_beamwidth_and_twelve_at_the_beamwidth(side):
    # 12 · (32.5/65)² = 12 · 0.25 = 3 dB; 12 · (65/65)² = 12 dB
    assert sector_attenuation_db(120.0 + side * 32.5, 120.0, 65.0) == pytest.approx(3.0, abs=1e-12)
    assert sector_attenuation_db(120.0 + side * 65.0, 120.0, 65.0) == pytest.approx(12.0, abs=1e-12)


def test_front_to_back_limits_the_back_lobe():
    # behind: 12 · (180/65)² = 92.0 dB, capped at A_m
    assert sector_attenuation_db(300.0, 120.0, 65.0) == 25.0
    assert sector_attenuation_db(300.0, 120.0, 65.0, front_to_back_db=30.0) == 30.0
    # the cap starts where 12 (φ/65)² = 25 → φ = 65·√(25/12) = 93.8°
    assert sector_attenuation_db(120.0 + 93.0, 120.0, 65.0) < 25.0
    assert sector_attenuation_db(120.0 + 95.0, 120.0, 65.0) == 25.0


def test_wraps_around_north():
    # azimuth 350°, bearing 10°: 20° off boresight → 12 · (20/65)² = 1.136095 dB
    assert sector_attenuation_db(10.0, 350.0, 65.0) == pytest.approx(1.136095, abs=1e-6)
    assert sector_attenuation_db(350.0, 10.0, 65.0) == pytest.approx(1.136095, abs=1e-6)
    assert sector_attenuation_db(-10.0, 370.0, 65.0) == pytest.approx(12 * (20 / 65) ** 2, abs=1e-12)


def test_omnidirectional_cells_have_no_pattern():
    assert sector_attenuation_db(200.0, None, 360.0) == 0.0
    assert sector_attenuation_db(200.0, np.nan, 65.0) == 0.0
    assert sector_attenuation_db(200.0, 10.0, 360.0) == 0.0


def test_vectorised_over_bearings_and_cells():
    bearings = np.array([0.0, 32.5, 180.0, 327.5])
    assert sector_attenuation_db(bearings, 0.0, 65.0) == pytest.approx([0.0, 3.0, 25.0, 3.0])
    # 90° off a 65° beam: 12 · (90/65)² = 23.005917 dB (below the 25 dB cap)
    azimuths = np.array([0.0, np.nan, 90.0])
    attenuation = sector_attenuation_db(90.0, azimuths, np.array([65.0, 360.0, 65.0]))
    assert attenuation == pytest.approx([23.005917, 0.0, 0.0], abs=1e-6)


def test_bearing_is_clockwise_from_north():
    assert bearing_deg(np.array([0.0, 1.0, 0.0, -1.0]), np.array([1.0, 0.0, -1.0, 0.0])) == pytest.approx(
        [0.0, 90.0, 180.0, 270.0]
    )

"""gis.point on hand-made numbers: geodesic distance and bearing, bands and their words, the grid cell
of a point, per-cell levels (against the coverage engine's raster), best/next-best and dead-zone kind."""

import math

import numpy as np
import pytest

from gis.coverage import NO_SIGNAL, CellArrays, CoverageParams, Grid, best_signal
from gis.point import (
    band_name,
    cell_levels,
    dead_zone_kind,
    distance_bearing,
    grid_cell,
    places,
    ranked_servers,
)
from gis.propagation import RURAL, SUBURBAN

PARAMS = CoverageParams()


def test_distance_and_bearing_on_the_ellipsoid():
    # one degree of latitude at the equator and one of longitude along it (WGS 84 published values)
    assert distance_bearing(0.0, 0.0, 0.0, 1.0) == pytest.approx((110574.389, 0.0), abs=1e-3)
    assert distance_bearing(0.0, 0.0, 1.0, 0.0) == pytest.approx((111319.491, 90.0), abs=1e-3)
    assert distance_bearing(0.0, 0.0, 0.0, -1.0)[1] == pytest.approx(180.0)
    assert distance_bearing(0.0, 0.0, -1.0, 0.0)[1] == pytest.approx(270.0)
    assert distance_bearing(105.5, 9.8, 105.5, 9.8) == (0.0, 0.0)


@pytest.mark.parametrize(
    "level, band",
    [
        (-60.0, "good"),
        (-85.0, "good"),
        (-85.1, "fair"),
        (-95.0, "fair"),
        (-95.1, "weak"),
        (-105.0, "weak"),
        (-105.1, "none"),
        (NO_SIGNAL, "none"),
        (None, "none"),
    ],
)
def test_bands_follow_the_run_edges(level, band):
    assert band_name(level, PARAMS) == band


def test_band_edges_are_the_run_parameters():
    shifted = CoverageParams(band_edges_dbm=(-80.0, -90.0, -100.0))
    assert band_name(-85.0, shifted) == "fair"
    assert band_name(-100.0, shifted) == "weak"


def test_words_most_demanding_place_first():
    assert places("good") == ["trong nhà", "trên xe", "ngoài trời"]
    assert places("fair") == ["trên xe", "ngoài trời"]
    assert places("weak", "en") == ["outdoor"]
    assert places("none") == []


def test_grid_cell_of_a_point():
    grid = Grid(cell_m=50.0, block_cells=128)
    # the south-west cell of block (0, 0) is the last row (rows run north → south)
    assert grid_cell(10.0, 20.0, grid) == ("c50-0-0", 127, 0, 25.0, 25.0)
    assert grid_cell(6449.9, 6399.0, grid) == ("c50-1-0", 0, 0, 6425.0, 6375.0)
    assert grid_cell(-1.0, -1.0, grid)[:3] == ("c50--1--1", 0, 127)


def _cells(**overrides) -> CellArrays:
    record = (
        dict(
            lon=105.0,
            lat=10.0,
            operator="A",
            technology="4G",
            band_mhz=1800,
            antenna_height_m=30,
            eirp_dbm=60.0,
            azimuth_deg=None,
            beamwidth_deg=None,
        )
        | overrides
    )
    return CellArrays.from_records([record], ["A"])


def test_level_of_one_omni_cell_by_hand():
    cells = _cells()
    # 60 dBm EIRP − 10·log10(600) RS offset − 1.2816 · 8 dB margin − 104.27 dB path loss at 1 km
    # (gis.propagation's 1800 MHz / 30 m / rural example) = −82.30 dBm
    expected = 60.0 - 10 * math.log10(600) - 10.2524 - 104.27
    [level] = cell_levels(cells, PARAMS, cells.x_m[0], cells.y_m[0] + 1000.0, RURAL)
    assert level == pytest.approx(expected, abs=0.01)


def test_sector_attenuation_and_floor():
    north = _cells(azimuth_deg=0.0, beamwidth_deg=65.0)
    x, y = north.x_m[0], north.y_m[0]
    [boresight] = cell_levels(north, PARAMS, x, y + 500.0, RURAL)
    [behind] = cell_levels(north, PARAMS, x, y - 500.0, RURAL)
    d = 500.0 / math.sqrt(2)
    [half_beam] = cell_levels(_cells(azimuth_deg=12.5, beamwidth_deg=65.0), PARAMS, x + d, y + d, RURAL)
    assert boresight - behind == pytest.approx(25.0)  # the front-to-back ratio
    assert boresight - half_beam == pytest.approx(3.0, abs=1e-6)  # 32.5° off a 65° beam
    [far] = cell_levels(north, PARAMS, x, y + 200_000.0, RURAL)
    assert far == NO_SIGNAL


def test_best_cell_is_the_engine_raster_value():
    """The strongest cell of each operator and class at a grid cell centre is the engine's value."""
    records = [
        dict(
            lon=105.00,
            lat=10.00,
            operator="A",
            technology="4G",
            band_mhz=1800,
            antenna_height_m=35,
            eirp_dbm=59.0,
            azimuth_deg=az,
            beamwidth_deg=65.0,
        )
        for az in (0.0, 120.0, 240.0)
    ] + [
        dict(
            lon=105.03,
            lat=10.02,
            operator="B",
            technology="2G",
            band_mhz=900,
            antenna_height_m=30,
            eirp_dbm=55.0,
            azimuth_deg=None,
            beamwidth_deg=None,
        ),
        dict(
            lon=105.02,
            lat=9.99,
            operator="B",
            technology="5G",
            band_mhz=3500,
            antenna_height_m=25,
            eirp_dbm=65.0,
            azimuth_deg=300.0,
            beamwidth_deg=90.0,
        ),
    ]
    cells = CellArrays.from_records(records, ["A", "B"])
    grid = Grid.for_params(PARAMS)
    key, _, _, _, _ = grid_cell(cells.x_m[0], cells.y_m[0], grid)
    block = grid.block(key)
    clutter = np.full((block.ny, block.nx), RURAL, np.uint8)
    clutter[:, : block.nx // 2] = SUBURBAN
    raster = best_signal(block, cells, PARAMS, 2, clutter=clutter)
    xs, ys = block.centre_axes()
    checked = 0
    for row in range(0, block.ny, 9):
        for col in range(0, block.nx, 11):
            levels = cell_levels(cells, PARAMS, xs[col], ys[row], int(clutter[row, col]))
            ranked = ranked_servers(levels, cells.operator, cells.tech_class, 2)
            for o in range(2):
                for c, name in enumerate(("mbb", "legacy")):
                    servers = ranked[(o, name)]
                    value = servers[0].level_dbm if servers else NO_SIGNAL
                    assert value == pytest.approx(float(raster[o, c, row, col]), abs=0.01)
                    checked += value > NO_SIGNAL
    assert checked > 100


def test_best_and_next_best_per_operator_and_class():
    levels = np.array([-80.0, -70.0, -90.0, NO_SIGNAL, -70.0, -60.0])
    operator = np.array([0, 0, 0, 1, 0, 1])
    tech_class = np.array([0, 0, 0, 0, 0, 1])
    ranked = ranked_servers(levels, operator, tech_class, 2)
    assert [(s.index, s.level_dbm) for s in ranked[(0, "mbb")]] == [
        (1, -70.0),
        (4, -70.0),
    ]  # tie: lower index
    assert ranked[(1, "mbb")] == []  # below the floor is no server
    assert [s.index for s in ranked[(1, "legacy")]] == [5]
    assert ranked[(0, "legacy")] == []


@pytest.mark.parametrize(
    "mbb, legacy, kind",
    [
        ([NO_SIGNAL, NO_SIGNAL], [NO_SIGNAL, -110.0], "no_signal"),
        ([-106.0, NO_SIGNAL], [-100.0, NO_SIGNAL], "no_mbb"),
        ([-105.0, NO_SIGNAL], [NO_SIGNAL, NO_SIGNAL], "single_operator"),
        ([-90.0, -104.0], [NO_SIGNAL, NO_SIGNAL], None),
    ],
)
def test_dead_zone_kind_follows_the_hamlet_counts_rule(mbb, legacy, kind):
    assert dead_zone_kind(mbb, legacy, -105.0) == kind

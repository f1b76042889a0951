"""gis/gshhg.py on tiny GSHHG files built by hand in GMT's binned layout (bins of 90°).

Bin 0 (0–90° E, 0–90° N): sea at its two southern corners, land at the northern ones; a coastline
from the west side to the east side at 30° N; a lake (18–36° E, 54–72° N) holding an island
(24–30° E, 60–66° N). Bin 1 (90–180° E): open sea, no segment. Bin 2 (180–270° E): all land.
Bin 3 (270–360° E): land at every corner, a strait of sea between two coastlines crossing it."""

import h5py
import numpy as np
import pytest

from gis import gshhg

UNIT_DEG = 90 / 65535  # one file unit in a 90° bin


def _corners(sw: int, se: int, ne: int, nw: int) -> int:
    return sw << 9 | se << 6 | ne << 3 | nw


def _ring(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def _points(f, segments):
    xy = np.array([p for s in segments for p in s], dtype=np.uint16)
    # GMT stores 0…65535 in signed shorts: 65535 reads back as -1 unless taken as unsigned.
    f["Relative_longitude_from_SW_corner_of_bin"] = xy[:, 0].view(np.int16)
    f["Relative_latitude_from_SW_corner_of_bin"] = xy[:, 1].view(np.int16)
    return np.cumsum([0] + [len(s) for s in segments[:-1]]).astype(np.int32)


def _grid(f, first, count):
    f["Bin_size_in_minutes"] = np.array([5400], dtype=np.int32)
    f["N_bins_in_360_longitude_range"] = np.array([4], dtype=np.int32)
    f["N_bins_in_180_degree_latitude_range"] = np.array([2], dtype=np.int32)
    f["Id_of_first_segment_in_a_bin"] = np.array(first, dtype=np.int32)
    f["N_segments_in_a_bin"] = np.array(count, dtype=np.int16)


@pytest.fixture()
def shore_file(tmp_path):
    coast = [(0, 21845), (32768, 21845), (65535, 21845)]  # 30° N, west side (3) → east side (1)
    lake = _ring(13107, 39321, 26214, 52428)  # 18–36° E, 54–72° N
    island = _ring(17476, 43690, 21845, 48059)  # 24–30° E, 60–66° N
    south_shore, north_shore = [(0, 20000), (65535, 20000)], [(65535, 40000), (0, 40000)]
    segments = [coast, lake, island, south_shore, north_shore]
    info = [len(coast) << 9 | 1 << 6 | 3 << 3 | 1, len(lake) << 9 | 2 << 6 | 4 << 3 | 4]
    info.append(len(island) << 9 | 3 << 6 | 4 << 3 | 4)
    info += [2 << 9 | 1 << 6 | 3 << 3 | 1, 2 << 9 | 1 << 6 | 1 << 3 | 3]
    path = tmp_path / "binned_GSHHS_t.nc"
    with h5py.File(path, "w") as f:
        _grid(f, [0, 3, 3, 3, 5, 5, 5, 5], [3, 0, 0, 2, 0, 0, 0, 0])
        land = _corners(1, 1, 1, 1)
        levels = [_corners(0, 0, 1, 1), _corners(0, 0, 0, 0), land, land] + [0] * 4
        f["Embedded_node_levels_in_a_bin"] = np.array(levels, dtype=np.int16)
        f["Embedded_npts_levels_exit_entry_for_a_segment"] = np.array(info, dtype=np.int32)
        f["Id_of_first_point_in_a_segment"] = _points(f, segments)
    return path


def test_bins_are_read_with_their_corners_and_unsigned_points(shore_file):
    bins = gshhg.read_shore_bins(shore_file, (10, 10, 200, 20))
    assert [(b.lon_sw, b.lat_sw, b.size_deg) for b in bins] == [(0, 0, 90), (90, 0, 90), (180, 0, 90)]
    assert [b.corner_levels for b in bins] == [(0, 0, 1, 1), (0, 0, 0, 0), (1, 1, 1, 1)]
    coast, lake, island = bins[0].segments
    assert (coast.level, coast.entry, coast.exit) == (1, 3, 1)
    assert coast.xy.tolist() == [[0, 21845], [32768, 21845], [65535, 21845]]
    assert (lake.level, lake.entry, lake.exit, island.level) == (2, 4, 4, 3)


def test_water_is_the_sea_below_the_coast_and_the_lake_around_its_island(shore_file):
    found = gshhg.water(gshhg.read_shore_bins(shore_file, (10, 10, 350, 20)))
    assert sorted(found) == ["lake", "sea"]
    seas = sorted(found["sea"], key=lambda p: p.bounds)
    south, north = round(20000 * UNIT_DEG, 6), round(40000 * UNIT_DEG, 6)
    assert [tuple(round(v, 6) for v in p.bounds) for p in seas] == [
        (0, 0, 90, 30),
        (90, 0, 180, 90),
        (270, south, 360, north),  # no corner in it: sea from crossing a coastline out of land
    ]
    assert [p.area for p in seas] == pytest.approx([2700, 8100, 90 * 20000 * UNIT_DEG])
    (lake,) = found["lake"]
    assert lake.area == pytest.approx(18 * 18 - 6 * 6)  # the island is land
    assert tuple(round(v, 6) for v in lake.bounds) == (18, 54, 36, 72)


def test_bins_west_of_greenwich_wrap_to_the_files_last_columns(shore_file):
    bins = gshhg.read_shore_bins(shore_file, (-10, 10, 10, 20))
    assert [(b.lon_sw, b.corner_levels) for b in bins] == [(-90, (1, 1, 1, 1)), (0, (0, 0, 1, 1))]
    assert len(bins[0].segments) == 2  # the file's last column: the strait's bin


def test_rivers_are_lines_in_degrees_with_their_level(tmp_path):
    path = tmp_path / "binned_river_t.nc"
    river, canal = [(0, 0), (65535, 65535)], [(0, 65535), (32768, 65535), (65535, 32768)]
    with h5py.File(path, "w") as f:
        _grid(f, [0] * 8, [2] + [0] * 7)
        f["N_points_for_a_segment"] = np.array([2, 3], dtype=np.int16)
        f["Hierarchial_level_of_a_segment"] = np.array([1, 8], dtype=np.int16)
        f["Id_of_first_point_in_a_segment"] = _points(f, [river, canal])
    lines = gshhg.read_river_lines(path, (1, 1, 2, 2))
    assert [level for level, _ in lines] == [1, 8]
    assert [[tuple(round(v, 6) for v in p) for p in line.coords] for _, line in lines] == [
        [(0, 0), (90, 90)],
        [(0, 90), (round(32768 * UNIT_DEG, 6), 90), (90, round(32768 * UNIT_DEG, 6))],
    ]

"""The coverage engine on tiny hand-made grids and transmitters (no database)."""

import json
import math

import numpy as np
import pytest
import shapely

from gis.antenna import bearing_deg, sector_attenuation_db
from gis.coverage import (
    LEGACY,
    MBB,
    NO_SIGNAL,
    Block,
    CellArrays,
    CoverageParams,
    Grid,
    band_index,
    best_signal,
    polygonize,
    rasterize_zones,
    zone_counts,
)
from gis.grid import tile_levels
from gis.propagation import RURAL, SUBURBAN, URBAN, path_loss_db

PARAMS = CoverageParams()
CELL_AREA_M2 = PARAMS.cell_m**2
# reference-signal offsets: 4G 10·log10(12·50) = 27.7815, 5G 10·log10(12·273) = 35.1534
OFFSET_DB = {"2G": 0.0, "3G": 10.0, "4G": 10 * math.log10(600), "5G": 10 * math.log10(3276)}


def make_cells(rows: list[tuple]) -> CellArrays:
    """rows: (x_m, y_m, operator, technology, band_mhz, height_m, eirp_dbm, azimuth_deg|None, beamwidth)."""
    x, y, op, tech, band, height, eirp, azimuth, beam = zip(*rows, strict=True)
    return CellArrays(
        x_m=x,
        y_m=y,
        operator=op,
        tech_class=[MBB if t in ("4G", "5G") else LEGACY for t in tech],
        technology=tech,
        band_mhz=band,
        antenna_height_m=height,
        eirp_dbm=eirp,
        azimuth_deg=[np.nan if a is None else a for a in azimuth],
        beamwidth_deg=beam,
    )


def brute_force(block: Block, cells: CellArrays, n_operators: int, clutter=None) -> np.ndarray:
    """The definition, cell by cell in float64: max over cells per operator and class."""
    x, y = block.cell_centres()
    out = np.full((n_operators, 2, block.ny, block.nx), -np.inf)
    codes = RURAL if clutter is None else clutter
    for i in range(len(cells)):
        dx, dy = x - cells.x_m[i], y - cells.y_m[i]
        level = (
            cells.eirp_dbm[i]
            - OFFSET_DB[str(cells.technology[i])]
            - PARAMS.shadow_margin_db()
            - path_loss_db(cells.band_mhz[i], cells.antenna_height_m[i], 1.5, np.hypot(dx, dy) / 1e3, codes)
            - sector_attenuation_db(bearing_deg(dx, dy), cells.azimuth_deg[i], cells.beamwidth_deg[i])
        )
        o, c = cells.operator[i], cells.tech_class[i]
        out[o, c] = np.maximum(out[o, c], level)
    return np.where(out >= PARAMS.floor_dbm, out, NO_SIGNAL)


def test_shadow_margin_for_90_percent_and_8_db():
    # z(0.90) = 1.281552 → 1.281552 · 8 = 10.252 dB
    assert PARAMS.shadow_margin_db() == pytest.approx(10.25, abs=0.01)


def test_single_omni_cell_covers_pi_r_squared():
    # 4G 1800 MHz omni, EIRP 60 dBm, h_b 30 m, somewhere inside a grid cell
    x0, y0 = 64_000.0 + 3_210.3, 1_088_000.0 + 2_987.9
    cells = make_cells([(x0, y0, 0, "4G", 1800.0, 30.0, 60.0, None, 360.0)])
    # level before path loss: 60 − 27.7815 − 10.2524 = 21.9661 dBm; at −105 dBm: L_max = 126.9661 dB
    max_loss = 60.0 - OFFSET_DB["4G"] - PARAMS.shadow_margin_db() + 105.0
    # L = A + B·log d with A = L(1 km) = 104.2734 (rural) and B = 44.9 − 6.55·log 30 = 35.224856
    a = path_loss_db(1800, 30, 1.5, 1.0, "rural")
    b = 44.9 - 6.55 * math.log10(30)
    radius_m = 1000 * 10 ** ((max_loss - a) / b)  # 10^(22.6927/35.2249) km = 4.408 km
    assert radius_m == pytest.approx(4408, abs=1)
    grid = Grid.for_params(PARAMS)
    blocks = grid.blocks_intersecting((x0 - radius_m, y0 - radius_m, x0 + radius_m, y0 + radius_m))
    covered = 0
    for block in blocks:
        rsrp = best_signal(block, cells, PARAMS, 1)
        assert np.all(rsrp[0, LEGACY] == NO_SIGNAL)
        covered += int((rsrp[0, MBB] >= PARAMS.outdoor_threshold_dbm).sum())
    assert covered * CELL_AREA_M2 == pytest.approx(math.pi * radius_m**2, rel=0.02)


def test_behind_a_sector_loses_exactly_the_front_to_back_ratio():
    block = Grid.for_params(PARAMS).block_at(3, 170)
    xs, ys = block.centre_axes()
    x, y = xs[64], ys[64]  # on a cell centre: the column is due north/south, the diagonal at 45°
    rows = [
        (x, y, 0, "4G", 900.0, 35.0, 70.0, None, 360.0),  # operator 0: omni
        (x, y, 1, "4G", 900.0, 35.0, 70.0, 0.0, 65.0),  # operator 1: sector facing north
        (x, y, 2, "4G", 900.0, 35.0, 70.0, 0.0, 90.0),  # operator 2: 90° sector facing north
    ]
    rsrp = best_signal(block, make_cells(rows), PARAMS, 3)[:, MBB]
    rows = np.arange(28, 62)
    north, south, north_east = (rows, 64), (rows + 38, 64), (rows, 128 - rows)  # 150 m … 1.8 km away
    assert np.all(rsrp[0][south] > PARAMS.floor_dbm + 25)
    assert rsrp[0][south] - rsrp[1][south] == pytest.approx(np.full(34, 25.0), abs=1e-3)
    assert rsrp[0][north] - rsrp[1][north] == pytest.approx(np.zeros(34), abs=1e-4)
    # 45° off a 90° beam: 12 · (45/90)² = 3 dB
    assert rsrp[0][north_east] - rsrp[2][north_east] == pytest.approx(np.full(34, 3.0), abs=1e-3)


def test_best_server_is_the_max_per_operator_and_class():
    rng = np.random.default_rng(2023)
    block = Block("test", 0, 0, 100_000.0, 1_000_000.0, 50.0, nx=45, ny=37)  # not a multiple of a tile
    techs = [("2G", 900.0), ("3G", 2100.0), ("4G", 1800.0), ("4G", 700.0), ("5G", 3500.0), ("4G", 2600.0)]
    rows = []
    for _ in range(40):
        tech, band = techs[rng.integers(len(techs))]
        omni = rng.random() < 0.2
        rows.append(
            (
                100_000.0 + rng.uniform(-3_000, 5_000),
                1_000_000.0 + rng.uniform(-3_000, 5_000),
                int(rng.integers(0, 3)),
                tech,
                band,
                float(rng.uniform(12, 45)),
                float(rng.uniform(35, 62)),
                None if omni else float(rng.uniform(0, 360)),
                360.0 if omni else 65.0,
            )
        )
    cells = make_cells(rows)
    clutter = np.full((37, 45), RURAL, np.uint8)
    clutter[5:20, 3:30] = SUBURBAN
    clutter[10:14, 10:17] = URBAN
    clutter[30:, ::3] = URBAN  # mixed tiles
    for codes in (None, clutter):
        fast = best_signal(block, cells, PARAMS, 4, clutter=codes)
        assert fast.dtype == np.float32 and fast.shape == (4, 2, 37, 45)
        assert fast == pytest.approx(brute_force(block, cells, 4, codes), abs=1e-3)
        assert np.all(fast[3] == NO_SIGNAL)  # an operator without cells
    # operators are separate: dropping operator 2's cells leaves 0 and 1 untouched
    alone = best_signal(block, cells.subset(cells.operator != 2), PARAMS, 4)
    full = best_signal(block, cells, PARAMS, 4)
    assert np.array_equal(alone[:2], full[:2])
    assert np.all(alone[2] == NO_SIGNAL)
    # and the best server is the max of the cells one by one
    singles = [best_signal(block, cells.subset([i]), PARAMS, 4) for i in range(len(cells))]
    assert full == pytest.approx(np.max(singles, axis=0), abs=1e-4)


def test_no_cells_or_out_of_reach_means_no_signal():
    block = Grid.for_params(PARAMS).block_at(10, 160)
    empty = make_cells([(0.0, 0.0, 0, "4G", 1800.0, 30.0, 60.0, None, 360.0)]).subset([])
    assert np.all(best_signal(block, empty, PARAMS, 2) == NO_SIGNAL)
    far = make_cells([(0.0, 0.0, 1, "2G", 900.0, 30.0, 58.0, None, 360.0)])
    assert np.all(best_signal(block, far, PARAMS, 2) == NO_SIGNAL)
    with pytest.raises(ValueError):
        best_signal(block, far, PARAMS, 1)  # operator index 1 with one operator


def test_band_index():
    levels = np.array([-80.0, -85.0, -85.01, -95.0, -100.0, -105.0, -105.01, NO_SIGNAL])
    assert band_index(levels, PARAMS).tolist() == [3, 3, 2, 2, 1, 1, 0, 0]
    assert band_index(levels).dtype == np.uint8


def _blob(block: Block) -> np.ndarray:
    """A disc with a hole, a checkerboard patch (corner-touching cells) and a lone cell."""
    x, y = block.cell_centres()
    cx, cy = x.mean(), y.mean()
    r = np.hypot(x - cx, y - cy)
    mask = (r < 1_500) & (r > 400)
    mask[5:13, 5:13] = (np.add.outer(np.arange(8), np.arange(8)) % 2).astype(bool)
    mask[120, 3] = True
    return mask


def test_polygonize_then_rasterize_round_trip():
    block = Grid.for_params(PARAMS).block_at(88, 169)
    mask = _blob(block)
    polygons = polygonize(mask, block, simplify=False)
    assert list(polygons) == [1]
    geom = polygons[1]
    assert geom.geom_type == "MultiPolygon" and geom.is_valid
    assert geom.area == mask.sum() * CELL_AREA_M2  # exactly
    assert np.array_equal(rasterize_zones([geom], block), np.where(mask, 0, -1))
    simplified = polygonize(mask, block)[1]
    assert simplified.is_valid and simplified.geom_type == "MultiPolygon"
    assert simplified.area == pytest.approx(geom.area, rel=0.05)
    assert polygonize(np.zeros_like(mask), block) == {}


def test_polygonize_labels_and_rasterize_zones():
    block = Grid.for_params(PARAMS).block_at(88, 169)
    x, y = block.cell_centres()
    labels = np.clip((np.hypot(x - x.mean(), y - y.mean()) // 1_000).astype(np.int32), 0, 3)  # rings 0 … 3
    polygons = polygonize(labels, block, simplify=False)
    assert sorted(polygons) == [1, 2, 3]  # 0 is background
    for value, geom in polygons.items():
        assert geom.is_valid and geom.area == (labels == value).sum() * CELL_AREA_M2
    zones = rasterize_zones([polygons[1], polygons[2], polygons[3]], block)
    assert np.array_equal(zones, np.where(labels > 0, labels - 1, -1))
    assert zone_counts(zones, labels >= 2, 3).tolist() == [0, (labels == 2).sum(), (labels == 3).sum()]


def test_polygonize_leaves_zero_and_negative_labels_out():
    # a 40 m × 40 m block of 10 m cells; row 0 is the northern edge (y 30–40 m)
    block = Block("tiny", 0, 0, 0.0, 0.0, 10.0, nx=4, ny=4)
    labels = np.array([[2, 2, 0, -1], [2, 0, 0, -1], [0, 0, 1, 1], [-1, -1, 1, 1]], np.int32)
    polygons = polygonize(labels, block, simplify=False)
    assert sorted(polygons) == [1, 2]
    assert polygons[1].equals(shapely.box(20, 0, 40, 20))  # the south-east 2 × 2
    assert polygons[2].equals(shapely.Polygon([(0, 40), (20, 40), (20, 30), (10, 30), (10, 20), (0, 20)]))


def test_zone_counts_on_a_hand_made_4_by_4_grid():
    # a 40 m × 40 m block of 10 m cells; row 0 is the northern edge (y 30–40 m)
    block = Block("tiny", 0, 0, 0.0, 0.0, 10.0, nx=4, ny=4)
    zones_geoms = [
        shapely.box(0, 20, 20, 40),  # north-west 2 × 2 → zone 0
        shapely.box(20, 20, 40, 40),  # north-east 2 × 2 → zone 1
        shapely.box(0, 0, 20, 20),  # south-west 2 × 2 → zone 2; south-east: none
    ]
    zones = rasterize_zones(zones_geoms, block)
    assert zones.tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, -1, -1], [2, 2, -1, -1]]
    mask = np.array(
        [
            [1, 0, 1, 1],
            [0, 0, 1, 0],
            [1, 1, 1, 1],
            [0, 0, 0, 0],
        ],
        dtype=bool,
    )
    # zone 0: (0,0) → 1; zone 1: (0,2), (0,3), (1,2) → 3; zone 2: (2,0), (2,1) → 2; (2,2), (2,3) have no zone
    assert zone_counts(zones, mask, 3).tolist() == [1, 3, 2]
    assert zone_counts(zones, mask, 4).tolist() == [1, 3, 2, 0]
    assert rasterize_zones([], block).tolist() == [[-1] * 4] * 4


def test_block_keys_are_stable_and_blocks_intersecting_is_exact():
    grid = Grid.for_params(PARAMS)  # blocks of 128 · 50 m = 6 400 m, edges at multiples of 6 400 m
    assert grid.block_m == 6_400.0
    blocks = grid.blocks_intersecting((570_000.0, 1_075_000.0, 576_400.0, 1_081_600.0))
    # x: 570 000 / 6 400 = 89.06 → 89; 576 400 / 6 400 = 90.06 → 90. y: 167.97 → 167; 169.0 exactly → 168
    assert [b.key for b in blocks] == ["c50-89-167", "c50-90-167", "c50-89-168", "c50-90-168"]
    block = blocks[0]
    assert (block.x0_m, block.y0_m, block.nx, block.ny) == (569_600.0, 1_068_800.0, 128, 128)
    assert block.bounds_m == (569_600.0, 1_068_800.0, 576_000.0, 1_075_200.0)
    # the same place gives the same key whatever the query; keys parse back
    again = grid.blocks_intersecting((575_999.0, 1_075_199.0, 575_999.5, 1_075_199.5))
    assert [b.key for b in again] == ["c50-89-167"]
    assert grid.block("c50-89-167") == block
    with pytest.raises(ValueError):
        grid.block("c100-89-167")
    # touching an edge from outside is not intersecting
    assert [b.key for b in grid.blocks_intersecting((576_000.0, 1_075_200.0, 576_000.0, 1_075_200.0))] == [
        "c50-90-168"
    ]
    assert [b.key for b in grid.blocks_intersecting((-10.0, -10.0, -5.0, -5.0))] == ["c50--1--1"]
    assert grid.block("c50--1--1").bounds_m == (-6_400.0, -6_400.0, 0.0, 0.0)


def test_block_raster_geometry_is_north_up():
    block = Grid.for_params(PARAMS).block_at(89, 167)
    assert block.transform @ (0, 0) == (569_600.0, 1_075_200.0)  # row 0, column 0: north-west corner
    assert block.transform @ (128, 128) == (576_000.0, 1_068_800.0)
    x, y = block.cell_centres()
    assert (x[0, 0], y[0, 0]) == (569_625.0, 1_075_175.0)
    assert (x[-1, -1], y[-1, -1]) == (575_975.0, 1_068_825.0)


def test_cell_arrays_from_records():
    records = [
        dict(
            lon=105.5,
            lat=9.8,
            operator="VinaPhone",
            technology="4G",
            band_mhz=1800,
            antenna_height_m=30.0,
            eirp_dbm=60.0,
            azimuth_deg=None,
            beamwidth_deg=360,
        ),
        dict(
            lon=105.6,
            lat=9.9,
            operator="Viettel",
            technology="2G",
            band_mhz=900,
            antenna_height_m=30.0,
            eirp_dbm=55.0,
            azimuth_deg=120,
            beamwidth_deg=65,
        ),
    ]
    cells = CellArrays.from_records(records, ["Viettel", "VinaPhone"])
    assert len(cells) == 2
    assert cells.operator.tolist() == [1, 0] and cells.tech_class.tolist() == [MBB, LEGACY]
    assert np.isnan(cells.azimuth_deg[0]) and cells.azimuth_deg[1] == 120.0
    assert len(cells.concat(cells)) == 4
    # reach in open land to the weakest band edge (−105 dBm): the 4G cell's 4 408 m (see above);
    # 2G, 900 MHz: L_max = 55 − 0 − 10.252413 + 105 = 149.747587 dB = 97.896868 + 35.224856·log d
    #   → log d = 51.850719 / 35.224856 = 1.471991 → d = 29.648 km
    assert cells.max_range_m(PARAMS) == pytest.approx([4_408, 29_648], abs=1)
    with pytest.raises(ValueError):
        CellArrays.from_records(records, ["Viettel"])
    # an unrecorded beamwidth: a 65° sector when there is an azimuth, omni otherwise
    unrecorded = [{**r, "beamwidth_deg": None} for r in records]
    assert CellArrays.from_records(unrecorded, ["Viettel", "VinaPhone"]).beamwidth_deg.tolist() == [
        360.0,
        65.0,
    ]


def test_model_card_is_complete_and_json_ready():
    card = PARAMS.to_card()
    text = json.dumps(card, ensure_ascii=False)
    assert card["parameters"]["reliability"] == 0.9
    assert card["shadow_margin_db"] == pytest.approx(10.2524, abs=1e-4)
    assert card["reference_signal_offsets_db"]["4G"] == pytest.approx(27.78, abs=0.01)
    assert card["reference_signal_offsets_db"]["5G"] == pytest.approx(35.15, abs=0.01)
    assert "Hata" in text and "36.814" in text and card["validity_notes"]
    with pytest.raises(ValueError):
        CoverageParams(crs="EPSG:4326")


def test_tile_levels_of_an_odd_block():
    # 20 × 12 cells in tiles of 8: 2 rows × 3 columns of tiles (the last ones short) → spans 4, 2, 1
    block = Block("odd", 0, 0, 0.0, 0.0, 10.0, nx=20, ny=12)
    labels = np.zeros((12, 20), np.int64)
    labels[10:, 18:] = 2  # the south-east corner cell block is rural
    levels = tile_levels(block, labels, 3, 8)
    assert [(lv.span, lv.nny, lv.nnx) for lv in levels] == [(4, 1, 1), (2, 1, 2), (1, 2, 3)]
    root, leaves = levels[0], levels[-1]
    assert root.rects[:, 0].tolist() == [5.0, 5.0, 195.0, 115.0]  # extent of the cell centres
    assert root.label_range[:, 0].tolist() == [0, 2]
    # the south-east tile: columns 16–19, rows 8–11 → x 165 … 195, y 5 … 35
    assert leaves.rects[:, 5].tolist() == [165.0, 5.0, 195.0, 35.0]
    assert leaves.presence[5].tolist() == [True, False, True]
    assert leaves.presence[0].tolist() == [True, False, False]

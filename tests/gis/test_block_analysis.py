"""The digest of a block's inputs: it changes exactly when the block's results may (no database)."""

import numpy as np
import shapely

from gis.block_analysis import BlockHamlets, analyse_block, block_input_hash
from gis.coverage import CellArrays, CoverageParams, Grid, reaching
from gis.propagation import RURAL, SUBURBAN
from tests.gis.test_coverage import make_cells

PARAMS = CoverageParams(cell_m=50.0, block_cells=8)
GRID = Grid.for_params(PARAMS)
BLOCK = GRID.block_at(0, 0)  # 400 m × 400 m at the origin
OPERATORS = ["A", "B"]
# (x_m, y_m, operator, technology, eirp_dbm): one in the block, one 300 km away (out of any reach)
NEAR = (200.0, 150.0, 0, "4G", 50.0)
FAR = (300_000.0, 150.0, 1, "4G", 50.0)
OTHER = (600.0, 150.0, 1, "2G", 45.0)  # 200 m east of the block: reaches it


def cells(*rows) -> CellArrays:
    """rows: (x_m, y_m, operator, technology, eirp_dbm) of omni 1800 MHz cells 30 m high."""
    return (
        make_cells([(x, y, op, t, 1800.0, 30.0, eirp, None, 360.0) for x, y, op, t, eirp in rows])
        if rows
        else (CellArrays.from_records([], OPERATORS))
    )


def hamlets(clutter=RURAL) -> BlockHamlets:
    return BlockHamlets([7], [shapely.box(0, 0, 300, 300)], np.array([clutter], np.uint8))


def digest(c: CellArrays, h: BlockHamlets | None = None, block=BLOCK, params=PARAMS) -> str:
    return block_input_hash(block, c, h or hamlets(), params, OPERATORS)


def test_only_the_cells_that_reach_the_block_count():
    assert reaching(BLOCK, cells(NEAR, FAR, OTHER), PARAMS).tolist() == [0, 2]
    assert reaching(BLOCK, cells(), PARAMS).tolist() == []
    assert digest(cells(NEAR)) == digest(cells(NEAR, FAR)) == digest(cells(FAR, NEAR))
    assert digest(cells(NEAR, OTHER)) == digest(cells(OTHER, FAR, NEAR))  # a set: order does not matter
    # The far cell indeed changes nothing: same counts, same raster.
    alone = analyse_block(BLOCK, cells(NEAR), hamlets(), PARAMS, 2)
    with_far = analyse_block(BLOCK, cells(NEAR, FAR), hamlets(), PARAMS, 2)
    assert alone.counts == with_far.counts and np.array_equal(alone.raster, with_far.raster)


def test_any_input_that_reaches_the_block_changes_the_digest():
    base = digest(cells(NEAR))
    assert digest(cells(NEAR, OTHER)) != base  # a site switched on nearby
    assert digest(cells()) != base  # the site switched off
    assert digest(cells((200.0, 150.0, 0, "4G", 51.0))) != base  # its power
    assert digest(cells((200.0, 150.0, 1, "4G", 50.0))) != base  # its operator
    assert digest(cells((200.0, 150.0, 0, "3G", 50.0))) != base  # its technology
    assert digest(cells(NEAR), hamlets(SUBURBAN)) != base  # the hamlet's clutter
    moved = BlockHamlets([7], [shapely.box(0, 0, 300, 250)], np.array([RURAL], np.uint8))
    assert digest(cells(NEAR), moved) != base  # its outline
    assert digest(cells(NEAR), params=CoverageParams(cell_m=50.0, block_cells=8, reliability=0.95)) != base
    assert digest(cells(NEAR), block=GRID.block_at(0, 1)) != base  # another block

"""The fixed coverage grid, its blocks, and raster ↔ vector on a block.

The grid is anchored at the metric CRS origin, so block edges are multiples of
``block_cells · cell_m``: a block's key depends only on where it is, never on the data, and
stays the same between runs. Rasters on a block are north-up: row 0 is the northern edge.

Example
-------
>>> grid = Grid(cell_m=50.0, block_cells=128)
>>> [b.key for b in grid.blocks_intersecting((6400.0, 0.0, 6401.0, 1.0))]
['c50-1-0']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import rasterio.features
import shapely
from affine import Affine
from shapely import MultiPolygon, Polygon

__all__ = ["Block", "Grid", "TileLevel", "tile_levels", "polygonize", "rasterize_zones", "zone_counts"]

_KEY = re.compile(r"^c(?P<cell>[0-9.]+)-(?P<ix>-?\d+)-(?P<iy>-?\d+)$")


@dataclass(frozen=True)
class Block:
    """``nx`` × ``ny`` grid cells of ``cell_m`` metres whose lower-left corner is (x0_m, y0_m)."""

    key: str
    ix: int
    iy: int
    x0_m: float
    y0_m: float
    cell_m: float
    nx: int
    ny: int

    @property
    def bounds_m(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in metres."""
        return (self.x0_m, self.y0_m, self.x0_m + self.nx * self.cell_m, self.y0_m + self.ny * self.cell_m)

    @property
    def transform(self) -> Affine:
        """Pixel → metric affine transform, north-up (row 0 is the top)."""
        return Affine(self.cell_m, 0.0, self.x0_m, 0.0, -self.cell_m, self.y0_m + self.ny * self.cell_m)

    def centre_axes(self) -> tuple[np.ndarray, np.ndarray]:
        """x of each column (west → east, (nx,)) and y of each row (north → south, (ny,))."""
        xs = self.x0_m + (np.arange(self.nx) + 0.5) * self.cell_m
        ys = self.y0_m + (self.ny - 0.5 - np.arange(self.ny)) * self.cell_m
        return xs, ys

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of every cell centre, each (ny, nx) in raster order."""
        xs, ys = self.centre_axes()
        return np.broadcast_to(xs, (self.ny, self.nx)).copy(), np.broadcast_to(
            ys[:, None], (self.ny, self.nx)
        ).copy()


@dataclass(frozen=True)
class Grid:
    """Blocks of ``block_cells`` × ``block_cells`` cells, edges at multiples of the block size."""

    x0_m: float = 0.0
    y0_m: float = 0.0
    cell_m: float = 50.0
    block_cells: int = 128

    @classmethod
    def for_params(cls, params) -> Grid:
        """The grid of a CoverageParams (anchored at the CRS origin)."""
        return cls(0.0, 0.0, float(params.cell_m), int(params.block_cells))

    @property
    def block_m(self) -> float:
        return self.block_cells * self.cell_m

    def key(self, ix: int, iy: int) -> str:
        return f"c{self.cell_m:g}-{ix}-{iy}"

    def block_at(self, ix: int, iy: int) -> Block:
        return Block(
            self.key(ix, iy),
            ix,
            iy,
            self.x0_m + ix * self.block_m,
            self.y0_m + iy * self.block_m,
            self.cell_m,
            self.block_cells,
            self.block_cells,
        )

    def block(self, key: str) -> Block:
        """The block with this key; ValueError if the key is malformed or of another cell size."""
        match = _KEY.match(key)
        if not match or float(match["cell"]) != self.cell_m:
            raise ValueError(f"{key!r} is not a block key of a {self.cell_m:g} m grid")
        return self.block_at(int(match["ix"]), int(match["iy"]))

    def blocks_intersecting(self, bounds_m) -> list[Block]:
        """Blocks whose interior meets the rectangle (minx, miny, maxx, maxy), south-west first
        (a degenerate rectangle — a point or a line — gets the blocks containing it)."""
        minx, miny, maxx, maxy = bounds_m
        size = self.block_m
        ix0 = math.floor((minx - self.x0_m) / size)
        iy0 = math.floor((miny - self.y0_m) / size)
        ix1 = max(ix0, math.ceil((maxx - self.x0_m) / size) - 1)
        iy1 = max(iy0, math.ceil((maxy - self.y0_m) / size) - 1)
        return [self.block_at(ix, iy) for iy in range(iy0, iy1 + 1) for ix in range(ix0, ix1 + 1)]


@dataclass(frozen=True)
class TileLevel:
    """One level of a quadtree over a block's tiles: per node, the extent of its cell centres and
    which labels occur in it (nodes in row-major order, north first)."""

    span: int  # tiles per node side
    nny: int
    nnx: int
    rects: np.ndarray  # (4, n_nodes): minx, miny, maxx, maxy of the cell centres
    presence: np.ndarray  # (n_nodes, n_labels) bool

    @property
    def label_range(self) -> np.ndarray:
        """(2, n_nodes): the least and the greatest label present."""
        n_labels = self.presence.shape[1]
        return np.stack([self.presence.argmax(axis=1), n_labels - 1 - self.presence[:, ::-1].argmax(axis=1)])


def tile_levels(block: Block, labels, n_labels: int, tile_cells: int) -> list[TileLevel]:
    """Quadtree levels over ``block`` cut into tiles of ``tile_cells`` × ``tile_cells`` cells
    (the last row and column of tiles may be short): the root (whole block) first, the tiles last.

    ``labels`` is an int raster (ny, nx) with values 0 … n_labels − 1, or one value for all cells.
    """
    presence = np.zeros((block.ny, block.nx, n_labels), bool)
    labels = np.broadcast_to(labels, (block.ny, block.nx))
    for k in range(n_labels):
        presence[..., k] = labels == k
    nty, ntx = -(-block.ny // tile_cells), -(-block.nx // tile_cells)
    span = 1 << max(0, math.ceil(math.log2(max(nty, ntx))))
    levels = []
    while span >= 1:
        r0, c0 = np.arange(0, nty, span) * tile_cells, np.arange(0, ntx, span) * tile_cells
        r1 = np.minimum(r0 + span * tile_cells, block.ny) - 1
        c1 = np.minimum(c0 + span * tile_cells, block.nx) - 1
        xs = block.x0_m + (np.stack([c0, c1]) + 0.5) * block.cell_m  # west, east centres
        ys = block.y0_m + (block.ny - 0.5 - np.stack([r1, r0])) * block.cell_m  # south, north
        shape = (r0.size, c0.size)
        rects = np.stack(
            [
                np.broadcast_to(xs[0], shape),
                np.broadcast_to(ys[0][:, None], shape),
                np.broadcast_to(xs[1], shape),
                np.broadcast_to(ys[1][:, None], shape),
            ]
        ).reshape(4, -1)
        rows = np.logical_or.reduceat(presence, r0, axis=0)
        node_presence = np.logical_or.reduceat(rows, c0, axis=1).reshape(-1, n_labels)
        levels.append(TileLevel(span, r0.size, c0.size, rects, node_presence))
        span //= 2
    return levels


def _multipolygon(geom) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom]) if not geom.is_empty else MultiPolygon()
    polys = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    return MultiPolygon(polys)


def _valid(geom) -> MultiPolygon:
    if not geom.is_valid:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    return _multipolygon(geom)


def polygonize(mask_or_labels, block: Block, simplify: bool = True) -> dict[int, MultiPolygon]:
    """Raster → {value: MultiPolygon} in metric coordinates of ``block``'s CRS.

    A boolean mask gives ``{1: covered area}``; integer labels give one MultiPolygon per value
    present, where 0 and negative values are background (not polygonised). Regions follow the
    4-connected cell edges (exact: the area is the cell count × cell area); with ``simplify``
    they are Douglas–Peucker simplified with tolerance cell_m / 2, topology preserved. Results
    are valid (made valid when needed); values with an empty result are omitted.

    Example: ``polygonize(rsrp >= -105, block)`` → ``{1: MultiPolygon(...)}``.
    """
    values = _labels(mask_or_labels, block)
    out = {}
    for value, geom in _shapes_by_value(values, block.transform):
        if simplify:
            geom = shapely.simplify(geom, block.cell_m / 2.0, preserve_topology=True)
        geom = _valid(geom)
        if not geom.is_empty:
            out[value] = geom
    return out


def _labels(mask_or_labels, block: Block) -> np.ndarray:
    arr = np.asarray(mask_or_labels)
    if arr.shape != (block.ny, block.nx):
        raise ValueError(f"raster shape {arr.shape} is not the block's {(block.ny, block.nx)}")
    if arr.dtype == bool:
        return arr.astype(np.uint8)
    if arr.dtype.kind not in "iu":
        raise TypeError("polygonize takes a boolean mask or integer labels")
    return arr if arr.dtype in (np.uint8, np.int16, np.uint16, np.int32) else arr.astype(np.int32)


def _shapes_by_value(values: np.ndarray, transform: Affine) -> list[tuple[int, MultiPolygon]]:
    """GDAL's polygons of the positive cells, gathered into one MultiPolygon per value."""
    foreground = values > 0
    if not foreground.any():
        return []
    points, ring_sizes, ring_polygon, polygon_values = [], [], [], []
    # No mask: the background comes out as polygons too, dropped here. The very same polygons of
    # the positive cells, in the same order, as with mask=foreground, for a quarter less time:
    # rasterio builds a second in-memory dataset for a mask at every call.
    for geom, value in rasterio.features.shapes(values, connectivity=4, transform=transform):
        if value <= 0:
            continue
        for ring in geom["coordinates"]:
            points.extend(ring)
            ring_sizes.append(len(ring))
            ring_polygon.append(len(polygon_values))
        polygon_values.append(int(value))
    # built in three vectorised calls: rings → polygons (first ring the shell) → multi per value
    rings = shapely.linearrings(np.asarray(points), indices=np.repeat(np.arange(len(ring_sizes)), ring_sizes))
    polygons = shapely.polygons(rings, indices=ring_polygon)
    present, value_index = np.unique(polygon_values, return_inverse=True)
    by_value = np.argsort(value_index, kind="stable")
    multis = shapely.multipolygons(polygons[by_value], indices=value_index[by_value])
    return list(zip(present.tolist(), multis, strict=True))


def rasterize_zones(geoms_metric: list, block: Block) -> np.ndarray:
    """int32 (ny, nx): index in ``geoms_metric`` of the polygon containing each cell centre, −1 if
    none (GDAL's centre rule, all_touched=False). Where polygons overlap the later one wins."""
    out_shape = (block.ny, block.nx)
    if not len(geoms_metric):
        return np.full(out_shape, -1, np.int32)
    geoms = np.empty(len(geoms_metric), dtype=object)
    geoms[:] = list(geoms_metric)
    keep = ~shapely.is_missing(geoms)
    keep[keep] &= shapely.intersects(geoms[keep], shapely.box(*block.bounds_m))
    shapes = [(geoms[i], int(i)) for i in np.flatnonzero(keep)]
    if not shapes:
        return np.full(out_shape, -1, np.int32)
    return rasterio.features.rasterize(
        shapes, out_shape=out_shape, transform=block.transform, fill=-1, all_touched=False, dtype="int32"
    )


def zone_counts(zones: np.ndarray, mask: np.ndarray, n_zones: int) -> np.ndarray:
    """Number of True cells of ``mask`` in each zone 0 … n_zones − 1 (cells with zone −1 ignored)."""
    zones = np.asarray(zones)
    picked = zones[np.asarray(mask, dtype=bool) & (zones >= 0)]
    if picked.size and picked.max() >= n_zones:
        raise ValueError(f"zone index {picked.max()} ≥ n_zones = {n_zones}")
    return np.bincount(picked, minlength=n_zones).astype(np.int64)

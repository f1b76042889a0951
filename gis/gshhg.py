"""Water from GSHHG (shorelines, lakes) and WDBII (rivers, canals), as GMT ships them binned.

Debian's ``gmt-gshhg-*`` packages hold ``binned_GSHHS_<res>.nc`` and ``binned_river_<res>.nc``:
netCDF-4 files cutting the world into square bins (2° at high resolution). In a bin each piece of
shoreline is a *segment* in bin-local integer units (0…65535 from the bin's south-west corner)
that either crosses the bin (entering and leaving on a side) or is a closed ring inside it; the
levels of the bin's four corners (0 sea, 1 land, 2 lake, 3 island in a lake, 4 pond) say where
they lie. We rebuild each bin's faces from its sides and segments and give every face its level
from the corners — crossing a shoreline of level L moves between L − 1 and L — so water is the
faces of even level. GSHHG is LGPL (Wessel & Smith); see the package's copyright.

Example: ``water(read_shore_bins(path, region_bbox))`` → sea and lake polygons.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
from shapely import affinity, box, polygonize, unary_union
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.ops import linemerge

__all__ = [
    "ShoreBin",
    "Segment",
    "read_shore_bins",
    "read_river_lines",
    "water",
    "merged_lines",
    "WATER_KINDS",
]

UNITS = 65535  # a bin's side in the files' integer units
INSIDE = 4  # the entry/exit "side" of a closed ring
# Even levels are water: the sea, lakes, ponds in islands in lakes.
WATER_KINDS = {0: "sea", 2: "lake", 4: "lake"}
# Corner k (0 SW, 1 SE, 2 NE, 3 NW, counter-clockwise) in the bin's units, and its bits' shift.
_CORNERS = ((0, 0), (UNITS, 0), (UNITS, UNITS), (0, UNITS))
_CORNER_SHIFT = (9, 6, 3, 0)


@dataclass(frozen=True)
class Segment:
    """One shoreline piece in bin units: ``xy`` (n, 2) ints; ``entry``/``exit`` 0–3 S E N W, 4 closed."""

    level: int
    entry: int
    exit: int
    xy: np.ndarray


@dataclass(frozen=True)
class ShoreBin:
    lon_sw: float
    lat_sw: float
    size_deg: float
    corner_levels: tuple[int, int, int, int]
    segments: tuple[Segment, ...]


def _scalar(f: h5py.File, name: str) -> int:
    return int(f[name][0])


def _bins_over(
    f: h5py.File, bbox: tuple[float, float, float, float]
) -> Iterator[tuple[int, float, float, float]]:
    """(bin index, lon_sw, lat_sw, size °) of every bin meeting ``bbox`` (west, south, east, north)."""
    size_deg = _scalar(f, "Bin_size_in_minutes") / 60.0
    n_x = _scalar(f, "N_bins_in_360_longitude_range")
    n_y = _scalar(f, "N_bins_in_180_degree_latitude_range")
    west, south, east, north = bbox
    rows = range(max(0, int((90.0 - north) // size_deg)), min(n_y, int(np.ceil((90.0 - south) / size_deg))))
    cols = range(int(np.floor(west / size_deg)), int(np.ceil(east / size_deg)))
    for row in rows:
        for col in cols:
            lon_sw = col * size_deg  # negative west of Greenwich; the files count from 0° eastwards
            yield row * n_x + col % n_x, lon_sw, 90.0 - (row + 1) * size_deg, size_deg


def _points(f: h5py.File, start: int, count: int) -> np.ndarray:
    # Stored as signed shorts; the units are 0…65535.
    dx = f["Relative_longitude_from_SW_corner_of_bin"][start : start + count].view(np.uint16)
    dy = f["Relative_latitude_from_SW_corner_of_bin"][start : start + count].view(np.uint16)
    return np.column_stack([dx, dy]).astype(np.int64)


def read_shore_bins(path: Path | str, bbox: tuple[float, float, float, float]) -> list[ShoreBin]:
    """The shoreline bins of ``binned_GSHHS_<res>.nc`` that meet ``bbox`` (degrees, W S E N)."""
    bins = []
    with h5py.File(path, "r") as f:
        for index, lon_sw, lat_sw, size_deg in _bins_over(f, bbox):
            info = int(f["Embedded_node_levels_in_a_bin"][index]) & 0xFFFF
            first = int(f["Id_of_first_segment_in_a_bin"][index])
            count = int(f["N_segments_in_a_bin"][index])
            seg_info = f["Embedded_npts_levels_exit_entry_for_a_segment"][first : first + count]
            seg_start = f["Id_of_first_point_in_a_segment"][first : first + count]
            segments = tuple(
                Segment(
                    level=(int(code) >> 6) & 7,
                    entry=(int(code) >> 3) & 7,
                    exit=int(code) & 7,
                    xy=_points(f, int(start), int(code) >> 9),
                )
                for code, start in zip(seg_info, seg_start, strict=True)
            )
            corners = tuple((info >> shift) & 7 for shift in _CORNER_SHIFT)
            bins.append(ShoreBin(lon_sw, lat_sw, size_deg, corners, segments))
    return bins


def read_river_lines(
    path: Path | str, bbox: tuple[float, float, float, float]
) -> list[tuple[int, LineString]]:
    """(WDBII level, line in degrees) of ``binned_river_<res>.nc`` in the bins meeting ``bbox``.

    Levels: 0 double-lined rivers, 1–4 permanent rivers (major first), 5–7 intermittent,
    8–10 canals (8 major) — as GMT's ``pscoast -I`` numbers them.
    """
    lines = []
    with h5py.File(path, "r") as f:
        for index, lon_sw, lat_sw, size_deg in _bins_over(f, bbox):
            first = int(f["Id_of_first_segment_in_a_bin"][index])
            count = int(f["N_segments_in_a_bin"][index])
            sizes = f["N_points_for_a_segment"][first : first + count]
            levels = f["Hierarchial_level_of_a_segment"][first : first + count]
            starts = f["Id_of_first_point_in_a_segment"][first : first + count]
            scale = size_deg / UNITS
            for size, level, start in zip(sizes, levels, starts, strict=True):
                if size < 2:
                    continue
                xy = _points(f, int(start), int(size)) * scale + (lon_sw, lat_sw)
                lines.append((int(level), LineString(xy)))
    return lines


def _faces(shore_bin: ShoreBin) -> list[Polygon]:
    sides = box(0, 0, UNITS, UNITS).exterior
    lines = [sides] + [LineString(s.xy) for s in shore_bin.segments if len(s.xy) >= 2]
    return list(polygonize([unary_union(lines)]).geoms)


def _face_levels(faces: list[Polygon], shore_bin: ShoreBin) -> list[int | None]:
    """Each face's level: the corners' where a face holds one, then across the shorelines."""
    levels: list[int | None] = [None] * len(faces)
    for (x, y), shift in zip(_CORNERS, range(4), strict=True):
        for i, face in enumerate(faces):
            if face.intersects(Point(x, y)):
                levels[i] = shore_bin.corner_levels[shift]
    # Which two faces each segment separates (it borders them along its length).
    borders = []
    for segment in shore_bin.segments:
        line = LineString(segment.xy)
        touching = [i for i, face in enumerate(faces) if face.boundary.intersection(line).length > 0]
        if len(touching) == 2:
            borders.append((segment.level, *touching))
    changed = True
    while changed:
        changed = False
        for level, a, b in borders:
            for known, unknown in ((a, b), (b, a)):
                if levels[known] is not None and levels[unknown] is None:
                    levels[unknown] = level - 1 if levels[known] == level else level
                    changed = True
    return levels


def _to_degrees(geom, shore_bin: ShoreBin):
    scale = shore_bin.size_deg / UNITS
    return affinity.affine_transform(geom, [scale, 0, 0, scale, shore_bin.lon_sw, shore_bin.lat_sw])


def water(bins: Iterable[ShoreBin]) -> dict[str, list[Polygon]]:
    """The water faces of ``bins`` in degrees, by kind (``WATER_KINDS``: sea, lake)."""
    found: dict[str, list[Polygon]] = {}
    for shore_bin in bins:
        faces = _faces(shore_bin)
        for face, level in zip(faces, _face_levels(faces, shore_bin), strict=True):
            if level in WATER_KINDS:
                found.setdefault(WATER_KINDS[level], []).append(_to_degrees(face, shore_bin))
    return found


def merged_lines(lines: Iterable[LineString]) -> MultiLineString:
    """Lines cut at bin sides joined again where they meet."""
    merged = linemerge(list(lines))
    return merged if isinstance(merged, MultiLineString) else MultiLineString([merged])

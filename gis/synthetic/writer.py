"""Deterministic GeoJSON and CSV writing for data/hamlets/ (see docs/sample-data-contract.md).

GeoJSON: RFC 7946, UTF-8 without ASCII escaping, compact, one feature per line, features in
the order given (callers pass them sorted by code). Floats print with Python's shortest repr,
so coordinates already rounded to 7 decimals print with at most 7 decimals.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import shapely

__all__ = ["geojson_text", "write_geojson", "write_csv", "point_geometry", "shape_geometry"]


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def point_geometry(lonlat: Sequence[float]) -> dict:
    return {"type": "Point", "coordinates": [float(lonlat[0]), float(lonlat[1])]}


def shape_geometry(geom) -> dict:
    """GeoJSON geometry of a shapely geometry whose coordinates are already rounded."""
    return shapely.geometry.mapping(geom)


def geojson_text(features: Iterable[tuple[dict, dict]]) -> str:
    """A FeatureCollection with one ``{"type":"Feature",...}`` per line."""
    lines = [
        _dumps({"type": "Feature", "properties": props, "geometry": geometry}) for props, geometry in features
    ]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_geojson(path: Path, features: Iterable[tuple[dict, dict]]) -> None:
    path.write_text(geojson_text(features), encoding="utf-8")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """UTF-8 CSV with ``\\n`` line ends; ``None`` becomes an empty field."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])

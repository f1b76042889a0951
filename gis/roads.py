"""Main roads for the offline map's background, read from any file the importers read.

A deployment's roads come as OpenStreetMap tags them — ``highway`` (the class), ``ref`` (QL61) and
``name`` (Quốc lộ 61) — e.g. what ``ogr2ogr`` writes from a Geofabrik ``.osm.pbf``'s "lines" layer,
whose ``ref`` sits in the ``other_tags`` column (``"ref"=>"QL61"``). Only the main classes are kept
(``MAIN_HIGHWAYS``); a file of other geometries, without a class or without any main road is
refused as a whole. Reading, the CRS (VN-2000 with the official parameters) and reprojection to
EPSG:4326 are the importers' (``gis.importers.read_table``).

Example
-------
>>> osm_tags({"highway": "trunk", "other_tags": '"ref"=>"QL61","name:en"=>"National Route 61"'})
{'highway': 'trunk', 'ref': 'QL61', 'name': 'National Route 61'}
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gis.importers import ImportRefused, read_table
from gis.problems import Problem

__all__ = ["MAIN_HIGHWAYS", "Road", "RoadsRead", "osm_tags", "read_roads"]

MAIN_HIGHWAYS = ("motorway", "trunk", "primary", "secondary", "tertiary")
_LINES = ("LineString", "MultiLineString")
# osmconf.ini's hstore column: "key"=>"value" pairs, quotes and backslashes escaped.
_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
_NAME_KEYS = ("name", "name:vi", "name_vi", "ten", "name:en")  # Vietnamese first


@dataclass(frozen=True)
class Road:
    ref: str | None
    name: str | None
    highway: str
    geometry: object  # shapely LineString or MultiLineString, EPSG:4326


@dataclass
class RoadsRead:
    roads: list[Road]
    skipped: int  # features of other classes (residential, service, links, paths …)
    crs: str  # the CRS the file was read in
    osm: bool  # OpenStreetMap's data (osm_id / other_tags columns, as ogr2ogr writes them)


def _text(value) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def osm_tags(properties: dict) -> dict:
    """``highway``, ``ref`` and ``name`` of a feature's columns (any case) or its ``other_tags``."""
    tags = {k: v for k, v in _HSTORE.findall(str(properties.get("other_tags") or ""))}
    tags |= {str(k).strip().lower(): v for k, v in properties.items() if _text(v) is not None}
    name = next((tags[k] for k in _NAME_KEYS if _text(tags.get(k))), None)
    return {
        "highway": (_text(tags.get("highway")) or "").lower() or None,
        "ref": _text(tags.get("ref")),
        "name": _text(name),
    }


def _shapefile_zip(path: Path, folder: Path) -> Path:
    """A bare .shp with its sibling files (.dbf, .shx, .prj, .cpg) zipped, as the importers read it."""
    bundle = folder / f"{path.stem}.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        for sibling in path.parent.glob(f"{path.stem}.*"):
            if sibling.suffix.lower() != ".zip":
                zf.write(sibling, sibling.name)
    return bundle


def _lines_layer(path: Path) -> str | None:
    """A GeoPackage's layer "lines" (ogr2ogr's name for an OSM extract's ways), when it has one."""
    import pyogrio

    try:
        names = [row[0] for row in pyogrio.list_layers(path)]
    except Exception:  # noqa: BLE001 - not readable here: the importers say why
        return None
    return "lines" if "lines" in names and len(names) > 1 else None


def _read(path: Path, crs, layer):
    if layer is None and path.suffix.lower() == ".gpkg":
        layer = _lines_layer(path)  # a whole extract converted: its roads are there, not in "points"
    try:
        if path.suffix.lower() != ".shp":
            return read_table(path, crs=crs, layer=layer)
        with tempfile.TemporaryDirectory(prefix="hg-roads-") as tmp:
            return read_table(_shapefile_zip(path, Path(tmp)), crs=crs, layer=layer)
    except ImportRefused as exc:
        if [p.code for p in exc.problems] == ["coordinate.none"]:  # a table without geometry
            raise ImportRefused(Problem("roads.no_geometry", source=path.name)) from None
        raise


def read_roads(path: str | Path, *, crs=None, layer: str | None = None) -> RoadsRead:
    """The main roads of ``path`` in EPSG:4326; raises ImportRefused listing what refuses the file.

    ``crs`` overrides the file's (e.g. a VN-2000 TM-3 zone, "EPSG:9209", for a file without a .prj);
    ``layer`` names a GeoPackage's layer ("lines" of an OSM extract converted with ogr2ogr).
    """
    path = Path(path)
    table = _read(path, crs, layer)
    where = {"source": table.name, "label": table.label}
    others = [f for f in table.features if f.geometry.geom_type not in _LINES]
    if others:
        kinds = sorted({f.geometry.geom_type for f in others})
        params = {"count": len(others), "kinds": ", ".join(kinds), "first": others[0].number}
        raise ImportRefused(Problem("roads.not_lines", params=params, **where))
    tagged = [(f, osm_tags(f.raw)) for f in table.features]
    if all(tags["highway"] is None for _, tags in tagged):
        raise ImportRefused(Problem("roads.no_highway", **where))
    roads = [
        Road(tags["ref"], tags["name"], tags["highway"], f.geometry)
        for f, tags in tagged
        if tags["highway"] in MAIN_HIGHWAYS and f.geometry.length > 0
    ]
    if not roads:
        params = {"classes": ", ".join(MAIN_HIGHWAYS)}
        raise ImportRefused(Problem("roads.none_main", params=params, **where))
    osm = bool({h.strip().lower() for h in table.headers} & {"osm_id", "osm_way_id", "other_tags"})
    return RoadsRead(roads, len(table.features) - len(roads), table.crs, osm)

"""The main roads of the offline map's background: stored whole (a replacement, never an append),
served simplified as one small GeoJSON document.

The seed loads the sample's generated roads with the rest of its layers; a deployment replaces them
with its own file (`python -m app.cli import-roads FILE`, or its upload `POST /api/import/roads`:
an OpenStreetMap extract converted with ogr2ogr, a survey's GeoPackage or Shapefile in VN-2000 …),
all or nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from geoalchemy2.shape import from_shape
from sqlalchemy import Connection, Engine, insert, text

from app import models as m
from app.services.audit import Actor
from app.services.imports.importer import ImportFailed
from gis.importers import ImportRefused
from gis.roads import MAIN_HIGHWAYS, Road, read_roads

__all__ = ["RoadsImported", "import_roads", "insert_roads", "load_roads_file", "roads_document"]

# OpenStreetMap's licence (ODbL) asks that its contributors be named wherever its data is shown.
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
# ~20 m at these latitudes: finer than a thin line at the zooms the background is seen at, and it
# keeps the document small (the generated lines have a vertex every 150 m before it).
SIMPLIFY_DEG = 0.0002
# Minor classes first, so the major ones are drawn over them.
_DRAW_ORDER = (
    "array_position(ARRAY['tertiary','secondary','primary','trunk','motorway']::text[], highway::text)"
)
_DOCUMENT = text(
    "SELECT json_build_object('type', 'FeatureCollection', 'attribution', "
    "(SELECT string_agg(DISTINCT attribution, '; ') FROM roads), 'features', coalesce(json_agg("
    "json_build_object('type', 'Feature', 'properties', json_build_object('ref', ref, 'name', name, "
    "'highway', highway), 'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tolerance), 5)::json) "
    f"ORDER BY {_DRAW_ORDER}, id), '[]'::json))::text FROM roads"
)


@dataclass
class RoadsImported:
    roads: int
    skipped: int  # features of other classes, left out
    crs: str
    seconds: float
    by_class: dict[str, int]  # roads kept per highway class, major first


def insert_roads(conn: Connection, roads: Iterable[Road], attribution: str | None = None) -> int:
    """Add ``roads`` on the caller's transaction; their count."""
    rows = [
        dict(
            ref=r.ref,
            name=r.name,
            highway=r.highway,
            attribution=attribution,
            geom=from_shape(r.geometry, srid=m.SRID),
        )
        for r in roads
    ]
    if rows:
        conn.execute(insert(m.Road.__table__), rows)
    return len(rows)


def load_roads_file(conn: Connection, path: Path) -> int:
    """A bundle's roads.geojson, added on the caller's transaction (the seed: one file per province)."""
    try:
        found = read_roads(path)
    except ImportRefused as exc:
        raise ImportFailed(exc.problems) from None
    return insert_roads(conn, found.roads, OSM_ATTRIBUTION if found.osm else None)


def import_roads(
    engine: Engine,
    path: Path,
    *,
    crs: str | None = None,
    layer: str | None = None,
    attribution: str | None = None,
    actor: Actor | None = None,
) -> RoadsImported:
    """Replace every stored road with the main roads of ``path``, all or nothing; a refused file
    (ImportFailed, 422) leaves the stored ones as they were. ``actor`` is whom the audit names."""
    started = time.perf_counter()
    try:
        found = read_roads(path, crs=crs, layer=layer)
    except ImportRefused as exc:
        raise ImportFailed(exc.problems) from None
    with engine.begin() as conn:
        if actor is not None:
            actor.apply(conn)
        conn.execute(text("TRUNCATE roads"))
        count = insert_roads(conn, found.roads, attribution or (OSM_ATTRIBUTION if found.osm else None))
    classes = Counter(r.highway for r in found.roads)
    by_class = {h: classes[h] for h in MAIN_HIGHWAYS if classes[h]}
    return RoadsImported(count, found.skipped, found.crs, time.perf_counter() - started, by_class)


@dataclass(frozen=True)
class RoadsDocument:
    body: bytes
    etag: str


def roads_document(conn: Connection) -> RoadsDocument:
    """Every stored road, simplified, as a GeoJSON FeatureCollection with ``attribution``; the ETag
    is the body's digest, so an unchanged table answers 304 to a browser that has it."""
    body = conn.execute(_DOCUMENT, {"tolerance": SIMPLIFY_DEG}).scalar_one().encode()
    return RoadsDocument(body, f'"r-{hashlib.blake2b(body, digest_size=16).hexdigest()}"')

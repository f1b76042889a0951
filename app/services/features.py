"""OGC API – Features items: GeoJSON assembled in PostGIS, keyset paging, bbox + filters."""

from dataclasses import dataclass

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import Collection
from app.errors import NotFound
from app.services.sql import filter_clauses, located_source, needs_location, with_location

BBox = tuple[float, float, float, float]

_FEATURE_SQL = (
    "json_build_object('type', 'Feature', 'id', f.fid, "
    "'geometry', ST_AsGeoJSON(f.geom, 7)::json, "
    "'properties', to_jsonb(f) - 'geom' - 'fid')::text"
)


@dataclass
class ItemsPage:
    features_json: list[str]  # each a serialized GeoJSON Feature
    number_matched: int
    next_after: str | None


def _where(
    collection: Collection, bbox: BBox | None, filters: dict[str, str]
) -> tuple[str, dict[str, object]]:
    clauses, params = filter_clauses(collection, filters)
    if bbox is not None:
        clauses.append(
            "f.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326) "
            "AND ST_Intersects(f.geom, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))"
        )
        params.update(dict(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True)))
    return " AND ".join(clauses) or "true", params


def get_items(
    session: Session,
    collection: Collection,
    *,
    bbox: BBox | None,
    filters: dict[str, str],
    limit: int,
    after: str | None,
) -> ItemsPage:
    # The location lookup costs a point-in-polygon per row: do it before filtering only when a
    # location filter needs it, otherwise only for the rows of the page.
    early = needs_location(collection, filters)
    where, params = _where(collection, bbox, filters)
    source = located_source(collection) if early else collection.source
    matching = f"SELECT * FROM ({source}) AS f WHERE {where}"
    matched = session.execute(text(f"SELECT count(*) FROM ({matching}) AS f"), params).scalar_one()
    page_where = 'f.fid COLLATE "C" > :after' if after is not None else "true"
    page = (
        f'SELECT * FROM ({matching}) AS f WHERE {page_where} ORDER BY f.fid COLLATE "C" LIMIT :limit_plus_one'
    )
    if collection.located and not early:
        page = with_location(page)
    rows = session.execute(
        text(f'SELECT f.fid, {_FEATURE_SQL} FROM ({page}) AS f ORDER BY f.fid COLLATE "C"'),
        {**params, "after": after, "limit_plus_one": limit + 1},
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return ItemsPage(
        features_json=[r[1] for r in rows],
        number_matched=matched,
        next_after=rows[-1][0] if more and rows else None,
    )


def get_item(session: Session, collection: Collection, feature_id: str) -> str:
    row = session.execute(
        text(f"SELECT {_FEATURE_SQL} FROM ({located_source(collection)}) AS f WHERE f.fid = :fid"),
        {"fid": feature_id},
    ).first()
    if row is None:
        raise NotFound(f"no feature '{feature_id}' in collection '{collection.id}'")
    return row[0]


def get_extent(session: Session, collection: Collection) -> list[float] | None:
    row = session.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            f"FROM (SELECT ST_Extent(f.geom) AS e FROM ({collection.source}) AS f) AS x"
        )
    ).first()
    if row is None or row[0] is None:
        return None
    return [round(v, 7) for v in row]


def feature_collection_bytes(page: ItemsPage, links: list[dict], timestamp: str) -> bytes:
    """Wrap pre-serialized features without parsing them again."""
    head = orjson.dumps(
        {
            "type": "FeatureCollection",
            "numberMatched": page.number_matched,
            "numberReturned": len(page.features_json),
            "timeStamp": timestamp,
            "links": links,
        }
    )
    body = ",".join(page.features_json).encode()
    return head[:-1] + b',"features":[' + body + b"]}"

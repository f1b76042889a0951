"""Vector tiles decoded with mapbox-vector-tile and compared with PostGIS."""

import gzip

import mapbox_vector_tile
import pytest
from sqlalchemy import text

MVT = "application/vnd.mapbox-vector-tile"


def _tile_of(engine, z: int, code: str) -> tuple[int, int]:
    """The XYZ tile at zoom z holding a site, computed in PostGIS-independent maths."""
    import math

    with engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM sites WHERE code = :c"), {"c": code}
        ).one()
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _first_site(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT code FROM sites ORDER BY code LIMIT 1")).scalar_one()


def _count_in_tile(engine, table: str, z: int, x: int, y: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                f"SELECT count(*) FROM {table} "
                "WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope(:z, :x, :y))"
            ),
            {"z": z, "x": x, "y": y},
        ).scalar_one()


def test_xyz_tile_holds_the_sites_of_its_envelope(client, engine):
    code = _first_site(engine)
    z = 13
    x, y = _tile_of(engine, z, code)
    r = client.get(f"/tiles/sites/{z}/{x}/{y}.mvt")
    assert r.status_code == 200 and r.headers["content-type"] == MVT
    tile = mapbox_vector_tile.decode(r.content)
    features = tile["sites"]["features"]
    codes = {f["properties"]["code"] for f in features}
    assert code in codes
    # The tile carries a 64/4096 buffer, so it may hold a few more points than the bare envelope.
    assert len(features) >= _count_in_tile(engine, "sites", z, x, y)
    props = features[0]["properties"]
    assert {"owner", "status", "tenant_count", "shared"} <= set(props)


def test_several_layers_in_one_tile(client, engine):
    x, y = _tile_of(engine, 10, _first_site(engine))
    tile = mapbox_vector_tile.decode(client.get(f"/tiles/districts,sites,poles/10/{x}/{y}.mvt").content)
    assert {"districts", "sites", "poles"} <= set(tile)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in tile["districts"]["features"])


def test_ogc_tile_path_is_matrix_row_col(client, engine):
    z = 12
    x, y = _tile_of(engine, z, _first_site(engine))
    a = client.get(f"/ogc/collections/sites/tiles/WebMercatorQuad/{z}/{y}/{x}")
    b = client.get(f"/tiles/sites/{z}/{x}/{y}.mvt")
    assert a.status_code == 200 and a.content == b.content and len(a.content) > 0


def test_tile_filters(client, engine):
    x, y = _tile_of(engine, 9, _first_site(engine))
    tile = mapbox_vector_tile.decode(
        client.get(f"/tiles/sites/9/{x}/{y}.mvt?status=active&owner=Viettel").content
    )
    feats = tile.get("sites", {}).get("features", [])
    assert feats and all(
        f["properties"]["status"] == "active" and f["properties"]["owner"] == "Viettel" for f in feats
    )


def test_empty_tile_is_empty_not_an_error(client):
    r = client.get("/tiles/sites/10/0/0.mvt")
    assert r.status_code == 200 and r.content == b""


def test_etag_gives_304_and_cache_headers(client, engine):
    x, y = _tile_of(engine, 11, _first_site(engine))
    r = client.get(f"/tiles/sites/11/{x}/{y}.mvt")
    assert "max-age" in r.headers["cache-control"]
    again = client.get(f"/tiles/sites/11/{x}/{y}.mvt", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_tiles_are_gzipped_when_asked(client, engine):
    x, y = _tile_of(engine, 8, _first_site(engine))
    r = client.get(f"/tiles/poles,sites/8/{x}/{y}.mvt", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    raw = client.get(f"/tiles/poles,sites/8/{x}/{y}.mvt", headers={"Accept-Encoding": "identity"}).content
    assert gzip.compress(raw) and len(r.content) > 0  # httpx already decoded the gzip body
    assert r.content == raw


def test_tilejson(client):
    body = client.get("/tiles/sites,hamlets/tilejson.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].endswith("/tiles/sites,hamlets/{z}/{x}/{y}.mvt")
    assert [layer["id"] for layer in body["vector_layers"]] == ["sites", "hamlets"]
    assert body["vector_layers"][0]["fields"]["height_m"] == "Number"
    minx, miny, maxx, maxy = body["bounds"]
    assert 105.2 < minx < maxx < 106 and 9.5 < miny < maxy < 10.2


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/tiles/sites/23/0/0.mvt", 404, "zoom 23 is out of range"),
        ("/tiles/sites/-1/0/0.mvt", 404, "zoom -1"),
        ("/tiles/sites/3/8/0.mvt", 404, "out of range 0–7"),
        ("/tiles/sites/3/0/-1.mvt", 404, "out of range"),
        ("/tiles/nope/3/0/0.mvt", 404, "unknown collection 'nope'"),
        ("/tiles/sites,sites/3/0/0.mvt", 400, "named twice"),
        ("/tiles/sites/3/0/0.mvt?colour=red", 400, "unknown filter 'colour'"),
        ("/tiles/sites/a/0/0.mvt", 400, "z"),
        ("/ogc/collections/sites/tiles/WebMercatorQuad/2/9/0", 404, "out of range"),
    ],
)
def test_bad_tile_requests(client, url, status, words):
    r = client.get(url)
    assert r.status_code == status, r.text
    assert words in r.json()["description"]

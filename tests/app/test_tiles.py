"""Vector tiles decoded with mapbox-vector-tile and compared with PostGIS."""

import gzip

import mapbox_vector_tile
import pytest
from pyproj import Transformer
from sqlalchemy import text

from app.collections import COLLECTIONS

MVT = "application/vnd.mapbox-vector-tile"


def _tile_of(engine, z: int, code: str, table: str = "sites") -> tuple[int, int]:
    """The XYZ tile at zoom z holding a site (or a point of another feature), computed in
    PostGIS-independent maths."""
    import math

    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                f"SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM {table} WHERE code = :c) x"
            ),
            {"c": code},
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


def test_duct_tiles_carry_the_owners_name_free_ducts_and_stated_length(client, engine):
    with engine.connect() as conn:
        code, *expected = conn.execute(
            text(
                "SELECT code, name, free_duct_count, duct_count - free_duct_count, stated_length_m "
                "FROM duct_routes WHERE free_duct_count > 0 ORDER BY code LIMIT 1"
            )
        ).one()
    x, y = _tile_of(engine, 14, code, "duct_routes")
    features = mapbox_vector_tile.decode(client.get(f"/tiles/ducts/14/{x}/{y}.mvt").content)["ducts"][
        "features"
    ]
    mine = next(f["properties"] for f in features if f["properties"]["code"] == code)
    keys = ("name", "free_duct_count", "used_duct_count", "stated_length_m")
    assert [mine[k] for k in keys] == pytest.approx(expected) and mine["name"].startswith("Tuyến ống ")


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
    r = client.get(url, headers={"Accept-Language": "en"})
    assert r.status_code == status, r.text
    assert words in r.json()["description"]


# -- OGC API – Tiles metadata: tilesets, tile matrix sets, TileJSON fields -------------------------


def _links(doc: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in doc["links"]}


def test_tileset_metadata_and_every_link_resolve(anon_client, engine):
    """ogrinfo OGCAPI:…/collections/hamlets follows tilesets → tileset → tiling scheme → tiles."""
    collection = anon_client.get("/ogc/collections/hamlets").json()
    tilesets_url = _links(collection)["http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"]["href"]
    tilesets = anon_client.get(tilesets_url).json()["tilesets"]
    assert [t["tileMatrixSetURI"].rsplit("/", 1)[1] for t in tilesets] == [
        "WebMercatorQuad",
        "WorldCRS84Quad",
    ]
    lon, lat = 105.6, 9.8
    for tileset in tilesets:
        assert tileset["dataType"] == "vector"
        meta = anon_client.get(_links(tileset)["self"]["href"])
        assert meta.status_code == 200, meta.text
        doc = meta.json()
        assert doc["tileMatrixSetURI"] == tileset["tileMatrixSetURI"] and doc["crs"] == tileset["crs"]
        assert doc["layers"][0]["id"] == "hamlets" and doc["layers"][0]["geometryDimension"] == 2
        links = _links(doc)
        tms = anon_client.get(links["http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"]["href"]).json()
        assert tms["uri"] == doc["tileMatrixSetURI"] and len(tms["tileMatrices"]) == 23  # zooms 0–22
        z = 9
        matrix = tms["tileMatrices"][z]
        size = matrix["cellSize"] * matrix["tileWidth"]
        x0, y0 = matrix["pointOfOrigin"]
        if tms["crs"].endswith("3857"):
            x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
        else:
            x, y = lon, lat
        col, row = int((x - x0) // size), int((y0 - y) // size)
        item = links["item"]
        assert item["type"] == MVT and item["templated"] is True
        url = item["href"].format(tileMatrix=z, tileRow=row, tileCol=col)
        tile = anon_client.get(url)
        assert tile.status_code == 200 and tile.headers["content-type"] == MVT
        assert mapbox_vector_tile.decode(tile.content)["hamlets"]["features"]


def test_tile_matrix_sets_are_the_registered_ones(anon_client):
    listed = anon_client.get("/ogc/tileMatrixSets").json()["tileMatrixSets"]
    assert [t["id"] for t in listed] == ["WebMercatorQuad", "WorldCRS84Quad"]
    mercator = anon_client.get(listed[0]["links"][0]["href"]).json()
    assert mercator["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    first = mercator["tileMatrices"][0]
    assert first["scaleDenominator"] == pytest.approx(559082264.0287178, rel=1e-12)
    assert first["cellSize"] == pytest.approx(156543.03392804097, rel=1e-12)
    assert first["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])
    assert (first["matrixWidth"], first["matrixHeight"]) == (1, 1)
    crs84 = anon_client.get("/ogc/tileMatrixSets/WorldCRS84Quad").json()
    assert crs84["crs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    first, second = crs84["tileMatrices"][:2]
    assert first["scaleDenominator"] == pytest.approx(279541132.0143589, rel=1e-12)
    assert (first["cellSize"], second["cellSize"]) == (0.703125, 0.3515625)
    assert (first["matrixWidth"], first["matrixHeight"], second["matrixWidth"]) == (2, 1, 4)
    assert first["pointOfOrigin"] == [-180, 90]
    landing = _links(anon_client.get("/ogc").json())
    assert landing["http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"]["href"].endswith(
        "/ogc/tileMatrixSets"
    )
    r = anon_client.get("/ogc/tileMatrixSets/GoogleCRS84Quad", headers={"Accept-Language": "en"})
    assert r.status_code == 404 and "served: WebMercatorQuad, WorldCRS84Quad" in r.json()["description"]
    r = anon_client.get(
        "/ogc/collections/hamlets/tiles/GoogleCRS84Quad/1/0/0", headers={"Accept-Language": "vi"}
    )
    assert r.status_code == 404 and "không có lưới ô “GoogleCRS84Quad”" in r.json()["description"]


def test_world_crs84_quad_tile_holds_the_sites_of_its_envelope(client, engine):
    z, code = 12, _first_site(engine)
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM sites WHERE code = :c"), {"c": code}
        ).one()
    size = 180 / (1 << z)
    col, row = int((lon + 180) // size), int((90 - lat) // size)
    r = client.get(f"/ogc/collections/sites/tiles/WorldCRS84Quad/{z}/{row}/{col}")
    assert r.status_code == 200
    features = mapbox_vector_tile.decode(r.content)["sites"]["features"]
    minx, maxy = -180 + col * size, 90 - row * size
    with engine.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT count(*) FROM sites WHERE ST_Intersects(geom, "
                "ST_Expand(ST_MakeEnvelope(:a, :b, :c, :d, 4326), :m))"
            ),
            {"a": minx, "b": maxy - size, "c": minx + size, "d": maxy, "m": size * 64 / 4096},
        ).scalar_one()
    assert len(features) == expected > 0
    mine = next(f for f in features if f["properties"]["code"] == code)
    px, py = mine["geometry"]["coordinates"]  # tile units, y up
    assert minx + px / 4096 * size == pytest.approx(lon, abs=size / 4096)
    assert maxy - size + py / 4096 * size == pytest.approx(lat, abs=size / 4096)
    r = client.get(f"/ogc/collections/sites/tiles/WorldCRS84Quad/{z}/{1 << z}/0")
    assert r.status_code == 404 and f"y 0–{(1 << z) - 1}" in r.json()["description"]


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_tilejson_fields_equal_what_the_tiles_carry(client, engine, collection_id):
    layer = client.get(f"/tiles/{collection_id}/tilejson.json").json()["vector_layers"][0]
    minx, miny, maxx, maxy = client.get(f"/tiles/{collection_id}/tilejson.json").json()["bounds"]
    z, n = 8, 1 << 8
    to_tile = Transformer.from_crs(4326, 3857, always_xy=True)
    (x0, y0), (x1, y1) = to_tile.transform(minx, maxy), to_tile.transform(maxx, miny)
    half = 20037508.342789244
    cols = range(int((x0 + half) / (2 * half / n)), int((x1 + half) / (2 * half / n)) + 1)
    rows = range(int((half - y0) / (2 * half / n)), int((half - y1) / (2 * half / n)) + 1)
    carried: dict[str, set] = {}
    for col in cols:
        for row in rows:
            tile = mapbox_vector_tile.decode(
                client.get(f"/tiles/{collection_id}/{z}/{col}/{row}.mvt").content
            )
            for feature in tile.get(collection_id, {"features": []})["features"]:
                for key, value in feature["properties"].items():
                    carried.setdefault(key, set()).add(type(value).__name__)
    # A vector tile has no nulls: a declared field no tile carries is one no feature has a value for
    # (the sample's speed tests carry no signal level).
    unset = set(layer["fields"]) - set(carried)
    for key in unset:
        items = client.get(
            f"/ogc/collections/{collection_id}/items", params={"limit": 10000, "properties": key}
        )
        assert {f["properties"].get(key) for f in items.json()["features"]} == {None}, key
    assert carried and set(carried) | unset == set(layer["fields"]) and len(unset) <= 1
    python = {"String": {"str"}, "Number": {"int", "float"}, "Boolean": {"bool"}}
    for key, types in carried.items():
        assert types <= python[layer["fields"][key]], (key, types, layer["fields"][key])
    meta = client.get(f"/ogc/collections/{collection_id}/tiles/WebMercatorQuad").json()
    schema = meta["layers"][0]["propertiesSchema"]["properties"]
    assert {k: v["type"] for k, v in schema.items()} == {k: v.lower() for k, v in layer["fields"].items()}


def test_with_the_cache_off_a_tile_costs_one_query_and_its_etag_is_its_bytes(engine):
    """TILE_CACHE_BYTES=0: no data versions read per tile (nothing to key), the ETag still answers 304."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.services import tiles
    from app.services.scope import EVERYTHING
    from app.services.tile_matrix_sets import WEB_MERCATOR_QUAD

    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    layers = [COLLECTIONS["sites"], COLLECTIONS["poles"]]
    event.listen(engine, "before_cursor_execute", note)
    try:
        with Session(engine) as session:
            first = tiles.cached_tile(
                session, layers, 11, 1624, 968, {}, EVERYTHING, WEB_MERCATOR_QUAD, None, 0
            )
            again = tiles.cached_tile(
                session, layers, 11, 1624, 968, {}, EVERYTHING, WEB_MERCATOR_QUAD, first.etag, 0
            )
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert first.outcome == "bypass" and first.data and again.outcome == "not-modified"
    assert len(seen) == 2 and not any("data_versions" in s for s in seen)
    # Asked for gzip, it comes compressed (another representation, so another ETag), the same tile.
    with Session(engine) as session:
        packed = tiles.cached_tile(
            session, layers, 11, 1624, 968, {}, EVERYTHING, WEB_MERCATOR_QUAD, None, 0, gzip_ok=True
        )
    assert packed.gzipped and gzip.decompress(packed.data) == first.data and packed.etag != first.etag


def test_tile_routes_take_the_session_a_test_gives_the_app(engine, tokens):
    """The tile routes open their session themselves (one worker thread for all their work): an
    override of get_session, as tests give the app, is the one they read, on both tile routes."""
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from app.db import get_session
    from app.main import create_app
    from tests.conftest import bearer

    app, opened = create_app(), []

    def session():
        with Session(engine) as s:
            opened.append(s)
            yield s

    app.dependency_overrides[get_session] = session
    code = _first_site(engine)
    x, y = _tile_of(engine, 13, code)
    with TestClient(app, headers=bearer(tokens["planner1"])) as c:
        xyz = c.get(f"/tiles/sites/13/{x}/{y}.mvt")
        ogc = c.get(f"/ogc/collections/sites/tiles/WebMercatorQuad/13/{y}/{x}")
    assert xyz.status_code == 200 and ogc.status_code == 200
    assert len(opened) == 2
    assert code in {
        f["properties"]["code"] for f in mapbox_vector_tile.decode(xyz.content)["sites"]["features"]
    }


def test_tile_sql_reaches_the_driver_with_its_values_bound_and_percent_signs_kept(engine):
    """The tile's SQL goes to the driver as its compiled string: named values bound, a literal %
    and a ::cast left as written."""
    from sqlalchemy.orm import Session

    from app.services.tiles import build_tile

    with Session(engine) as session:
        query = "SELECT convert_to(:a || '%' || CAST(:b AS text), 'UTF8')::bytea"
        data = build_tile(session, query, {"a": "50", "b": 7})
    assert data == b"50%7"

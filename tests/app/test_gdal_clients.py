"""Real clients read us: GDAL's OGC API – Features (OAPIF) and MVT drivers against the live server.

Skipped when GDAL's command-line tools are absent (`make test-deps` installs Debian's gdal-bin).
"""

import json
import os
import re
import shutil
import subprocess

import httpx
import pyogrio
import pytest
from sqlalchemy import text

from app.collections import COLLECTIONS, PUBLIC
from tests.app.test_ogc_features import TABLE_COUNTS
from tests.conftest import bearer

pytestmark = pytest.mark.skipif(
    shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None,
    reason="GDAL command-line tools (ogrinfo, ogr2ogr) are not installed: apt-get install gdal-bin",
)

# Fields GDAL adds of its own: the feature id (OAPIF) and the MVT feature id.
GDAL_FIELDS = {"id", "mvt_id"}


@pytest.fixture(scope="module")
def gdal_env(tokens) -> dict[str, str]:
    """GDAL logged in as a planner, the way an API client is: a bearer token in every request."""
    return {
        **os.environ,
        "GDAL_HTTP_HEADERS": f"Authorization: {bearer(tokens['planner1'])['Authorization']}",
    }


def _run(*args: str, env: dict | None = None) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_ogrinfo_lists_every_collection(live_server_url, gdal_env):
    out = _run("ogrinfo", "-ro", "-so", "-al", f"OAPIF:{live_server_url}/ogc", env=gdal_env)
    assert re.findall(r"^Layer name: (\S+)$", out, re.M) == list(COLLECTIONS)


def test_anonymous_gdal_sees_only_the_public_layers(live_server_url):
    out = _run("ogrinfo", "-ro", "-so", "-al", f"OAPIF:{live_server_url}/ogc")
    assert re.findall(r"^Layer name: (\S+)$", out, re.M) == [c for c in COLLECTIONS if c in PUBLIC]


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_ogr2ogr_reads_every_feature_with_its_attributes(
    live_server_url, engine, tmp_path, collection_id, gdal_env
):
    out = tmp_path / f"{collection_id}.geojson"
    _run(
        "ogr2ogr",
        "-f",
        "GeoJSON",
        str(out),
        f"OAPIF:{live_server_url}/ogc",
        collection_id,
        "-oo",
        "PAGE_SIZE=1000",
        env=gdal_env,
    )
    features = json.loads(out.read_text())["features"]
    assert len(features) == _count(engine, TABLE_COUNTS[collection_id]) > 0
    expected = set(COLLECTIONS[collection_id].all_properties)
    names = set().union(*(f["properties"] for f in features)) - GDAL_FIELDS
    assert names == expected
    assert {f["properties"]["id"] for f in features} == {f["properties"]["code"] for f in features}


def test_gdal_default_paging_follows_next_links(live_server_url, engine, tmp_path, gdal_env):
    out = tmp_path / "poles.geojson"
    _run("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{live_server_url}/ogc", "poles", env=gdal_env)
    assert len(json.loads(out.read_text())["features"]) == _count(engine, TABLE_COUNTS["poles"])


def test_gdal_mvt_driver_reads_our_tile(live_server_url, engine, tmp_path, tokens):
    z, x, y = 10, 812, 483
    tile = tmp_path / "tile.mvt"
    r = httpx.get(
        f"{live_server_url}/tiles/sites,districts/{z}/{x}/{y}.mvt",
        timeout=60,
        headers=bearer(tokens["planner1"]),
    )
    assert r.status_code == 200
    tile.write_bytes(r.content)
    out = _run("ogrinfo", "-ro", "-so", "-al", str(tile), "-oo", f"X={x}", "-oo", f"Y={y}", "-oo", f"Z={z}")
    counts = dict(re.findall(r"^Layer name: (\S+)\n(?:.*\n)*?Feature Count: (\d+)$", out, re.M))
    in_tile = (
        "SELECT count(*) FROM {t} WHERE ST_Intersects(ST_Transform(geom, 3857), "
        "ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096))"
    )
    assert int(counts["sites"]) == _count(engine, in_tile.format(t="sites"), z=z, x=x, y=y) > 0
    districts_sql = in_tile.format(t="admin_units") + " AND level = 'district'"
    assert int(counts["districts"]) == _count(engine, districts_sql, z=z, x=x, y=y) > 0
    fields = set(re.findall(r"^(\w+): \w+", out.split("Layer name: districts")[1], re.M))
    assert fields - GDAL_FIELDS - {"Geometry", "Feature", "Extent"} >= set(
        COLLECTIONS["districts"].properties
    )


def test_gdal_ogcapi_driver_reads_a_collection_from_its_tiles(api_server_url, engine):
    """GDAL's OGCAPI driver follows collection → tilesets → tileset → tile matrix set → tiles and reads
    the features out of the vector tiles (it picks WorldCRS84Quad, the set its tile ranges are computed
    for). This is the GDAL bundled with pyogrio: Debian 12's GDAL 3.6 was built without the driver's
    vector-tile branch (OSGeo/gdal#7993, fixed in 3.7.1), so its ogrinfo reads collections by items
    (next test)."""
    if pyogrio.__gdal_version__ < (3, 7, 1):
        pytest.skip(f"pyogrio's GDAL {pyogrio.__gdal_version_string__} reads no vector tiles by OGCAPI")
    url = f"OGCAPI:{api_server_url}/ogc/collections/hamlets"
    assert [name for name, _ in pyogrio.list_layers(url)] == [f"Zoom level {z}" for z in range(23)]
    frame = pyogrio.read_dataframe(url, layer="Zoom level 9")
    with engine.connect() as conn:
        codes = set(conn.execute(text("SELECT code FROM admin_units WHERE level = 'hamlet'")).scalars())
    assert set(frame["code"]) == codes  # a hamlet cut by tile edges comes once per tile
    fields = httpx.get(f"{api_server_url}/tiles/hamlets/tilejson.json").json()["vector_layers"][0]["fields"]
    assert set(frame.columns) - {"geometry", "mvt_id"} == set(fields)


def test_ogrinfo_reads_a_collection_by_the_ogcapi_driver(api_server_url, engine):
    url = f"OGCAPI:{api_server_url}/ogc/collections/hamlets"
    out = _run("ogrinfo", "-ro", "-so", "-oo", "API=ITEMS", url, "hamlets")
    assert f"Feature Count: {_count(engine, TABLE_COUNTS['hamlets'])}" in out


def test_gdal_reads_protected_layers_with_http_basic(live_server_url, engine, tmp_path, tokens):
    """What QGIS 3.22 does with a Basic authentication configuration: username, API token as password."""
    env = {**os.environ, "GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"official1:{tokens['official1']}"}
    out = _run("ogrinfo", "-ro", "-so", "-al", f"OAPIF:{live_server_url}/ogc", env=env)
    assert re.findall(r"^Layer name: (\S+)$", out, re.M) == list(COLLECTIONS)
    sites = tmp_path / "sites.geojson"
    _run("ogr2ogr", "-f", "GeoJSON", str(sites), f"OAPIF:{live_server_url}/ogc", "sites", env=env)
    assert len(json.loads(sites.read_text())["features"]) == _count(engine, TABLE_COUNTS["sites"]) > 0

"""OGC API – Features query parameters: crs / bbox-crs, sortby, properties, CQL2 filters, queryables."""

import orjson
import pytest
from pyproj import Transformer
from pyproj.transformer import TransformerGroup
from sqlalchemy import text

from app.collections import COLLECTIONS

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
SITES = "/ogc/collections/sites/items"
NO_SHIFT = {
    3405: "+proj=utm +zone=48 +ellps=WGS84 +units=m",
    5897: "+proj=tmerc +lon_0=105 +k=0.9999 +x_0=500000 +ellps=WGS84 +units=m",
}


def _scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _site(engine, code: str) -> tuple[float, float]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM sites WHERE code = :c"), {"c": code}).one()
        )


def _all(client, url: str, params: dict) -> list[dict]:
    feats, params = [], dict(params)
    while url:
        body = client.get(url, params=params).json()
        feats += body["features"]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url, params = (nxt[0], None) if nxt else (None, None)
    return feats


# -- crs --------------------------------------------------------------------------------------


def test_collections_list_the_served_crs(client):
    doc = client.get("/ogc/collections/sites").json()
    assert doc["crs"][0] == CRS84 and doc["storageCrs"] == CRS84
    assert {EPSG + "4326", EPSG + "3857", EPSG + "5897", EPSG + "3405"} <= set(doc["crs"])
    classes = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes


def test_postgis_vn2000_definitions_carry_the_datum_shift(engine):
    for srid in (5897, 3405, 925897, 923405):
        assert "+towgs84=-191.90441429,-39.30318279,-111.45032835" in _scalar(
            engine, "SELECT proj4text FROM spatial_ref_sys WHERE srid = :s", s=srid
        )


def _official(srid: int):
    """Decision 05/2007's transformation: EPSG's "VN-2000 to WGS 84 (2)" (PROJ alone prefers "(1)")."""
    if srid == 3857:
        return Transformer.from_crs(4326, 3857, always_xy=True)
    group = TransformerGroup("EPSG:4326", f"EPSG:{srid}", always_xy=True).transformers
    return next(t for t in group if "VN-2000 to WGS 84 (2)" in t.description)


@pytest.mark.parametrize("srid", [5897, 3405, 3857])
def test_projected_crs_uses_the_official_transformation(client, engine, srid):
    lon, lat = _site(engine, "HG-S0001")
    r = client.get(f"{SITES}/HG-S0001", params={"crs": f"{EPSG}{srid}"})
    assert r.status_code == 200 and r.headers["content-crs"] == f"<{EPSG}{srid}>"
    x, y = r.json()["geometry"]["coordinates"]
    ex, ey = _official(srid).transform(lon, lat)
    assert abs(x - ex) < 0.01 and abs(y - ey) < 0.01
    if srid in NO_SHIFT:  # the same grid without the VN-2000 datum shift lies ~100+ m away
        nx, ny = Transformer.from_crs("EPSG:4326", NO_SHIFT[srid], always_xy=True).transform(lon, lat)
        assert abs(x - nx) + abs(y - ny) > 50


def test_epsg_4326_is_lat_lon_and_crs84_lon_lat(client, engine):
    lon, lat = _site(engine, "HG-S0001")
    default = client.get(f"{SITES}/HG-S0001")
    assert default.headers["content-crs"] == f"<{CRS84}>"
    assert default.json()["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    r = client.get(SITES, params={"crs": EPSG + "4326", "limit": 1})
    assert r.headers["content-crs"] == f"<{EPSG}4326>"
    first = r.json()["features"][0]
    flon, flat = _site(engine, first["id"])
    assert first["geometry"]["coordinates"] == pytest.approx([flat, flon], abs=1e-6)


def test_bbox_crs_selects_the_same_features_in_every_crs(client, engine):
    lon0, lat0, lon1, lat1 = 105.40, 9.70, 105.55, 9.85
    base = {f["id"] for f in _all(client, SITES, {"bbox": f"{lon0},{lat0},{lon1},{lat1}", "limit": 10000})}
    assert base
    latlon = {"bbox": f"{lat0},{lon0},{lat1},{lon1}", "bbox-crs": EPSG + "4326", "limit": 10000}
    assert {f["id"] for f in _all(client, SITES, latlon)} == base
    # A box drawn in VN-2000 / TM-3: compare with PostGIS doing the same test directly.
    t = _official(5897)
    (x0, y0), (x1, y1) = t.transform(lon0, lat0), t.transform(lon1, lat1)
    got = {
        f["id"]
        for f in _all(
            client, SITES, {"bbox": f"{x0},{y0},{x1},{y1}", "bbox-crs": EPSG + "5897", "limit": 10000}
        )
    }
    expected = _scalar(
        engine,
        "SELECT count(*) FROM sites WHERE ST_Intersects(ST_Transform(geom, 925897), ST_MakeEnvelope(:a, :b, :c, :d, 925897))",
        a=x0,
        b=y0,
        c=x1,
        d=y1,
    )
    assert len(got) == expected > 0 and len(got ^ base) < len(base) / 10


# -- sortby and properties ----------------------------------------------------------------------


def test_sortby_pages_through_everything_in_order(client, engine):
    feats = _all(client, SITES, {"sortby": "-height_m,code", "limit": 300, "properties": "code,height_m"})
    assert len(feats) == len({f["id"] for f in feats}) == _scalar(engine, "SELECT count(*) FROM sites")
    keys = [(-f["properties"]["height_m"], f["properties"]["code"]) for f in feats]
    assert keys == sorted(keys)
    assert all(set(f["properties"]) == {"code", "height_m"} for f in feats)


def test_sortby_on_a_location_column(client):
    body = client.get("/ogc/collections/poles/items", params={"sortby": "-district_code", "limit": 50}).json()
    districts = [f["properties"]["district_code"] or "" for f in body["features"]]
    assert districts == sorted(districts, reverse=True)


def test_properties_on_single_item_and_empty(client):
    body = client.get(f"{SITES}/HG-S0001", params={"properties": "owner,commune_code"}).json()
    assert set(body["properties"]) == {"owner", "commune_code"}
    body = client.get(SITES, params={"properties": "", "limit": 2}).json()
    assert all(f["properties"] == {} for f in body["features"])


def test_openapi_declares_the_query_parameters(client):
    spec = client.get("/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/ogc/collections/{collection_id}/items"]["get"]["parameters"]}
    assert {
        "crs",
        "bbox-crs",
        "sortby",
        "properties",
        "filter",
        "filter-lang",
        "filter-crs",
        "offset",
    } <= names
    one = {
        p["name"]
        for p in spec["paths"]["/ogc/collections/{collection_id}/items/{feature_id}"]["get"]["parameters"]
    }
    assert {"crs", "properties"} <= one


# -- CQL2 ---------------------------------------------------------------------------------------


CQL_CASES = [
    (
        "height_m > 40 AND owner = 'Viettel'",
        "SELECT count(*) FROM sites s JOIN operators o ON o.id = s.owner_id WHERE s.height_m > 40 AND o.short_name = 'Viettel'",
    ),
    (
        "status IN ('active', 'proposed') AND NOT (structure_type = 'monopole')",
        "SELECT count(*) FROM sites WHERE status IN ('active', 'proposed') AND NOT structure_type = 'monopole'",
    ),
    ("height_m BETWEEN 20 AND 30", "SELECT count(*) FROM sites WHERE height_m BETWEEN 20 AND 30"),
    (
        "permit_no IS NULL OR commissioned_on < DATE('2020-01-01')",
        "SELECT count(*) FROM sites WHERE permit_no IS NULL OR commissioned_on < '2020-01-01'",
    ),
    ("code LIKE 'HG-S00%'", "SELECT count(*) FROM sites WHERE code LIKE 'HG-S00%'"),
    (
        "S_INTERSECTS(geometry, BBOX(105.40, 9.70, 105.55, 9.85))",
        "SELECT count(*) FROM sites WHERE ST_Intersects(geom, ST_MakeEnvelope(105.40, 9.70, 105.55, 9.85, 4326))",
    ),
    (
        "district_code = '934' AND accepts_tenants = true",
        "SELECT count(*) FROM sites s JOIN admin_units c ON c.level = 'commune' AND ST_Intersects(c.geom, s.geom) "
        "JOIN admin_units d ON d.id = c.parent_id WHERE d.code = '934' AND s.accepts_tenants",
    ),
]


@pytest.mark.parametrize(("cql", "sql"), CQL_CASES)
def test_cql2_text_matches_sql(client, engine, cql, sql):
    r = client.get(SITES, params={"filter": cql, "limit": 1})
    assert r.status_code == 200, r.text
    assert r.json()["numberMatched"] == _scalar(engine, sql) > 0


def test_cql2_json_and_its_bbox(client, engine):
    flt = {
        "op": "and",
        "args": [
            {"op": ">=", "args": [{"property": "height_m"}, 30]},
            {
                "op": "s_intersects",
                "args": [{"property": "geometry"}, {"bbox": [105.40, 9.70, 105.55, 9.85]}],
            },
        ],
    }
    r = client.get(
        SITES, params={"filter": orjson.dumps(flt).decode(), "filter-lang": "cql2-json", "limit": 1}
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["numberMatched"]
        == _scalar(
            engine,
            "SELECT count(*) FROM sites WHERE height_m >= 30 "
            "AND ST_Intersects(geom, ST_MakeEnvelope(105.40, 9.70, 105.55, 9.85, 4326))",
        )
        > 0
    )


def test_cql2_point_literal_and_filter_crs(client, engine):
    lon, lat = _site(engine, "HG-S0001")
    r = client.get(SITES, params={"filter": f"S_INTERSECTS(geometry, POINT({lon} {lat}))"}).json()
    assert "HG-S0001" in [f["id"] for f in r["features"]]
    x, y = _official(5897).transform(lon, lat)
    r = client.get(
        SITES,
        params={  # a 0.6 m box: found only through the official datum shift (the other is 0.8 m off)
            "filter": f"S_INTERSECTS(geometry, BBOX({x - 0.3}, {y - 0.3}, {x + 0.3}, {y + 0.3}))",
            "filter-crs": EPSG + "5897",
        },
    ).json()
    assert "HG-S0001" in [f["id"] for f in r["features"]]


def test_cql2_with_sortby_and_paging(client, engine):
    feats = _all(client, SITES, {"filter": "height_m >= 30", "sortby": "height_m", "limit": 50})
    assert (
        len(feats)
        == len({f["id"] for f in feats})
        == _scalar(engine, "SELECT count(*) FROM sites WHERE height_m >= 30")
    )


def test_cql2_values_are_bound_not_spliced(client, engine):
    r = client.get(SITES, params={"filter": "owner = 'x; DROP TABLE sites; --'"})
    assert r.status_code == 200 and r.json()["numberMatched"] == 0
    assert _scalar(engine, "SELECT count(*) FROM sites") > 0


def test_filter_applies_to_tiles(client):
    import mapbox_vector_tile

    url = "/tiles/sites/10/812/483.mvt"
    every = mapbox_vector_tile.decode(client.get(url).content)["sites"]["features"]
    tall = mapbox_vector_tile.decode(client.get(url, params={"filter": "height_m > 40"}).content)
    kept = tall.get("sites", {"features": []})["features"]
    assert 0 < len(kept) < len(every)
    assert all(f["properties"]["height_m"] > 40 for f in kept)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"crs": "EPSG:1"}, "unsupported crs"),
        ({"crs": EPSG + "32648"}, "unsupported crs"),
        ({"bbox": "1,2,3,4", "bbox-crs": "foo"}, "unsupported bbox-crs"),
        ({"bbox": "600000,1100000,500000,1200000", "bbox-crs": EPSG + "5897"}, "minimum is greater"),
        ({"sortby": "-colour"}, "sortby: unknown property 'colour'"),
        ({"properties": "code,colour"}, "properties: unknown property 'colour'"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "99999999999999999999"}, "offset: không được lớn hơn 1000000000"),
        ({"after": "HG-S\x00"}, "'after' holds a NUL character"),
        (
            {"bbox": "-1e30,-1e30,1e30,1e30", "bbox-crs": EPSG + "3405"},
            "bbox corners lie outside the range of http://www.opengis.net/def/crs/EPSG/0/3405",
        ),
        ({"bbox": "1e30,1e30,2e30,2e30", "bbox-crs": EPSG + "5897"}, "bbox corners lie outside the range"),
        ({"filter": "colour = 'red'"}, "unknown property 'colour'"),
        ({"filter": "height_m > 'tall'"}, "cannot be compared with a string"),
        ({"filter": "height_m >"}, "not valid cql2-text"),
        ({"filter": "{not json", "filter-lang": "cql2-json"}, "not valid JSON"),
        ({"filter": '{"op": "zzz", "args": []}', "filter-lang": "cql2-json"}, "not valid cql2-json"),
        ({"filter": "height_m > 1", "filter-lang": "sql"}, "unsupported filter-lang"),
        ({"filter-lang": "cql2-text"}, "without a 'filter'"),
        ({"filter": "height_m + 1 > 3"}, "not supported"),
        ({"filter": "S_INTERSECTS(owner, POINT(1 2))"}, "not a geometry"),
    ],
)
def test_bad_query_parameters_get_400(client, params, words):
    r = client.get(SITES, params=params)
    assert r.status_code == 400, r.text
    assert words in r.json()["description"]


# -- queryables ---------------------------------------------------------------------------------


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_queryables_describe_the_properties(client, collection_id):
    c = COLLECTIONS[collection_id]
    r = client.get(f"/ogc/collections/{collection_id}/queryables")
    assert r.status_code == 200 and r.headers["content-type"] == "application/schema+json"
    doc = r.json()
    assert doc["type"] == "object" and doc["$schema"].startswith("https://json-schema.org/")
    props = doc["properties"]
    assert props.pop("geometry")["format"] == f"geometry-{c.geometry_type.lower()}"
    assert set(props) == {k for k, v in c.all_properties.items() if v != "object"}
    for name, kind in c.all_properties.items():
        if kind in ("integer", "number", "boolean", "string"):
            assert props[name]["type"] == kind
        elif kind in ("date", "date-time"):
            role = {"x-ogc-role": "primary-instant"} if name == c.temporal else {}
            assert props[name] == {"title": name, "type": "string", "format": kind, **role}
    links = client.get(f"/ogc/collections/{collection_id}").json()["links"]
    assert any(link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables" for link in links)


# -- CQL2: every malformed or ill-typed filter is a 400 naming the problem, on items and tiles ---

HAMLET_ROUTES = (
    "/ogc/collections/hamlets/items",
    "/ogc/collections/hamlets/tiles/WebMercatorQuad/10/483/812",
    "/tiles/hamlets/10/812/483.mvt",
)
JSON = "cql2-json"


def _json(flt: dict) -> dict:
    return {"filter": orjson.dumps(flt).decode(), "filter-lang": JSON}


@pytest.mark.parametrize("route", HAMLET_ROUTES)
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"filter": "name LIKE 5"}, "LIKE needs a text pattern"),
        (_json({"op": "like", "args": [{"property": "name"}, 5]}), "LIKE needs a text pattern"),
        (
            _json({"op": "like", "args": [{"property": "name"}, {"property": "code"}]}),
            "LIKE needs a text pattern",
        ),
        ({"filter": "population LIKE '1%'"}, "LIKE applies to text properties only, not to a integer"),
        ({"filter": "name LIKE 'Ấp\\'"}, "ends with a lone escape character"),
        (
            {"filter": "S_INTERSECTS(geometry, POLYGON((1 2)))"},
            "a polygon ring needs at least 4 positions, got 1",
        ),
        (
            {"filter": "S_INTERSECTS(geometry, POLYGON((105 9, 106 9, 106 10)))"},
            "at least 4 positions, got 3",
        ),
        (
            {"filter": "S_INTERSECTS(geometry, POLYGON((105 9, 106 9, 106 10, 105 10)))"},
            "must end where it starts",
        ),
        (
            {"filter": "S_CONTAINS(geometry, POLYGON((105 9, 106 10, 106 9, 105 10, 105 9)))"},
            "Self-intersection",
        ),
        ({"filter": "S_INTERSECTS(geometry, LINESTRING(105 9))"}, "invalid LineString literal"),
        (
            _json(
                {
                    "op": "s_intersects",
                    "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [[[1, 2]]]}],
                }
            ),
            "a polygon ring needs at least 4 positions, got 1",
        ),
        (
            _json(
                {
                    "op": "s_intersects",
                    "args": [{"property": "geometry"}, {"type": "Point", "coordinates": "x"}],
                }
            ),
            "invalid Point literal",
        ),
        ({"filter": "S_INTERSECTS(geometry, POINT(200 9))"}, "coordinates outside the range of"),
        ({"filter": "S_INTERSECTS(geometry, BBOX(106, 9, 105, 10))"}, "minimum is greater than its maximum"),
        (
            {"filter": "S_INTERSECTS(geometry, POINT(1e30 1e30))", "filter-crs": EPSG + "5897"},
            "coordinates outside the range of http://www.opengis.net/def/crs/EPSG/0/5897",
        ),
        ({"filter": "name = 'a\x00b'"}, "NUL character"),
        ({"filter": "population > 1e400"}, "not a finite number"),
        (
            {"filter": "population = 'many'"},
            "property 'population' is a integer and cannot be compared with a string",
        ),
        ({"filter": "mbb_covered = 1"}, "is a boolean and cannot be compared with a number"),
        ({"filter": "name IN ('a', 2)"}, "is a string and cannot be compared with a number"),
        ({"filter": "population BETWEEN 'a' AND 'b'"}, "cannot be compared with a string"),
        ({"filter": "CASEI(population) = CASEI('x')"}, "CASEI applies to text, not to a integer"),
        (_json({"op": "=", "args": [{"property": ["name"]}, "x"]}), "a property name must be a string"),
        (_json({"op": "in", "args": [{"property": "name"}, "abc"]}), "IN needs a list"),
        (_json({"op": "between", "args": [{"property": "population"}, 1]}), "not valid cql2-json"),
        ({"filter": "mbb_share_by_operator = 'x'"}, "unknown property 'mbb_share_by_operator'"),
    ],
)
def test_bad_filters_are_400_naming_the_problem(client, route, params, words):
    r = client.get(route, params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "InvalidFilter" and words in body["description"], body


def test_cql2_json_between_in_the_1_0_form(client, engine):
    flt = {"op": "between", "args": [{"property": "height_m"}, 30, 45]}
    r = client.get(SITES, params={**_json(flt), "limit": 1})
    assert r.status_code == 200, r.text
    assert (
        r.json()["numberMatched"]
        == _scalar(engine, "SELECT count(*) FROM sites WHERE height_m BETWEEN 30 AND 45")
        > 0
    )
    old = {"op": "between", "args": [{"property": "height_m"}, [30, 45]]}  # the draft form pygeofilter reads
    assert (
        client.get(SITES, params={**_json(old), "limit": 1}).json()["numberMatched"]
        == r.json()["numberMatched"]
    )


def test_like_wildcards_are_cql2s(client, engine):
    """`_` is the single-character wildcard and `.` a plain dot (pygeofilter says `.`)."""
    code = _scalar(engine, "SELECT code FROM sites ORDER BY code LIMIT 1")  # HG-S0001
    one = code[:2] + "_" + code[3:]
    assert [
        f["id"] for f in client.get(SITES, params={"filter": f"code LIKE '{one}'"}).json()["features"]
    ] == [code]
    dotted = code[:2] + "." + code[3:]
    assert client.get(SITES, params={"filter": f"code LIKE '{dotted}'"}).json()["numberMatched"] == 0


def test_casei_compares_text_case_insensitively(client, engine):
    r = client.get(SITES, params={"filter": "CASEI(owner) = CASEI('VIETTEL')", "limit": 1})
    assert r.status_code == 200, r.text
    expected = _scalar(
        engine,
        "SELECT count(*) FROM sites s JOIN operators o ON o.id = s.owner_id WHERE o.short_name = 'Viettel'",
    )
    assert r.json()["numberMatched"] == expected > 0


def test_property_to_property_comparison(client, engine):
    r = client.get(
        "/ogc/collections/fibre_access_points/items", params={"filter": "ports_used >= ports_total"}
    )
    assert r.status_code == 200, r.text
    expected = _scalar(engine, "SELECT count(*) FROM fibre_access_points WHERE ports_used >= ports_total")
    assert r.json()["numberMatched"] == expected


# -- datetime (Features Part 1) -----------------------------------------------------------------

TIMED = {  # collection -> the SQL of its features' time
    "speed_tests": "SELECT measured_at AS t FROM speed_tests",
    "sites": "SELECT commissioned_on AS t FROM sites",
    "commune_offices": "SELECT connected_on AS t FROM commune_offices",
}


def _matched(client, collection_id: str, **params) -> int:
    r = client.get(f"/ogc/collections/{collection_id}/items", params={"limit": 1, **params})
    assert r.status_code == 200, r.text
    return r.json()["numberMatched"]


@pytest.mark.parametrize(
    ("collection_id", "when", "where"),
    [
        # a date is the whole local day (UTC+7) …
        ("speed_tests", "2025-03-01", "t >= '2025-03-01 00:00+07' AND t < '2025-03-02 00:00+07'"),
        ("speed_tests", "2025-03-01/2025-03-31", "t >= '2025-03-01 00:00+07' AND t < '2025-04-01 00:00+07'"),
        # … a date-time an instant, in its own zone
        (
            "speed_tests",
            "2025-03-01T00:00:00Z/2025-03-02T12:30:00+07:00",
            "t >= '2025-03-01 00:00Z' AND t <= '2025-03-02 12:30+07'",
        ),
        ("speed_tests", "../2024-12-31", "t < '2025-01-01 00:00+07'"),
        ("speed_tests", "2025-06-01T00:00:00Z/..", "t >= '2025-06-01 00:00Z'"),
        ("sites", "2020-01-01/2020-12-31", "t BETWEEN '2020-01-01' AND '2020-12-31'"),
        ("sites", "../2015-06-30", "t <= '2015-06-30'"),
        ("sites", "2024-01-01T20:00:00Z/..", "t >= '2024-01-02'"),  # 03:00 on 2 January in Vietnam
        ("commune_offices", "2022-01-01/..", "t >= '2022-01-01'"),
        ("commune_offices", "../2020-12-31", "t <= '2020-12-31'"),
    ],
)
def test_datetime_selects_on_the_collections_time(client, engine, collection_id, when, where):
    expected = _scalar(engine, f"SELECT count(*) FROM ({TIMED[collection_id]}) x WHERE {where}")
    everything = _scalar(engine, f"SELECT count(*) FROM ({TIMED[collection_id]}) x")
    assert 0 < expected < everything
    assert _matched(client, collection_id, datetime=when) == expected


def test_datetime_instant_matches_exactly(client, engine):
    code, moment = _scalar(
        engine, "SELECT array[code, measured_at::text] FROM speed_tests ORDER BY code LIMIT 1"
    )
    iso = _scalar(
        engine,
        "SELECT to_char(CAST(:m AS timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
        m=moment,
    )
    r = client.get("/ogc/collections/speed_tests/items", params={"datetime": iso}).json()
    expected = _scalar(
        engine, "SELECT count(*) FROM speed_tests WHERE measured_at = CAST(:m AS timestamptz)", m=moment
    )
    assert r["numberMatched"] == expected >= 1 and code in [f["id"] for f in r["features"]]


# Admin units take `datetime` as the day they are in force (tests/app/test_region.py); the coverage
# layers as the day of the network (tests/app/test_coverage_dated_layers.py).
@pytest.mark.parametrize("collection_id", ["poles"])
def test_datetime_is_ignored_by_collections_without_time(client, collection_id):
    assert _matched(client, collection_id, datetime="2020-01-01/2020-12-31") == _matched(
        client, collection_id
    )


def test_datetime_applies_to_tiles(client, engine):
    import mapbox_vector_tile

    url = "/ogc/collections/speed_tests/tiles/WebMercatorQuad/9/241/406"
    every = mapbox_vector_tile.decode(client.get(url).content)["speed_tests"]["features"]
    r = client.get(url, params={"datetime": "2025-01-01/2025-01-31"})
    kept = mapbox_vector_tile.decode(r.content).get("speed_tests", {"features": []})["features"]
    expected = _scalar(
        engine,
        "SELECT count(*) FROM speed_tests WHERE measured_at >= '2025-01-01 00:00+07' "
        "AND measured_at < '2025-02-01 00:00+07' AND ST_Intersects(ST_Transform(geom, 3857), "
        "ST_TileEnvelope(9, 406, 241, margin => 64.0 / 4096))",
    )
    assert 0 < len(kept) == expected < len(every)


@pytest.mark.parametrize("collection_id", ["speed_tests", "poles"])
@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("2025-13-01", "is not a calendar date"),
        ("2025-01-01T10:00:00", "needs its time zone"),
        ("yesterday", "neither an RFC 3339 date"),
        ("../..", "needs at least one end"),
        ("2025-02-01/2025-01-01", "ends before it starts"),
        ("9999-12-31", "lies outside the calendar"),
    ],
)
def test_bad_datetime_is_400_on_every_collection(client, collection_id, when, words):
    for url in (f"/ogc/collections/{collection_id}/items", f"/tiles/{collection_id}/9/406/241.mvt"):
        r = client.get(url, params={"datetime": when})
        assert r.status_code == 400 and words in r.json()["description"], r.text


def test_temporal_extent_and_role_are_declared(client, engine):
    same_instant = "SELECT CAST(:a AS timestamptz) = CAST(:b AS timestamptz)"
    for collection_id, sql in TIMED.items():
        doc = client.get(f"/ogc/collections/{collection_id}").json()
        assert doc["extent"]["temporal"]["trs"] == "http://www.opengis.net/def/uri/ISO-8601/0/Gregorian"
        start, end = doc["extent"]["temporal"]["interval"][0]
        first, last, dated = _scalar(
            engine, f"SELECT array[min(t)::text, max(t)::text, pg_typeof(min(t))::text] FROM ({sql}) x"
        )
        if dated == "date":  # whole local days
            first, last = f"{first}T00:00:00+07:00", f"{last}T23:59:59.999999+07:00"
        assert _scalar(engine, same_instant, a=start, b=first) and _scalar(
            engine, same_instant, a=end, b=last
        )
        props = client.get(f"/ogc/collections/{collection_id}/queryables").json()["properties"]
        assert [n for n, p in props.items() if p.get("x-ogc-role") == "primary-instant"] == [
            COLLECTIONS[collection_id].temporal
        ]
    assert "temporal" not in client.get("/ogc/collections/poles").json()["extent"]


BOX = "POLYGON((105.40 9.70, 105.55 9.70, 105.55 9.85, 105.40 9.85, 105.40 9.70))"


@pytest.mark.parametrize(
    ("cql", "postgis"),
    [
        ("S_INTERSECTS", "ST_Intersects"),
        ("S_DISJOINT", "ST_Disjoint"),
        ("S_WITHIN", "ST_Within"),
        ("S_CONTAINS", "ST_Contains"),
        ("S_OVERLAPS", "ST_Overlaps"),
        ("S_TOUCHES", "ST_Touches"),
        ("S_CROSSES", "ST_Crosses"),
        ("S_EQUALS", "ST_Equals"),
    ],
)
def test_every_spatial_function_matches_postgis(client, engine, cql, postgis):
    """CQL2 spatial-functions: each S_* on the ducts against a polygon, as PostGIS counts it."""
    r = client.get("/ogc/collections/ducts/items", params={"filter": f"{cql}(geometry, {BOX})", "limit": 1})
    assert r.status_code == 200, r.text
    expected = _scalar(
        engine, f"SELECT count(*) FROM duct_routes WHERE {postgis}(geom, ST_GeomFromText(:b, 4326))", b=BOX
    )
    assert r.json()["numberMatched"] == expected


def test_spatial_functions_take_every_geometry_type(client, engine):
    """CQL2 basic-spatial-functions-plus: multi-geometries and collections as literals."""
    literal = (
        "GEOMETRYCOLLECTION(POINT(105.45 9.75), LINESTRING(105.40 9.70, 105.55 9.85), "
        "MULTIPOLYGON(((105.40 9.70, 105.45 9.70, 105.45 9.75, 105.40 9.70))))"
    )
    r = client.get(
        "/ogc/collections/hamlets/items", params={"filter": f"S_INTERSECTS(geometry, {literal})", "limit": 1}
    )
    assert r.status_code == 200, r.text
    expected = _scalar(
        engine,
        "SELECT count(*) FROM admin_units WHERE level = 'hamlet' AND ST_Intersects(geom, ST_GeomFromText(:g, 4326))",
        g=literal,
    )
    assert r.json()["numberMatched"] == expected > 0


def test_conformance_declares_what_is_implemented(client):
    spec = "http://www.opengis.net/spec/"
    assert client.get("/ogc/conformance").json()["conformsTo"] == [
        spec + "ogcapi-common-1/1.0/conf/core",
        spec + "ogcapi-features-1/1.0/conf/core",
        spec + "ogcapi-features-1/1.0/conf/geojson",
        spec + "ogcapi-features-1/1.0/conf/oas30",
        spec + "ogcapi-features-2/1.0/conf/crs",
        spec + "ogcapi-features-3/1.0/conf/queryables",
        spec + "ogcapi-features-3/1.0/conf/filter",
        spec + "ogcapi-features-3/1.0/conf/features-filter",
        spec + "cql2/1.0/conf/cql2-text",
        spec + "cql2/1.0/conf/cql2-json",
        spec + "cql2/1.0/conf/basic-cql2",
        spec + "cql2/1.0/conf/advanced-comparison-operators",
        spec + "cql2/1.0/conf/case-insensitive-comparison",
        spec + "cql2/1.0/conf/property-property",
        spec + "cql2/1.0/conf/basic-spatial-functions",
        spec + "cql2/1.0/conf/basic-spatial-functions-plus",
        spec + "cql2/1.0/conf/spatial-functions",
        spec + "ogcapi-tiles-1/1.0/conf/core",
        spec + "ogcapi-tiles-1/1.0/conf/tileset",
        spec + "ogcapi-tiles-1/1.0/conf/tilesets-list",
        spec + "ogcapi-tiles-1/1.0/conf/geodata-tilesets",
        spec + "ogcapi-tiles-1/1.0/conf/mvt",
    ]

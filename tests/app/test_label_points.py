"""Where the map writes a unit's name (issue 14): the admin collections carry `label_lon`/`label_lat`,
a point inside the unit (PostGIS ST_PointOnSurface), even where its bbox centre and centroid are not."""

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import text

# A "C" opening east, 0.006° across (~660 m): its bbox centre and its centroid lie in the notch.
_C = [(0, 0), (3, 0), (3, 1), (1, 1), (1, 2), (3, 2), (3, 3), (0, 3), (0, 0)]
_STEP_DEG = 0.002


@pytest.fixture
def c_shaped_commune(engine):
    """Xã Chữ C, a commune of district 930 shaped like a C (removed afterwards)."""
    ring = ",".join(f"ST_MakePoint(x0 + {x * _STEP_DEG}, y0 + {y * _STEP_DEG})" for x, y in _C)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO admin_units (level, code, name, name_folded, kind, parent_id, geom) "
                "SELECT 'commune', '93098', 'Xã Chữ C', 'xa chu c', 'Xã', d.id, "
                f"ST_Multi(ST_SetSRID(ST_MakePolygon(ST_MakeLine(ARRAY[{ring}])), 4326)) "
                "FROM admin_units d, LATERAL (SELECT ST_X(ST_PointOnSurface(d.geom)) AS x0, "
                "ST_Y(ST_PointOnSurface(d.geom)) AS y0) p "
                "WHERE d.level = 'district' AND d.code = '930' AND d.valid_to IS NULL"
            )
        )
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM admin_units WHERE code = '93098'"))


def _features(client, collection: str, query: str = "") -> list[dict]:
    r = client.get(f"/ogc/collections/{collection}/items?limit=10000{query}")
    assert r.status_code == 200, r.text
    return r.json()["features"]


def test_the_label_point_of_a_c_shaped_unit_lies_inside_it(anon_client, c_shaped_commune):
    [feature] = _features(anon_client, "communes", "&filter=code='93098'")
    unit = shape(feature["geometry"])
    label = Point(feature["properties"]["label_lon"], feature["properties"]["label_lat"])
    minx, miny, maxx, maxy = unit.bounds
    # what a naive label would use falls in the notch, outside the commune …
    assert not unit.contains(Point((minx + maxx) / 2, (miny + maxy) / 2))
    assert not unit.contains(unit.centroid)
    # … the label point does not, and it keeps off the edges (~1 m rounding aside)
    assert unit.contains(label)
    assert label.distance(unit.exterior if unit.geom_type == "Polygon" else unit.boundary) > 0.0001


@pytest.mark.parametrize("collection", ["districts", "communes", "hamlets"])
def test_every_unit_of_the_sample_has_its_label_point_inside(anon_client, collection):
    features = _features(anon_client, collection)
    assert features
    outside = [
        f["properties"]["code"]
        for f in features
        if not shape(f["geometry"]).contains(
            Point(f["properties"]["label_lon"], f["properties"]["label_lat"])
        )
    ]
    assert outside == []


def test_label_points_are_declared_and_selectable(anon_client):
    schema = anon_client.get("/ogc/collections/hamlets/queryables").json()
    assert {"label_lon", "label_lat"} <= set(schema["properties"])
    [feature] = _features(anon_client, "districts", "&filter=code='930'&properties=name,label_lon,label_lat")
    assert set(feature["properties"]) == {"name", "label_lon", "label_lat"}

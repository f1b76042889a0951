"""The generator's main roads, written out for the offline map (data/hamlets/roads.geojson and each
added province's): OpenStreetMap's tags, the drawn waypoints, inside their province."""

import json
import re
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from gis.synthetic.city_facts import FORMER
from gis.synthetic.facts import HAU_GIANG, road_tags
from gis.synthetic.geo import to_metric

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "hamlets"
FOLDERS = {"93": SAMPLE, **{f.code: SAMPLE / "city" / f.code for f in FORMER}}


@pytest.mark.parametrize(
    ("drawn", "tags"),
    [
        ("QL61C", {"ref": "QL61C", "name": "Quốc lộ 61C", "highway": "trunk"}),
        ("QL1", {"ref": "QL1", "name": "Quốc lộ 1", "highway": "trunk"}),
        ("ĐT925", {"ref": "ĐT925", "name": "Đường tỉnh 925", "highway": "primary"}),
        ("Quản lộ Phụng Hiệp", {"ref": None, "name": "Quản lộ Phụng Hiệp", "highway": "primary"}),
    ],
)
def test_a_drawn_roads_tags_are_openstreetmaps(drawn, tags):
    assert road_tags(drawn) == tags


def _roads(code: str) -> list[dict]:
    return json.loads((FOLDERS[code] / "roads.geojson").read_text(encoding="utf-8"))["features"]


def test_the_sample_writes_every_road_it_drew_in_order():
    features = _roads("93")
    assert [f["properties"]["ref"] for f in features] == [
        "QL61", "QL61C", "QL1", "QL61B", None, "ĐT925", "ĐT927", "ĐT928", "ĐT930",
    ]  # fmt: skip
    assert [f["properties"] for f in features] == [road_tags(r.name) for r in HAU_GIANG.roads]
    # QL61 starts at its first waypoint (9.965 N, 105.715 E, inside the province): the meander
    # vanishes at waypoints and the output is rounded, not moved.
    assert features[0]["geometry"]["coordinates"][0] == [105.715, 9.965]


@pytest.mark.parametrize("code", sorted(FOLDERS))
def test_roads_are_lines_inside_their_province_with_seven_decimals(code):
    features = _roads(code)
    assert features and all(f["geometry"]["type"] == "LineString" for f in features)
    assert all(list(f["properties"]) == ["ref", "name", "highway"] for f in features)
    province = shape(json.loads((FOLDERS[code] / "province.geojson").read_text())["features"][0]["geometry"])
    area = shapely.buffer(to_metric(province), 1.0)  # clipped 25 m inside; 7 decimals are ~1 cm
    for f in features:
        line = to_metric(shape(f["geometry"]))
        assert area.contains(line) and line.length > 1_000.0, f["properties"]
    text = (FOLDERS[code] / "roads.geojson").read_text(encoding="utf-8")
    assert not re.search(r"\.\d{8}", text) and "\\u" not in text

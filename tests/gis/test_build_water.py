"""scripts/build_water.py on the tiny GSHHG files of test_gshhg: the water is cut to the region's
widened outline (round), not to a rectangle around it."""

import importlib.util
import json
import math
from pathlib import Path

import h5py
import numpy as np
import pytest
from shapely.geometry import Point, box, shape

from tests.gis.test_gshhg import _grid, _points, shore_file  # noqa: F401 (a fixture)

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_water.py"
_spec = importlib.util.spec_from_file_location("build_water", SCRIPT)
build_water = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_water)


@pytest.fixture()
def river_file(tmp_path):
    path = tmp_path / "binned_river_t.nc"
    canal = [(0, 21845), (65535, 21845)]  # along 30° N, the whole bin
    with h5py.File(path, "w") as f:
        _grid(f, [0] * 8, [1] + [0] * 7)
        f["N_points_for_a_segment"] = np.array([2], dtype=np.int16)
        f["Hierarchial_level_of_a_segment"] = np.array([8], dtype=np.int16)
        f["Id_of_first_point_in_a_segment"] = _points(f, [canal])
    return path


def test_water_is_cut_to_the_clip_area_not_its_bounding_box(shore_file, river_file):  # noqa: F811
    clip = Point(45, 30).buffer(10, quad_segs=64)  # the coast (30° N) through its middle
    collection = build_water.build([(1.0, clip)], shore_file, river_file)
    by_kind = {f["properties"]["kind"]: shape(f["geometry"]) for f in collection["features"]}
    assert sorted(by_kind) == ["canal", "sea"]
    sea = by_kind["sea"]
    assert sea.area == pytest.approx(math.pi * 100 / 2, rel=0.01)  # the half disc south of the coast
    assert sea.area < 0.8 * box(35, 20, 55, 30).area  # a rectangle's cut would fill it
    assert by_kind["canal"].length == pytest.approx(20, rel=1e-3)
    assert collection["bbox"] == pytest.approx([35, 20, 55, 40], abs=1e-3)
    assert "GSHHG" in collection["attribution"]


def test_the_region_is_the_union_of_every_province_file(tmp_path):
    for code, west in (("a", 105.0), ("b", 106.0)):
        folder = tmp_path / code
        folder.mkdir()
        feature = {
            "type": "Feature",
            "properties": {},
            "geometry": box(west, 9.5, west + 1, 10.5).__geo_interface__,
        }
        (folder / "province.geojson").write_text(
            '{"type":"FeatureCollection","features":[' + json.dumps(feature) + "]}"
        )
    area = build_water.region_clip_area(tmp_path, buffer_km=20)
    assert area.geom_type == "Polygon"
    assert area.contains(box(105.0, 9.5, 107.0, 10.5))
    assert not area.contains(Point(104.85, 9.35))  # the corner is round: 23 km out, diagonally


def test_the_water_fades_out_in_nested_pieces_each_with_its_opacity(shore_file, river_file):  # noqa: F811
    inner, outer = Point(45, 30).buffer(5, quad_segs=64), Point(45, 30).buffer(10, quad_segs=64)
    collection = build_water.build([(1.0, inner), (0.5, outer)], shore_file, river_file)
    pieces = [
        (f["properties"]["kind"], f["properties"].get("opacity", 1), shape(f["geometry"]))
        for f in collection["features"]
    ]
    assert [(kind, opacity) for kind, opacity, _ in pieces] == [
        ("canal", 1),
        ("canal", 0.5),
        ("sea", 1),
        ("sea", 0.5),
    ]
    assert pieces[2][2].area == pytest.approx(math.pi * 25 / 2, rel=0.01)
    assert pieces[3][2].area == pytest.approx(math.pi * 100 / 2, rel=0.01)  # nested: under the inner one too
    assert "opacity" not in collection["features"][0]["properties"]  # whole: nothing said
    assert collection["bbox"] == pytest.approx([35, 20, 55, 40], abs=1e-3)

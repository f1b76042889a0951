"""gis/region_clip.py: the offline basemap's cut, the region's outline widened by kilometres."""

import math

import pytest
from shapely.geometry import Point, box

from gis.region_clip import KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR, clip_area, region_outline


def test_a_square_at_the_equator_widens_by_the_distance_on_each_side():
    area = clip_area([box(-0.5, -0.5, 0.5, 0.5)], buffer_km=KM_PER_DEG_LON_EQUATOR / 10)
    west, south, east, north = area.bounds
    assert west == pytest.approx(-0.6, abs=1e-9) and east == pytest.approx(0.6, abs=1e-9)
    # a degree of latitude is shorter than one of longitude at the equator
    assert north == pytest.approx(0.5 + KM_PER_DEG_LON_EQUATOR / 10 / KM_PER_DEG_LAT, abs=1e-9)
    assert south == pytest.approx(-north, abs=1e-9)


def test_corners_are_round_not_the_rectangle_around_the_region():
    area = clip_area([box(-0.5, -0.5, 0.5, 0.5)], buffer_km=11.132)
    assert area.contains(Point(0.55, 0.55))  # within 11 km of the corner (7.9 km away)
    assert not area.contains(Point(0.59, 0.59))  # inside the bounding box, 14.1 km from the corner
    assert area.area < box(*area.bounds).area


def test_at_ten_degrees_north_a_degree_of_longitude_is_shorter():
    area = clip_area([box(105.0, 9.5, 106.0, 10.5)], buffer_km=10)
    west, _, east, _ = area.bounds
    km_per_deg_lon = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(10))
    assert 105.0 - west == pytest.approx(10 / km_per_deg_lon, rel=1e-6)
    assert east - 106.0 == pytest.approx(10 / km_per_deg_lon, rel=1e-6)


def test_provinces_merge_into_one_outline_and_gaps_between_them_fill():
    left, right = box(0, 0, 1, 1), box(1.05, 0, 2, 1)  # 5.6 km apart
    assert region_outline([left, right]).geom_type == "MultiPolygon"
    area = clip_area([left, right], buffer_km=5)
    assert area.geom_type == "Polygon"
    assert area.contains(Point(1.025, 0.5))


def test_zero_distance_is_the_outline_and_nonsense_is_refused():
    assert clip_area([box(0, 0, 1, 1)], buffer_km=0).equals(box(0, 0, 1, 1))
    with pytest.raises(ValueError):
        clip_area([box(0, 0, 1, 1)], buffer_km=-1)
    with pytest.raises(ValueError):
        clip_area([], buffer_km=5)

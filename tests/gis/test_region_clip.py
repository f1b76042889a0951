"""gis/region_clip.py: the offline basemap's cut, the region's outline widened by kilometres, and the
nested bands in which it fades out."""

import math

import pytest
from shapely.geometry import Point, box

from gis.region_clip import KM_PER_DEG_LAT, KM_PER_DEG_LON_EQUATOR, clip_area, fade_bands, region_outline


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


KM_01 = KM_PER_DEG_LON_EQUATOR / 10  # 0.1° of longitude at the equator


def _shown(bands, where: Point) -> float:
    """The opacity at ``where`` of the bands drawn over each other."""
    left = 1.0
    for opacity, area in bands:
        if area.contains(where):
            left *= 1 - opacity
    return 1 - left


def test_the_fade_is_whole_near_the_region_then_falls_in_steps_to_the_edge():
    # A unit square at the equator, solid to 0.1° of longitude, fading out to 0.3° in 2 rings.
    bands = fade_bands([box(-0.5, -0.5, 0.5, 0.5)], buffer_km=3 * KM_01, solid_km=KM_01, steps=2)
    assert [round(opacity, 9) for opacity, _ in bands] == [1.0, round(2 / 3, 9), 0.25]
    assert bands[0][1].bounds[2] == pytest.approx(0.6, abs=1e-9)
    assert bands[1][1].bounds[2] == pytest.approx(0.7, abs=1e-9)  # 0.1 + (0.3 − 0.1)/2
    assert bands[2][1].bounds[2] == pytest.approx(0.8, abs=1e-9)  # the clip area's edge
    assert bands[2][1].equals_exact(
        clip_area([box(-0.5, -0.5, 0.5, 0.5)], 3 * KM_01).difference(
            clip_area([box(-0.5, -0.5, 0.5, 0.5)], KM_01 / 2)
        ),
        tolerance=1e-9,
    )
    # along the equator, east of the square: 1 inside, then 1 − ½/2 and 1 − 1½/2 in the rings, 0 out
    assert _shown(bands, Point(0, 0)) == 1
    assert _shown(bands, Point(0.58, 0)) == 1
    assert _shown(bands, Point(0.65, 0)) == pytest.approx(0.75)
    assert _shown(bands, Point(0.75, 0)) == pytest.approx(0.25)
    assert _shown(bands, Point(0.85, 0)) == 0


def test_fading_bands_lie_under_the_whole_one_so_no_seam_shows_at_its_edge():
    bands = fade_bands([box(-0.5, -0.5, 0.5, 0.5)], buffer_km=3 * KM_01, solid_km=KM_01, steps=2)
    solid = bands[0][1]
    for _, band in bands[1:]:
        assert band.contains(Point(0.58, 0))  # inside the solid area's edge (0.6)
        assert not band.contains(Point(0.5, 0))  # but not under the region itself: bytes
    assert solid.boundary.within(bands[1][1])


def test_one_step_is_half_strength_and_nonsense_is_refused():
    bands = fade_bands([box(0, 0, 1, 1)], buffer_km=10, solid_km=0, steps=1)
    assert [opacity for opacity, _ in bands] == [1.0, 0.5]
    assert bands[0][1].equals(box(0, 0, 1, 1))
    for solid_km, steps in ((11, 2), (-1, 2), (5, 0)):
        with pytest.raises(ValueError):
            fade_bands([box(0, 0, 1, 1)], buffer_km=10, solid_km=solid_km, steps=steps)

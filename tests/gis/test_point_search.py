"""gis.point_search on positions as people type them into the search box."""

import pytest

from gis.coordinates import PositionError
from gis.point_search import read_position


def _one(text):
    [c] = read_position(text)
    return round(c.lon, 6), round(c.lat, 6), c.form


@pytest.mark.parametrize(
    "text",
    [
        "9.78, 105.47",
        "9.78,105.47",
        "9.78 105.47",
        "105.47, 9.78",
        "9,78 105,47",
        "9,78; 105,47",
        " 9.78 ; 105.47 ",
    ],
)
def test_decimal_degrees_latitude_first_unless_only_the_second_can_be(text):
    assert _one(text) == (105.47, 9.78, "decimal")


@pytest.mark.parametrize(
    "text",
    [
        "9°46'48\"N 105°28'12\"E",
        "105°28′12″E 9°46′48″N",
        "9°46'48\"B 105°28'12\"Đ",
        "9° 46' 48\" N, 105° 28' 12\" E",
    ],
)
def test_degrees_minutes_seconds(text):
    assert _one(text) == (105.47, 9.78, "dms")


def test_vn2000_xy_in_the_region_s_zone_and_utm_unless_one_is_named():
    three = read_position("X: 1082345 Y: 571234", "EPSG:5897")
    assert [c.crs for c in three] == ["EPSG:5897", "EPSG:3405", "EPSG:3406"]
    # the same numbers typed easting first: the northing is the larger one
    assert read_position("571234 1082345", "EPSG:5897") == three
    assert read_position("1082345, 571234 UTM 48N", "EPSG:5897") == three[1:]
    [tm3] = read_position("x=1082345.5 y=571234.2 (TM-3)", "EPSG:5897")
    assert tm3.crs == "EPSG:5897" and tm3.form == "vn2000"
    # TM-3 105° (k = 0.9999) and UTM 48N (k = 0.9996) share the meridian: the same numbers a few hundred m apart
    assert 0.001 < abs(three[0].lat - three[1].lat) < 0.01
    assert 9.7 < three[0].lat < 9.9 and 105.6 < three[0].lon < 105.7
    # an EPSG code named wins over the region's zone: TM-3 105°30′ puts the point 0.5° further east
    [named] = read_position("1082345 571234 EPSG:9209", "EPSG:5897")
    assert named.crs == "EPSG:9209" and named.lon - three[0].lon == pytest.approx(0.5, abs=0.01)


def test_vn2000_xy_without_a_zone_anywhere_must_name_one():
    with pytest.raises(PositionError) as refused:
        read_position("X: 1082345 Y: 571234")
    assert refused.value.problem.code == "position.crs_required"
    [tm3] = read_position("1082345 571234 9209")  # named: no region's zone needed
    assert tm3.crs == "EPSG:9209"
    assert [c.crs for c in read_position("1082345 571234 UTM")] == ["EPSG:3405", "EPSG:3406"]


@pytest.mark.parametrize("text", ["Ấp Tân Lợi", "ap tan loi", "VT-HG-0012", "Xã 3", "9.78"])
def test_names_and_codes_are_no_position(text):
    assert read_position(text) is None


@pytest.mark.parametrize(
    "text, code",
    [
        ("9.78, 205.47", "position.dms_out_of_range"),
        ("95.1, 95.2", "position.dms_out_of_range"),
        ("9°66'N 105°28'E", "position.dms_minutes"),
        ("12345 67890", "search.coordinates_unreadable"),
    ],
)
def test_wrong_positions_say_why(text, code):
    with pytest.raises(PositionError) as caught:
        read_position(text)
    assert caught.value.problem.code == code

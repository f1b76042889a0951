"""Registration rules and typed positions, on tiny exact inputs (no database)."""

import pytest
from pyproj.transformer import TransformerGroup

from app.i18n import catalogue
from gis import site_rules
from gis.coordinates import PositionError, from_vn2000, parse_dms, swapped_hint
from gis.crs import to_metric
from gis.importers import ranges

GOOD_CELL = {
    "technology": "4G",
    "band_mhz": 1800,
    "azimuth_deg": 120.0,
    "beamwidth_deg": 65.0,
    "antenna_height_m": 30.0,
    "eirp_dbm": 60.0,
}


def fields(problems):
    return [p.field for p in problems]


def test_a_plausible_cell_has_no_problem():
    assert site_rules.cell_problems(GOOD_CELL, 35.0) == []


@pytest.mark.parametrize(
    ("change", "field", "code", "vietnamese"),
    [
        (
            {"technology": "2G", "band_mhz": 2600},
            "band_mhz",
            "band.invalid",
            "Băng tần 2600 MHz không dùng cho 2G",
        ),
        (
            {"band_mhz": 3500},
            "band_mhz",
            "band.invalid",
            "băng tần hợp lệ: 700, 850, 900, 1800, 2100, 2300, 2600",
        ),
        (
            {"antenna_height_m": 60.0},
            "antenna_height_m",
            "height.antenna_above_structure",
            "vượt quá cột 35 m",
        ),
        (
            {"eirp_dbm": None, "tx_power_dbm": 43.0},
            "eirp_dbm",
            "power.incomplete",
            "công suất phát và độ lợi",
        ),
        ({"azimuth_deg": None}, "azimuth_deg", "azimuth.required", "cần có hướng"),
        (
            {"technology": "6G"},
            "technology",
            "technology.invalid",
            "“6G” không thuộc các giá trị: 2G, 3G, 4G, 5G",
        ),
    ],
)
def test_each_bad_cell_value_is_named(change, field, code, vietnamese):
    problems = site_rules.cell_problems({**GOOD_CELL, **change}, 35.0, "cells[0].")
    (problem,) = [p for p in problems if p.field == f"cells[0].{field}"]
    assert problem.code == code
    assert vietnamese in catalogue("vi").render(problem)


def test_an_omni_cell_needs_no_azimuth():
    omni = {**GOOD_CELL, "azimuth_deg": None, "beamwidth_deg": 360.0}
    assert site_rules.cell_problems(omni, None) == []


@pytest.mark.parametrize(
    ("target", "values", "field", "allowed"),
    [
        ("cells", {**GOOD_CELL, "eirp_dbm": 90.0}, "eirp_dbm", "0 ≤ x ≤ 75 dBm"),
        ("cells", {**GOOD_CELL, "azimuth_deg": 360.0}, "azimuth_deg", "0 ≤ x < 360°"),
        ("cells", {**GOOD_CELL, "beamwidth_deg": 0.0}, "beamwidth_deg", "0 < x ≤ 360°"),
        ("sites", {"structure_type": "tower", "height_m": 250.0}, "height_m", "0 < x ≤ 200 m"),
        ("poles", {"height_m": 55}, "height_m", "0 < x ≤ 40 m"),
    ],
)
def test_a_value_out_of_its_range_is_the_imports_problem(target, values, field, allowed):
    """One range per field, for a file's rows and a form's fields alike (gis/importers/ranges.py)."""
    (problem,) = ranges.check_values(values, target)
    assert (problem.code, problem.field, problem.params["allowed"]) == ("value.out_of_range", field, allowed)
    assert site_rules.cell_problems(GOOD_CELL, 35.0) == [] and ranges.check_values(GOOD_CELL, "cells") == []


def test_site_fields():
    assert site_rules.site_problems({"structure_type": "tower", "height_m": 45.0}) == []
    assert fields(site_rules.site_problems({"structure_type": "pyramid", "height_m": 250.0})) == [
        "structure_type"
    ]
    assert fields(
        site_rules.site_problems({"structure_type": "tower", "rent_vnd_month": 5, "accepts_tenants": False})
    ) == ["rent_vnd_month"]


@pytest.mark.parametrize(
    ("current", "target", "role", "owner", "reason", "kind"),
    [
        ("proposed", "approved", "planner", False, None, None),
        ("proposed", "approved", "operator", True, None, "role"),  # operators do not approve themselves
        ("proposed", "rejected", "planner", False, None, "reason"),
        ("proposed", "rejected", "planner", False, "too close to the school", None),
        ("approved", "active", "operator", True, None, None),
        ("approved", "active", "operator", False, None, "role"),  # another company's site
        ("active", "proposed", "planner", False, None, "state"),
        ("decommissioned", "active", "admin", False, None, "state"),
        ("rejected", "proposed", "operator", True, None, None),
        ("active", "decommissioned", "operator", True, None, "reason"),
    ],
)
def test_lifecycle(current, target, role, owner, reason, kind):
    problem = site_rules.transition_problem(current, target, role, owner, reason)
    assert (problem[0] if problem else None) == kind
    if kind == "reason":
        assert (problem[1].code, problem[1].field) == ("reason.required", "reason")


@pytest.mark.parametrize(
    "text",
    [
        "9°47'30\"N 105°38'24\"E",
        "105°38'24\"E 9°47'30\"N",
        "9 47 30 N, 105 38 24 E",
        "9°47′30″ B 105°38′24″ Đ",
        "9d47m30s N 105d38m24s E",
    ],
)
def test_dms_in_the_ways_people_write_it(text):
    lon, lat = parse_dms(text)
    assert lon == pytest.approx(105 + 38 / 60 + 24 / 3600, abs=1e-12)
    assert lat == pytest.approx(9 + 47 / 60 + 30 / 3600, abs=1e-12)


def test_dms_southern_and_western_hemispheres_are_negative():
    assert parse_dms("33°52'S 151°12'E") == pytest.approx((151.2, -(33 + 52 / 60)))
    assert parse_dms("40°26'46\"N 79°58'56\"W")[0] == pytest.approx(-(79 + 58 / 60 + 56 / 3600))


@pytest.mark.parametrize("text", ["9°61'N 105°E", "9.8", "north-east of the market", "95°N 105°E"])
def test_unreadable_dms_is_refused_with_a_reason(text):
    with pytest.raises(PositionError):
        parse_dms(text)


def _official(crs: str):
    """EPSG's "VN-2000 to WGS 84 (2)": the 7 parameters of Decision 05/2007/QĐ-BTNMT."""
    group = TransformerGroup("EPSG:4326", crs, always_xy=True).transformers
    return next(t for t in group if "VN-2000 to WGS 84 (2)" in t.description)


@pytest.mark.parametrize("crs", ["EPSG:5897", "EPSG:3405"])
def test_vn2000_easting_northing_to_wgs84_is_the_official_transformation(crs):
    lon, lat = 105.6412, 9.7851
    x, y = _official(crs).transform(lon, lat)
    assert 500_000 < x < 600_000 and 1_000_000 < y < 1_200_000  # east of the meridian, 1,080 km north
    assert from_vn2000(x, y, crs) == pytest.approx((lon, lat), abs=1e-8)  # about a millimetre
    # PROJ's default operation for the code lands 0.8 m away: that one would be wrong here.
    other = to_metric(lon, lat, crs)
    assert 0.5 < ((other[0] - x) ** 2 + (other[1] - y) ** 2) ** 0.5 < 1.5


def test_vn2000_northing_typed_as_easting_is_detected():
    x, y = _official("EPSG:5897").transform(105.6412, 9.7851)
    with pytest.raises(PositionError) as refused:
        from_vn2000(y, x, "EPSG:5897")
    assert refused.value.problem.code == "position.xy_swapped"
    assert refused.value.problem.params == {"easting": round(y), "northing": round(x)}


def test_swapped_latitude_and_longitude_are_offered_back():
    bounds = (105.2, 9.5, 106.0, 10.1)
    assert swapped_hint(9.8, 105.6, bounds) == (105.6, 9.8)
    assert swapped_hint(105.6, 9.8, bounds) is None  # already right
    assert swapped_hint(2.35, 48.85, bounds) is None  # Paris: wrong, but not swapped

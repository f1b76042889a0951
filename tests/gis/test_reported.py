"""Reported statistics: one figure at a time, figures together, and rows of a file."""

from decimal import Decimal

import pytest

from gis.problems import Problem
from gis.reported import METRICS, check_figures, parse_figure, parse_rows


@pytest.mark.parametrize(
    ("raw", "metric", "value", "problem"),
    [
        (1234, "internet_users", Decimal(1234), None),
        ("1.234.567", "mobile_subscriptions", Decimal(1234567), None),
        ("42,5", "cloud_enterprises_domestic_pct", Decimal("42.5"), None),
        ("100%", "digital_platforms_state_pct", Decimal(100), None),
        ("", "internet_users", None, None),
        (None, "internet_users", None, None),
        (-1, "internet_users", None, ("stats.negative", {"value": -1})),
        ("-0,5", "iot_ready_infrastructure_pct", None, ("stats.negative", {"value": -0.5})),
        (100.5, "digital_platforms_state_pct", None, ("stats.over_100", {"value": 100.5})),
        (12.5, "households_fibre", None, ("stats.not_whole", {"value": 12.5})),
        ("abc", "adults", None, ("value.not_a_number", {"value": "abc"})),
        (float("nan"), "adults", None, ("stats.not_finite", {"value": "nan"})),
        (True, "adults", None, ("value.not_a_number", {"value": "True"})),
    ],
)
def test_parse_figure(raw, metric, value, problem):
    got, said = parse_figure(raw, METRICS[metric])
    assert got == value
    if problem is None:
        assert said is None
    else:
        assert (said.code, said.field, dict(said.params)) == (problem[0], metric, problem[1])


def test_parts_never_exceed_wholes_and_population_bounds_subscriptions():
    ok = {
        "mobile_subscriptions": Decimal(1300),
        "mobile_bb_subscriptions": Decimal(900),
        "smartphone_subscriptions": Decimal(1000),
        "households_internet": Decimal(200),
        "households_fibre": Decimal(150),
        "internet_users": Decimal(700),
    }
    assert check_figures(ok, 1000, 250) == []
    bad = {**ok, "households_fibre": Decimal(210), "internet_users": Decimal(1001)}
    problems = check_figures(bad, 1000, 250)
    assert problems == [
        Problem("stats.exceeds_households_internet", "households_fibre", params={"value": 210, "limit": 200}),
        Problem("stats.exceeds_population", "internet_users", params={"value": 1001, "limit": 1000}),
    ]
    [many] = check_figures({"mobile_subscriptions": Decimal(3001)}, 1000, 250)
    assert (many.code, many.field, many.params) == (
        "stats.per_person",
        "mobile_subscriptions",
        {"value": 3001, "max": 3, "population": 1000},
    )
    # Without a population the per-person rule cannot be judged, and is not.
    assert check_figures({"mobile_subscriptions": Decimal(3001)}, None, None) == []


def test_wide_rows_vietnamese_headers_and_every_problem_with_its_row():
    header = [
        "Mã đơn vị",
        "Tên đơn vị",
        "Kỳ",
        "internet_users",
        "Doanh nghiệp dùng nền tảng số (%)",
        "ghi chú",
    ]
    rows = [
        (
            2,
            {
                "Mã đơn vị": "930",
                "Kỳ": "2025-Q3",
                "internet_users": "750",
                "Doanh nghiệp dùng nền tảng số (%)": "45,5",
            },
        ),
        (3, {"Mã đơn vị": 931.0, "Kỳ": "2025-Q3", "internet_users": "-3"}),
        (4, {"Mã đơn vị": "932", "Kỳ": "2025Q3", "internet_users": "1"}),
        (5, {"Mã đơn vị": "930", "Kỳ": "2025-Q3", "internet_users": "1"}),
        (6, {"Mã đơn vị": None, "Kỳ": "2025-Q3"}),
    ]
    found, problems, warnings = parse_rows("so_lieu.csv", header, rows)
    assert found[0].code == "930" and found[0].figures == {
        "internet_users": Decimal(750),
        "digital_platforms_enterprises_pct": Decimal("45.5"),
    }
    assert [(p.source, p.row, p.code, p.field, p.params) for p in problems] == [
        ("so_lieu.csv", 3, "stats.negative", "internet_users", {"value": -3}),
        ("so_lieu.csv", 4, "stats.bad_period", None, {"value": "2025Q3"}),
        ("so_lieu.csv", 5, "stats.repeated", None, {"unit": "930", "period": "2025-Q3", "first": 2}),
        ("so_lieu.csv", 6, "stats.no_unit_code", None, {}),
    ]
    assert warnings == [
        Problem("stats.columns_ignored", params={"columns": ["ghi chú"]}, source="so_lieu.csv")
    ]


def test_long_rows_like_the_sample_statistics_csv():
    header = ["admin_code", "period", "metric", "value"]
    rows = [
        (2, {"admin_code": "93", "period": "2025-Q3", "metric": "adults", "value": "540925"}),
        (3, {"admin_code": "93", "period": "2025-Q3", "metric": "adults_smartphone", "value": "465737"}),
        (4, {"admin_code": "93", "period": "2025-Q3", "metric": "adults", "value": "1"}),
        (5, {"admin_code": "93", "period": "2025-Q3", "metric": "tv_sets", "value": "1"}),
    ]
    found, problems, _ = parse_rows("statistics.csv", header, rows)
    assert [(r.code, r.period, r.figures) for r in found] == [
        ("93", "2025-Q3", {"adults": Decimal(540925), "adults_smartphone": Decimal(465737)})
    ]
    assert [(p.row, p.code, p.field) for p in problems] == [
        (4, "stats.twice", "adults"),
        (5, "stats.unknown_metric", None),
    ]
    assert problems[1].params["metric"] == "tv_sets"


def test_a_file_without_the_needed_columns_says_which():
    _, problems, _ = parse_rows("x.csv", ["name", "value2"], [(2, {"name": "a"})])
    assert [p.code for p in problems] == [
        "stats.no_unit_column",
        "stats.no_period_column",
        "stats.no_metric_columns",
    ]
    assert problems[0].params["found"] == ["name", "value2"]

"""The indicators' arithmetic: shares, per-100 rates, speeds, status against a target, quarters."""

from datetime import date
from decimal import Decimal

import pytest

from gis.indicators import (
    Judgement,
    Quarter,
    expected_on_trajectory,
    judge,
    mean_median,
    per_100,
    round_value,
    share_pct,
    status_and_gap,
)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (3, 10, 30.0),
        (58, 271, 21.4),
        (1, 3, 33.3),
        (2, 3, 66.7),
        (0, 7, 0.0),
        (7, 7, 100.0),
        (Decimal("960"), Decimal("1200"), 80.0),
        (0, 0, None),
        (5, 0, None),
        (5, None, None),
        (None, 5, None),
    ],
)
def test_share_pct(numerator, denominator, expected):
    assert share_pct(numerator, denominator) == expected


def test_per_100():
    assert per_100(900, 1000) == 90.0
    assert per_100(1_234, 10_000) == 12.3
    assert per_100(1_500, 1_000) == 150.0  # more subscriptions than people is possible
    assert per_100(10, 0) is None and per_100(10, None) is None


def test_round_value_half_up_on_the_decimal_text():
    # 0.15 and 21.45 are stored a hair below as binary floats; we round what is printed.
    assert round_value(0.15) == 0.2
    assert round_value(21.45) == 21.5
    assert round_value(Decimal("42.250")) == 42.3
    assert round_value(42.24) == 42.2
    assert round_value(None) is None


def test_mean_median():
    assert mean_median([10, 20, 60]) == (30.0, 20.0)
    assert mean_median([10, 20, 60, 30]) == (30.0, 25.0)
    assert mean_median([33.33]) == (33.3, 33.3)
    assert mean_median(iter([1.0, 2.0])) == (1.5, 1.5)
    assert mean_median([]) == (None, None)


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (21.4, 10, ("met", 0.0)),
        (10.0, 10, ("met", 0.0)),
        (7.5, Decimal("10.000"), ("behind", 2.5)),
        (92.1, 100, ("behind", 7.9)),
        (0.0, 50, ("behind", 50.0)),
        (None, 100, ("no_data", None)),
    ],
)
def test_status_and_gap(value, target, expected):
    assert status_and_gap(value, target) == expected


def test_quarter_parse_bounds_and_order():
    q = Quarter.parse("2025-Q3")
    assert (q.year, q.quarter, str(q)) == (2025, 3, "2025-Q3")
    assert (q.start, q.end) == (date(2025, 7, 1), date(2025, 10, 1))
    assert Quarter.parse("2024-Q4").end == date(2025, 1, 1)
    assert (Quarter(2024, 4).last_day, Quarter(2024, 1).last_day) == (date(2024, 12, 31), date(2024, 3, 31))
    assert Quarter.parse("2025-Q1").start == date(2025, 1, 1)
    assert Quarter.of(date(2025, 9, 30)) == q and Quarter.of(date(2025, 10, 1)) == Quarter(2025, 4)
    assert Quarter(2024, 4) < Quarter(2025, 1)


@pytest.mark.parametrize("raw", ["2025Q3", "2025-Q5", "2025-Q0", "25-Q1", "2025-q3", "", "2025-Q3x"])
def test_quarter_rejects_other_spellings(raw):
    with pytest.raises(ValueError, match="2025-Q3"):
        Quarter.parse(raw)


# --------------------------------------------------------------------- on track: the trajectory rule

BASE = (Quarter(2024, 4), 40.0)


@pytest.mark.parametrize(
    ("value", "quarter", "expected"),
    [
        (65.0, Quarter(2025, 2), Judgement("on_track", 15.0, 60.0)),  # 2 of 4 quarters: 40 + 40 × 2/4
        (60.0, Quarter(2025, 2), Judgement("on_track", 20.0, 60.0)),  # exactly on the line
        (59.9, Quarter(2025, 2), Judgement("behind", 20.1, 60.0)),
        (79.0, Quarter(2025, 4), Judgement("behind", 1.0, 80.0)),  # the end of the plan: the target itself
        (79.0, Quarter(2026, 2), Judgement("behind", 1.0, 80.0)),  # after it too
        (80.0, Quarter(2025, 2), Judgement("met", 0.0)),
        (None, Quarter(2025, 2), Judgement("no_data", None)),
    ],
)
def test_judge_against_the_linear_trajectory(value, quarter, expected):
    assert judge(value, 80, quarter=quarter, target_year=2025, baseline=BASE) == expected


def test_no_baseline_no_on_track():
    # Without a closed baseline period there is no trajectory: below target is behind.
    assert judge(79.0, 80, quarter=Quarter(2025, 2), target_year=2025, baseline=None) == Judgement(
        "behind", 1.0
    )
    # The baseline quarter itself (or a later one used as its own baseline) judges nothing.
    same = judge(41.0, 80, quarter=Quarter(2024, 4), target_year=2025, baseline=BASE)
    assert same == Judgement("behind", 39.0)


def test_expected_on_trajectory_and_quarter_arithmetic():
    assert expected_on_trajectory(40, Quarter(2024, 4), 80, 2025, Quarter(2025, 1)) == 50.0
    assert expected_on_trajectory(0, Quarter(2023, 1), 100, 2025, Quarter(2024, 1)) == 36.4  # 4 of 11
    assert expected_on_trajectory(40, Quarter(2024, 4), 80, 2025, Quarter(2024, 3)) is None
    assert Quarter(2025, 1).index - Quarter(2024, 4).index == 1
    assert Quarter(2024, 4).next() == Quarter(2025, 1) and Quarter(2025, 2).next() == Quarter(2025, 3)

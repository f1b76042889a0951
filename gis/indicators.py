"""The arithmetic of the plan's indicators: shares, per-100 rates, speeds, target status, quarters.

Every value is rounded to one decimal (0.1 % or 0.1 Mb/s), half away from zero on its decimal
text (21.45 → 21.5), so what a report prints is what the status is judged on: a share that
rounds to the target meets it. A missing value stays ``None`` — never 0.

"On track" (``judge``) is a linear trajectory: from the unit's value in a baseline quarter (the
earliest closed period before the one judged) to the target at the end of the target year, the
value expected in the judged quarter is interpolated by quarters elapsed; a value below target
but at or above that expectation is on track. Without a baseline there is no trajectory, so a
value below target is "behind" — on track is never claimed without evidence.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "Judgement",
    "Quarter",
    "expected_on_trajectory",
    "judge",
    "mean_median",
    "per_100",
    "round_value",
    "share_pct",
    "status_and_gap",
]

_STEP = Decimal("0.1")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def round_value(value: float | Decimal | None) -> float | None:
    """Round to 0.1, half away from zero on the decimal text; None stays None.

    Example
    -------
    >>> round_value(21.45), round_value(2 / 3 * 100), round_value(None)
    (21.5, 66.7, None)
    """
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(_STEP, rounding=ROUND_HALF_UP))


def share_pct(numerator: float | None, denominator: float | None) -> float | None:
    """numerator ÷ denominator × 100, rounded to 0.1; None when there is nothing to divide by.

    Example
    -------
    >>> share_pct(3, 10), share_pct(1, 3), share_pct(0, 0), share_pct(None, 5)
    (30.0, 33.3, None, None)
    """
    if numerator is None or not denominator:
        return None
    return round_value(Decimal(str(numerator)) * 100 / Decimal(str(denominator)))


def per_100(count: float | None, population: float | None) -> float | None:
    """Subscriptions (or any count) per 100 people; None without a population.

    Example
    -------
    >>> per_100(85, 100), per_100(1_234, 10_000), per_100(5, 0)
    (85.0, 12.3, None)
    """
    return share_pct(count, population)


def mean_median(values: Iterable[float]) -> tuple[float | None, float | None]:
    """(mean, median) of the samples, each rounded to 0.1; (None, None) without samples.

    Example
    -------
    >>> mean_median([10, 20, 60]), mean_median([])
    ((30.0, 20.0), (None, None))
    """
    data = [float(v) for v in values]
    if not data:
        return None, None
    return round_value(statistics.fmean(data)), round_value(statistics.median(data))


def status_and_gap(value: float | None, target: float | Decimal) -> tuple[str, float | None]:
    """("met", 0.0) when value ≥ target, ("behind", target − value), ("no_data", None) without a value.

    Example
    -------
    >>> status_and_gap(21.4, 10), status_and_gap(7.5, 10), status_and_gap(None, 10)
    (('met', 0.0), ('behind', 2.5), ('no_data', None))
    """
    if value is None:
        return "no_data", None
    gap = Decimal(str(target)) - Decimal(str(value))
    if gap <= 0:
        return "met", 0.0
    return "behind", round_value(gap)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, written ``YYYY-Qn`` as in the statistics table."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``"2025-Q3"`` → Quarter(2025, 3); ValueError for anything else."""
        match = _QUARTER.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"period must look like 2025-Q3 (year, '-Q', quarter 1–4), got '{text}'")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        """First day of the quarter."""
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """First day of the next quarter (exclusive end)."""
        return date(self.year + 1, 1, 1) if self.quarter == 4 else date(self.year, 3 * self.quarter + 1, 1)

    @property
    def last_day(self) -> date:
        """Last day of the quarter: the day a closed quarter's figures describe."""
        return self.end - timedelta(days=1)

    @property
    def index(self) -> int:
        """Quarters since year 0: differences count quarters."""
        return self.year * 4 + self.quarter - 1

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.quarter == 4 else Quarter(self.year, self.quarter + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"


@dataclass(frozen=True)
class Judgement:
    """An indicator value against its target: status, gap (target − value) and the expectation."""

    status: str  # "met", "on_track", "behind" or "no_data"
    gap: float | None
    expected: float | None = None  # where the linear trajectory stands in the judged quarter


def expected_on_trajectory(
    baseline: float, baseline_quarter: Quarter, target: float, target_year: int, quarter: Quarter
) -> float | None:
    """The value a straight line from (baseline quarter, baseline) to (Q4 of the target year, target)
    reaches in ``quarter``; None when ``quarter`` is not after the baseline.

    Example
    -------
    >>> expected_on_trajectory(40, Quarter(2024, 4), 80, 2025, Quarter(2025, 2))  # 2 of 4 quarters
    60.0
    """
    elapsed = quarter.index - baseline_quarter.index
    total = Quarter(target_year, 4).index - baseline_quarter.index
    if elapsed <= 0:
        return None
    if total <= 0 or elapsed >= total:
        return round_value(target)
    b = Decimal(str(baseline))
    return round_value(b + (Decimal(str(target)) - b) * elapsed / total)


def judge(
    value: float | None,
    target: float | Decimal,
    *,
    quarter: Quarter | None = None,
    target_year: int | None = None,
    baseline: tuple[Quarter, float] | None = None,
) -> Judgement:
    """Status of ``value`` against ``target`` in ``quarter``, given the unit's ``baseline``.

    Example
    -------
    >>> judge(65, 80, quarter=Quarter(2025, 2), target_year=2025, baseline=(Quarter(2024, 4), 40))
    Judgement(status='on_track', gap=15.0, expected=60.0)
    >>> judge(55, 80, quarter=Quarter(2025, 2), target_year=2025, baseline=(Quarter(2024, 4), 40)).status
    'behind'
    """
    status, gap = status_and_gap(value, target)
    if status != "behind" or baseline is None or quarter is None or target_year is None:
        return Judgement(status, gap)
    expected = expected_on_trajectory(baseline[1], baseline[0], float(target), target_year, quarter)
    if expected is None:
        return Judgement(status, gap)
    on_track = Decimal(str(value)) >= Decimal(str(expected))
    return Judgement("on_track" if on_track else "behind", gap, expected)

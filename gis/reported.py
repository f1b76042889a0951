"""Reported statistics: the metrics a unit reports each quarter and the checks every figure passes.

A figure is a count (subscriptions, users, households…: a whole number ≥ 0) or a share in percent
(0–100). Figures of one unit and quarter must agree with each other and with the unit's
population and households: part ≤ whole (smartphone ≤ mobile subscriptions, fibre households ≤
households with Internet ≤ households…) and at most ``MAX_MOBILE_SUBS_PER_PERSON`` mobile
subscriptions per person (Vietnam reports about 1.3). Pure: no web or database imports.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from gis.importers.columns import canonical, column_key
from gis.indicators import Quarter
from gis.problems import Problem

__all__ = [
    "METRICS",
    "MAX_MOBILE_SUBS_PER_PERSON",
    "Metric",
    "ReportedRow",
    "check_figures",
    "number",
    "parse_figure",
    "parse_rows",
]

MAX_MOBILE_SUBS_PER_PERSON = 3


@dataclass(frozen=True)
class Metric:
    key: str
    kind: str  # "count" or "pct"
    label_vi: str
    label_en: str


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("mobile_subscriptions", "count", "Tổng số thuê bao di động", "Mobile subscriptions"),
        Metric(
            "mobile_bb_subscriptions",
            "count",
            "Số thuê bao băng rộng di động",
            "Mobile broadband subscriptions",
        ),
        Metric(
            "smartphone_subscriptions",
            "count",
            "Số thuê bao dùng điện thoại thông minh",
            "Smartphone subscriptions",
        ),
        Metric(
            "fixed_bb_subscriptions",
            "count",
            "Số thuê bao băng rộng cố định",
            "Fixed broadband subscriptions",
        ),
        Metric("internet_users", "count", "Số người sử dụng Internet", "Internet users"),
        Metric(
            "households_internet",
            "count",
            "Số hộ gia đình có truy nhập Internet",
            "Households with Internet access",
        ),
        Metric(
            "households_fibre",
            "count",
            "Số hộ gia đình có Internet cáp quang",
            "Households with fibre broadband",
        ),
        Metric("adults", "count", "Dân số trưởng thành", "Adult population"),
        Metric(
            "adults_smartphone",
            "count",
            "Số người trưởng thành có điện thoại thông minh",
            "Adults owning a smartphone",
        ),
        Metric(
            "iot_ready_infrastructure_pct",
            "pct",
            "Hạ tầng thiết yếu tích hợp được cảm biến, IoT (%)",
            "Essential infrastructure IoT-ready (%)",
        ),
        Metric(
            "iot_industrial_zones_pct",
            "pct",
            "Doanh nghiệp KCN, CCN được hỗ trợ IoT (%)",
            "Industrial-zone enterprises supported with IoT (%)",
        ),
        Metric(
            "cloud_provincial_systems_pct",
            "pct",
            "Hệ thống thông tin dùng chung cấp Tỉnh trên điện toán đám mây (%)",
            "Provincial shared systems on cloud (%)",
        ),
        Metric(
            "cloud_enterprises_domestic_pct",
            "pct",
            "Doanh nghiệp dùng điện toán đám mây trong nước (%)",
            "Enterprises using domestic cloud (%)",
        ),
        Metric(
            "digital_platforms_state_pct",
            "pct",
            "Cơ quan nhà nước dùng nền tảng số (%)",
            "State bodies using digital platforms (%)",
        ),
        Metric(
            "digital_platforms_enterprises_pct",
            "pct",
            "Doanh nghiệp dùng nền tảng số (%)",
            "Enterprises using digital platforms (%)",
        ),
    )
}

# The problem of a part exceeding each whole: one code per whole, so that each language names it.
_EXCEEDS = {
    "mobile_subscriptions": Problem("stats.exceeds_mobile_subscriptions"),
    "adults": Problem("stats.exceeds_adults"),
    "households_internet": Problem("stats.exceeds_households_internet"),
    "households": Problem("stats.exceeds_households"),
    "population": Problem("stats.exceeds_population"),
}
# (part, whole): the part can never exceed the whole. A whole of "population" or "households" is
# the unit's own figure (admin_units), anything else a metric of the same report.
_PARTS = (
    ("mobile_bb_subscriptions", "mobile_subscriptions"),
    ("smartphone_subscriptions", "mobile_subscriptions"),
    ("adults_smartphone", "adults"),
    ("households_fibre", "households_internet"),
    ("households_internet", "households"),
    ("households_fibre", "households"),
    ("internet_users", "population"),
    ("adults", "population"),
    ("fixed_bb_subscriptions", "population"),
)
_PER_PERSON = ("mobile_subscriptions", "mobile_bb_subscriptions", "smartphone_subscriptions")


def parse_figure(raw: object, metric: Metric) -> tuple[Decimal | None, Problem | None]:
    """(value, None) for a valid figure, (None, None) for an empty cell, (None, problem) otherwise.

    Accepts numbers and text with a Vietnamese decimal comma ("42,5") or thousands dots
    ("1.234.567" for a count), and a trailing "%" for a share.

    Example
    -------
    >>> parse_figure("1.234", METRICS["internet_users"]), parse_figure("42,5%", METRICS["cloud_enterprises_domestic_pct"])
    ((Decimal('1234'), None), (Decimal('42.5'), None))
    >>> parse_figure(-3, METRICS["adults"])[1].code, parse_figure(100.5, METRICS["digital_platforms_state_pct"])[1].params
    ('stats.negative', {'value': 100.5})
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if isinstance(raw, bool):
        return None, Problem("value.not_a_number", field=metric.key, params={"value": str(raw)})
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if metric.kind == "pct":
        text = text.removesuffix("%")
    if isinstance(raw, str):
        if metric.kind == "count" and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")  # 1.234.567: Vietnamese thousands separators
        elif re.fullmatch(r"-?\d+,\d+", text):
            text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, Problem("value.not_a_number", field=metric.key, params={"value": str(raw)})
    if not value.is_finite() or (isinstance(raw, float) and not math.isfinite(raw)):
        return None, Problem("stats.not_finite", field=metric.key, params={"value": str(raw)})
    for broken, problem in (
        (value < 0, Problem("stats.negative")),
        (metric.kind == "count" and value != value.to_integral_value(), Problem("stats.not_whole")),
        (metric.kind == "pct" and value > 100, Problem("stats.over_100")),
        (value >= Decimal("1e15"), Problem("stats.too_large")),
    ):
        if broken:
            return None, dataclasses.replace(problem, field=metric.key, params={"value": number(value)})
    return value, None


def check_figures(
    figures: dict[str, Decimal], population: int | None, households: int | None
) -> list[Problem]:
    """Problems of one unit's figures for one quarter taken together (already parsed one by one);
    each names the part (``field``), its ``value`` and the ``limit`` it exceeds.

    Example
    -------
    >>> [p] = check_figures({"mobile_subscriptions": Decimal(900), "smartphone_subscriptions": Decimal(950)}, 1000, 250)
    >>> p.code, p.field, dict(p.params)
    ('stats.exceeds_mobile_subscriptions', 'smartphone_subscriptions', {'value': 950, 'limit': 900})
    """
    unit = {"population": population, "households": households}
    problems = []
    for part, whole in _PARTS:
        p = figures.get(part)
        w = unit[whole] if whole in unit else figures.get(whole)
        if p is not None and w is not None and p > w:
            params = {"value": number(p), "limit": number(w)}
            problems.append(dataclasses.replace(_EXCEEDS[whole], field=part, params=params))
    for key in _PER_PERSON:
        value = figures.get(key)
        if value is not None and population and value > MAX_MOBILE_SUBS_PER_PERSON * population:
            params = {"value": number(value), "max": MAX_MOBILE_SUBS_PER_PERSON, "population": population}
            problems.append(Problem("stats.per_person", field=key, params=params))
    return problems


def number(value: Decimal | int | float) -> int | float:
    """A figure as JSON shows it: whole numbers without a fraction."""
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


@dataclass
class ReportedRow:
    """One unit's figures for one quarter, as read from row ``number`` (or rows, long format)."""

    number: int
    code: str
    period: str
    figures: dict[str, Decimal] = field(default_factory=dict)


_LONG_METRIC = ("metric", "chi_so", "chi_tieu", "ma_chi_tieu")
_LONG_VALUE = ("value", "gia_tri", "so_lieu")


def _metric_columns(header: list[str]) -> dict[str, str]:
    by_key = {m.key: m.key for m in METRICS.values()} | {
        column_key(m.label_vi): m.key for m in METRICS.values()
    }
    return {h: by_key[column_key(h)] for h in header if column_key(h) in by_key}


def parse_rows(
    name: str, header: list[str], rows: list[tuple[int, dict]]
) -> tuple[list[ReportedRow], list[Problem], list[Problem]]:
    """Rows of a statistics file → (one ReportedRow per unit and quarter, problems, warnings).

    Wide format: a unit code column, a period column and one column per metric (its key or its
    Vietnamese label). Long format: code, period, metric, value — the layout of the sample's
    statistics.csv. Empty cells are "not reported" and skipped. Every problem names its row.
    """
    roles = {h: canonical(h) for h in header}
    code_col = next((h for h, r in roles.items() if r == "code"), None)
    period_col = next((h for h, r in roles.items() if r == "period"), None)
    metric_col = next((h for h in header if column_key(h) in _LONG_METRIC), None)
    value_col = next((h for h in header if column_key(h) in _LONG_VALUE), None)
    metric_cols = _metric_columns(header)
    found_cols = [h for h in header if h]
    missing = [
        problem
        for problem, col in (
            (Problem("stats.no_unit_column"), code_col),
            (Problem("stats.no_period_column"), period_col),
            (Problem("stats.no_metric_columns"), (metric_col and value_col) or metric_cols),
        )
        if not col
    ]
    if missing:
        params = {"found": found_cols, "examples": list(METRICS)[:3]}
        return [], [dataclasses.replace(p, params=params, source=name) for p in missing], []
    used = {
        code_col,
        period_col,
        metric_col,
        value_col,
        *metric_cols,
        *(h for h, r in roles.items() if r == "name"),
    }
    ignored = [h for h in header if h and h not in used]
    warnings = [Problem("stats.columns_ignored", params={"columns": ignored}, source=name)] if ignored else []
    problems: list[Problem] = []
    found: dict[tuple[str, str], ReportedRow] = {}
    seen: set[tuple[str, str, str]] = set()
    for number, row in rows:
        code = str(row.get(code_col) or "").strip()
        raw_period = str(row.get(period_col) or "").strip()
        if isinstance(row.get(code_col), float) and row[code_col].is_integer():
            code = str(int(row[code_col]))  # Excel turns 934 into 934.0
        problem = None if code else Problem("stats.no_unit_code")
        try:
            period = str(Quarter.parse(raw_period))
        except ValueError:
            problem = problem or Problem("stats.bad_period", params={"value": raw_period})
        if problem:
            problems.append(problem.at(row=number, source=name))
            continue
        if metric_col and value_col:
            key = column_key(str(row.get(metric_col) or ""))
            pairs = [(key, row.get(value_col))]
        else:
            pairs = [(metric_cols[h], row.get(h)) for h in metric_cols]
        entry = found.setdefault((code, period), ReportedRow(number, code, period))
        where = {"unit": code, "period": period}
        if not (metric_col and value_col) and entry.number != number:
            problem = Problem("stats.repeated", params={**where, "first": entry.number})
            problems.append(problem.at(row=number, source=name))
            continue
        for key, raw in pairs:
            metric = METRICS.get(key)
            if metric is None:
                problem = Problem("stats.unknown_metric", params={"metric": key, "known": list(METRICS)})
            elif (code, period, key) in seen:
                problem = Problem("stats.twice", field=key, params=where)
            else:
                seen.add((code, period, key))
                value, problem = parse_figure(raw, metric)
                if value is not None:
                    entry.figures[key] = value
            if problem:
                problems.append(problem.at(row=number, source=name))
    return list(found.values()), problems, warnings

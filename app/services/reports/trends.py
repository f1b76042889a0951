"""One unit's indicators over the quarters: closed ones from their snapshots, open ones live as
of their last day (today for the current one), so a past quarter shows its own value."""

from sqlalchemy.orm import Session

from app.errors import NotFound
from app.services.reports import labels, snapshots
from app.services.reports.indicators import indicators_report, parse_period
from app.services.reports.periods import known_periods
from gis.indicators import Quarter
from gis.svg import TrendPoint, trend_chart


def unit_trends(
    session: Session,
    level: str,
    code: str,
    *,
    until: str | None = None,
    closed_only: bool = False,
    district_code: str | None = None,
    plan: str | None = None,
) -> dict:
    """Every indicator of unit ``code`` in every known quarter up to ``until`` (all by default);
    ``closed_only`` keeps the closed quarters (what a report may show)."""
    last = parse_period(until) if until else None
    unit, series = None, {}
    periods = []
    closed = {p.period for p in snapshots.closed_periods(session)}
    for period in known_periods(session):
        if (last is not None and Quarter.parse(period) > last) or (closed_only and period not in closed):
            continue
        try:
            report = indicators_report(session, level, period, code, district_code=district_code, plan=plan)
        except NotFound:  # the unit did not exist then (or not yet)
            continue
        periods.append({"period": period, "closed": report["closed"]})
        unit = unit or {k: report["units"][0][k] for k in ("code", "name", "level")}
        for record in report["units"][0]["indicators"]:
            entry = series.setdefault(
                record["id"],
                {k: record[k] for k in ("id", "name_vi", "name_en", "unit", "method")} | {"points": []},
            )
            entry["target"], entry["target_year"] = record["target"], record.get("target_year")
            entry["points"].append(
                {"period": period, "closed": report["closed"]}
                | {k: record.get(k) for k in ("value", "target", "status", "expected", "detail")}
            )
    if unit is None:
        raise NotFound(f"no {level} with code '{code}' in any known period")
    return {"unit": unit, "periods": periods, "indicators": list(series.values())}


def chart_svg(entry: dict, lang: str = "vi", title: str | None = None) -> str:
    """The trend of one indicator entry of ``unit_trends`` as SVG, with its target line."""
    unit = labels.unit_suffix(entry["unit"], lang)
    points = [
        TrendPoint(
            labels.short_period(p["period"], lang),
            p["value"],
            labels.STATUS_COLORS.get(p["status"], "#37474f"),
            labels.status_label(p["status"], lang)
            + ("" if p["closed"] else (" (tạm tính)" if lang == "vi" else " (live)")),
        )
        for p in entry["points"]
    ]
    year = entry.get("target_year") or 2025
    target_label = ("Mục tiêu {y}: {v}" if lang == "vi" else "Target {y}: {v}").format(
        y=year, v=labels.value_text({"value": entry["target"], "unit": entry["unit"]}, lang)
    )
    return trend_chart(
        points,
        entry["target"],
        title=title or labels.local_name(entry, lang),
        target_label=target_label,
        unit=unit.strip() if entry["unit"] == "%" else "",
        no_data_label=labels.NOT_MEASURED[0 if lang == "vi" else 1]
        if entry["unit"] == "Mb/s"
        else labels.status_label("no_data", lang),
        lang=lang,
    )


def trend_svg(
    session: Session,
    level: str,
    code: str,
    indicator: str,
    *,
    lang: str = "vi",
    district_code: str | None = None,
    plan: str | None = None,
) -> str:
    trends = unit_trends(session, level, code, district_code=district_code, plan=plan)
    entry = next((e for e in trends["indicators"] if e["id"] == indicator), None)
    if entry is None:
        raise NotFound(f"no indicator '{indicator}'")
    return chart_svg(entry, lang)

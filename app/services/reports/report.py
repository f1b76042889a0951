"""The periodic report to the Ministry and the Provincial People's Committee (plan section VI.1.e):
everything it says, gathered from the snapshots of closed periods only — so the same closed
period and scope always give the same numbers. ``report_xlsx`` and ``report_html`` lay it out.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidParameter, NotFound
from app.services.imports.bodies import Bodies, bodies_on
from app.services.plans import Plan
from app.services.reports import indicators_sql, snapshots
from app.services.reports.drilldown import snapshot_rows
from app.services.reports.indicators import judged_by_plan, parse_period, quarter_plan
from app.services.reports.labels import period_label
from app.services.reports.periods import today
from app.services.scope import check_report_scope, nearest_sites_within
from gis.problems import Problem

SHARING = ("bts_site_sharing", "pole_sharing", "duct_sharing")
# The report's parts in the order of their numerals; the HTML and the workbook both follow it.
SECTIONS = ("summary", "by_unit", "sharing", "hamlets", "offices", "trends", "map")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def numeral(section: str) -> str:
    """The Roman numeral of a part of the report: numeral("sharing") == "III"."""
    return _ROMAN[SECTIONS.index(section)]


@dataclass
class Report:
    period: str
    scope: str  # "province" or a district code
    plan: Plan  # the plan it reports on: its title, its decision, its targets (app/services/plans.py)
    bodies: Bodies  # the issuer and recipients in force on issued_on (app/services/imports/bodies.py)
    closed: snapshots.ClosedPeriod
    issued_on: date
    unit: dict  # the scope's own snapshot unit, with its indicator records
    children: list[dict]  # districts of the province, or communes of the district
    history: dict[str, list[dict]]  # closed period ≤ this one → [scope unit, *children]
    hamlets: list[dict]  # hamlets short of mobile broadband or FTTH
    offices: list[dict]  # commune offices not on the government network
    map_svg: str | None
    extra: dict = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        """The issuing body's name ("" when none is in force on the day: the letterhead is left blank)."""
        return (self.bodies.issuer or {}).get("name") or ""

    @property
    def recipients(self) -> list[str]:
        return [b["name"] for b in self.bodies.recipients]

    @property
    def level(self) -> str:
        return self.unit["level"]

    @property
    def title(self) -> str:
        return f"Báo cáo kết quả thực hiện {self.plan.title}"

    @property
    def basis(self) -> str:
        """The "căn cứ" line: the decision that issued the plan."""
        return self.plan.basis()

    def subtitle(self) -> str:
        where = "" if self.scope == "province" else f" — {self.unit['name']}"
        return f"{period_label(self.period)}{where}"


def _scope_units(session: Session, closed: snapshots.ClosedPeriod, scope: str, plan: Plan) -> list[dict]:
    """[scope unit, *its children] in the snapshot of ``closed`` on the units ``plan`` is judged
    on, with its indicators ([] when the scope is not in it)."""
    period, day = closed.period, snapshots.plan_units_day(session, closed, plan.judged_on)
    if scope == "province":
        head = snapshots.snapshot_units(session, period, "province", units_on=day)
        children = snapshots.snapshot_units(session, period, "district", units_on=day)
    else:
        head = snapshots.snapshot_units(session, period, "district", scope, units_on=day)
        children = [
            u
            for u in snapshots.snapshot_units(session, period, "commune", within=scope, units_on=day)
            if u["parent_code"] == scope
        ]
    inside = indicators_sql.area_codes(session, plan.area_code, day)
    if inside is not None:  # the plan covers its area's units only (a former province of a city)
        head, children = ([u for u in us if u["code"] in inside] for us in (head, children))
    if not head:
        return []
    return judged_by_plan(session, head[:1] + children, parse_period(period), plan.code, day)


def _province(scope: str, plan: Plan, unit: dict) -> str | None:
    """The province a report is on, whose bodies head it: the plan's (a former province of a merged
    city), the scope's own, or the district's."""
    if scope != "province":
        return unit.get("parent_code")
    return plan.area_code or unit["code"]


def build_report(
    session: Session,
    period: str,
    scope: str = "province",
    *,
    district_code: str | None = None,
    issued_on: date | None = None,
    plan: str | None = None,
) -> Report:
    """The report of closed ``period`` for ``scope`` ("province" or a district code) on ``plan``
    (default: the plan in force in the quarter), issued on ``issued_on`` (default today; a report
    re-issued as it was sent names its day): after the quarter, not in the future. Its bodies are
    those of its province in force on that day."""
    parsed = parse_period(period)
    chosen = quarter_plan(session, parsed, plan)
    quarter = str(parsed)
    if issued_on is not None and not parsed.end <= issued_on <= today():
        params = {
            "issued_on": issued_on.isoformat(),
            "first": parsed.end.isoformat(),
            "today": today().isoformat(),
        }
        raise InvalidParameter(reasons=[Problem("report.issued_on", "issued_on", params=params)])
    check_report_scope(scope, district_code)
    closed = snapshots.closed_period(session, quarter)
    if closed is None:
        raise Conflict(f"{quarter} is not closed: close the period first, so that its report never changes")
    units = _scope_units(session, closed, scope, chosen)
    if not units:
        raise NotFound(
            f"no district with code '{scope}' in the snapshot of {quarter} (scope: province or a district)"
        )
    history = {}
    for earlier in snapshots.closed_periods(session):
        if earlier.period <= quarter:
            found = _scope_units(session, earlier, scope, chosen)
            if found:
                history[earlier.period] = found
    code = None if scope == "province" else scope
    units_on = snapshots.plan_units_day(session, closed, chosen.judged_on)
    inside = indicators_sql.area_codes(session, chosen.area_code, units_on)

    def in_area(record: dict) -> bool:
        return inside is None or record["commune_code"] in inside

    hamlets = nearest_sites_within(
        session,
        district_code,
        [
            h
            for h in snapshot_rows(session, "hamlet_snapshots", quarter, code, units_on)
            if (h["mbb_covered"] is not True or h["ftth_covered"] is not True) and in_area(h)
        ],
    )
    offices = [
        o
        for o in snapshot_rows(session, "office_snapshots", quarter, code, units_on)
        if not o["gov_network_connected"] and in_area(o)
    ]
    # The plan's province when it covers one of several (its own map), else the scope's.
    map_scopes = [chosen.area_code, scope] if scope == "province" and chosen.area_code else [scope]
    svg = session.execute(
        text(
            "SELECT svg FROM period_maps WHERE period = :p AND units_on = :d AND scope_code = ANY(:s) "
            "ORDER BY array_position(CAST(:s AS text[]), scope_code) LIMIT 1"
        ),
        {"p": quarter, "d": units_on, "s": map_scopes},
    ).scalar()
    issued_on = issued_on or today()
    return Report(
        period=quarter,
        scope=scope,
        plan=chosen,
        bodies=bodies_on(session.connection(), issued_on, _province(scope, chosen, units[0])),
        closed=closed,
        issued_on=issued_on,
        unit=units[0],
        children=units[1:],
        history=history,
        hamlets=hamlets,
        offices=offices,
        map_svg=svg,
    )


def trend_entries(report: Report) -> list[dict]:
    """Per indicator of the scope unit, its points over the closed periods (for the charts)."""
    entries: dict[str, dict] = {}
    for period, units in sorted(report.history.items()):
        for record in units[0]["indicators"]:
            entry = entries.setdefault(record["id"], {**record, "points": []})
            entry["points"].append(
                {"period": period, "closed": True} | {k: record.get(k) for k in ("value", "status")}
            )
    current = {r["id"]: r for r in report.unit["indicators"]}
    for key, entry in entries.items():  # the target line is the one this period was judged on
        entry["target"], entry["target_year"] = current[key]["target"], current[key].get("target_year")
    return [entries[r["id"]] for r in report.unit["indicators"] if r["id"] in entries]

"""Plans as data (migration 0015): which plan a page or a report is judged against.

A plan is a record — title, the decision that issued it, its issuing body, its period, the day whose
admin units its results are computed on (``judged_on``) and the unit it covers (``area_code``: a
province's plan stays that province's after it merged into a city) — with its own indicators' targets
(``plan_targets``; listed and edited in app/services/reports/targets.py). Nothing names a plan in
code: a caller that gives none gets the plan in force on the day in question (:func:`plan_for`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.services.clock import today
from gis.problems import Problem
from gis.vocabulary import fold_key

_COLUMNS = "code, title, decision, issued_on, issuer, period_from, period_to, judged_on, note, area_code"
# In force on :day first (the one begun latest), else the latest plan.
_DEFAULT = (
    f"SELECT {_COLUMNS} FROM plans ORDER BY (period_from <= :day AND period_to >= :day) DESC, "
    "period_to DESC, period_from DESC, code LIMIT 1"
)


@dataclass(frozen=True)
class Plan:
    code: str
    title: str  # "Kế hoạch phát triển hạ tầng số … giai đoạn 2023 – 2025"
    decision: str | None  # its number and symbol, e.g. "Kế hoạch số 123/KH-UBND"
    issued_on: date | None
    issuer: str | None  # the issuing body's name
    period_from: date
    period_to: date
    judged_on: date | None  # whose admin units its results are computed on; None: the report's day
    note: str | None
    area_code: str | None = None  # the unit it covers (a former province of a merged city); None: all

    def as_dict(self) -> dict:
        return asdict(self)

    def basis(self) -> str:
        """The report's "căn cứ" line, as administrative Vietnamese writes it: "Căn cứ Kế hoạch số
        45/KH-UBND ngày 20/01/2026 của … về phát triển …" (the plan is the document), or "Căn cứ
        Quyết định số … về việc ban hành Kế hoạch …" (a decision issued it)."""
        said = self.decision or "Kế hoạch số ……"
        if self.issued_on is not None:
            said += f" ngày {self.issued_on:%d/%m/%Y}"
        about = f"về việc ban hành {self.title}"
        if fold_key(said).startswith("ke_hoach"):
            subject = self.title.removeprefix("Kế hoạch ").removeprefix("kế hoạch ")
            about = f"về {subject[:1].lower()}{subject[1:]}"
        return f"Căn cứ {said} của {self.issuer or '……'} {about}"


def _unknown(code: str) -> NotFound:
    return NotFound(reasons=[Problem("plans.unknown", "plan", params={"plan": code})])


def plan_for(session: Session, code: str | None = None, day: date | None = None) -> Plan:
    """The plan ``code``, or, when none is named, the plan whose period holds ``day`` (default
    today), else the latest one."""
    if code is not None:
        row = session.execute(text(f"SELECT {_COLUMNS} FROM plans WHERE code = :c"), {"c": code}).first()
        if row is None:
            raise _unknown(code)
        return Plan(*row)
    row = session.execute(text(_DEFAULT), {"day": day or today()}).first()
    if row is None:
        raise NotFound(reasons=[Problem("plans.none")])
    return Plan(*row)


def plan_codes(session: Session) -> list[str]:
    """Every plan's code, the latest period first."""
    return list(
        session.execute(
            text("SELECT code FROM plans ORDER BY period_to DESC, period_from DESC, code")
        ).scalars()
    )


def list_plans(session: Session, day: date | None = None) -> list[dict]:
    """Every plan, latest period first, with its number of indicators and whether it is the
    default on ``day`` (today)."""
    rows = session.execute(
        text(
            f"SELECT {', '.join('p.' + c for c in _COLUMNS.split(', '))}, count(t.indicator_id) AS indicators "
            "FROM plans p LEFT JOIN plan_targets t ON t.plan_code = p.code "
            "GROUP BY p.code ORDER BY p.period_to DESC, p.period_from DESC, p.code"
        )
    ).all()
    default = plan_for(session, day=day).code if rows else None
    return [
        {**Plan(*r[:-1]).as_dict(), "indicators": r.indicators, "default": r.code == default} for r in rows
    ]

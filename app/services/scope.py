"""Who may see what: one Scope per request, derived once from the principal, applied in SQL.

Two rules. A district-limited official sees that district only: asking for an area outside it (the
province, another district, commune or hamlet by code, a point elsewhere) is refused with 403 naming
the district; a record outside it (a feature of any layer, a site, pole or duct, its history) is
answered 404, as if it did not exist. And a site not yet approved (proposed or rejected) or a pending
change is a company's plan: its own company, the Department and officials see it, other operators
and anonymous visitors never do (404 for the record; a pending change is left out). A draft (a
proposal kept by its operator, not yet submitted) is the company's private work: its own company and
the Department's planners (who make drafts for operators from site proposals) see it, officials do
not (it is not a registration yet).

Collections declare how a row lies in a district and whose unapproved site it belongs to
(app/layer_types.py); `Scope.clauses` turns that into SQL for every reader of a collection (items,
single items, tiles, exports, extents); the dashboard services take ``district_code`` and call the
checks below first.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from app.collections import IN_FORCE_ON
from app.errors import Forbidden, not_found
from app.layer_types import ABOLISHED_DISTRICT, DRAFT, IN_DISTRICT_POINT, UNAPPROVED, Collection
from app.services.accounts import Principal
from gis.problems import Problem


@dataclass(frozen=True)
class Scope:
    """What one caller may see: a district (None: the province) and whose unapproved sites."""

    district_code: str | None = None
    company: str | None = None  # an operator sees its own company's unapproved sites …
    every_company: bool = False  # … the Department and officials everyone's
    every_draft: bool = False  # the Department everyone's drafts too (officials none)

    @classmethod
    def of(cls, principal: Principal | None) -> "Scope":
        if principal is None:
            return cls()
        if principal.role == "operator":
            return cls(company=principal.operator)
        return cls(district_code=principal.district_code, every_company=True, every_draft=principal.is_staff)

    def sees_site(self, owner: str, status: str) -> bool:
        """Whether a site of ``owner`` in ``status`` (and its pending change) is shown."""
        if status == DRAFT:
            return self.every_draft or (self.company is not None and self.company == owner)
        return status not in UNAPPROVED or self.sees_plans_of(owner)

    def sees_plans_of(self, owner: str) -> bool:
        """Whether unapproved sites and pending changes of company ``owner`` are shown."""
        return self.every_company or (self.company is not None and self.company == owner)

    def in_district(self, geom: str) -> tuple[str, dict[str, object]]:
        """SQL: a located record of geometry ``geom`` lies in the scope (true for the whole province)."""
        if self.district_code is None:
            return "true", {}
        return IN_DISTRICT_POINT.format(geom=geom), {"scope_district": self.district_code}

    def shown_site(self, site: dict) -> dict:
        """A site as registration.get_site gives it, without another company's pending change."""
        if self.sees_plans_of(site["owner"]):
            return site
        return {**site, **dict.fromkeys(PLAN_FIELDS)}

    def shown_history(self, history: dict, owner: str | None) -> dict:
        """A site's audit trail without another company's pending changes: the fields are left out of
        every entry of the site, and entries that only set or cleared one are dropped."""
        if (
            history["kind"] != "site"
            or self.every_company
            or (owner is not None and self.sees_plans_of(owner))
        ):
            return history
        entries = []
        for entry in history["entries"]:
            if entry["entity"] == "sites":
                before, after = (_without_plans(entry[k]) for k in ("before", "after"))
                changed = [k for k in entry["changed"] if k not in PLAN_FIELDS]
                if entry["action"] == "update" and set(changed) <= {"version"}:
                    continue
                entry = {**entry, "before": before, "after": after, "changed": changed}
            entries.append(entry)
        return {**history, "entries": entries}

    def clauses(self, collection: Collection, a: str) -> tuple[list[str], dict[str, object]]:
        """SQL conditions on the rows (alias ``a``) of ``collection`` this scope may see."""
        clauses: list[str] = []
        params: dict[str, object] = {}
        if self.district_code is not None:
            clauses.append(collection.in_district(a))
            params["scope_district"] = self.district_code
        plans_limited = bool(collection.unapproved_owner_sql) and not self.every_company
        if plans_limited:
            owner = collection.unapproved_owner_sql.format(a=a)
            clauses.append(f"(({owner}) IS NULL OR ({owner}) = :scope_company)")
            params["scope_company"] = self.company
        # A draft is unapproved: where the clause above applies it already keeps other companies'
        # drafts out, and a second, redundant condition would cost the planner its row estimate
        # (it reads a page off the code index only while it knows most rows pass).
        if collection.draft_owner_sql and not self.every_draft and not plans_limited:
            if self.company is None and collection.is_draft_sql:
                # Nobody's drafts (an official): a test on the status the planner has statistics
                # for, where the owner's expression (a subquery for cells) would leave it guessing.
                clauses.append(f"NOT coalesce({collection.is_draft_sql.format(a=a)}, false)")
            else:
                owner = collection.draft_owner_sql.format(a=a)
                clauses.append(f"(({owner}) IS NULL OR ({owner}) = :scope_company)")
                params["scope_company"] = self.company
        return clauses, params


EVERYTHING = Scope(every_company=True, every_draft=True)  # the Department's, and the app's own work
# A site's pending change and who asked for it: its company's plan.
PLAN_FIELDS = ("pending_change", "pending_by")


def _without_plans(record: dict | None) -> dict | None:
    return None if record is None else {k: v for k, v in record.items() if k not in PLAN_FIELDS}


# A unit in force on :on (NULL: today).
_ON = IN_FORCE_ON.replace("{day}", "coalesce(CAST(:on AS date), CURRENT_DATE)")
# Ancestors of a unit in force, itself included (hamlet → commune → district → province).
_LINEAGE = f"""
WITH RECURSIVE up AS (
  SELECT u.id, u.parent_id, u.code, u.level FROM admin_units u
  WHERE u.code = :code AND {_ON.format(a="u")}
  UNION ALL
  SELECT p.id, p.parent_id, p.code, p.level FROM admin_units p JOIN up ON p.id = up.parent_id
)
SELECT code, level FROM up
"""


def lineage(session: Session, code: str, on: date | None = None) -> list[tuple[str, str]]:
    """(code, level) of the unit in force on ``on`` (today) with ``code`` and of its ancestors; []
    when unknown."""
    return [tuple(r) for r in session.execute(text(_LINEAGE), {"code": code, "on": on})]


def outside_district(district_code: str, asked: str | None = None, **point) -> Forbidden:
    """The refusal of a limited official's ask outside their district: a unit (``asked``: its
    code), the province as a whole (no ``asked``), or a point (``lon``, ``lat``)."""
    if point:
        problem = Problem("scope.point_outside_district", params={"district": district_code, **point})
    elif asked is None:
        problem = Problem("scope.province_outside_district", params={"district": district_code})
    else:
        problem = Problem("scope.outside_district", params={"district": district_code, "asked": asked})
    return Forbidden(reasons=[problem])


def check_unit(
    session: Session, code: str, district_code: str | None, on: date | None = None
) -> list[tuple[str, str]]:
    """The lineage of the unit in force on ``on`` (today); NotFound when unknown, Forbidden when
    outside ``district_code``."""
    found = lineage(session, code, on)
    if not found:
        raise not_found("notfound.unit", code=code)
    if district_code is not None and district_code not in {c for c, _ in found}:
        if not _lies_in_former_district(session, code, district_code, on):
            raise outside_district(district_code, code)
    return found


def _lies_in_former_district(session: Session, code: str, district_code: str, on: date | None) -> bool:
    """Whether unit ``code`` in force lies in ``district_code`` abolished by a reform (its units now
    hang from the city): a unit lies where a point of it does, as records do."""
    inside = IN_DISTRICT_POINT.format(geom="u.geom")
    return bool(
        session.execute(
            text(
                f"SELECT {inside} AND {ABOLISHED_DISTRICT} FROM admin_units u "
                f"WHERE u.code = :code AND {_ON.format(a='u')}"
            ),
            {"code": code, "scope_district": district_code, "on": on},
        ).scalar()
    )


def restrict_listing(
    level: str, code: str | None, parent: str | None, district_code: str | None
) -> tuple[str | None, str | None]:
    """(code, within) for listing units of ``level``: the caller's own choice, narrowed to the
    district of a limited official (whose province-wide or other-district asks are refused)."""
    if district_code is None:
        return code, parent
    if level == "province":
        raise outside_district(district_code)
    if parent is not None and parent != district_code:
        raise outside_district(district_code, parent)
    if level == "district" and code not in (None, district_code):
        raise outside_district(district_code, code)
    return code, district_code


def check_report_scope(scope: str, district_code: str | None) -> None:
    """A report's scope is "province" or one district code."""
    if district_code is not None and scope != district_code:
        raise outside_district(district_code, None if scope == "province" else scope)


_TABLES = {"site": "sites", "pole": "poles", "duct": "duct_routes"}


def check_record(session: Session, scope: Scope, kind: str, code: str, in_audit: bool = False) -> str | None:
    """The owner of a site / pole / duct (None when unknown: the caller says so); NotFound — worded as
    for an unknown code, ``where`` included — when it is outside ``scope``: in another district than a
    limited official's, or another company's site not yet approved."""
    if kind not in _TABLES:
        return None
    inside, params = scope.in_district("x.geom")
    status = "x.status" if kind == "site" else "NULL"
    row = session.execute(
        text(
            f"SELECT o.short_name AS owner, {status} AS status, {inside} AS inside FROM {_TABLES[kind]} x "
            "JOIN operators o ON o.id = x.owner_id WHERE x.code = :c"
        ),
        {**params, "c": code},
    ).first()
    if row is None:
        return None
    if not (row.inside and (kind != "site" or scope.sees_site(row.owner, row.status))):
        raise not_found("notfound.audit" if in_audit else "notfound.record", kind=kind, code=code)
    return row.owner


def nearest_sites_within(session: Session, district_code: str | None, hamlets: list[dict]) -> list[dict]:
    """Hamlets whose nearest sites outside a limited official's district keep their operator and
    distance (a fact of the hamlet) but not their code (a record of another district)."""
    if district_code is None:
        return hamlets
    codes = sorted({s["site_code"] for h in hamlets for s in h["nearest_sites"] if s.get("site_code")})
    inside, params = Scope(district_code=district_code).in_district("x.geom")
    kept = set(
        session.execute(
            text(f"SELECT x.code FROM sites x WHERE x.code = ANY(:codes) AND {inside}"),
            {**params, "codes": codes},
        ).scalars()
    )
    return [
        {
            **h,
            "nearest_sites": [
                s | {"site_code": s.get("site_code") if s.get("site_code") in kept else None}
                for s in h["nearest_sites"]
            ],
        }
        for h in hamlets
    ]


def check_point(conn: Connection, scope: Scope, place: dict | None, lon: float, lat: float) -> None:
    """Forbidden when a limited official asks about a point outside their district (a point of no
    district since a reform abolished them: outside the former district's area)."""
    code = scope.district_code
    if code is None or (place is not None and place["district_code"] == code):
        return
    if place is not None:
        inside = IN_DISTRICT_POINT.format(geom="ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)")
        sql = f"SELECT {inside} AND {ABOLISHED_DISTRICT}"
        if conn.execute(text(sql), {"lon": lon, "lat": lat, "scope_district": code}).scalar():
            return
    raise outside_district(code, lon=round(lon, 6), lat=round(lat, 6))

"""An official's scope: the one district (and what lies in it) a caller may see, or everything.

Every service that serves dashboard data takes ``district_code`` (None = the whole province) and
calls these checks first; the routers get it from ``app.deps.official_district`` — the seam where
accounts and roles plug in.
"""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import IN_FORCE
from app.errors import Forbidden, NotFound

# Ancestors of a unit in force, itself included (hamlet → commune → district → province).
_LINEAGE = f"""
WITH RECURSIVE up AS (
  SELECT u.id, u.parent_id, u.code, u.level FROM admin_units u
  WHERE u.code = :code AND {IN_FORCE.format(a="u")}
  UNION ALL
  SELECT p.id, p.parent_id, p.code, p.level FROM admin_units p JOIN up ON p.id = up.parent_id
)
SELECT code, level FROM up
"""


def lineage(session: Session, code: str) -> list[tuple[str, str]]:
    """(code, level) of the unit in force with ``code`` and of its ancestors; [] when unknown."""
    return [tuple(r) for r in session.execute(text(_LINEAGE), {"code": code})]


def _refuse(district_code: str, what: str) -> Forbidden:
    return Forbidden(f"this account sees district {district_code} only; {what} is outside it")


def check_unit(session: Session, code: str, district_code: str | None) -> list[tuple[str, str]]:
    """The unit's lineage; NotFound when unknown, Forbidden when outside ``district_code``."""
    found = lineage(session, code)
    if not found:
        raise NotFound(f"no admin unit in force with code '{code}'")
    if district_code is not None and district_code not in {c for c, _ in found}:
        raise _refuse(district_code, f"unit {code}")
    return found


def restrict_listing(
    level: str, code: str | None, parent: str | None, district_code: str | None
) -> tuple[str | None, str | None]:
    """(code, within) for listing units of ``level``: the caller's own choice, narrowed to the
    district of a limited official (whose province-wide or other-district asks are refused)."""
    if district_code is None:
        return code, parent
    if level == "province":
        raise _refuse(district_code, "the province as a whole")
    if parent is not None and parent != district_code:
        raise _refuse(district_code, f"unit {parent}")
    if level == "district" and code not in (None, district_code):
        raise _refuse(district_code, f"district {code}")
    return code, district_code


def check_report_scope(scope: str, district_code: str | None) -> None:
    """A report's scope is "province" or one district code."""
    if district_code is not None and scope != district_code:
        raise _refuse(district_code, "the province as a whole" if scope == "province" else f"district {scope}")


_TABLES = {"site": "sites", "pole": "poles", "duct": "duct_routes"}


def check_record(session: Session, kind: str, code: str, district_code: str | None) -> None:
    """Forbidden when a site / pole / duct lies outside the district of a limited official."""
    if district_code is None or kind not in _TABLES:
        return
    inside = session.execute(
        text(
            f"SELECT d.code FROM {_TABLES[kind]} x JOIN admin_units d ON d.level = 'district' "
            f"AND {IN_FORCE.format(a='d')} AND ST_Intersects(d.geom, ST_PointOnSurface(x.geom)) WHERE x.code = :c"
        ),
        {"c": code},
    ).scalars().all()
    if inside and district_code not in inside:
        raise _refuse(district_code, f"{kind} {code}")

"""A site proposal kept as a draft registration in one click: a site of state ``draft`` owned by the
operator, at the proposal's place and height, with the typical three 4G sectors the proposal was
computed with (proposals_candidates.CANDIDATE_CELLS). It is the company's private work, not yet a
registration: its operator and the Department's planners (who make drafts for operators) see it;
officials, other operators and anonymous visitors do not (app/services/scope.py, ``every_draft``).
Coverage and indicators count active sites only, so a draft changes neither. Its operator edits it
like a proposal (in place) and submits it (draft → proposed), when the place rules of a new
registration apply.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.schemas_registry import CellIn, SiteIn
from app.services import registration
from app.services.accounts import Principal
from app.services.proposals_candidates import CANDIDATE_CELLS, antenna_height_m
from app.services.proposals_schemas import DraftIn
from app.services.reports.periods import today

__all__ = ["create_draft"]

# A structure the operator would mount on rather than raise (the antennas on its top).
_MOUNTED = {"tall_structure": "rooftop"}


def create_draft(session: Session, principal: Principal, body: DraftIn) -> dict:
    """The stored draft (as registration.get_site gives it)."""
    owner_id, owner = registration.owner_of(session, principal, body.operator)
    site = SiteIn(
        code=body.code or _free_code(session, today()),
        owner=owner,
        position={"lon": body.lon, "lat": body.lat},
        name=body.label or _name(body),
        structure_type=_MOUNTED.get(body.kind, "tower"),
        height_m=body.height_m,
        # The antennas where the proposal placed them: a tall structure's MOUNT_MARGIN_M under its top.
        cells=[
            CellIn(**cell, antenna_height_m=float(antenna_height_m(body.kind, body.height_m)))
            for cell in CANDIDATE_CELLS
        ],
    )
    return registration.register_site(session, principal, site, draft=True)


def _name(body: DraftIn) -> str:
    """'Đề xuất số 2 – Xã Tân Bình' (the operator renames it as it likes)."""
    rank = f" số {body.rank}" if body.rank else ""
    return f"Đề xuất{rank}" + (f" – {body.area}" if body.area else "")


def _free_code(session: Session, day: date) -> str:
    """'DX-<yymmdd>-<n>': the day's next free draft number."""
    prefix = f"DX-{day:%y%m%d}-"
    taken = session.execute(
        text("SELECT count(*) FROM sites WHERE code LIKE :p"), {"p": prefix + "%"}
    ).scalar_one()
    n = taken + 1
    while session.execute(text("SELECT 1 FROM sites WHERE code = :c"), {"c": f"{prefix}{n:03d}"}).first():
        n += 1
    return f"{prefix}{n:03d}"

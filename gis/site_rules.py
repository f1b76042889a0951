"""Plausibility rules for BTS sites and cells, and the registration lifecycle. Pure: no database.

Each check returns :class:`gis.problems.Problem` s (a code, the field, the values of its sentence)
so a form or an import names the field and says it in the reader's language.
The rules between fields are here (a band of the technology, an antenna ≤ its structure + 10 m: a
mast on a rooftop); the range of each number is in one place, gis/importers/ranges.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from gis.problems import Problem

TECHNOLOGIES = ("2G", "3G", "4G", "5G")
STRUCTURE_TYPES = ("tower", "guyed_mast", "rooftop", "camouflaged", "small_cell", "monopole")

# Bands each technology may use in Vietnam's licences (a plausibility check, not a licence register).
VALID_BANDS = {
    "2G": frozenset({900, 1800}),
    "3G": frozenset({900, 2100}),
    "4G": frozenset({700, 850, 900, 1800, 2100, 2300, 2600}),
    "5G": frozenset({700, 2600, 3500, 3700}),
}

ANTENNA_ABOVE_STRUCTURE_MAX_M = 10.0

# The lifecycle: state -> {next state: who may make the move}. "owner" is the site's operator.
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "draft": {"proposed": ("owner", "staff")},  # a stored draft (a site proposal) submitted
    "proposed": {"approved": ("staff",), "rejected": ("staff",), "decommissioned": ("owner", "staff")},
    "rejected": {"proposed": ("owner", "staff")},  # resubmitted after an edit
    "approved": {"active": ("owner", "staff"), "decommissioned": ("owner", "staff")},
    "active": {"decommissioned": ("owner", "staff")},
    "decommissioned": {},
}
REASON_REQUIRED = frozenset({"rejected", "decommissioned"})


def cell_problems(cell: Mapping, site_height_m: float | None, where: str = "") -> list[Problem]:
    """Problems of one cell: technology, band for the technology, antenna against its structure, a
    power given, an azimuth for a sector. Its numbers' ranges are gis/importers/ranges.py's."""
    p: list[Problem] = []
    tech, band = cell.get("technology"), cell.get("band_mhz")
    if tech not in VALID_BANDS:
        p.append(
            Problem(
                "technology.invalid", f"{where}technology", params={"value": tech, "allowed": TECHNOLOGIES}
            )
        )
    elif band not in VALID_BANDS[tech]:
        valid = sorted(VALID_BANDS[tech])
        p.append(
            Problem(
                "band.invalid", f"{where}band_mhz", params={"band": band, "technology": tech, "valid": valid}
            )
        )
    height = cell.get("antenna_height_m")
    if height is None:
        p.append(Problem("field.required", f"{where}antenna_height_m"))
    elif site_height_m is not None and height > site_height_m + ANTENNA_ABOVE_STRUCTURE_MAX_M:
        p.append(
            Problem(
                "height.antenna_above_structure",
                f"{where}antenna_height_m",
                params={
                    "height": height,
                    "structure": site_height_m,
                    "margin": ANTENNA_ABOVE_STRUCTURE_MAX_M,
                },
            )
        )
    if power_problem(cell):
        p.append(Problem("power.incomplete", f"{where}eirp_dbm"))
    if cell.get("azimuth_deg") is None and cell.get("beamwidth_deg") not in (None, 360, 360.0):
        p.append(Problem("azimuth.required", f"{where}azimuth_deg"))
    return p


def power_problem(cell: Mapping) -> str | None:
    """A cell states its power: an EIRP, or a transmit power and an antenna gain. The code of the
    problem when it does not (an import raises it as its row's problem), None when it does."""
    if cell.get("eirp_dbm") is None and (
        cell.get("tx_power_dbm") is None or cell.get("antenna_gain_dbi") is None
    ):
        return "power.incomplete"
    return None


def site_problems(site: Mapping) -> list[Problem]:
    p: list[Problem] = []
    if site.get("structure_type") not in STRUCTURE_TYPES:
        p.append(
            Problem(
                "structure_type.invalid",
                "structure_type",
                params={"value": site.get("structure_type"), "allowed": STRUCTURE_TYPES},
            )
        )
    if site.get("rent_vnd_month") is not None and not site.get("accepts_tenants"):
        p.append(Problem("rent.not_shareable", "rent_vnd_month"))
    return p


def transition_problem(
    current: str, target: str, role: str, is_owner: bool, reason: str | None
) -> tuple[str, Problem] | None:
    """Why ``role`` may not move a site from ``current`` to ``target``, as (kind, problem) with kind
    'state' (no such move), 'role' (not this user's move) or 'reason' (a reason is missing); None if it may."""
    moves = TRANSITIONS.get(current, {})
    states = {"current": current, "target": target}
    if not moves:
        return "state", Problem("transition.final", params=states)
    if target not in moves:
        return "state", Problem("transition.not_allowed", params={**states, "allowed": list(moves)})
    who = moves[target]
    staff = role in ("admin", "planner")
    if not (("staff" in who and staff) or ("owner" in who and is_owner)):
        if "owner" in who:
            return "role", Problem("transition.owner_or_staff", params=states)
        return "role", Problem("transition.staff_only", params=states)
    if target in REASON_REQUIRED and not (reason or "").strip():
        return "reason", Problem("reason.required", "reason", params=states)
    return None

"""Plausibility rules for BTS sites and cells, and the registration lifecycle. Pure: no database.

Each check returns problems as (field, message) pairs so a form or an import can name the field.
The rules between fields are here (a band of the technology, an antenna ≤ its structure + 10 m: a
mast on a rooftop); the range of each number is in one place, gis/importers/ranges.py.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    "proposed": {"approved": ("staff",), "rejected": ("staff",), "decommissioned": ("owner", "staff")},
    "rejected": {"proposed": ("owner", "staff")},  # resubmitted after an edit
    "approved": {"active": ("owner", "staff"), "decommissioned": ("owner", "staff")},
    "active": {"decommissioned": ("owner", "staff")},
    "decommissioned": {},
}
REASON_REQUIRED = frozenset({"rejected", "decommissioned"})


def cell_problems(cell: Mapping, site_height_m: float | None, where: str = "") -> list[tuple[str, str]]:
    """Problems of one cell: technology, band for the technology, antenna against its structure, a
    power given, an azimuth for a sector. Its numbers' ranges are gis/importers/ranges.py's."""
    p: list[tuple[str, str]] = []
    tech, band = cell.get("technology"), cell.get("band_mhz")
    if tech not in VALID_BANDS:
        p.append((f"{where}technology", f"'{tech}' is not one of {', '.join(TECHNOLOGIES)}"))
    elif band not in VALID_BANDS[tech]:
        valid = ", ".join(str(b) for b in sorted(VALID_BANDS[tech]))
        p.append((f"{where}band_mhz", f"{band} MHz is not a {tech} band (valid: {valid})"))
    height = cell.get("antenna_height_m")
    if height is None:
        p.append((f"{where}antenna_height_m", "is required"))
    elif site_height_m is not None and height > site_height_m + ANTENNA_ABOVE_STRUCTURE_MAX_M:
        p.append(
            (
                f"{where}antenna_height_m",
                f"{height:g} m is above its {site_height_m:g} m structure "
                f"by more than {ANTENNA_ABOVE_STRUCTURE_MAX_M:g} m",
            )
        )
    if missing := power_problem(cell):
        p.append((f"{where}eirp_dbm", missing))
    if cell.get("azimuth_deg") is None and cell.get("beamwidth_deg") not in (None, 360, 360.0):
        p.append((f"{where}azimuth_deg", "a sector antenna (beamwidth < 360°) needs an azimuth"))
    return p


def power_problem(cell: Mapping) -> str | None:
    """A cell states its power: an EIRP, or a transmit power and an antenna gain (None when it does)."""
    if cell.get("eirp_dbm") is None and (
        cell.get("tx_power_dbm") is None or cell.get("antenna_gain_dbi") is None
    ):
        return "give eirp_dbm, or both tx_power_dbm and antenna_gain_dbi"
    return None


def site_problems(site: Mapping) -> list[tuple[str, str]]:
    p: list[tuple[str, str]] = []
    if site.get("structure_type") not in STRUCTURE_TYPES:
        p.append(
            ("structure_type", f"'{site.get('structure_type')}' is not one of {', '.join(STRUCTURE_TYPES)}")
        )
    if site.get("rent_vnd_month") is not None and not site.get("accepts_tenants"):
        p.append(("rent_vnd_month", "a rent is only stated for a site that accepts tenants"))
    return p


def transition_problem(
    current: str, target: str, role: str, is_owner: bool, reason: str | None
) -> tuple[str, str] | None:
    """Why ``role`` may not move a site from ``current`` to ``target``, as (kind, message) with kind
    'state' (no such move), 'role' (not this user's move) or 'reason' (a reason is missing); None if it may."""
    moves = TRANSITIONS.get(current, {})
    if target not in moves:
        allowed = ", ".join(moves) or "none (final state)"
        return "state", f"a {current} site cannot become {target} (next states: {allowed})"
    who = moves[target]
    staff = role in ("admin", "planner")
    if not (("staff" in who and staff) or ("owner" in who and is_owner)):
        names = " or ".join("the Department" if w == "staff" else "the owner" for w in who)
        return "role", f"only {names} may make a {current} site {target}"
    if target in REASON_REQUIRED and not (reason or "").strip():
        return "reason", f"a reason is required to make a site {target}"
    return None

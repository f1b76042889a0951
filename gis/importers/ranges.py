"""The allowed range of every numeric attribute an import writes, per target layer — in one place.

Checked on ``feature.properties`` (after column mapping) before any row is built or written, so
that a height of 1e308, an azimuth of 720 or a band of 0 is named per row and field as a
:class:`~gis.problems.Problem` (``value.out_of_range`` or ``value.not_a_number``), never as a
database constraint. The same ranges check a registration through the form or the API
(``check_values``, app/services/registration.py and assets.py): one range per field. Where the
database has a CHECK constraint on the same column, its bounds are these
(``tests/app/test_import_strict.py`` compares them); the other bounds (``max`` of a count, a speed,
a power) are plausibility or sanity limits the database does not repeat.

Example
-------
>>> from gis.importers.table import ImportedFeature, ImportedTable
>>> t = ImportedTable("tram.csv", "CSV", "row", [ImportedFeature(2, None, {"azimuth_deg": "720"})], "")
>>> [(p.code, p.row, p.field, p.params["max"]) for p in check(t, "sites")]
[('value.out_of_range', 2, 'azimuth_deg', 360)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from gis.problems import Problem

__all__ = ["Range", "RANGES", "check", "check_values", "parse_number"]


@dataclass(frozen=True)
class Range:
    """``min`` ≤ value ≤ ``max`` (strict where ``min_open`` / ``max_open``); ``max_field`` names
    another attribute of the same row that caps the value (ports used ≤ ports total)."""

    min: float
    max: float
    unit: str = ""
    min_open: bool = False
    max_open: bool = False
    max_field: str | None = None

    def holds(self, value: float, cap: float | None = None) -> bool:
        top = self.max if cap is None else min(self.max, cap)
        above = value > self.min if self.min_open else value >= self.min
        below = value < top if self.max_open else value <= top
        return above and below


_HEIGHT_SITE = Range(0, 200, "m", min_open=True)  # sites_height, cells_height
_TILT = Range(-20, 30, "°")  # cells_tilt_mech, cells_tilt_elec
_COUNT = 1_000_000  # sanity cap of counts the database leaves open
_CELL = {
    "band_mhz": Range(400, 6000, "MHz"),  # cells_band
    "azimuth_deg": Range(0, 360, "°", max_open=True),  # cells_azimuth
    "beamwidth_deg": Range(0, 360, "°", min_open=True),  # cells_beamwidth
    "antenna_height_m": _HEIGHT_SITE,
    "tilt_mech_deg": _TILT,
    "tilt_elec_deg": _TILT,
    # Those of real macro and small cells (plausibility, not a licence register; no CHECK constraint).
    "tx_power_dbm": Range(0, 50, "dBm"),
    "antenna_gain_dbi": Range(0, 25, "dBi"),
    "eirp_dbm": Range(0, 75, "dBm"),
}
_SPEED = Range(0, 100_000, "Mbps")

RANGES: dict[str, dict[str, Range]] = {
    "sites": {"height_m": _HEIGHT_SITE, "rent_vnd_month": Range(0, 1e9, "VND"), **_CELL},  # sites_rent
    "poles": {"height_m": Range(0, 40, "m", min_open=True)},  # poles_height
    "ducts": {
        "duct_count": Range(1, _COUNT),  # duct_routes_duct_count
        "subduct_count": Range(0, _COUNT),  # duct_routes_subduct_count
    },
    "fibre_access_points": {
        "ports_total": Range(0, _COUNT, min_open=True),  # fap_ports_total
        "ports_used": Range(0, _COUNT, max_field="ports_total"),  # fap_ports_used
        "service_radius_m": Range(0, 5000, "m", min_open=True),  # fap_radius
    },
    "commune_offices": {"bandwidth_mbps": Range(0, 1_000_000, "Mbps", min_open=True)},
    "speed_tests": {
        "download_mbps": _SPEED,  # speed_tests_speeds
        "upload_mbps": _SPEED,
        "latency_ms": Range(0, 600_000, "ms"),  # speed_tests_latency
        # NR SS-RSRP reporting range (3GPP TS 38.133), which holds LTE RSRP's (TS 36.133)
        "rsrp_dbm": Range(-156, -31, "dBm"),  # speed_tests_rsrp
    },
    "tall_structures": {"height_m": Range(0, 300, "m", min_open=True)},  # tall_structures_height
    "admin_units": {
        "population": Range(0, 200_000_000),  # admin_units_population
        "households": Range(0, 100_000_000),  # admin_units_households
    },
}
RANGES["cells"] = dict(_CELL)
# Targets that name the level of their admin units share the admin units' ranges.
RANGES.update({level: RANGES["admin_units"] for level in ("districts", "communes", "hamlets")})


def parse_number(value) -> float | None:
    """A cell as a number ("1,5" with a Vietnamese decimal comma too); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(" ", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def check(table, target: str) -> list[Problem]:
    """Every value of ``table`` (an ImportedTable) outside its range, or not a finite number."""
    return [
        problem.at(row=f.number, source=table.name, label=table.label)
        for f in table.features
        for problem in check_values(f.properties, target)
    ]


def check_values(values: Mapping, target: str) -> list[Problem]:
    """Every value of one record of ``target`` (a file's row, a form's or an API body's fields)
    outside its range, or not a finite number; a value not given is not checked.

    >>> [(p.field, p.params["allowed"]) for p in check_values({"height_m": 55}, "poles")]
    [('height_m', '0 < x ≤ 40 m')]
    """
    problems = []
    for name, allowed in RANGES.get(target, {}).items():
        problem = _check_value(values, name, allowed)
        if problem is not None:
            problems.append(problem)
    return problems


def _check_value(props: dict, name: str, allowed: Range) -> Problem | None:
    raw = props.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = parse_number(raw)
    if value is None or not math.isfinite(value):
        return Problem("value.not_a_number", name, params={"value": str(raw)[:40]})
    cap = parse_number(props.get(allowed.max_field)) if allowed.max_field else None
    cap = cap if cap is not None and math.isfinite(cap) else None
    if allowed.holds(value, cap):
        return None
    top = allowed.max if cap is None else min(allowed.max, cap)
    params = {"value": value, "min": allowed.min, "max": top, "unit": allowed.unit}
    return Problem("value.out_of_range", name, params={**params, "allowed": _interval(allowed, top)})


def _interval(allowed: Range, top: float) -> str:
    """The bounds as the sentences show them, in any language: "0 < x ≤ 200 m"."""
    low, high = ("<" if allowed.min_open else "≤"), ("<" if allowed.max_open else "≤")
    unit = allowed.unit if allowed.unit in ("", "°") else f" {allowed.unit}"
    return f"{_plain(allowed.min)} {low} x {high} {_plain(top)}{unit}"


def _plain(number: float) -> str:
    return f"{int(number)}" if float(number).is_integer() else f"{number:g}"

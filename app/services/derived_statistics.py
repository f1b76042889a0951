"""Reported statistics of units that a reform replaced, carried back from the units that replaced
them: a plan judged on the former communes and districts (``plans.judged_on``) keeps its reported
indicators when the figures of a quarter after the reform are entered per new commune.

An old commune without a figure of its own gets its part of its successors' figures by the
lineage's shares (``gis.lineage_shares``: counts only — percentages are not split, see there); an
old district or province without one gets the sum of its units below, when one of them was carried
back and all have a figure. A figure entered for the old unit itself always wins. Each carried
figure says so (``derived``) and where it came from, in the indicator's ``detail``.
"""

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.layer_types import IN_FORCE_ON
from app.services.reports.indicators_sql import Scope
from gis.lineage_shares import Link, distribute, sum_up
from gis.reported import METRICS

COUNTS = tuple(m.key for m in METRICS.values() if m.kind == "count")

_ON = IN_FORCE_ON.replace("{day}", "CAST(:units_on AS date)")
_UNITS = (
    "SELECT u.id, u.code, u.level, u.parent_id FROM admin_units u "
    f"WHERE u.level IN ('province', 'district', 'commune') AND {_ON.format(a='u')}"
)
_LINKS = (
    "SELECT l.old_unit_id, l.new_unit_id, n.code AS new_code, l.area_share, l.population_share, "
    "o.population AS old_population, o.area_km2 AS old_area_km2 FROM admin_lineage l "
    "JOIN admin_units o ON o.id = l.old_unit_id JOIN admin_units n ON n.id = l.new_unit_id "
    f"WHERE o.level = 'commune' AND {_ON.format(a='o')}"
)
_STATS = (
    "SELECT admin_unit_id, metric, value FROM statistics "
    "WHERE period = :period AND admin_unit_id = ANY(:ids) AND metric = ANY(:metrics)"
)


def _float(value) -> float | None:
    return None if value is None else float(value)


def through_lineage(
    session: Session, scope: Scope, period: str, stats: dict[int, dict[str, Decimal | float]]
) -> dict[int, dict[str, dict]]:
    """Fill ``stats`` (unit id → metric → value, the scope's stored figures of ``period``) with the
    counts carried back to the units in force on the scope's units day that a reform replaced;
    returns unit id → metric → how it was derived (``{"derived": "lineage"|"sum", "from": codes}``)."""
    params = {"units_on": scope.units_day, "period": period, "metrics": list(COUNTS)}
    rows = session.execute(text(_LINKS), params).all()
    if not rows:
        return {}  # no unit of that day was replaced: nothing to carry back
    units = session.execute(text(_UNITS), params).all()
    code = {u.id: u.code for u in units} | {r.new_unit_id: r.new_code for r in rows}
    stored: dict[int, dict[str, Decimal]] = defaultdict(dict)
    ids = list({u.id for u in units} | {r.new_unit_id for r in rows})
    for unit_id, metric, value in session.execute(text(_STATS), {**params, "ids": ids}):
        stored[unit_id][metric] = value
    links = [
        Link(
            r.old_unit_id,
            r.new_unit_id,
            float(r.area_share),
            _float(r.population_share),
            _float(r.old_population),
            _float(r.old_area_km2),
        )
        for r in rows
    ]
    children: dict[str, dict[int, list[int]]] = {"district": defaultdict(list), "province": defaultdict(list)}
    level = {u.id: u.level for u in units}
    for u in units:
        parent_level = level.get(u.parent_id)
        if parent_level in children:
            children[parent_level][u.parent_id].append(u.id)
    how: dict[int, dict[str, dict]] = defaultdict(dict)
    for metric in COUNTS:
        news = {r.new_unit_id: stored[r.new_unit_id][metric] for r in rows if metric in stored[r.new_unit_id]}
        if not news:
            continue
        known = {i: float(v[metric]) for i, v in stored.items() if metric in v and i in level}
        carried = {o: d for o, d in distribute(news, links).items() if o not in known}
        for old, d in carried.items():
            known[old] = d.value
            how[old][metric] = {"derived": "lineage", "from": sorted(code[n] for n in d.sources)}
        for parent_level in ("district", "province"):  # bottom-up: a province sums its districts
            kids = {
                p: ks
                for p, ks in children[parent_level].items()
                if p not in known and any(metric in how.get(k, {}) for k in ks)
            }
            for parent, value in sum_up(kids, known).items():
                known[parent] = value
                how[parent][metric] = {"derived": "sum", "from": sorted(code[k] for k in kids[parent])}
        for unit_id, metrics in how.items():
            if metric in metrics:
                stats.setdefault(unit_id, {})[metric] = known[unit_id]
    return dict(how)

"""Crowd-sourced speed tests and the reported statistics per district and quarter.

Speed tests sit near what serves them: 4G/5G tests near a site of the operator carrying that
technology, fixed tests near an active fibre access point of the provider. Statistics are
shares of each district's population/households that grow a little every quarter; province
counts are the sums of the districts, province percentages population-weighted means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from gis.synthetic.admin import Admin
from gis.synthetic.draw import pick
from gis.synthetic.infrastructure import AccessPoint
from gis.synthetic.radio import Site
from gis.synthetic.world import World

__all__ = ["SpeedTest", "build_speed_tests", "build_statistics", "PERIODS", "METRICS"]

PERIODS = ("2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3")
METRICS = (
    "mobile_subscriptions",
    "mobile_bb_subscriptions",
    "smartphone_subscriptions",
    "internet_users",
    "fixed_bb_subscriptions",
    "households_fibre",
    "households_internet",
    "adults",
    "adults_smartphone",
    "iot_ready_infrastructure_pct",
    "iot_industrial_zones_pct",
    "cloud_provincial_systems_pct",
    "cloud_enterprises_domestic_pct",
    "digital_platforms_state_pct",
    "digital_platforms_enterprises_pct",
)
_ICT = timezone(timedelta(hours=7))
_START = datetime(2024, 10, 1, tzinfo=_ICT)
_DAYS = (datetime(2025, 10, 1, tzinfo=_ICT) - _START).days
# metric: (base it is a share of, share range in 2024-Q4, gain per quarter)
_SHARES = {
    "mobile_subscriptions": ("population", 1.12, 1.28, 0.006),
    "mobile_bb_subscriptions": ("population", 0.62, 0.80, 0.012),
    "internet_users": ("population", 0.66, 0.78, 0.01),
    "fixed_bb_subscriptions": ("population", 0.18, 0.23, 0.005),
    "adults": ("population", 0.72, 0.76, 0.0),
    "households_fibre": ("households", 0.62, 0.76, 0.012),
    "households_internet": ("households", 0.82, 0.9, 0.008),
}


@dataclass
class SpeedTest:
    code: str
    xy: np.ndarray
    measured_at: str
    operator: str
    technology: str
    download_mbps: float
    upload_mbps: float
    latency_ms: float


def build_speed_tests(
    world: World,
    sites: list[Site],
    aps: list[AccessPoint],
    rng: np.random.Generator,
    count: int = 6_000,
) -> list[SpeedTest]:
    """About ``count`` tests (scaled to the province) from 2024-10 to 2025-09, codes in time order."""
    count = world.count(count)
    tests = []
    servers = {
        tech: [
            (s, op)
            for s in sites
            if s.status == "active"
            for op in s.tenants
            if any(c.operator == op and c.technology == tech for c in s.cells)
        ]
        for tech in ("4G", "5G")
    }
    fibre = [a for a in aps if a.status == "active"]
    attempts = 0
    while len(tests) < count and attempts < 3 * count:
        attempts += 1
        tech = pick(rng, (("4G", 0.58), ("5G", 0.07), ("fixed", 0.35)))
        when = _START + timedelta(
            days=int(rng.integers(0, _DAYS)), seconds=int(_hour(rng) * 3600 + rng.integers(0, 3600))
        )
        quarter = (when.year - 2024) * 4 + (when.month - 1) // 3 - 3  # 0 for 2024-Q4
        if tech == "fixed":
            ap = fibre[int(rng.integers(0, len(fibre)))]
            xy = ap.xy + rng.normal(0.0, ap.service_radius_m / 2.5, size=2)
            operator, down = ap.operator, rng.lognormal(np.log(95.0), 0.35) * (1 + 0.03 * quarter)
            up = down * rng.uniform(0.75, 1.0)
            latency = rng.uniform(4.0, 20.0)
        else:
            pool = servers[tech]
            weights = np.array([3.0 if s.setting == "town" else 1.5 for s, _ in pool])
            site, operator = pool[int(rng.choice(len(pool), p=weights / weights.sum()))]
            reach = 800.0 if tech == "4G" else 250.0
            distance = min(rng.exponential(reach), 4 * reach)
            angle = rng.uniform(0, 2 * np.pi)
            xy = site.xy + distance * np.array([np.cos(angle), np.sin(angle)])
            if tech == "4G":
                down = rng.lognormal(np.log(50.0), 0.5) * np.exp(-distance / 5_000.0)
                down *= 1 + 0.025 * quarter
                up = down * rng.uniform(0.2, 0.45) + rng.uniform(1.0, 4.0)
                latency = 22.0 + rng.gamma(2.0, 9.0)
            else:
                down = rng.lognormal(np.log(230.0), 0.45)
                up = rng.uniform(40.0, 120.0)
                latency = rng.uniform(10.0, 28.0)
        if not world.inside(xy)[0]:
            continue
        tests.append((when, xy, operator, tech, down, up, latency))
    tests.sort(key=lambda t: (t[0], t[1][0], t[1][1]))
    return [
        SpeedTest(
            f"{world.prefix}-T{i + 1:06d}",
            xy,
            when.isoformat(),
            op,
            tech,
            round(float(d), 2),
            round(float(u), 2),
            round(float(lat), 1),
        )
        for i, (when, xy, op, tech, d, u, lat) in enumerate(tests)
    ]


def _hour(rng: np.random.Generator) -> int:
    """Hour of day, weighted towards evenings like app-based tests."""
    weights = np.array(
        [1, 1, 1, 1, 1, 2, 4, 6, 6, 6, 6, 7, 8, 6, 5, 5, 6, 7, 9, 11, 11, 9, 6, 3], dtype=float
    )
    return int(rng.choice(24, p=weights / weights.sum()))


def build_statistics(admin: Admin, rng: np.random.Generator) -> list[tuple[str, str, str, object]]:
    """Rows (admin_code, period, metric, value) for the province and every district."""
    per_district: dict[str, dict[tuple[str, str], float]] = {}
    for d in admin.districts:
        base = {"population": d.population, "households": d.households}
        values: dict[tuple[str, str], float] = {}
        level = {m: rng.uniform(lo, hi) for m, (_, lo, hi, _) in _SHARES.items()}
        smart = rng.uniform(0.76, 0.84)
        adult_smart = rng.uniform(0.8, 0.88)
        pct = {
            "iot_ready_infrastructure_pct": rng.uniform(35, 55),
            "iot_industrial_zones_pct": rng.uniform(40, 70),
            "cloud_provincial_systems_pct": rng.uniform(70, 90),
            "cloud_enterprises_domestic_pct": rng.uniform(30, 50),
            "digital_platforms_state_pct": rng.uniform(75, 92),
            "digital_platforms_enterprises_pct": rng.uniform(35, 55),
        }
        for q, period in enumerate(PERIODS):
            v = {m: base[b] * (level[m] + gain * q) for m, (b, _, _, gain) in _SHARES.items()}
            v["smartphone_subscriptions"] = v["mobile_subscriptions"] * (smart + 0.01 * q)
            v["adults_smartphone"] = v["adults"] * (adult_smart + 0.01 * q)
            v["households_internet"] = max(v["households_internet"], v["households_fibre"])
            for m in METRICS:
                if m.endswith("_pct"):
                    values[(period, m)] = round(min(100.0, pct[m] + 2.5 * q), 1)
                else:
                    values[(period, m)] = int(round(v[m]))
        per_district[d.code] = values

    rows = []
    total_pop = sum(d.population for d in admin.districts)
    for period in PERIODS:
        for m in METRICS:
            if m.endswith("_pct"):
                value = round(
                    sum(per_district[d.code][(period, m)] * d.population for d in admin.districts)
                    / total_pop,
                    1,
                )
            else:
                value = sum(per_district[d.code][(period, m)] for d in admin.districts)
            rows.append((admin.province.code, period, m, value))
    for d in admin.districts:
        for period in PERIODS:
            rows.extend((d.code, period, m, per_district[d.code][(period, m)]) for m in METRICS)
    return rows

"""Totals measured on a generated sample, and the data/hamlets/README.md built from them."""

from __future__ import annotations

from collections import Counter

import numpy as np
import shapely

from gis.synthetic.facts import DISTRICTS, GAP_HIGH_BAND_KM, GAPS, REFORM, ROADS
from gis.synthetic.radio import FEEDER_LOSS_DB

__all__ = ["summarise", "readme_text", "MOBILE_PROXY_KM", "FTTH_RADIUS_M"]

MOBILE_PROXY_KM = 5.0  # ~ Hata reach of a rural 1800 MHz macro cell
FTTH_RADIUS_M = 500.0


def summarise(sample) -> dict:
    """Counts, shares and per-district figures measured on the generated objects."""
    a = sample.admin
    active = [s for s in sample.sites if s.status == "active"]
    cells = [c for s in sample.sites for c in s.cells]
    broadband = np.array([s.xy for s in active if any(c.technology in ("4G", "5G") for c in s.cells)])
    ham_xy = np.array([h.centre for h in a.hamlets])
    nearest = np.min(np.hypot(*(ham_xy[:, None] - broadband[None]).transpose(2, 0, 1)), axis=1)
    fibre = np.array([f.xy for f in sample.access_points if f.status == "active"])
    reach = shapely.union_all(shapely.buffer(shapely.points(fibre), FTTH_RADIUS_M))
    metric = np.array([h.metric for h in a.hamlets], dtype=object)
    share = shapely.area(shapely.intersection(metric, reach)) / shapely.area(metric)
    duct_len = np.array([d.line.length for d in sample.ducts])
    duct_shared = np.array([len(d.occupants) >= 2 for d in sample.ducts])
    by_tech: dict[str, list[float]] = {}
    for t in sample.speed_tests:
        by_tech.setdefault(t.technology, []).append(t.download_mbps)
    return {
        "seed": sample.seed,
        "districts": [
            {
                "code": d.code,
                "name": d.name,
                "area_km2": round(d.metric.area / 1e6, 1),
                "target_km2": f.area_km2,
                "population": d.population,
                "households": d.households,
                "communes": sum(c.parent_code == d.code for c in a.communes),
                "hamlets": sum(h.parent_code[:3] == d.code for h in a.hamlets),
            }
            for d, f in zip(a.districts, DISTRICTS, strict=True)
        ],
        "area_km2": round(a.province.metric.area / 1e6, 1),
        "population": a.province.population,
        "households": a.province.households,
        "communes": dict(sorted(Counter(c.kind for c in a.communes).items())),
        "hamlets": dict(sorted(Counter(h.kind for h in a.hamlets).items())),
        "hamlet_count": len(a.hamlets),
        "commune_count": len(a.communes),
        "sites": len(sample.sites),
        "site_status": dict(sorted(Counter(s.status for s in sample.sites).items())),
        "sites_shared_pct": _pct(sum(len(s.tenants) >= 2 for s in active), len(active)),
        "sites_2g_only": sum(1 for s in active if {c.technology for c in s.cells} == {"2G"}),
        "cells": len(cells),
        "cells_by_technology": dict(sorted(Counter(c.technology for c in cells).items())),
        "hamlets_far_from_4g": int((nearest > MOBILE_PROXY_KM * 1000).sum()),
        "poles": len(sample.poles),
        "poles_shared_pct": _pct(sum(len(p.attachments) >= 2 for p in sample.poles), len(sample.poles)),
        "ducts": len(sample.ducts),
        "duct_km": round(float(duct_len.sum()) / 1000, 1),
        "ducts_shared_pct": _pct(int(duct_shared.sum()), len(sample.ducts)),
        "ducts_shared_length_pct": round(100 * float(duct_len[duct_shared].sum() / duct_len.sum()), 1),
        "manholes": len(sample.manholes),
        "access_points": len(sample.access_points),
        "access_points_active": len(fibre),
        "ftth_hamlets_pct": _pct(int((share >= 0.8).sum()), len(a.hamlets)),
        "offices": len(sample.offices),
        "offices_connected_pct": _pct(
            sum(o.gov_network_connected for o in sample.offices), len(sample.offices)
        ),
        "speed_tests": len(sample.speed_tests),
        "speed_by_technology": {k: (len(v), round(float(np.mean(v)), 1)) for k, v in sorted(by_tech.items())},
        "statistics_rows": len(sample.statistics),
        "reform": [
            {
                "code": c.code,
                "name": c.name,
                "kind": c.kind,
                "old": [u.name for u in sorted(c.predecessors, key=lambda u: u.code)],
                "districts": sorted({u.parent_code for u in c.predecessors}),
                "area_km2": round(c.area_km2, 1),
                "population": c.population,
            }
            for c in sample.reform
        ],
    }


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def readme_text(s: dict) -> str:
    """The README of data/hamlets/, with the measured totals filled in."""
    districts = "\n".join(
        f"| {d['code']} | {d['name']} | {d['area_km2']} | {d['target_km2']} | "
        f"{d['population']:,} | {d['households']:,} | {d['communes']} | {d['hamlets']} |"
        for d in s["districts"]
    )
    gaps = "\n".join(f"| {g.name} | {g.lat:.3f} | {g.lon:.3f} | {g.radius_km:g} |" for g in GAPS)
    kinds = ", ".join(f"{n} {k}" for k, n in s["communes"].items())
    ham_kinds = ", ".join(f"{n} {k}" for k, n in s["hamlets"].items())
    status = ", ".join(f"{n} {k}" for k, n in s["site_status"].items())
    techs = ", ".join(f"{n} {k}" for k, n in s["cells_by_technology"].items())
    speeds = ", ".join(f"{k}: {n} tests, mean {m} Mb/s" for k, (n, m) in s["speed_by_technology"].items())
    return _TEMPLATE.format(
        **s,
        districts_table=districts,
        gaps_table=gaps,
        kinds=kinds,
        ham_kinds=ham_kinds,
        status=status,
        techs=techs,
        speeds=speeds,
        loss=FEEDER_LOSS_DB,
        high_band_km=f"{GAP_HIGH_BAND_KM:g}",
        proxy_km=f"{MOBILE_PROXY_KM:g}",
        roads=", ".join(r.name for r in ROADS),
        population_fmt=f"{s['population']:,}",
        households_fmt=f"{s['households']:,}",
    ) + _reform_text(s)


def _reform_text(s: dict) -> str:
    """The README's section on reform/: the act, the counts and every new commune."""
    new = s["reform"]
    merged = Counter(len(c["old"]) for c in new)
    table = "\n".join(
        f"| {c['code']} | {c['name']} | {', '.join(c['old'])} | {', '.join(c['districts'])} | "
        f"{c['area_km2']} | {c['population']:,} |"
        for c in new
    )
    return _REFORM_TEMPLATE.format(
        act=REFORM.act,
        effective=REFORM.effective,
        city_code=REFORM.city_code,
        city_name=REFORM.city_name,
        old_count=s["commune_count"],
        new_count=len(new),
        kinds=", ".join(f"{n} {k}" for k, n in sorted(Counter(c["kind"] for c in new).items())),
        sizes=", ".join(
            f"{merged[k]} new communes of {k} old ones" if i == 0 else f"{merged[k]} of {k}"
            for i, k in enumerate(k for k in sorted(merged, reverse=True) if k > 1)
        ),
        kept=merged[1],
        across=sum(len(c["districts"]) > 1 for c in new),
        table=table,
    )


_TEMPLATE = """\
# Synthetic sample province (data/hamlets/)

**SYNTHETIC DATA.** Nothing here is a real boundary, a real BTS site, a real pole or duct, or a
real measurement. The files imitate the *shape* of Tỉnh Hậu Giang so the application can be
developed and tested end to end; do not use them for planning or reporting.

What it is shaped after — published general facts only: the province's rough extent
(≈ 9.6–10.0 °N, 105.4–105.9 °E), its 8 district-level units with official codes and names,
their approximate seats, areas and populations, and commune-level names modelled on the real
ones (a few are invented; commune and hamlet codes are synthetic). The outline, the boundaries
of every unit, the hamlet names, the roads and all the infrastructure are drawn or generated;
no real dataset was read.

- Generator: `gis/synthetic/` (pure Python: numpy, shapely, pyproj).
- Seed: **{seed}**. Same seed → byte-identical files.
- Regenerate: `python -m gis.synthetic --seed {seed} --out data/hamlets`
- Field reference: [docs/sample-data-contract.md](../../docs/sample-data-contract.md).

## Files

| file | what |
|---|---|
| `province.geojson` | the province (union of the districts) |
| `districts.geojson` | 8 districts, codes 930–937 |
| `communes.geojson` | {commune_count} communes (Phường / Thị trấn / Xã), codes district + 2 digits |
| `hamlets.geojson` | {hamlet_count} hamlets (Ấp / Khu vực), codes commune + 2 digits |
| `operators.csv` | mobile, fixed, infrastructure and power-utility operators |
| `sites.geojson`, `cells.csv` | BTS sites and their cells (sectors) |
| `poles.geojson` | utility poles and the operators' cables on them |
| `ducts.geojson`, `manholes.geojson` | cable duct routes and their manholes |
| `fibre_access_points.geojson` | fibre splitters / ODPs |
| `commune_offices.geojson` | commune People's Committee offices and their gov-network link |
| `speed_tests.geojson` | speed tests 2024-10 … 2025-09 |
| `roads.geojson` | the main roads the placement followed (`ref`, `name`, `highway`), for the offline map |
| `statistics.csv` | reported statistics, province "93" and each district, 2024-Q4 … 2025-Q3 |
| `bodies.csv` | who issues the periodic report and to whom, in force by date (the 2025 reorganisations) |
| `reform/lineage.csv`, `reform/units.csv` | the synthetic 2025 reform: which old communes formed each new one, and the new ones (below) |
| `city/` | the reform seed's city: two more former provinces (92, 94) beside this one and the reform of the three (its README); not loaded by the default seed |

Fields, types and codes are exactly those of the contract. Notes on values:
- Geometry: EPSG:4326, 7 decimals. Hamlets are unions of clipped-Voronoi "atoms" assigned by
  fitted power diagrams; the hamlet layer is simplified as one coverage, and communes,
  districts and the province are exact unions of their children, so the layers nest without
  gaps or overlaps. All polygons are MultiPolygons (counter-clockwise outer rings).
- Cells: `eirp_dbm = tx_power_dbm + antenna_gain_dbi − loss`, loss = {loss:g} dB for macro
  sectors, 0 dB for integrated 5G AAUs and small cells. Sectors have 65° beamwidth; omni
  cells have an empty azimuth and beamwidth 360. Cell codes use the operator letters
  V = Viettel, N = VinaPhone, M = MobiFone, X = Vietnamobile.
- Site `tenants` are the mobile operators with cells on the site (the owner included when it is
  a mobile operator); only active sites carry cells.
- Gmobile is listed in operators.csv but has no sites.
- Placement follows synthetic main roads ({roads}): polylines through the seats with gentle
  meanders, not real alignments. They are written to `roads.geojson` (LineStrings, the part inside
  the province) with OpenStreetMap's tags — `ref` (QL61), `name` (Quốc lộ 61) and `highway`
  (trunk for a Quốc lộ, primary for a Đường tỉnh or a road known by its name only) — and drawn
  under the layers of the offline map (`python -m app.cli import-roads FILE` replaces them with a
  deployment's own, e.g. an OpenStreetMap extract).

## Dead zones (mobile broadband gaps)

Each disc contains no 4G/5G cell at all (only a few 2G-only sites), and every 4G cell within
{high_band_km} km of a gap centre uses 1800/2100/2600 MHz only, so a Hata-style model (≈ 4–5 km
rural reach at 1800 MHz) leaves hamlets near the centres uncovered.

| gap | lat | lon | radius km |
|---|---|---|---|
{gaps_table}

## Measured on this output

| code | district | area km² | target km² | population | households | communes | hamlets |
|---|---|---|---|---|---|---|---|
{districts_table}

| measure | value |
|---|---|
| province area | {area_km2} km² |
| population / households | {population_fmt} / {households_fmt} |
| communes | {commune_count} ({kinds}) |
| hamlets | {hamlet_count} ({ham_kinds}) |
| BTS sites | {sites} ({status}) |
| active sites shared by ≥ 2 operators | {sites_shared_pct} % |
| 2G-only active sites | {sites_2g_only} |
| cells | {cells} ({techs}) |
| hamlets > {proxy_km} km from any active 4G/5G site | {hamlets_far_from_4g} |
| poles / with ≥ 2 operators' cables | {poles} / {poles_shared_pct} % |
| duct routes / length | {ducts} / {duct_km} km |
| ducts shared (≥ 2 occupants) | {ducts_shared_pct} % by count, {ducts_shared_length_pct} % by length |
| manholes | {manholes} |
| fibre access points (active) | {access_points} ({access_points_active}) |
| hamlets with ≥ 80 % of their area within 500 m of an active fibre point | {ftth_hamlets_pct} % |
| commune offices / on the government data network | {offices} / {offices_connected_pct} % |
| speed tests | {speed_tests} ({speeds}) |
| statistics rows | {statistics_rows} |
"""

_REFORM_TEMPLATE = """
## The 2025 reform (reform/)

A **synthetic** reform, shaped like the real one — {act}, in force from {effective}:
the former Hậu Giang's 75 communes merged into 28 inside the former province, none split.

- From {effective} the sample's {old_count} communes are {new_count} ({kinds}), directly under
  {city_name} (code {city_code}); the 8 districts and the province end; the hamlets stay as they
  are, under their new commune.
- Neighbouring communes (sharing a border) are merged smallest first, each with the neighbour that
  makes the smallest new unit, one of the same former district preferred: {sizes};
  {kept} left unchanged; {across} across a former district boundary.
- A new unit is a Phường when one of its old communes was, else a Xã; it keeps the code and name of
  its largest old commune whose name is free (a numbered ward gives way to its former district's
  name).
- The real lineage does not apply to the sample: its codes are synthetic.

The files, as a Department receives them (the reform import's Vietnamese headers):
- `reform/lineage.csv` — Mã xã mới, Tên xã mới, Mã xã cũ, Tên xã cũ, Hình thức: one row per old
  commune, every one "toàn bộ" (whole).
- `reform/units.csv` — Mã đơn vị mới, Tên đơn vị mới, Loại đơn vị mới (Phường/Xã), Mã tỉnh/thành
  phố, Tên tỉnh/thành phố.

No polygons: the reform import draws each new commune as the union of its old ones. Apply it to
the sample by hand: `python -m app.cli reform data/hamlets/reform/lineage.csv --effective {effective}
--codes data/hamlets/reform/units.csv --act "{act}"`. `python -m app.cli seed --force --reform`
(`SAMPLE_REFORM=1 make seed`) loads the sample with two more former provinces instead and applies
the whole city's reform, whose sample part is this one (city/, see its README).

| new code | new commune | old communes | old districts | area km² | population |
|---|---|---|---|---|---|
{table}
"""

"""The reform seed's city: the sample province and two more former provinces drawn beside it
(gis/synthetic/city_facts.py), merged on 1 July 2025 into one city with one lineage table.

Each added province is generated as the sample is (units, sites and cells, poles, ducts, access
points, offices, speed tests, statistics), from streams of its own, so the sample's files do not move.
Its outline is the hand-drawn one less the provinces drawn before it, kept exactly (no
simplification of its outer edge), so neighbours share their border vertex for vertex and the
three make one contiguous city. The reform merges each province's communes among themselves
(gis/synthetic/reform.py), the sample's exactly as in its own reform/ folder.

Written to ``<sample>/city/``: ``<code>/`` with a province's files (pipeline.LAYERS) for each added
province, ``lineage.csv`` and ``units.csv`` for the whole city, and a README.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from gis.synthetic.admin import ATOM_COUNT
from gis.synthetic.city_facts import CITY_BODIES, CITY_BODY_FIELDS, FORMER
from gis.synthetic.facts import HAU_GIANG, REFORM, ProvinceFact
from gis.synthetic.geo import latlon_points_utm
from gis.synthetic.pipeline import LAYERS, Sample, build_province, write_bodies, write_province
from gis.synthetic.reform import (
    LINEAGE_HEADER,
    UNITS_HEADER,
    NewCommune,
    build_city_reform,
    lineage_rows,
    unit_rows,
)
from gis.synthetic.writer import write_csv

__all__ = ["CITY_DIR", "CITY_FILES", "City", "build_city", "write_city", "outline_beside"]

CITY_DIR = REFORM.folder  # under the sample's folder
CITY_FILES = (
    *(f"{CITY_DIR}/{f.code}/{name}" for f in FORMER for name in LAYERS),
    f"{CITY_DIR}/lineage.csv",
    f"{CITY_DIR}/units.csv",
    f"{CITY_DIR}/bodies.csv",
    f"{CITY_DIR}/README.md",
)
_MIN_ATOMS = 1_500


@dataclass
class City:
    provinces: list[Sample]  # the sample's first, then the added ones
    reform: list[NewCommune]

    @property
    def added(self) -> list[Sample]:
        return self.provinces[1:]


def outline_beside(facts: ProvinceFact, drawn: list) -> shapely.Polygon:
    """The facts' hand-drawn outline (UTM) less the provinces ``drawn`` before it: its largest piece."""
    rest = shapely.difference(shapely.Polygon(latlon_points_utm(facts.outline)), shapely.union_all(drawn))
    return max(shapely.get_parts(rest), key=lambda p: p.area)


def build_city(sample: Sample, *, atom_count: int | None = None) -> City:
    """The added provinces beside ``sample`` and the city's reform."""
    provinces = [sample]
    for facts in FORMER:
        atoms = None if atom_count is None else max(_MIN_ATOMS, facts.atom_count * atom_count // ATOM_COUNT)
        outline = outline_beside(facts, [p.admin.province.metric for p in provinces])
        rng = np.random.default_rng([sample.seed, int(facts.code)])
        provinces.append(build_province(rng, facts, atom_count=atoms, outline=outline))
    counts = [HAU_GIANG.commune_count, *(f.commune_count for f in FORMER)]
    reform = build_city_reform([(p.admin, n) for p, n in zip(provinces, counts, strict=True)])
    return City(provinces, reform)


def write_city(city: City, out: Path) -> None:
    folder = out / CITY_DIR
    for p in city.added:
        write_province(p, folder / p.admin.province.code)
    write_csv(folder / "lineage.csv", LINEAGE_HEADER, lineage_rows(city.reform))
    write_csv(folder / "units.csv", UNITS_HEADER, unit_rows(city.reform))
    write_bodies(folder / "bodies.csv", CITY_BODIES, CITY_BODY_FIELDS)
    (folder / "README.md").write_text(_readme(city), encoding="utf-8")


def _readme(city: City) -> str:
    rows = []
    for p in city.provinces:
        a = p.admin
        mine = {u.code for u in a.communes}
        new = [c for c in city.reform if c.predecessors[0].code in mine]
        rows.append(
            f"| {a.province.code} | {a.province.name} | {a.province.metric.area / 1e6:,.1f} | "
            f"{a.province.population:,} | {len(a.districts)} | {len(a.communes)} | {len(a.hamlets)} | "
            f"{len(p.sites)} | {sum(len(s.cells) for s in p.sites)} | {len(p.poles)} | {len(new)} |"
        )
    kinds = Counter(c.kind for c in city.reform)
    area = shapely.union_all([p.admin.province.metric for p in city.provinces])
    return _README.format(
        rows="\n".join(rows),
        old=sum(len(p.admin.communes) for p in city.provinces),
        new=len(city.reform),
        phuong=kinds["Phường"],
        xa=kinds["Xã"],
        area=area.area / 1e6,
        pieces=len(shapely.get_parts(area)),
        act=REFORM.act,
        effective=REFORM.effective,
        city_code=REFORM.city_code,
        city_name=REFORM.city_name,
    )


_README = """# The reform seed's city (city/)

**SYNTHETIC DATA**, like the rest of data/hamlets/ (see its README): the sample province (Hậu Giang,
93) and two more former provinces drawn beside it — the former {city_name} (92) and Sóc Trăng (94),
with their real codes, district codes and names and commune names taken from the real ones (fewer
per district), hand-drawn outlines that are not their real boundaries, and generated hamlets and
network. `python -m app.cli seed --reform` (`SAMPLE_REFORM=1 make run`) loads the three and applies
the reform below; the default seed loads the sample province alone.

- `92/`, `94/` — each added province's files, in the sample's own shapes (docs/sample-data-contract.md);
  infrastructure codes CT-… and ST-…; `roads.geojson` its main roads (as the sample's).
- `lineage.csv`, `units.csv` — {act}, in force from {effective}: every one of the
  {old} old communes of the three, once and whole, into {new} new ones ({phuong} Phường, {xa} Xã)
  directly under {city_name} ({city_code}). Each former province's communes merge among themselves
  (as in the real reform); the sample's part is its own reform/ exactly.
- The old province 92 ends on that day and the new city 92 starts: two versions of the code.
- `bodies.csv` — the report bodies of the two added former provinces until the reform (their
  Departments and People's Committees), each keyed to its province (`area_code`): a report on Sóc
  Trăng's 2024 figures is headed by its own Department; the sample's bodies.csv serves the rest.

| code | former province | area km² | population | districts | communes | hamlets | sites | cells | poles | new communes |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

The city: {area:,.1f} km² in {pieces} piece(s).
"""

"""Build the whole synthetic sample from one seed and write it in the data contract's shape."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gis.synthetic.admin import Admin, Unit, build_admin
from gis.synthetic.facts import BODIES, BODY_FIELDS, HAU_GIANG, OPERATORS, Body, ProvinceFact, road_tags
from gis.synthetic.geo import to_output
from gis.synthetic.infrastructure import (
    AccessPoint,
    Duct,
    Manhole,
    Office,
    Pole,
    build_access_points,
    build_ducts,
    build_offices,
    build_poles,
)
from gis.synthetic.measurements import SpeedTest, build_speed_tests, build_statistics
from gis.synthetic.radio import Site, build_sites
from gis.synthetic.reform import (
    LINEAGE_HEADER,
    UNITS_HEADER,
    NewCommune,
    build_reform,
    lineage_rows,
    unit_rows,
)
from gis.synthetic.report import readme_text, summarise
from gis.synthetic.world import World, build_world, lonlat_point
from gis.synthetic.writer import point_geometry, shape_geometry, write_csv, write_geojson

__all__ = [
    "Sample",
    "build_sample",
    "build_province",
    "write_sample",
    "write_province",
    "generate",
    "FILES",
    "LAYERS",
]

FILES = (
    "province.geojson",
    "districts.geojson",
    "communes.geojson",
    "hamlets.geojson",
    "operators.csv",
    "sites.geojson",
    "cells.csv",
    "poles.geojson",
    "ducts.geojson",
    "manholes.geojson",
    "fibre_access_points.geojson",
    "commune_offices.geojson",
    "speed_tests.geojson",
    "roads.geojson",
    "statistics.csv",
    "bodies.csv",
    "reform/lineage.csv",
    "reform/units.csv",
    "README.md",
)
# One province's own files (write_province): what a former province of the reform seed's city brings.
LAYERS = tuple(n for n in FILES if n not in ("operators.csv", "bodies.csv", "README.md") and "/" not in n)
_CELL_FIELDS = (
    "code",
    "site_code",
    "operator",
    "technology",
    "band_mhz",
    "azimuth_deg",
    "beamwidth_deg",
    "tilt_mech_deg",
    "tilt_elec_deg",
    "antenna_height_m",
    "tx_power_dbm",
    "antenna_gain_dbi",
    "eirp_dbm",
)


@dataclass
class Sample:
    seed: int
    admin: Admin
    world: World
    sites: list[Site]
    poles: list[Pole]
    ducts: list[Duct]
    manholes: list[Manhole]
    access_points: list[AccessPoint]
    offices: list[Office]
    speed_tests: list[SpeedTest]
    statistics: list[tuple]
    reform: list[NewCommune]
    vn2000_crs: str | None = None  # the province's TM-3 zone (its facts')


def build_sample(seed: int, *, atom_count: int | None = None) -> Sample:
    """Everything, from independent random streams spawned from ``seed``."""
    sample = build_province(np.random.default_rng(seed), HAU_GIANG, atom_count=atom_count)
    sample.seed = seed
    sample.reform = build_reform(sample.admin)  # no random stream: the grouping follows from the geometries
    return sample


def build_province(
    rng: np.random.Generator, facts: ProvinceFact, *, atom_count: int | None = None, outline=None
) -> Sample:
    """One province's units and network from independent streams spawned from ``rng`` (no reform);
    ``outline``: its UTM polygon when not the facts' own (see build_admin)."""
    streams = rng.spawn(9)
    admin = build_admin(streams[0], atom_count or facts.atom_count, facts, outline)
    world = build_world(admin, streams[1], facts)
    sites = build_sites(world, streams[2])
    poles = build_poles(world, streams[3])
    ducts, manholes = build_ducts(world, streams[4])
    aps = build_access_points(world, streams[5])
    offices = build_offices(world, streams[6])
    tests = build_speed_tests(world, sites, aps, streams[7])
    stats = build_statistics(admin, streams[8])
    return Sample(
        0, admin, world, sites, poles, ducts, manholes, aps, offices, tests, stats, [], facts.vn2000_crs
    )


def generate(seed: int, out_dir: Path | str, *, atom_count: int | None = None) -> dict:
    """Build and write the sample and the reform seed's city beside it; returns the measured summary."""
    from gis.synthetic.city import build_city, write_city  # the city builds on this module

    sample = build_sample(seed, atom_count=atom_count)
    summary = write_sample(sample, Path(out_dir))
    write_city(build_city(sample, atom_count=atom_count), Path(out_dir))
    return summary


def write_bodies(path: Path, bodies: tuple[Body, ...], fields: tuple[str, ...]) -> None:
    write_csv(path, fields, [[getattr(b, f) for f in fields] for b in bodies])


def write_sample(sample: Sample, out: Path) -> dict:
    """The sample province's files, its organisations and bodies, its reform and README."""
    write_province(sample, out)
    write_csv(
        out / "operators.csv",
        ("short_name", "name", "kind", "mcc", "mnc"),
        [(o.short_name, o.name, o.kind, o.mcc, o.mnc) for o in OPERATORS],
    )
    write_bodies(out / "bodies.csv", BODIES, BODY_FIELDS)
    (out / "reform").mkdir(exist_ok=True)
    write_csv(out / "reform" / "lineage.csv", LINEAGE_HEADER, lineage_rows(sample.reform))
    write_csv(out / "reform" / "units.csv", UNITS_HEADER, unit_rows(sample.reform))
    summary = summarise(sample)
    (out / "README.md").write_text(readme_text(summary), encoding="utf-8")
    return summary


def write_province(sample: Sample, out: Path) -> None:
    """One province's layers (LAYERS) in the data contract's shape."""
    out.mkdir(parents=True, exist_ok=True)
    a = sample.admin
    province, geometry = _unit(a.province, parent=False, urban=False)
    if sample.vn2000_crs:  # the zone its easting/northing are read in (admin_units.vn2000_crs)
        province["vn2000_crs"] = sample.vn2000_crs
    write_geojson(out / "province.geojson", [(province, geometry)])
    write_geojson(out / "districts.geojson", [_unit(u, urban=False) for u in a.districts])
    write_geojson(out / "communes.geojson", [_unit(u) for u in a.communes])
    write_geojson(out / "hamlets.geojson", [_unit(u) for u in a.hamlets])
    write_geojson(out / "sites.geojson", [_site(s) for s in sample.sites])
    write_csv(
        out / "cells.csv",
        _CELL_FIELDS,
        [[getattr(c, f) for f in _CELL_FIELDS] for s in sample.sites for c in s.cells],
    )
    write_geojson(
        out / "poles.geojson",
        [
            (
                {
                    "code": p.code,
                    "owner": p.owner,
                    "material": p.material,
                    "height_m": p.height_m,
                    "attachments": p.attachments,
                },
                point_geometry(lonlat_point(p.xy)),
            )
            for p in sample.poles
        ],
    )
    write_geojson(
        out / "ducts.geojson",
        [
            (
                {
                    "code": d.code,
                    "name": d.name,
                    "owner": d.owner,
                    "duct_count": d.duct_count,
                    "free_duct_count": d.free_duct_count,
                    "subduct_count": d.subduct_count,
                    "stated_length_m": d.stated_length_m,
                    "occupants": d.occupants,
                },
                shape_geometry(to_output(d.line)),
            )
            for d in sample.ducts
        ],
    )
    write_geojson(
        out / "manholes.geojson",
        [
            ({"code": m.code, "owner": m.owner, "duct_code": m.duct_code}, point_geometry(lonlat_point(m.xy)))
            for m in sample.manholes
        ],
    )
    write_geojson(
        out / "fibre_access_points.geojson",
        [
            (
                {
                    "code": f.code,
                    "operator": f.operator,
                    "kind": f.kind,
                    "ports_total": f.ports_total,
                    "ports_used": f.ports_used,
                    "service_radius_m": f.service_radius_m,
                    "status": f.status,
                },
                point_geometry(lonlat_point(f.xy)),
            )
            for f in sample.access_points
        ],
    )
    write_geojson(
        out / "commune_offices.geojson",
        [
            (
                {
                    "code": o.code,
                    "name": o.name,
                    "commune_code": o.commune_code,
                    "gov_network_connected": o.gov_network_connected,
                    "bandwidth_mbps": o.bandwidth_mbps,
                    "connected_on": o.connected_on,
                },
                point_geometry(lonlat_point(o.xy)),
            )
            for o in sample.offices
        ],
    )
    write_geojson(
        out / "speed_tests.geojson",
        [
            (
                {
                    "code": t.code,
                    "measured_at": t.measured_at,
                    "operator": t.operator,
                    "technology": t.technology,
                    "download_mbps": t.download_mbps,
                    "upload_mbps": t.upload_mbps,
                    "latency_ms": t.latency_ms,
                },
                point_geometry(lonlat_point(t.xy)),
            )
            for t in sample.speed_tests
        ],
    )
    # The main roads the placement followed (drawn from no stream of their own: writing them moves
    # no other file), for the offline map's background.
    write_geojson(
        out / "roads.geojson",
        [(road_tags(name), shape_geometry(to_output(line))) for name, line in sample.world.roads],
    )
    write_csv(out / "statistics.csv", ("admin_code", "period", "metric", "value"), sample.statistics)


def _unit(u: Unit, *, parent: bool = True, urban: bool = True) -> tuple[dict, dict]:
    """Contract properties: the province has no parent_code; only communes/hamlets have urban."""
    props: dict = {"code": u.code, "name": u.name, "kind": u.kind}
    if parent:
        props["parent_code"] = u.parent_code
    props["population"] = u.population
    props["households"] = u.households
    if urban:
        props["urban"] = u.urban
    return props, shape_geometry(u.geometry)


def _site(s: Site) -> tuple[dict, dict]:
    return (
        {
            "code": s.code,
            "structure_type": s.structure_type,
            "height_m": s.height_m,
            "owner": s.owner,
            "status": s.status,
            "permit_no": s.permit_no,
            "commissioned_on": s.commissioned_on,
            "accepts_tenants": s.accepts_tenants,
            "rent_vnd_month": s.rent_vnd_month,
            "tenants": s.tenants,
        },
        point_geometry(lonlat_point(s.xy)),
    )

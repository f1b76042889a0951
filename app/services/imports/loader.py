"""Load a province (admin units and infrastructure) from GeoJSON/CSV files, all in one transaction.

`load_sample` reads data/hamlets/ (see docs/sample-data-contract.md), its layers imported as any
file is (app/services/imports/loader_layers.py), and, when asked, applies the reform in its reform/
folder as any reform is (app/services/imports/reform.py). `load_admin_units` inserts the admin units an import built.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from geoalchemy2.shape import from_shape
from shapely import MultiPolygon
from sqlalchemy import Connection, Engine, Table, insert, select, text

from app import models as m
from app.errors import DomainError
from app.services.imports import kept
from gis.text import fold_vi

SRID = m.SRID
# Computed results go with the data they were computed from.
RESULT_TABLES = (
    "coverage_dirty",
    "hamlet_ftth",
    "hamlet_operator_cells",
    "hamlet_cover_cells",
    "dead_zones",
    "dead_zone_parts",
    "coverage_parts",
    "coverage_rasters",
    "coverage_runs",
)
DATA_TABLES = (
    "roads",
    "bodies",
    "statistics",
    "speed_tests",
    "commune_offices",
    "fibre_access_points",
    "manholes",
    "duct_occupancy",
    "duct_routes",
    "pole_attachments",
    "poles",
    "tall_structures",
    "cells",
    "site_tenancies",
    "sites",
    "operators",
    "admin_lineage",
    "admin_units",
)
# The levels a unit's parent may be: since 1 July 2025 (two-level local government) a commune or ward
# lies directly under its province or city, as before it lay under a district.
PARENT_LEVELS = {"district": ("province",), "commune": ("district", "province"), "hamlet": ("commune",)}


# A sample's reform: data_dir/reform/lineage.csv and the new units' list, data_dir/reform/units.csv.
REFORM_DIR = "reform"


@dataclass(frozen=True)
class SampleReform:
    """The reform a sample's folder holds: the day its new units start, the act, and the folder (under
    the sample's) of its lineage.csv and units.csv, whose sub-folders hold the other former provinces
    it merges, each loaded as the sample's own layers before the reform applies."""

    effective: date
    act: str | None = None
    folder: str = REFORM_DIR


class LoadError(DomainError):
    status_code = 422


def ids_by(conn: Connection, table: Table, key: str = "code") -> dict[str, int]:
    return dict(conn.execute(select(table.c[key], table.c.id)).all())


@dataclass
class AdminRecord:
    code: str
    name: str
    kind: str | None
    parent_code: str | None
    geometry: MultiPolygon
    population: int | None = None
    households: int | None = None
    urban: bool = False
    official_code: bool = False
    vn2000_crs: str | None = None  # a top-level unit's TM-3 zone (its data says)


def current_ids(conn: Connection, levels: Iterable[str]) -> dict[str, int]:
    """Code → id of the units in force at ``levels``."""
    t = m.AdminUnit.__table__
    rows = conn.execute(select(t.c.code, t.c.id).where(t.c.level.in_(tuple(levels)), t.c.valid_to.is_(None)))
    return dict(rows.all())


def load_admin_units(
    conn: Connection, level: str, records: Iterable[AdminRecord], valid_from: date | None = None
) -> int:
    """Insert admin units of one level; parents (one level up) must already be loaded."""
    parents = current_ids(conn, PARENT_LEVELS[level]) if level in PARENT_LEVELS else {}
    rows = []
    for rec in records:
        parent_id = None
        if level != "province":
            parent_id = parents.get(rec.parent_code or "")
            if parent_id is None:
                raise LoadError(f"{level} {rec.code} ({rec.name}): unknown parent code '{rec.parent_code}'")
        row = dict(
            level=level,
            code=rec.code,
            name=rec.name,
            name_folded=fold_vi(rec.name),
            kind=rec.kind,
            parent_id=parent_id,
            population=rec.population,
            households=rec.households,
            urban=rec.urban,
            official_code=rec.official_code,
            vn2000_crs=rec.vn2000_crs,
            geom=from_shape(rec.geometry, srid=SRID),
        )
        if valid_from is not None:
            row["valid_from"] = valid_from
        rows.append(row)
    if rows:
        conn.execute(insert(m.AdminUnit.__table__), rows)
    return len(rows)


def is_empty(engine: Engine) -> bool:
    """True when no admin unit is loaded (the sample is then loaded by `make run`)."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM admin_units)")).scalar_one()


def load_sample(engine: Engine, data_dir: str | Path, reform: SampleReform | None = None) -> dict[str, int]:
    """Replace everything with the files in data_dir, in one transaction: organisations, admin units,
    network layers and statistics, each imported as any file is (app/services/imports/loader_layers.py);
    with ``reform``, then the reform of data_dir/reform/ — all of it or nothing."""
    from app.services.imports import loader_layers  # it imports the importer, which builds on this module

    d = Path(data_dir)
    with engine.begin() as conn:
        tables = ", ".join(RESULT_TABLES + DATA_TABLES)
        kept.set_aside(conn)  # the public's challenges outlive the reload (app/services/imports/kept.py)
        # Ids are not restarted: the audit trail keeps telling old records from new ones.
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
        counts = loader_layers.load_all(conn, d)
        _plans_cover_the_sample(conn)
        if reform is not None:
            folder = d / reform.folder
            for province in sorted(p for p in folder.iterdir() if p.is_dir()):
                for key, n in loader_layers.load_province(conn, province).items():
                    counts[key] += n
            if (folder / "bodies.csv").exists():  # the added provinces' own bodies, keyed to them
                counts["bodies"] += loader_layers.load_bodies(conn, folder / "bodies.csv")
            counts.update(_apply_reform(conn, folder, reform))
        try:
            counts["challenges"] = kept.put_back(conn)
        except kept.LostOperators as exc:
            raise LoadError(f"challenges name operators the new data lacks: {exc}") from None
        # A fresh province needs a full coverage run, not thousands of incremental ones.
        conn.execute(text("DELETE FROM coverage_dirty"))
    return counts


def _plans_cover_the_sample(conn: Connection) -> None:
    """The plans that came without an area (the one the migrations made of the sample's targets)
    are the sample province's: a reform seed adds other former provinces, whose districts they must
    not be computed over."""
    conn.execute(
        text(
            "UPDATE plans SET area_code = (SELECT min(code) FROM admin_units WHERE level = 'province') "
            "WHERE area_code IS NULL AND (SELECT count(*) FROM admin_units WHERE level = 'province') = 1"
        )
    )


def _apply_reform(conn: Connection, folder: Path, reform: SampleReform) -> dict[str, int]:
    """The reform of ``folder`` on the caller's transaction: its counts (communes_ended …)."""
    from app.services.imports.reform import apply_into

    report = apply_into(
        conn, folder / "lineage.csv", reform.effective, codes=folder / "units.csv", reform=reform.act
    )
    return report.counts

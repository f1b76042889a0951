"""The layers of a province bundle — organisations, report bodies, admin units, then sites and cells, poles,
ducts, access points …, statistics, the main roads of the offline map — each imported through the one import path (app/services/imports/importer.py), on the caller's
transaction.

The sample is the Department's register as recorded: its proposed sites were received long ago,
so the place rules of a new registration are not applied to them (every other rule is). Any
problem stops the load with the file and feature/row number; the caller's transaction then
writes nothing.
"""

from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.services.imports.importer import import_into
from app.services.imports.targets import TABLES
from app.services.roads import load_roads_file
from app.services.statistics import write_statistics

# Admin units, parents first: (import target, file, level counted)
ADMIN_LAYERS = (
    ("admin_units", "province.geojson", "province"),  # a province layer: its kind or code tells
    ("districts", "districts.geojson", "district"),
    ("communes", "communes.geojson", "commune"),
    ("hamlets", "hamlets.geojson", "hamlet"),
)
# (import target, file), in the order their references need
LAYERS = (
    ("sites", "sites.geojson"),
    ("cells", "cells.csv"),
    ("poles", "poles.geojson"),
    ("ducts", "ducts.geojson"),
    ("manholes", "manholes.geojson"),
    ("fibre_access_points", "fibre_access_points.geojson"),
    ("commune_offices", "commune_offices.geojson"),
    ("speed_tests", "speed_tests.geojson"),
)


# Lists received beside the generated sample, in files of their own (the generator's files and their
# hashes stay as they are): (import target, path from the bundle's parent folder).
BESIDE = (("tall_structures", Path("tall_structures") / "cong_trinh_cao.csv"),)


def load_all(conn: Connection, d: Path) -> dict[str, int]:
    """Import every layer of ``d``: its organisations first, then admin units, network layers and
    statistics; then the lists kept beside it (``BESIDE``), when there."""
    report = import_into(conn, d / "operators.csv", "organisations", new_registrations=False)
    counts: dict[str, int] = {"operators": report.counts["operators"]}
    counts["bodies"] = load_bodies(conn, d / "bodies.csv")
    counts |= load_province(conn, d)
    for target, name in BESIDE:
        if (d.parent / name).is_file():
            counts[target] = import_into(conn, d.parent / name, target).counts[TABLES[target].name]
    return counts


def load_bodies(conn: Connection, path: Path) -> int:
    """The report bodies of ``path``; those keyed to a province after its units."""
    return import_into(conn, path, "bodies").counts["bodies"]


def load_province(conn: Connection, d: Path) -> dict[str, int]:
    """Import one province's layers of ``d`` (admin units, network layers, statistics); its
    organisations are loaded already."""
    counts: dict[str, int] = {}
    for target, name, level in ADMIN_LAYERS:
        report = import_into(conn, d / name, target, new_registrations=False)
        counts[level] = report.counts[f"{level}_inserted"]
    for target, name in LAYERS:
        report = import_into(conn, d / name, target, new_registrations=False)
        counts[target] = report.counts[TABLES[target].name]
    counts["statistics"] = _load_statistics(conn, d / "statistics.csv")
    # The offline map's main roads, when the bundle has them (the generator's since it wrote them).
    roads = d / "roads.geojson"
    counts["roads"] = load_roads_file(conn, roads) if roads.is_file() else 0
    return counts


def _load_statistics(conn: Connection, path: Path) -> int:
    """Reported statistics per admin unit, read and checked as a planner's statistics file is."""
    # The session works in a savepoint of the caller's transaction: its commit releases only that.
    with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
        report = write_statistics(session, path, recorded=True)
        session.commit()
    return report["counts"]["figures"]

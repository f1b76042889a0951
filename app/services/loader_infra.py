"""Infrastructure layers of a province bundle: sites and cells, poles, ducts, access points …

Every reference (operator, site, commune, duct) is resolved here, and an unknown one stops the
load with the file and feature/row number — the caller's transaction then writes nothing.
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from geoalchemy2.shape import from_shape
from shapely.geometry import shape
from sqlalchemy import Connection, Table, insert, select

from app import models as m
from app.errors import DomainError


class LoadError(DomainError):
    status_code = 422


@dataclass
class Feature:
    number: int  # 1-based position in its file, for messages
    properties: dict
    geometry: object


def read_features(path: Path) -> Iterator[Feature]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoadError(f"{path.name}: cannot read GeoJSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise LoadError(f"{path.name}: expected a GeoJSON FeatureCollection")
    for i, feat in enumerate(doc.get("features", []), start=1):
        try:
            geom = shape(feat["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LoadError(f"{path.name} feature {i}: bad geometry ({exc})") from exc
        yield Feature(i, feat.get("properties") or {}, geom)


def read_csv(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"{path.name}: cannot read CSV ({exc})") from exc


def ids_by(conn: Connection, table: Table, key: str = "code") -> dict[str, int]:
    return dict(conn.execute(select(table.c[key], table.c.id)).all())


def _ref(index: dict[str, int], key: object, what: str, where: str) -> int:
    if key not in index:
        raise LoadError(f"{where}: unknown {what} '{key}'")
    return index[key]


def _num(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


def _point(f: Feature, where: str):
    if f.geometry.geom_type != "Point" or f.geometry.is_empty:
        raise LoadError(f"{where}: expected a Point, got {f.geometry.geom_type}")
    return from_shape(f.geometry, srid=m.SRID)


def _load_layer(
    conn: Connection,
    path: Path,
    table: Table,
    build: Callable[[Feature, str], dict],
    links: tuple[Table, str, str] | None = None,
    ops: dict[str, int] | None = None,
) -> int:
    """Insert one feature per row; `links` = (link table, its key column, property listing operators)."""
    features = list(read_features(path))
    rows = [build(f, f"{path.name} feature {f.number}") for f in features]
    if rows:
        conn.execute(insert(table), rows)
    if links and rows:
        link_table, key, prop = links
        ids = ids_by(conn, table)
        link_rows = [
            {
                key: ids[f.properties["code"]],
                "operator_id": _ref(ops, n, "operator", f"{path.name} feature {f.number}"),
            }
            for f in features
            for n in dict.fromkeys(f.properties.get(prop) or [])
        ]
        if link_rows:
            conn.execute(insert(link_table), link_rows)
    return len(rows)


def load_all(conn: Connection, d: Path, ops: dict[str, int]) -> dict[str, int]:
    counts: dict[str, int] = {"operators": len(ops)}

    def op(name, where):
        return _ref(ops, name, "operator", where)

    counts["sites"] = _load_layer(
        conn,
        d / "sites.geojson",
        m.Site.__table__,
        lambda f, w: dict(
            code=f.properties["code"],
            structure_type=f.properties["structure_type"],
            height_m=f.properties.get("height_m"),
            owner_id=op(f.properties.get("owner"), w),
            status=f.properties["status"],
            permit_no=f.properties.get("permit_no"),
            commissioned_on=f.properties.get("commissioned_on"),
            accepts_tenants=bool(f.properties.get("accepts_tenants")),
            rent_vnd_month=f.properties.get("rent_vnd_month"),
            geom=_point(f, w),
        ),
        (m.SiteTenancy.__table__, "site_id", "tenants"),
        ops,
    )
    sites = ids_by(conn, m.Site.__table__)
    cells = []
    for n, r in enumerate(read_csv(d / "cells.csv"), start=2):  # row 1 is the header
        where = f"cells.csv row {n}"
        cells.append(
            dict(
                code=r["code"],
                site_id=_ref(sites, r["site_code"], "site", where),
                operator_id=op(r["operator"], where),
                technology=r["technology"],
                band_mhz=int(r["band_mhz"]),
                azimuth_deg=_num(r["azimuth_deg"]),
                beamwidth_deg=float(r["beamwidth_deg"]),
                tilt_mech_deg=_num(r["tilt_mech_deg"]) or 0.0,
                tilt_elec_deg=_num(r["tilt_elec_deg"]) or 0.0,
                antenna_height_m=float(r["antenna_height_m"]),
                tx_power_dbm=_num(r["tx_power_dbm"]),
                antenna_gain_dbi=_num(r["antenna_gain_dbi"]),
                eirp_dbm=_num(r["eirp_dbm"]),
            )
        )
    if cells:
        conn.execute(insert(m.Cell.__table__), cells)
    counts["cells"] = len(cells)

    counts["poles"] = _load_layer(
        conn,
        d / "poles.geojson",
        m.Pole.__table__,
        lambda f, w: dict(
            code=f.properties["code"],
            owner_id=op(f.properties.get("owner"), w),
            material=f.properties.get("material"),
            height_m=f.properties.get("height_m"),
            geom=_point(f, w),
        ),
        (m.PoleAttachment.__table__, "pole_id", "attachments"),
        ops,
    )

    def duct(f, w):
        if f.geometry.geom_type != "LineString":
            raise LoadError(f"{w}: expected a LineString, got {f.geometry.geom_type}")
        p = f.properties
        return dict(
            code=p["code"],
            owner_id=op(p.get("owner"), w),
            duct_count=p["duct_count"],
            subduct_count=p.get("subduct_count", 0),
            geom=from_shape(f.geometry, srid=m.SRID),
        )

    counts["ducts"] = _load_layer(
        conn,
        d / "ducts.geojson",
        m.DuctRoute.__table__,
        duct,
        (m.DuctOccupancy.__table__, "duct_route_id", "occupants"),
        ops,
    )
    ducts = ids_by(conn, m.DuctRoute.__table__)
    counts["manholes"] = _load_layer(
        conn,
        d / "manholes.geojson",
        m.Manhole.__table__,
        lambda f, w: dict(
            code=f.properties["code"],
            owner_id=op(f.properties.get("owner"), w),
            duct_route_id=_ref(ducts, f.properties["duct_code"], "duct", w)
            if f.properties.get("duct_code")
            else None,
            geom=_point(f, w),
        ),
    )
    counts["fibre_access_points"] = _load_layer(
        conn,
        d / "fibre_access_points.geojson",
        m.FibreAccessPoint.__table__,
        lambda f, w: dict(
            code=f.properties["code"],
            operator_id=op(f.properties.get("operator"), w),
            kind=f.properties["kind"],
            ports_total=f.properties["ports_total"],
            ports_used=f.properties.get("ports_used", 0),
            service_radius_m=f.properties.get("service_radius_m", 500),
            status=f.properties["status"],
            geom=_point(f, w),
        ),
    )
    communes = dict(
        conn.execute(
            select(m.AdminUnit.code, m.AdminUnit.id).where(
                m.AdminUnit.level == "commune", m.AdminUnit.valid_to.is_(None)
            )
        ).all()
    )
    counts["commune_offices"] = _load_layer(
        conn,
        d / "commune_offices.geojson",
        m.CommuneOffice.__table__,
        lambda f, w: dict(
            code=f.properties["code"],
            name=f.properties["name"],
            commune_id=_ref(communes, f.properties.get("commune_code"), "commune", w),
            gov_network_connected=bool(f.properties.get("gov_network_connected")),
            bandwidth_mbps=f.properties.get("bandwidth_mbps"),
            connected_on=f.properties.get("connected_on"),
            geom=_point(f, w),
        ),
    )
    counts["speed_tests"] = _load_layer(
        conn,
        d / "speed_tests.geojson",
        m.SpeedTest.__table__,
        lambda f, w: dict(
            code=f.properties["code"],
            measured_at=f.properties["measured_at"],
            operator_id=op(f.properties["operator"], w) if f.properties.get("operator") else None,
            technology=f.properties["technology"],
            download_mbps=f.properties["download_mbps"],
            upload_mbps=f.properties["upload_mbps"],
            latency_ms=f.properties.get("latency_ms"),
            geom=_point(f, w),
        ),
    )
    units = {
        code: i
        for code, i in conn.execute(
            select(m.AdminUnit.code, m.AdminUnit.id).where(
                m.AdminUnit.level.in_(("province", "district", "commune")), m.AdminUnit.valid_to.is_(None)
            )
        )
    }
    stats = [
        dict(
            admin_unit_id=_ref(units, r["admin_code"], "admin unit", f"statistics.csv row {n}"),
            period=r["period"],
            metric=r["metric"],
            value=r["value"],
        )
        for n, r in enumerate(read_csv(d / "statistics.csv"), start=2)
    ]
    if stats:
        conn.execute(insert(m.Statistic.__table__), stats)
    counts["statistics"] = len(stats)
    return counts

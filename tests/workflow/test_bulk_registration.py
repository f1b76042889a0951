"""Bulk registration by operators: the whole file is checked, every bad row named by its number,
nothing written unless all rows pass; the templates offered for download import as they are."""

import csv
import io

import pytest
from sqlalchemy import text

HEADER = ["Mã nhà trạm", "Mã cell", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Nhà mạng", "Công nghệ", "Băng tần",
          "Hướng anten", "Độ cao anten", "EIRP", "Chiều cao (m)", "Trạng thái"]  # fmt: skip


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(site, cell, lat, lon, owner="Viettel", operator="Viettel", tech="4G", band=1800, status=""):
    return [site, cell, lat, lon, owner, operator, tech, band, 0, 30, 58, 40, status]


def _count(engine, prefix):
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM sites WHERE code LIKE :p"), {"p": f"{prefix}%"}).scalar_one()


def _upload(c, data, target="sites", name="tram.csv", dry=False):
    return c.post(f"/api/import?target={target}&dry_run={'true' if dry else 'false'}",
                  files={"file": (name, data, "text/csv")})  # fmt: skip


def test_every_bad_row_is_named_and_nothing_is_written(client_as, engine):
    data = _csv([
        _row("BK-1", "BK-1-a", 9.8700, 105.4560),
        _row("BK-2", "BK-2-a", 9.8760, 105.4600, tech="2G", band=2600),          # row 2: band not 2G
        _row("BK-3", "BK-3-a", 9.8820, 105.4640, owner="MobiFone", operator="MobiFone"),  # row 3: not Viettel's
        _row("BK-4", "BK-4-a", 9.8700, 105.4561),                                 # row 4: 11 m from BK-1
    ])  # fmt: skip
    r = _upload(client_as("viettel1"), data)
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert any(p.startswith("tram.csv row 3:") and "cell BK-2-a" in p and "2600 MHz is not a 2G band" in p for p in problems)
    assert any(p.startswith("tram.csv row 4:") and "belongs to MobiFone" in p for p in problems)
    assert any(p.startswith("tram.csv row 5:") and "BK-1" in p and "30 m" in p for p in problems)
    assert _count(engine, "BK-") == 0


def test_an_operators_file_registers_proposed_sites(client_as, engine):
    data = _csv([_row("BK-OK-1", "BK-OK-1-a", 9.8650, 105.4480), _row("BK-OK-1", "BK-OK-1-b", 9.8650, 105.4480),
                 _row("BK-OK-2", "BK-OK-2-a", 9.8900, 105.4520)])  # fmt: skip
    c = client_as("viettel1")
    dry = _upload(c, data, dry=True)
    assert dry.status_code == 200 and dry.json()["counts"] == {"sites": 2, "cells": 3, "site_tenancies": 2}
    assert _count(engine, "BK-OK-") == 0
    r = _upload(c, data)
    assert r.status_code == 200, r.text
    assert any("proposed" in w for w in r.json()["warnings"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, status, proposed_on IS NOT NULL FROM sites WHERE code LIKE 'BK-OK-%' "
                                 "ORDER BY code")).all()  # fmt: skip
        actors = conn.execute(text("SELECT DISTINCT actor FROM audit_log WHERE entity = 'sites' "
                                   "AND record_code LIKE 'BK-OK-%'")).scalars().all()  # fmt: skip
    assert [tuple(r) for r in rows] == [("BK-OK-1", "proposed", True), ("BK-OK-2", "proposed", True)]
    assert actors == ["viettel1"]


def test_an_operator_cannot_import_active_sites_or_the_departments_layers(client_as, engine):
    c = client_as("viettel1")
    r = _upload(c, _csv([_row("BK-ACT", "BK-ACT-a", 9.8980, 105.4700, status="active")]))
    assert r.status_code == 422 and "operators register sites as proposed" in r.json()["description"]
    assert _count(engine, "BK-ACT") == 0
    r = _upload(c, b"code,name\n", target="admin_units", name="don_vi.csv")
    assert r.status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "kml"])
@pytest.mark.parametrize("target", ["sites", "poles", "ducts", "fibre_access_points"])
def test_each_template_imports_as_it_is(client_as, target, fmt):
    c = client_as("vina1")
    r = c.get(f"/api/templates/{target}.{fmt}")
    assert r.status_code == 200, r.text
    name = r.headers["content-disposition"].split("filename=")[1].strip('"')
    assert name == f"mau_{target}.{fmt}"
    up = c.post(f"/api/import?target={target}&dry_run=true", files={"file": (name, r.content, "application/octet-stream")})
    assert up.status_code == 200, up.text
    table = {"ducts": "duct_routes"}.get(target, target)
    assert up.json()["counts"][table] >= 1


def test_templates_need_a_login_and_a_known_layer(anon_client, client_as):
    assert anon_client.get("/api/templates/sites.csv").status_code == 401
    assert client_as("vina1").get("/api/templates/hamlets.csv").status_code == 400
    assert client_as("vina1").get("/api/templates/sites.docx").status_code == 400

"""The audit trail: complete (who, when, from where, before and after), readable per record,
exportable for a period, and append-only — the app's role cannot change it, nor can anyone else."""

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.services.audit import LOCAL_TZ

GAP = (105.4400, 9.7000)


def test_every_change_names_who_when_where_and_the_values(client_as, engine):
    op = client_as("vina1")
    body = {
        "code": "AUD-1",
        "position": {"lon": GAP[0], "lat": GAP[1]},
        "structure_type": "rooftop",
        "height_m": 20,
        "cells": [
            {"technology": "4G", "band_mhz": 2100, "azimuth_deg": 90, "antenna_height_m": 22, "eirp_dbm": 55}
        ],
    }
    r = op.post("/api/sites", json=body)
    assert r.status_code == 201, r.text
    r = op.patch("/api/sites/AUD-1", json={"height_m": 24}, headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, actor, actor_role, client_ip, before, after, at FROM audit_log "
                "WHERE entity = 'sites' AND record_code = 'AUD-1' ORDER BY id"
            )
        ).all()
    assert [r.action for r in rows] == ["create", "update"]
    create, update = rows
    assert {r.actor for r in rows} == {"vina1"} and {r.actor_role for r in rows} == {"operator"}
    assert create.client_ip == "testclient" and create.before is None
    assert create.after["geom"]["type"] == "Point" and create.after["geom"]["coordinates"] == pytest.approx(
        list(GAP)
    )
    assert (update.before["height_m"], update.after["height_m"]) == (20, 24)
    assert (update.before["version"], update.after["version"]) == (1, 2)
    assert create.at <= update.at


def test_history_of_a_record_includes_its_cells(client_as):
    entries = client_as("official1").get("/api/history/site/AUD-1").json()["entries"]
    assert [(e["entity"], e["action"]) for e in entries] == [
        ("sites", "create"),
        ("cells", "create"),
        ("site_tenancies", "create"),
        ("sites", "update"),
    ]
    assert entries[-1]["changed"] == ["height_m", "version"]
    # The owner company by its name (the log keeps the operators table's id).
    site = entries[0]["after"]
    assert site["owner"] == "VinaPhone" and "owner_id" not in site
    assert client_as("official1").get("/api/history/site/NO-SUCH").status_code == 404


def test_passwords_never_reach_the_audit_log(engine, tokens):
    with engine.connect() as conn:
        leaked = conn.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE entity = 'users' AND (after ? 'password_hash' OR before ? 'password_hash')"
            )
        ).scalar_one()
        created = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE entity = 'users' AND action = 'create'")
        ).scalar_one()
    assert leaked == 0 and created >= len(tokens)


def test_export_of_a_period_as_csv(client_as):
    # The export's days are the Department's (Asia/Ho_Chi_Minh), not the machine's UTC day.
    today = datetime.now(LOCAL_TZ).date().isoformat()
    r = client_as("planner1").get(f"/api/audit/export?from={today}&to={today}&entity=sites")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    mine = [row for row in rows if row["record_code"] == "AUD-1"]
    assert [row["action"] for row in mine] == ["create", "update"] and all(
        row["entity"] == "sites" for row in rows
    )
    assert client_as("viettel1").get(f"/api/audit/export?from={today}&to={today}").status_code == 403
    assert client_as("planner1").get("/api/audit/export?from=2025-02-30&to=2025-03-01").status_code == 400
    assert client_as("planner1").get("/api/audit/export?from=2025-03-02&to=2025-03-01").status_code == 400


def test_the_app_role_cannot_alter_the_audit_log(app_instance):
    from app.db import get_engine

    with get_engine().connect() as conn:  # the engine the service uses: role hg_app
        assert conn.execute(text("SELECT current_user")).scalar_one() == "hg_app"
        conn.rollback()
        for sql in (
            "UPDATE audit_log SET actor = 'someone else'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "INSERT INTO audit_log (actor, action, entity) VALUES ('forger', 'create', 'sites')",
        ):
            with pytest.raises(DBAPIError, match="permission denied"):
                with conn.begin():
                    conn.execute(text(sql))


def test_not_even_the_owner_can_update_or_delete_audit_rows(engine):
    with engine.connect() as conn:  # the database owner (a superuser in the local cluster)
        for sql in (
            "UPDATE audit_log SET actor = 'x' WHERE id = (SELECT min(id) FROM audit_log)",
            "DELETE FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                with conn.begin():
                    conn.execute(text(sql))

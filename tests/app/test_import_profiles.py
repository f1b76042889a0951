"""The mapping an import reads a file with, as the report says it, and import profiles: corrections
saved under a name (app/services/imports/profiles.py, /api/import/profiles, `app.cli import --profile`)."""

import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app import cli
from app.services.audit import Actor
from app.services.imports import profiles
from app.services.imports.importer import ImportFailed, import_file
from tests.app.importing import INSIDE, count, write_csv
from tests.conftest import bearer

HEADER = ["Mã trạm", "Tên trạm", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Loại trạm", "Cao cột", "Trạng thái"]
PLANNER = Actor(None, "planner-test", "planner")


def _rows(prefix: str, n: int = 3) -> list[list]:
    kinds = ["Cột tự đứng", "Cột BTS", "Cột dây co"]
    owners = ["Viettel Hậu Giang", "VNPT Hậu Giang", "Viettel Hậu Giang"]
    return [
        [
            f"{prefix}-{i}",
            f"Trạm {i}",
            INSIDE[i][1],
            INSIDE[i][0] + 2e-4,
            owners[i % 3],
            kinds[i % 3],
            30 + i,
            "Đang hoạt động",
        ]
        for i in range(n)
    ]


def _file(tmp_path, prefix: str, n: int = 3):
    return write_csv(tmp_path / f"tram_{prefix.lower()}.csv", HEADER, _rows(prefix, n))


BTS = {"structure_type": {"Cột BTS": "monopole"}}


def test_the_report_says_the_mapping_column_by_column_and_value_by_value(db, tmp_path):
    report = import_file(db, _file(tmp_path, "MAP"), "sites", dry_run=True, values=BTS)
    m = report.mapping
    assert [(c["column"], c["field"]) for c in m["columns"]] == [
        ("Mã trạm", "code"),
        ("Tên trạm", "name"),
        ("Vĩ độ", "lat"),
        ("Kinh độ", "lon"),
        ("Chủ sở hữu", "owner"),
        ("Loại trạm", "structure_type"),
        ("Cao cột", None),
        ("Trạng thái", "status"),
    ]
    assert m["unrecognised"] == ["Cao cột"]
    assert [(v["field"], v["value"], v["code"]) for v in m["values"]] == [
        ("owner", "VNPT Hậu Giang", "VNPT"),
        ("owner", "Viettel Hậu Giang", "Viettel"),
        ("status", "Đang hoạt động", "active"),
        ("structure_type", "Cột BTS", "monopole"),
        ("structure_type", "Cột dây co", "guyed_mast"),
        ("structure_type", "Cột tự đứng", "tower"),
    ]
    assert (m["crs"], m["axis_order"], m["profile"]) == ("EPSG:4326", "", None)
    assert "mapping" in report.as_dict() and "used" not in report.as_dict()


def test_a_refusal_says_the_mapping_too_with_the_values_not_understood(db, tmp_path):
    with pytest.raises(ImportFailed) as refused:
        import_file(db, _file(tmp_path, "UNK"), "sites", dry_run=True)
    values = [(v["field"], v["value"], v["code"]) for v in refused.value.mapping["values"]]
    assert ("structure_type", "Cột BTS", None) in values
    assert ("structure_type", "Cột dây co", "guyed_mast") in values
    assert refused.value.mapping["unrecognised"] == ["Cao cột"]


def test_a_dry_run_counts_exactly_what_the_import_writes(db, tmp_path):
    path = _file(tmp_path, "CNT", 3)
    columns = {"Cao cột": "height_m"}
    dry = import_file(db, path, "sites", dry_run=True, columns=columns, values=BTS)
    assert count(db, "sites", "code LIKE 'CNT-%'") == 0
    wet = import_file(db, path, "sites", columns=columns, values=BTS)
    assert dry.counts == wet.counts == {"sites": 3, "cells": 0, "site_tenancies": 3}
    assert count(db, "sites", "code LIKE 'CNT-%'") == 3
    with db.connect() as conn:
        stored = conn.execute(
            text("SELECT code, height_m, structure_type FROM sites WHERE code LIKE 'CNT-%' ORDER BY code")
        ).all()
    assert stored == [("CNT-0", 30.0, "tower"), ("CNT-1", 31.0, "monopole"), ("CNT-2", 32.0, "guyed_mast")]
    # an upsert of the same file: the dry run's counts are the upsert's
    dry = import_file(db, path, "sites", dry_run=True, mode="upsert", columns=columns, values=BTS)
    wet = import_file(db, path, "sites", mode="upsert", columns=columns, values=BTS)
    assert (
        dry.counts
        == wet.counts
        == {
            "sites_inserted": 0,
            "sites_updated": 3,
            "cells_inserted": 0,
            "cells_updated": 0,
            "site_tenancies": 0,
        }
    )


def test_bad_corrections_are_refused_with_every_problem_and_nothing_written(db, tmp_path):
    path = _file(tmp_path, "BAD")
    with pytest.raises(ImportFailed) as refused:
        import_file(
            db,
            path,
            "sites",
            columns={"Cao cột": "hieght_m"},
            values={"structure_type": {"Cột BTS": "pylon"}, "colour": {"đỏ": "red"}},
        )
    got = sorted((p.code, p.field, dict(p.params).get("field")) for p in refused.value.details)
    assert got == [
        ("profile.code_not_allowed", "structure_type", "structure_type"),
        ("profile.not_coded", "values", "colour"),
        ("profile.unknown_field", "columns", "hieght_m"),
    ]
    assert count(db, "sites", "code LIKE 'BAD-%'") == 0
    with db.connect() as conn, pytest.raises(profiles.ProblemsFound):
        profiles.save_profile(
            conn, "hỏng", "sites", profiles.Corrections({"Cao cột": "hieght_m"}), None, False, None, PLANNER
        )


def test_a_profile_is_found_without_case_or_diacritics_and_applies_on_top_of_the_vocabulary(db, tmp_path):
    with db.begin() as conn:
        saved = profiles.save_profile(
            conn,
            "Viettel 2025 — Hậu Giang",
            "sites",
            profiles.Corrections({"Cao cột": "height_m", "Tên trạm": ""}, BTS),
            None,
            False,
            None,
            PLANNER,
        )
    assert saved["name"] == "Viettel 2025 — Hậu Giang"
    with db.connect() as conn:
        for name in ("viettel-2025-hau-giang", "VIETTEL 2025 HẬU GIANG", "viettel_2025_hau_giang"):
            assert profiles.get_profile(conn, name)["columns"] == {"Cao cột": "height_m", "Tên trạm": ""}
    report = import_file(db, _file(tmp_path, "PRF"), "sites", dry_run=True, profile="viettel 2025 hau giang")
    fields = {c["column"]: c["field"] for c in report.mapping["columns"]}
    assert (fields["Cao cột"], fields["Tên trạm"], report.mapping["unrecognised"]) == ("height_m", None, [])
    assert report.mapping["profile"] == "Viettel 2025 — Hậu Giang"
    # a run's own correction wins over the profile's
    again = import_file(
        db,
        _file(tmp_path, "PRF"),
        "sites",
        dry_run=True,
        profile="viettel 2025 hau giang",
        columns={"Tên trạm": "name"},
    )
    assert {c["column"]: c["field"] for c in again.mapping["columns"]}["Tên trạm"] == "name"
    with pytest.raises(ImportFailed) as refused:
        import_file(db, _file(tmp_path, "PRF"), "poles", dry_run=True, profile="Viettel 2025 Hau Giang")
    assert [p.code for p in refused.value.details] == ["profile.other_target"]
    with pytest.raises(ImportFailed) as refused:
        import_file(db, _file(tmp_path, "PRF"), "sites", dry_run=True, profile="không có")
    assert [p.code for p in refused.value.details] == ["profile.unknown"]


# ------------------------------------------------------------------ the API and the CLI
@pytest.fixture(scope="module")
def api(database_url, tokens, engine):
    """role → a TestClient of this module's app; the profiles are removed afterwards."""
    from app.main import create_app

    app = create_app()
    made = {}

    def client(role: str) -> TestClient:
        if role not in made:
            made[role] = TestClient(app, headers=bearer(tokens[role]) if role != "anonymous" else {})
        return made[role]

    yield client
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM import_profiles"))


def _upload(client, path, query: str, corrections: dict | None = None):
    data = {"corrections": json.dumps(corrections)} if corrections else None
    files = {"file": (path.name, io.BytesIO(path.read_bytes()), "text/csv")}
    return client.post(f"/api/import?target=sites&{query}", files=files, data=data)


def test_a_profile_saved_through_the_api_is_used_by_the_cli(api, engine, tmp_path, capsys):
    path = _file(tmp_path, "API")
    r = _upload(
        api("planner1"),
        path,
        "dry_run=true&save_profile=viettel-2025",
        {"columns": {"Cao cột": "height_m"}, "values": BTS},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["saved_profile"] == "viettel-2025" and body["counts"]["sites"] == 3
    got = api("official1").get("/api/import/profiles/Viettel 2025")
    assert got.status_code == 200, got.text
    assert got.json()["columns"] == {
        "Mã trạm": "code",
        "Tên trạm": "name",
        "Chủ sở hữu": "owner",
        "Loại trạm": "structure_type",
        "Cao cột": "height_m",
        "Trạng thái": "status",
    }
    assert got.json()["values"] == BTS and got.json()["created_by"] == "planner1"
    listed = api("viettel1").get("/api/import/profiles")
    assert [p["name"] for p in listed.json()["profiles"]] == ["viettel-2025"]
    assert "height_m" in listed.json()["fields"]["sites"]
    # the CLI reads a file of the same shape with it
    code = cli.main(
        [
            "import",
            str(_file(tmp_path, "CLI")),
            "--target",
            "sites",
            "--profile",
            "viettel-2025",
            "--dry-run",
            "--value",
            "structure_type:Cột dây co=tower",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Cao cột → height_m" in out.out and "structure_type: Cột BTS → monopole" in out.out
    assert "structure_type: Cột dây co → tower" in out.out and "sites: 3" in out.out
    assert count(engine, "sites", "code LIKE 'CLI-%'") == 0
    code = cli.main(
        ["import", str(_file(tmp_path, "CLI")), "--target", "sites", "--dry-run", "--map", "Cao cột=hieght_m"]
    )
    assert code == 1 and "hieght_m" in capsys.readouterr().err


def test_profiles_by_role_and_bad_ones_refused(api, engine, tmp_path):
    good = {"target": "sites", "columns": {"Cao cột": "height_m"}, "values": BTS, "crs": None}
    assert api("viettel1").put("/api/import/profiles/x", json=good).status_code == 403
    assert api("anonymous").get("/api/import/profiles").status_code == 401
    r = _upload(api("viettel1"), _file(tmp_path, "OPS"), "dry_run=true&save_profile=mine")
    assert r.status_code == 403, r.text
    bad = {
        "target": "sites",
        "columns": {"Cao cột": "hieght_m"},
        "values": {"structure_type": {"Cột BTS": "pylon"}},
    }
    r = api("planner1").put("/api/import/profiles/hong", json=bad, headers={"Accept-Language": "vi"})
    assert r.status_code == 422, r.text
    assert sorted(p["code"] for p in r.json()["problems"]) == [
        "profile.code_not_allowed",
        "profile.unknown_field",
    ]
    assert api("planner1").get("/api/import/profiles/hong").status_code == 404
    before = count(engine, "sites")
    r = _upload(
        api("planner1"), _file(tmp_path, "BAD"), "", {"values": {"structure_type": {"Cột BTS": "pylon"}}}
    )
    assert r.status_code == 422 and r.json()["details"][0]["code"] == "profile.code_not_allowed"
    assert count(engine, "sites") == before
    r = api("admin1").put("/api/import/profiles/Hồ sơ tạm", json=good)
    assert r.status_code == 200, r.text
    assert api("planner1").delete("/api/import/profiles/HO SO TAM").json()["name"] == "Hồ sơ tạm"
    assert api("planner1").delete("/api/import/profiles/ho-so-tam").status_code == 404


def test_a_profiles_options_are_defaults_the_run_can_override(db, tmp_path):
    swapped = [[r[0], r[1], r[3], r[2], *r[4:]] for r in _rows("SWP")]  # longitudes under "Vĩ độ"
    path = write_csv(tmp_path / "tram_swp.csv", HEADER, swapped)
    with db.begin() as conn:
        profiles.save_profile(
            conn, "đảo trục", "sites", profiles.Corrections(values=BTS), None, True, None, PLANNER
        )
    report = import_file(db, path, "sites", dry_run=True, profile="dao truc")
    assert report.counts["sites"] == 3
    assert {c["column"]: c["field"] for c in report.mapping["columns"]}["Vĩ độ"] == "lon"
    with pytest.raises(ImportFailed) as refused:
        import_file(db, path, "sites", dry_run=True, profile="dao truc", swap_axes=False)
    assert "coords.swapped" in {p.code for p in refused.value.details}

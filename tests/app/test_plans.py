"""Plans as data (migration 0015): a second plan loaded from a Department's workbook — the new Cần
Thơ city's 2026–2030 plan, three indicators — is picked by ``plan``; the Hậu Giang plan stays the
default for its quarters; bad workbooks are refused with nothing written; who may import and edit."""

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from app import dbadmin
from app.errors import NotFound
from app.routers.indicators import IndicatorReport, Targets
from app.schemas_dashboard import Plans
from app.services import plans
from app.services.imports.importer import ImportFailed, import_file
from app.services.reports import periods, targets
from app.services.reports.html import render_report_html
from app.services.reports.indicators import indicators_report
from app.services.reports.report import build_report
from app.services.reports.xlsx import write_report_xlsx

HG, CT = "HG-2023-2025", "CT-2026-2030"
HG_TITLE = "Kế hoạch phát triển hạ tầng số trên địa bàn tỉnh Hậu Giang giai đoạn 2023 – 2025"
CT_TITLE = "Kế hoạch phát triển hạ tầng số thành phố Cần Thơ giai đoạn 2026 – 2030"
ISSUED = date(2026, 1, 15)

# The plan as the Department types it: label in column A, value in column B.
PLAN_ROWS = [
    ("Mã kế hoạch", CT),
    ("Tên kế hoạch", CT_TITLE),
    ("Số hiệu", "Kế hoạch số 45/KH-UBND"),
    ("Ngày ban hành", "20/01/2026"),
    ("Cơ quan ban hành", "Ủy ban nhân dân thành phố Cần Thơ"),
    ("Từ năm", 2026),
    ("Đến năm", 2030),
    ("Tính trên địa giới ngày", "01/07/2025"),
]
TARGET_HEADER = [
    "STT",
    "Mã chỉ tiêu",
    "Tên chỉ tiêu",
    "Tên tiếng Anh",
    "Đơn vị",
    "Cách tính",
    "Giá trị chỉ tiêu",
    "Năm đạt",
]
TARGET_ROWS = [
    [
        1,
        "mobile_bb_hamlet_coverage",
        "Tỷ lệ ấp, khu vực được phủ băng rộng di động",
        None,
        "%",
        "Hệ thống tính",
        100,
        2030,
    ],
    [
        2,
        "fixed_bb_subs_per_100",
        "Số thuê bao băng rộng cố định/100 dân",
        None,
        "thuê bao/100 dân",
        "Số liệu báo cáo",
        40,
        2030,
    ],
    [
        3,
        "commune_5g_coverage",
        "Tỷ lệ xã, phường được phủ sóng 5G",
        "Communes and wards covered by 5G",
        "%",
        "Tính toán",
        100,
        2028,
    ],
]


def plan_workbook(
    path: Path, plan_rows=PLAN_ROWS, target_rows=TARGET_ROWS, sheets=("Kế hoạch", "Chỉ tiêu")
) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if "Kế hoạch" in sheets:
        ws = wb.create_sheet("Kế hoạch")
        for row in plan_rows:
            ws.append(list(row))
    if "Chỉ tiêu" in sheets:
        ws = wb.create_sheet("Chỉ tiêu")
        ws.append(TARGET_HEADER)
        for row in target_rows:
            ws.append(list(row))
    wb.save(path)
    return path


def _counts(engine) -> tuple[int, int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("plans", "plan_targets", "indicators", "indicator_target_history")
        )


def _refused(engine, path: Path, **options) -> list[tuple[str, str | None, int | None]]:
    before = _counts(engine)
    with pytest.raises(ImportFailed) as refused:
        import_file(engine, path, "plans", **options)
    assert _counts(engine) == before  # nothing written
    return [(p.code, p.field, p.row) for p in refused.value.details]


def _xlsx_rows(report, path: Path) -> list[list]:
    write_report_xlsx(report, path)
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb["Tổng hợp"].iter_rows(values_only=True)]


def test_the_basis_line_names_the_document_as_administrative_vietnamese_does():
    plan = plans.Plan(CT, CT_TITLE, None, None, None, date(2026, 1, 1), date(2030, 12, 31), None, None)
    assert (
        plan.basis()
        == "Căn cứ Kế hoạch số …… của …… về phát triển hạ tầng số thành phố Cần Thơ giai đoạn 2026 – 2030"
    )
    by_decision = plans.Plan(
        CT,
        CT_TITLE,
        "Quyết định số 12/QĐ-UBND",
        date(2026, 1, 5),
        "Ủy ban nhân dân thành phố Cần Thơ",
        date(2026, 1, 1),
        date(2030, 12, 31),
        None,
        None,
    )
    assert by_decision.basis() == (
        "Căn cứ Quyết định số 12/QĐ-UBND ngày 05/01/2026 của Ủy ban nhân dân thành phố Cần Thơ về việc ban hành "
        + CT_TITLE
    )


def test_the_migration_made_the_hau_giang_plan(tiny):
    with Session(tiny) as session:
        plan = plans.plan_for(session, HG)
        assert (plan.title, plan.period_from, plan.period_to, plan.judged_on) == (
            HG_TITLE,
            date(2023, 1, 1),
            date(2025, 12, 31),
            date(2025, 6, 30),
        )
        listed = targets.list_targets(session)
        Targets.model_validate(listed)
        assert listed["code"] == HG and len(listed["targets"]) == 21
        assert listed["targets"][0]["id"] == "mobile_bb_hamlet_coverage"  # the plan's order
        with pytest.raises(NotFound) as missing:
            plans.plan_for(session, "KHONG-CO")
        assert [p.code for p in missing.value.reasons] == ["plans.unknown"]


def test_the_migration_moves_targets_out_and_back(tiny, scratch_url, tmp_path):
    import_file(tiny, plan_workbook(tmp_path / "ct.xlsx"), "plans")
    with Session(tiny) as session:
        targets.update_target(session, "pole_sharing", target_value=55, plan=HG)
        targets.update_target(session, "fixed_bb_subs_per_100", target_value=45, plan=CT)
        periods.close_period(session, "2025-Q3", closed_by="test")
    frozen = "SELECT DISTINCT record->>'plan' FROM indicator_snapshots"
    with tiny.connect() as conn:  # the new plan's own indicator was frozen against its plan
        assert sorted(conn.execute(text(frozen)).scalars().all()) == [CT, HG]
    # Down to the revision before plans (whatever the chain is when migrations are merged).
    before = (
        ScriptDirectory.from_config(dbadmin.alembic_config(scratch_url)).get_revision("0015").down_revision
    )
    dbadmin.downgrade(scratch_url, before)
    with tiny.connect() as conn:
        assert not {"plans", "plan_targets"} & set(inspect(conn).get_table_names())
        rows = dict(conn.execute(text("SELECT id, target_value FROM indicators")).all())
        # The first plan's target wins; an indicator only another plan has keeps that plan's.
        assert (rows["pole_sharing"], rows["fixed_bb_subs_per_100"], rows["commune_5g_coverage"]) == (
            55,
            25,
            100,
        )
        history = conn.execute(text("SELECT indicator_id, new_value FROM indicator_target_history")).all()
        assert history == [("pole_sharing", 55)]  # the other plan's edits go with it
        assert conn.execute(text(frozen)).scalars().all() == [None]
    dbadmin.upgrade(scratch_url)
    with Session(tiny) as session:
        listed = {t["id"]: t["target_value"] for t in targets.list_targets(session, HG)["targets"]}
        assert (listed["pole_sharing"], len(listed)) == (55, 22)  # every indicator is the first plan's again
    with tiny.connect() as conn:
        assert conn.execute(text(frozen)).scalars().all() == [HG]


def test_a_second_plan_from_a_workbook_is_picked_by_plan(tiny, tmp_path):
    report = import_file(tiny, plan_workbook(tmp_path / "ke_hoach_can_tho.xlsx"), "plans")
    assert report.counts == {"plans_inserted": 1, "indicators": 1, "plan_targets": 3}
    assert {v["value"]: v["code"] for v in report.mapping["values"]} == {
        "%": "%",
        "thuê bao/100 dân": "per_100",
        "Hệ thống tính": "computed",
        "Số liệu báo cáo": "reported",
        "Tính toán": "computed",
    }
    with Session(tiny) as session:
        plan = plans.plan_for(session, CT)
        assert (plan.decision, plan.issued_on, plan.issuer, plan.judged_on) == (
            "Kế hoạch số 45/KH-UBND",
            date(2026, 1, 20),
            "Ủy ban nhân dân thành phố Cần Thơ",
            date(2025, 7, 1),
        )
        listed = plans.list_plans(session, day=date(2025, 9, 30))
        Plans.model_validate({"plans": listed})
        assert [(p["code"], p["indicators"], p["default"]) for p in listed] == [
            (CT, 3, False),
            (HG, 21, True),
        ]
        assert plans.plan_for(session, day=date(2027, 3, 1)).code == CT
        assert plans.plan_for(session, day=date(2031, 1, 1)).code == CT  # none in force: the latest
        # The measure stays one: the known indicator keeps its name; the new one is added.
        new = session.execute(
            text("SELECT name_en, unit, method FROM indicators WHERE id = 'commune_5g_coverage'")
        )
        assert new.one() == ("Communes and wards covered by 5G", "%", "computed")

        ours = indicators_report(session, "district", "2025-Q3", plan=CT)
        IndicatorReport.model_validate(ours)
        assert ours["plan"] == {"code": CT, "title": CT_TITLE}
        first = {i["id"]: i for i in ours["units"][0]["indicators"]}
        assert list(first) == ["mobile_bb_hamlet_coverage", "fixed_bb_subs_per_100", "commune_5g_coverage"]
        assert (first["fixed_bb_subs_per_100"]["target"], first["fixed_bb_subs_per_100"]["target_year"]) == (
            40,
            2030,
        )
        assert first["commune_5g_coverage"]["status"] == "no_data"
        default = indicators_report(session, "district", "2025-Q3")
        assert default["plan"]["code"] == HG and len(default["units"][0]["indicators"]) == 21
        hg = {i["id"]: i for i in default["units"][0]["indicators"]}
        assert hg["fixed_bb_subs_per_100"]["target"] == 25
        assert hg["fixed_bb_subs_per_100"]["value"] == first["fixed_bb_subs_per_100"]["value"]


def test_a_plan_covers_the_unit_its_workbook_names_live_and_closed(tiny, tmp_path):
    # A district's own plan: "Mã địa bàn" names the unit it covers (a province's plan after a merger
    # is the same: it must not be computed over the other provinces' districts).
    unknown = [*PLAN_ROWS, ("Mã địa bàn", "999")]
    assert _refused(tiny, plan_workbook(tmp_path / "x.xlsx", unknown)) == [
        ("plans.unknown_area", "area_code", None)
    ]
    import_file(tiny, plan_workbook(tmp_path / "ct.xlsx", [*PLAN_ROWS, ("Mã địa bàn", "930")]), "plans")
    with Session(tiny) as session:
        assert plans.plan_for(session, CT).area_code == "930"
        assert [p["area_code"] for p in plans.list_plans(session) if p["code"] == CT] == ["930"]
        everyone = indicators_report(session, "commune", "2025-Q3")["units"]
        ours = indicators_report(session, "commune", "2025-Q3", plan=CT)["units"]
        assert {u["parent_code"] for u in everyone} == {"930", "931"}
        assert ours and [u["code"] for u in ours] == [
            u["code"] for u in everyone if u["parent_code"] == "930"
        ]
        assert [u["code"] for u in indicators_report(session, "district", "2025-Q3", plan=CT)["units"]] == [
            "930"
        ]
    with Session(tiny) as session:
        periods.close_period(session, "2025-Q3", closed_by="test")
    with Session(tiny) as session:
        frozen = indicators_report(session, "district", "2025-Q3", plan=CT)
        assert frozen["closed"] and [u["code"] for u in frozen["units"]] == ["930"]
        assert len(indicators_report(session, "district", "2025-Q3")["units"]) == 2


def test_reports_name_their_plan_and_closed_periods_meet_the_plans_targets(tiny, tmp_path):
    import_file(tiny, plan_workbook(tmp_path / "ct.xlsx"), "plans")
    with Session(tiny) as session:
        periods.close_period(session, "2025-Q3", closed_by="test")
        hg = build_report(session, "2025-Q3", issued_on=ISSUED)
        ct = build_report(session, "2025-Q3", issued_on=ISSUED, plan=CT)
        # The closed quarter was frozen against the Hậu Giang plan; the Cần Thơ plan judges the same values.
        frozen = {i["id"]: i for i in hg.unit["indicators"]}
        judged = {i["id"]: i for i in ct.unit["indicators"]}
        assert list(judged) == ["mobile_bb_hamlet_coverage", "fixed_bb_subs_per_100", "commune_5g_coverage"]
        assert judged["fixed_bb_subs_per_100"]["value"] == frozen["fixed_bb_subs_per_100"]["value"]
        assert (judged["fixed_bb_subs_per_100"]["target"], frozen["fixed_bb_subs_per_100"]["target"]) == (
            40,
            25,
        )
        closed = indicators_report(session, "province", "2025-Q3", plan=CT)
        assert [i["id"] for i in closed["units"][0]["indicators"]] == list(judged)
        html_hg, html_ct = render_report_html(hg), render_report_html(ct)
        hg_rows, ct_rows = _xlsx_rows(hg, tmp_path / "hg.xlsx"), _xlsx_rows(ct, tmp_path / "ct_report.xlsx")
    assert f"Kết quả thực hiện {HG_TITLE}" in html_hg and CT_TITLE not in html_hg
    assert f"Kết quả thực hiện {CT_TITLE}" in html_ct
    assert (
        "Căn cứ Kế hoạch số 45/KH-UBND ngày 20/01/2026 của Ủy ban nhân dân thành phố Cần Thơ về phát triển hạ tầng "
        "số thành phố Cần Thơ giai đoạn 2026 – 2030."
    ) in html_ct
    assert hg_rows[0][0] == f"Báo cáo kết quả thực hiện {HG_TITLE}"
    assert ct_rows[0][0] == f"Báo cáo kết quả thực hiện {CT_TITLE}"
    assert ct_rows[3][0].startswith("Căn cứ Kế hoạch số 45/KH-UBND")


def test_closing_a_quarter_of_the_new_plan_keeps_the_old_plans_values_too(tiny, tmp_path):
    import_file(tiny, plan_workbook(tmp_path / "ct.xlsx"), "plans")
    with Session(tiny) as session:
        closed = periods.close_period(session, "2026-Q1", closed_by="test")
        # 21 indicators of the first plan and the new one, for the province and its 4 districts.
        assert closed["counts"]["indicator_records"] == 22 * 5
        ct = indicators_report(session, "province", "2026-Q1")
        assert ct["plan"]["code"] == CT and len(ct["units"][0]["indicators"]) == 3
        hg = {
            i["id"]: i
            for i in indicators_report(session, "province", "2026-Q1", plan=HG)["units"][0]["indicators"]
        }
        assert len(hg) == 21 and hg["bts_site_sharing"]["value"] is not None
        assert (hg["bts_site_sharing"]["target"], hg["fixed_bb_subs_per_100"]["target"]) == (10, 25)


def test_targets_are_edited_per_plan(tiny, tmp_path):
    import_file(tiny, plan_workbook(tmp_path / "ct.xlsx"), "plans")
    with Session(tiny) as session:
        targets.update_target(session, "fixed_bb_subs_per_100", target_value=45, plan=CT, note="QĐ sửa đổi")
        assert (
            targets.update_target(session, "fixed_bb_subs_per_100", target_value=30, plan=HG)["target_value"]
            == 30
        )
        ct = {t["id"]: t for t in targets.list_targets(session, CT)["targets"]}
        assert ct["fixed_bb_subs_per_100"]["target_value"] == 45
        history = targets.target_history(session, "fixed_bb_subs_per_100", CT)
        assert [(h["old_value"], h["new_value"], h["note"]) for h in history] == [(40, 45, "QĐ sửa đổi")]
        with pytest.raises(NotFound) as missing:
            targets.update_target(session, "pole_sharing", target_value=60, plan=CT)
        assert [p.code for p in missing.value.reasons] == ["plans.no_indicator"]


def test_an_existing_plan_is_replaced_only_when_asked(tiny, tmp_path):
    path = plan_workbook(tmp_path / "ct.xlsx")
    import_file(tiny, path, "plans")
    assert _refused(tiny, path) == [("plans.exists", "code", None)]
    rows = [[*TARGET_ROWS[0][:6], 95, 2030], TARGET_ROWS[2]]
    report = import_file(tiny, plan_workbook(tmp_path / "ct2.xlsx", target_rows=rows), "plans", mode="upsert")
    assert report.counts == {"plans_updated": 1, "indicators": 0, "plan_targets": 2}
    with Session(tiny) as session:
        listed = targets.list_targets(session, CT)["targets"]
        assert [(t["id"], t["target_value"]) for t in listed] == [
            ("mobile_bb_hamlet_coverage", 95),
            ("commune_5g_coverage", 100),
        ]
        history = targets.target_history(session, "mobile_bb_hamlet_coverage", CT)
        assert [(h["old_value"], h["new_value"], h["note"]) for h in history] == [
            (100, 95, "Nhập tệp ct2.xlsx")
        ]


def _with(rows, index, value, column=None):
    changed = [list(r) for r in rows]
    if column is None:
        changed[index] = value
    else:
        changed[index][column] = value
    return changed


@pytest.mark.parametrize(
    ("plan_rows", "target_rows", "sheets", "expected"),
    [
        (PLAN_ROWS, _with(TARGET_ROWS, 2, "Ước lượng", 5), None, [("value.not_one_of", "method", 4)]),
        (PLAN_ROWS, _with(TARGET_ROWS, 0, 120, 6), None, [("plans.over_100", "target_value", 2)]),
        (
            _with(PLAN_ROWS, 6, ("Đến năm", 2024)),
            TARGET_ROWS,
            None,
            [("plans.period_reversed", "period_to", None)],
        ),
        (PLAN_ROWS, [*TARGET_ROWS, TARGET_ROWS[1]], None, [("plans.duplicate_indicator", "id", 5)]),
        (PLAN_ROWS, TARGET_ROWS, ("Chỉ tiêu",), [("plans.missing_sheet", None, None)]),
        (
            PLAN_ROWS,
            _with(TARGET_ROWS, 1, "Mb/s", 4),
            None,
            [("plans.indicator_differs", "indicator_unit", 3)],
        ),
        (PLAN_ROWS, _with(TARGET_ROWS, 0, 2035, 7), None, [("plans.year_outside", "target_year", 2)]),
        (PLAN_ROWS, _with(TARGET_ROWS, 2, "5G-xa", 1), None, [("plans.bad_indicator_id", "id", 4)]),
        (_with(PLAN_ROWS, 1, ("Tên kế hoạch", None)), TARGET_ROWS, None, [("value.required", "title", None)]),
    ],
    ids=[
        "unknown_method",
        "percent_over_100",
        "period_reversed",
        "duplicate_indicator",
        "missing_sheet",
        "unit_of_a_known_indicator",
        "year_outside_the_period",
        "bad_indicator_code",
        "no_title",
    ],
)
def test_bad_workbooks_are_refused_with_nothing_written(
    tiny, tmp_path, plan_rows, target_rows, sheets, expected
):
    path = plan_workbook(tmp_path / "ct.xlsx", plan_rows, target_rows, sheets or ("Kế hoạch", "Chỉ tiêu"))
    assert _refused(tiny, path) == expected


def test_a_csv_is_refused(tiny, tmp_path):
    path = tmp_path / "chi_tieu.csv"
    path.write_text(",".join(TARGET_HEADER) + "\n", encoding="utf-8")
    assert _refused(tiny, path) == [("plans.xlsx_only", None, None)]


# ------------------------------------------------------------------ the API, per role


def test_reading_plans_is_public(anon_client):
    listed = anon_client.get("/api/plans")
    assert listed.status_code == 200
    assert [p["code"] for p in listed.json()["plans"]] == [HG]
    one = anon_client.get(f"/api/plans/{HG}").json()
    assert one["title"] == HG_TITLE and len(one["targets"]) == 21
    missing = anon_client.get("/api/plans/KHONG-CO")
    assert missing.status_code == 404 and missing.json()["problems"][0]["code"] == "plans.unknown"
    r = anon_client.get("/api/indicators", params={"level": "district", "period": "2025-Q3", "plan": HG})
    assert r.status_code == 200 and r.json()["plan"] == {"code": HG, "title": HG_TITLE}
    assert (
        anon_client.get("/api/indicators", params={"level": "district", "plan": "KHONG-CO"}).status_code
        == 404
    )
    assert anon_client.get("/api/targets", params={"plan": HG}).json()["code"] == HG
    export = {"level": "district", "period": "2025-Q3", "format": "csv"}
    assert anon_client.get("/api/export/indicators", params={**export, "plan": HG}).status_code == 200
    assert anon_client.get("/api/export/indicators", params={**export, "plan": "KHONG-CO"}).status_code == 404


@pytest.mark.parametrize(
    ("user", "status"),
    [("admin1", 200), ("planner1", 200), ("official1", 403), ("viettel1", 403), (None, 401)],
)
def test_importing_a_plan_is_the_departments(client_as, anon_client, tmp_path, user, status):
    path = plan_workbook(tmp_path / "ke_hoach.xlsx")
    caller = client_as(user) if user else anon_client
    with path.open("rb") as fh:
        files = {"file": (path.name, fh, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
        r = caller.post("/api/import", params={"target": "plans", "dry_run": "true"}, files=files)
    assert r.status_code == status, r.text
    if status == 200:  # a dry run: checked, nothing kept
        assert r.json()["counts"] == {"plans_inserted": 1, "indicators": 1, "plan_targets": 3}
        assert [p["code"] for p in caller.get("/api/plans").json()["plans"]] == [HG]

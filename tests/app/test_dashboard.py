"""The dashboard's services on the tiny hand-made province of test_indicators: edge cases of the
indicator maths, the on-track rule, closing a period (frozen numbers and reports), an official's
district scope, targets with history, and reported statistics (form, import, template)."""

import csv
from datetime import date

import openpyxl
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, InvalidParameter, NotFound
from app.i18n import catalogue
from app.routers.indicators import IndicatorReport
from app.services import statistics
from app.services.imports.importer import ImportFailed, import_file
from app.services.reports import drilldown, labels, periods, targets, trends
from app.services.reports.html import render_report_html
from app.services.reports.indicators import indicators_report
from app.services.reports.report import build_report
from app.services.reports.xlsx import write_report_xlsx

ISSUED = date(2026, 1, 15)


def _units(engine, level: str, period: str, **kw) -> dict[str, dict[str, dict]]:
    with Session(engine) as session:
        body = indicators_report(session, level, period, **kw)
    IndicatorReport.model_validate(body)
    return {u["code"]: {i["id"]: i for i in u["indicators"]} for u in body["units"]}


def _sql(engine, sql: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def _close(engine, period: str) -> dict:
    with Session(engine) as session:
        return periods.close_period(session, period, closed_by="test")


# ------------------------------------------------------------------ indicator maths: the edge cases


def test_no_population_no_households_no_samples_read_as_no_data(tiny):
    # 931 has lost its population, has no households and reports no mobile subscriptions at all.
    _sql(tiny, "UPDATE admin_units SET population = NULL, households = 0 WHERE code = '931'")
    for metric, value in (
        ("mobile_bb_subscriptions", 100),
        ("households_fibre", 10),
        ("mobile_subscriptions", 0),
        ("smartphone_subscriptions", 0),
    ):
        _sql(
            tiny,
            "INSERT INTO statistics (admin_unit_id, period, metric, value) VALUES "
            "((SELECT id FROM admin_units WHERE code = '931'), '2025-Q3', :m, :v)",
            m=metric,
            v=value,
        )
    d = _units(tiny, "district", "2025-Q3")["931"]
    for key, numerator in (
        ("mobile_bb_subs_per_100", 100),
        ("households_fibre", 10),
        ("smartphone_share_of_subs", 0),
    ):
        record = d[key]
        assert (record["value"], record["status"], record["gap"]) == (None, "no_data", None), key
        assert (
            record["numerator"] == numerator and not record["denominator"]
        )  # nothing (or zero) to divide by
        assert labels.value_text(record) == "Chưa có số liệu"
    speed = _units(tiny, "district", "2025-Q3")["930"]["fixed_bb_speed"]
    assert (speed["value"], speed["status"], speed["detail"]) == (
        None,
        "no_data",
        {"median": None, "samples": 0},
    )
    assert labels.value_text(speed) == "Chưa đo" and labels.value_text(speed, "en") == "Not measured"
    four_g = _units(tiny, "district", "2025-Q3")["930"]["mobile_4g_speed"]
    assert labels.value_text(four_g) == "30 Mb/s" and four_g["detail"] == {"median": 25.0, "samples": 4}


def test_on_track_needs_a_closed_baseline(tiny):
    with Session(tiny) as session:  # 930's Q2: 50 % Internet users, 19.5 fixed subscriptions per 100
        statistics.save_figures(
            session, "930", "2025-Q2", {"internet_users": 500, "fixed_bb_subscriptions": 195}
        )
    before = _units(tiny, "district", "2025-Q3")["930"]
    assert (before["internet_users"]["status"], before["internet_users"]["expected"]) == ("behind", None)

    _close(tiny, "2025-Q2")
    d = _units(tiny, "district", "2025-Q3")["930"]
    # Q2 → Q4 2025 is two quarters; one has passed: 50 + (80 − 50) / 2 = 65, and 75 ≥ 65.
    assert {k: d["internet_users"][k] for k in ("value", "status", "expected", "gap")} == {
        "value": 75.0,
        "status": "on_track",
        "expected": 65.0,
        "gap": 5.0,
    }
    # 19.5 + (25 − 19.5) / 2 = 22.3 (half up), and 20.0 is short of it.
    assert (d["fixed_bb_subs_per_100"]["status"], d["fixed_bb_subs_per_100"]["expected"]) == ("behind", 22.3)
    assert d["mobile_bb_subs_per_100"]["status"] == "met"  # met stays met
    # 931 had no value in Q2's snapshot for Internet users: no baseline, no trajectory.
    assert _units(tiny, "district", "2025-Q3")["931"]["internet_users"]["status"] == "no_data"


def test_a_new_unit_with_an_old_code_does_not_take_the_old_ones_baseline(tiny):
    with Session(tiny) as session:
        statistics.save_figures(session, "930", "2025-Q2", {"internet_users": 500})
    _close(tiny, "2025-Q2")
    # A reform on 1 August 2025 ends district 930 and starts another unit under the same code; the
    # plan is judged on the units of each quarter's end (not on a former geography).
    _sql(tiny, "UPDATE plans SET judged_on = NULL")
    _sql(tiny, "UPDATE admin_units SET valid_to = '2025-08-01' WHERE code = '930' AND level = 'district'")
    _sql(
        tiny,
        "INSERT INTO admin_units (level, code, name, name_folded, parent_id, population, households, "
        "valid_from, geom) SELECT level, code, 'Quận Mới', 'quan moi', parent_id, population, households, "
        "'2025-08-01', geom FROM admin_units WHERE code = '930' AND level = 'district'",
    )
    with Session(tiny) as session:
        statistics.save_figures(session, "930", "2025-Q3", {"internet_users": 750})
    new = _units(tiny, "district", "2025-Q3")["930"]["internet_users"]
    # Its own value, but no closed quarter of its own: no trajectory yet (the old 930's 50 % of
    # Q2 would have made 75 % "on track" against an expected 65 %).
    assert (new["value"], new["status"], new["expected"]) == (75.0, "behind", None)


# ------------------------------------------------------------------ closing a period


def _report_files(engine, tmp_path, name: str, scope: str = "province") -> tuple[str, dict]:
    with Session(engine) as session:
        report = build_report(session, "2025-Q3", scope, issued_on=ISSUED)
        html = render_report_html(report)
        write_report_xlsx(report, tmp_path / name)
    wb = openpyxl.load_workbook(tmp_path / name)
    cells = {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    return html, cells


# The Department's file of bodies as a planner would keep it: Vietnamese headers, roles in words,
# dates as dd/mm/yyyy (the 2025 reorganisations).
BODIES_HEADER = [
    "Mã",
    "Vai trò",
    "Tên cơ quan",
    "Cơ quan chủ quản",
    "Ký hiệu",
    "Địa danh",
    "Địa bàn",
    "Thứ tự",
    "Hiệu lực từ",
    "Hiệu lực đến",
]
BODIES = [
    [
        "HG-STTTT",
        "Cơ quan báo cáo",
        "Sở Thông tin và Truyền thông tỉnh Hậu Giang",
        "Ủy ban nhân dân tỉnh Hậu Giang",
        "STTTT",
        "Hậu Giang",
        "tỉnh Hậu Giang",
        "",
        "",
        "28/02/2025",
    ],
    [
        "HG-SKHCN",
        "Cơ quan báo cáo",
        "Sở Khoa học và Công nghệ tỉnh Hậu Giang",
        "Ủy ban nhân dân tỉnh Hậu Giang",
        "SKHCN",
        "Hậu Giang",
        "tỉnh Hậu Giang",
        "",
        "01/03/2025",
        "30/06/2025",
    ],
    [
        "CT-SKHCN",
        "Cơ quan báo cáo",
        "Sở Khoa học và Công nghệ thành phố Cần Thơ",
        "Ủy ban nhân dân thành phố Cần Thơ",
        "SKHCN",
        "Cần Thơ",
        "thành phố Cần Thơ",
        "",
        "01/07/2025",
        "",
    ],
    ["BTTTT", "Nơi nhận", "Bộ Thông tin và Truyền thông", "", "", "", "", "1", "", "28/02/2025"],
    ["BKHCN", "Nơi nhận", "Bộ Khoa học và Công nghệ", "", "", "", "", "1", "01/03/2025", ""],
    ["HG-UBND", "Nơi nhận", "Ủy ban nhân dân tỉnh Hậu Giang", "", "", "", "", "2", "", "30/06/2025"],
    ["CT-UBND", "Nơi nhận", "Ủy ban nhân dân thành phố Cần Thơ", "", "", "", "", "2", "01/07/2025", ""],
]


@pytest.mark.parametrize(
    "period,issued,issuer,parent,place,symbol,recipients",
    [
        (
            "2024-Q4",
            date(2025, 1, 10),
            "Sở Thông tin và Truyền thông tỉnh Hậu Giang",
            "ỦY BAN NHÂN DÂN TỈNH HẬU GIANG",
            "Hậu Giang",
            "STTTT",
            ["Bộ Thông tin và Truyền thông", "Ủy ban nhân dân tỉnh Hậu Giang"],
        ),
        (
            "2025-Q1",
            date(2025, 4, 10),
            "Sở Khoa học và Công nghệ tỉnh Hậu Giang",
            "ỦY BAN NHÂN DÂN TỈNH HẬU GIANG",
            "Hậu Giang",
            "SKHCN",
            ["Bộ Khoa học và Công nghệ", "Ủy ban nhân dân tỉnh Hậu Giang"],
        ),
        (
            "2026-Q3",
            date(2026, 10, 5),
            "Sở Khoa học và Công nghệ thành phố Cần Thơ",
            "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ",
            "Cần Thơ",
            "SKHCN",
            ["Bộ Khoa học và Công nghệ", "Ủy ban nhân dân thành phố Cần Thơ"],
        ),
    ],
)
def test_a_report_is_headed_by_the_bodies_in_force_on_its_day(
    tiny, tmp_path, period, issued, issuer, parent, place, symbol, recipients
):
    path = tmp_path / "co_quan.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([BODIES_HEADER, *BODIES])
    assert import_file(tiny, path, "bodies").counts == {"bodies": 7}
    _close(tiny, period)
    with Session(tiny) as session:
        report = build_report(session, period, "province", issued_on=issued)
    assert (report.issuer, report.recipients) == (issuer, recipients)
    html = render_report_html(report)
    assert f"{parent}<br><b>{issuer.upper()}</b>" in html
    assert (
        f"Số: ……/BC-{symbol}" in html and f"{place}, ngày {issued.day:02d} tháng {issued.month:02d}" in html
    )
    assert f"Kính gửi: {'; '.join(recipients)}." in html
    write_report_xlsx(report, tmp_path / "r.xlsx")
    summary = next(
        openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0].iter_rows(values_only=True, max_row=3)
    )
    assert summary is not None


def test_a_bodies_file_with_a_reversed_period_or_unknown_role_is_refused(tiny, tmp_path):
    path = tmp_path / "sai.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                BODIES_HEADER,
                ["X1", "Cơ quan báo cáo", "Sở X", "", "", "", "", "", "01/07/2025", "30/06/2025"],
                ["X2", "Người ký", "Sở Y", "", "", "", "", "", "", ""],
            ]
        )
    with pytest.raises(ImportFailed) as err:
        import_file(tiny, path, "bodies")
    assert [(p.row, p.code, p.field) for p in err.value.details] == [
        (2, "body.period_reversed", "valid_to"),
        (3, "value.not_one_of", "role"),
    ]
    with tiny.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM bodies")).scalar_one() == 0


def test_closing_freezes_numbers_and_reports(tiny, tmp_path):
    with Session(tiny) as session, pytest.raises(Conflict, match="not closed"):
        build_report(session, "2025-Q3")
    closed = _close(tiny, "2025-Q3")
    assert closed["counts"] == {"indicator_records": 21 * 5, "hamlets": 3, "offices": 2, "maps": 3}
    frozen = _units(tiny, "district", "2025-Q3")
    html, cells = _report_files(tiny, tmp_path, "before.xlsx")

    # Everything changes afterwards: sharing, statistics, a target, a name, an office, a speed test.
    _sql(tiny, "DELETE FROM site_tenancies")
    _sql(tiny, "UPDATE statistics SET value = 10 WHERE metric = 'internet_users'")
    _sql(tiny, "UPDATE admin_units SET name = 'Huyện Đổi Tên' WHERE code = '930'")
    _sql(tiny, "UPDATE commune_offices SET gov_network_connected = true")
    _sql(tiny, "DELETE FROM speed_tests")
    with Session(tiny) as session:
        targets.update_target(session, "bts_site_sharing", target_value=35, note="QĐ mới")

    live = _units(tiny, "district", "2025-Q4")["930"]
    assert (live["bts_site_sharing"]["value"], live["bts_site_sharing"]["target"]) == (0.0, 35.0)
    assert _units(tiny, "district", "2025-Q3") == frozen
    assert (
        frozen["930"]["bts_site_sharing"]["value"] == 30.0
        and frozen["930"]["bts_site_sharing"]["target"] == 10.0
    )
    assert frozen["930"]["mobile_4g_speed"]["value"] == 30.0
    again_html, again_cells = _report_files(tiny, tmp_path, "after.xlsx")
    assert again_html == html
    assert again_cells == cells
    assert "Huyện Một" in html and "Huyện Đổi Tên" not in html

    with Session(tiny) as session:
        with pytest.raises(Conflict, match="closed already"):
            periods.close_period(session, "2025-Q3")
        with pytest.raises(ImportFailed) as refused:
            statistics.save_figures(session, "930", "2025-Q3", {"internet_users": 700})
        assert [(p.code, p.params) for p in refused.value.details] == [
            ("stats.period_closed", {"period": "2025-Q3"})
        ]
        with pytest.raises(InvalidParameter, match="has not ended"):
            periods.close_period(session, str(periods.Quarter.of(periods.today())))
        listed = {p["period"]: p for p in periods.list_periods(session)}
        assert listed["2025-Q3"]["closed"] and not listed["2025-Q2"]["closed"]


def test_report_workbook_and_html_hold_the_expected_cells(tiny, tmp_path):
    _close(tiny, "2025-Q3")
    html, cells = _report_files(tiny, tmp_path, "r.xlsx")
    indicator_sheets = [
        name
        for name in cells
        if name
        not in ("Tổng hợp", "Theo đơn vị", "Ấp chưa phủ", "UBND xã chưa kết nối", "Dùng chung hạ tầng")
    ]
    # In the order of the report's numerals (I … V, then VI's data sheet per indicator).
    assert list(cells)[:5] == [
        "Tổng hợp",
        "Theo đơn vị",
        "Dùng chung hạ tầng",
        "Ấp chưa phủ",
        "UBND xã chưa kết nối",
    ]
    assert len(indicator_sheets) == 21 and all(n.startswith("VI.") for n in indicator_sheets)
    summary = cells["Tổng hợp"]
    # The title and the "căn cứ" line are the plan's (migration 0015 moved them out of the code).
    assert summary[0][0] == (
        "Báo cáo kết quả thực hiện Kế hoạch phát triển hạ tầng số trên địa bàn tỉnh Hậu Giang giai đoạn 2023 – 2025"
    )
    assert "Quý 3/2025" in summary[1][0]
    assert summary[3][0].startswith(
        "Căn cứ Kế hoạch số …… của Ủy ban nhân dân tỉnh Hậu Giang về phát triển hạ tầng số trên địa bàn"
    )
    assert summary[2][0] == "Cơ quan báo cáo: ……"  # the tiny province has no bodies: left to write in
    rows = {r[1]: r for r in summary if r and isinstance(r[0], int)}
    assert list(rows["bts_site_sharing"][4:8]) == [30, 10, 0, "Đạt"]
    assert list(rows["commune_gov_network"][4:10]) == [50, 100, 50, "Chậm tiến độ", 1, 2]
    assert rows["fixed_bb_speed"][4] == 150 and "1 mẫu đo" in rows["fixed_bb_speed"][10]
    assert (
        rows["digital_platforms_enterprises"][4] is None
        and rows["digital_platforms_enterprises"][7] == "Chưa có số liệu"
    )
    by_unit = cells["Theo đơn vị"]
    header = next(r for r in by_unit if r and r[0] == "Mã chỉ tiêu")
    assert list(header[3:6]) == ["Tỉnh Thử", "Huyện Một", "Huyện Hai"]
    sharing = {r[0]: r for r in cells["Dùng chung hạ tầng"] if r and r[0] in ("93", "930", "931")}
    assert list(sharing["930"][2:5]) == [3, 10, 30]
    offices = [r for r in cells["UBND xã chưa kết nối"] if r and r[0] == "U2"]
    assert len(offices) == 1 and offices[0][2] == "Xã Hai"
    hamlets = [r for r in cells["Ấp chưa phủ"] if r and str(r[0]).startswith("93")]
    # Frozen with the coverage closing computed as of the quarter's last day (the tiny province's
    # cells reach no hamlet with mobile broadband).
    assert {r[0] for r in hamlets} == {"9300101", "9300102", "9310101"} and hamlets[0][6] == "Không"
    number = rows["bts_site_sharing"][0]
    data_sheet = next(n for n in indicator_sheets if n.startswith(f"VI.{number} "))
    data = [r for r in cells[data_sheet] if r and r[0] == "2025-Q3"]
    assert [(r[1], r[3]) for r in data] == [("93", 30), ("930", 30), ("931", None)]
    for text_ in (
        "Báo cáo kết quả thực hiện Kế hoạch phát triển hạ tầng số",
        "Quý 3/2025",
        "……, ngày 15 tháng 01 năm 2026",  # no bodies in the tiny province: the place is left to write in
        "<svg",
        'class="hg-report-map"',
        "<td>U2</td>",
    ):
        assert text_ in html, text_

    district_html, district_cells = _report_files(tiny, tmp_path, "d.xlsx", scope="931")
    assert "Huyện Hai" in district_cells["Tổng hợp"][1][0]
    assert [r[0] for r in district_cells["UBND xã chưa kết nối"] if r and r[0] == "U2"] == ["U2"]
    with Session(tiny) as session, pytest.raises(NotFound, match="939"):
        build_report(session, "2025-Q3", "939")


# ------------------------------------------------------------------ an official limited to one district


def test_an_official_sees_their_district_only(tiny):
    assert list(_units(tiny, "district", "2025-Q3", district_code="930")) == ["930"]
    assert list(_units(tiny, "commune", "2025-Q3", district_code="930")) == ["93001"]
    assert list(_units(tiny, "commune", "2025-Q3", parent="931")) == ["93101"]
    with Session(tiny) as session:
        for call in (
            lambda: indicators_report(session, "district", "2025-Q3", "931", district_code="930"),
            lambda: indicators_report(session, "province", "2025-Q3", district_code="930"),
            lambda: indicators_report(session, "commune", "2025-Q3", "93101", district_code="930"),
            lambda: indicators_report(session, "commune", "2025-Q3", parent="931", district_code="930"),
            lambda: drilldown.hamlet_gaps(session, "931", district_code="930"),
            lambda: drilldown.hamlet_gaps(session, "93101", district_code="930"),
            lambda: statistics.get_figures(session, "931", "2025-Q3", district_code="930"),
            lambda: statistics.save_figures(session, "93", "2025-Q3", {"adults": 1}, district_code="930"),
            lambda: trends.unit_trends(session, "district", "931", district_code="930"),
            lambda: build_report(session, "2025-Q3", "province", district_code="930"),
        ):
            with pytest.raises(Forbidden, match="district 930 only"):
                call()
        assert drilldown.hamlet_gaps(session, "93001", district_code="930")["unit"]["code"] == "93001"
    _close(tiny, "2025-Q3")
    assert list(_units(tiny, "commune", "2025-Q3", district_code="930")) == ["93001"]
    with Session(tiny) as session:
        with pytest.raises(Forbidden):
            indicators_report(session, "district", "2025-Q3", "931", district_code="930")
        with pytest.raises(Forbidden):
            drilldown.hamlet_gaps(session, "931", "2025-Q3", district_code="930")
        with pytest.raises(Forbidden):
            build_report(session, "2025-Q3", "931", district_code="930")
        assert build_report(session, "2025-Q3", "930", district_code="930").unit["name"] == "Huyện Một"


# ------------------------------------------------------------------ targets


def test_targets_are_edited_with_history(tiny):
    with Session(tiny) as session:
        saved = targets.update_target(
            session, "pole_sharing", target_value=55, changed_by="admin", note="QĐ 12"
        )
        assert (saved["target_value"], saved["target_year"]) == (55.0, 2025)
        targets.update_target(session, "pole_sharing", target_value=60, target_year=2026)
        listed = {t["id"]: t for t in targets.list_targets(session)["targets"]}
        assert (listed["pole_sharing"]["target_value"], listed["pole_sharing"]["target_year"]) == (60.0, 2026)
        history = targets.target_history(session, "pole_sharing")
        assert [(h["old_value"], h["new_value"], h["old_year"], h["new_year"]) for h in history] == [
            (55.0, 60.0, 2025, 2026),
            (50.0, 55.0, 2025, 2025),
        ]
        assert history[1]["changed_by"] == "admin" and history[1]["note"] == "QĐ 12"
        with pytest.raises(InvalidParameter, match="at most 100"):
            targets.update_target(session, "pole_sharing", target_value=101)
        with pytest.raises(InvalidParameter, match="negative"):
            targets.update_target(session, "mobile_4g_speed", target_value=-1)
        with pytest.raises(NotFound):
            targets.update_target(session, "nope", target_value=1)
        assert targets.update_target(session, "mobile_4g_speed", target_value=150)["target_value"] == 150.0
    assert _units(tiny, "district", "2025-Q3")["930"]["pole_sharing"]["target"] == 60.0


# ------------------------------------------------------------------ reported statistics


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM statistics")).scalar_one()


def _write_csv(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def test_the_form_saves_all_or_nothing(tiny):
    with Session(tiny) as session:
        saved = statistics.save_figures(
            session,
            "931",
            "2025-Q3",
            {"internet_users": "1.500", "adults": 1600, "cloud_enterprises_domestic_pct": "42,5"},
        )
        assert {
            k: saved["figures"][k] for k in ("internet_users", "adults", "cloud_enterprises_domestic_pct")
        } == {
            "internet_users": 1500,
            "adults": 1600,
            "cloud_enterprises_domestic_pct": 42.5,
        }
        before = _count(tiny)
        with pytest.raises(ImportFailed) as refused:
            statistics.save_figures(
                session,
                "931",
                "2025-Q3",
                {
                    "internet_users": -5,
                    "digital_platforms_state_pct": 120,
                    "adults": 5000,
                    "nonsense": 1,
                },
            )
        assert [(p.code, p.field, p.row, p.params) for p in refused.value.details] == [
            ("stats.negative", "internet_users", None, {"value": -5}),
            ("stats.over_100", "digital_platforms_state_pct", None, {"value": 120}),
            ("stats.unknown_metric", None, None, {"metric": "nonsense", "known": list(statistics.METRICS)}),
        ]
        with pytest.raises(ImportFailed) as refused:
            statistics.save_figures(session, "931", "2025-Q3", {"adults_smartphone": 1700})
        assert refused.value.sentences("vi") == [
            "Số người trưởng thành có điện thoại thông minh: 1700 lớn hơn dân số trưởng thành (1600)"
        ]
        with pytest.raises(ImportFailed) as refused:
            statistics.save_figures(session, "931", "2025-Q3", {"internet_users": 2001})
        assert refused.value.sentences("en") == ["Internet users: 2001 exceeds the unit's population (2000)"]
        assert _count(tiny) == before
        removed = statistics.save_figures(session, "931", "2025-Q3", {"adults": None})
        assert removed["figures"]["adults"] is None and _count(tiny) == before - 1
    assert _units(tiny, "district", "2025-Q3")["931"]["internet_users"]["value"] == 75.0  # 1500 / 2000


def test_import_is_all_or_nothing_with_row_numbers_and_a_dry_run(tiny, tmp_path):
    header = [
        "ma_don_vi",
        "ten_don_vi",
        "ky",
        "internet_users",
        "households_internet",
        "iot_ready_infrastructure_pct",
    ]
    bad = tmp_path / "so_lieu.csv"
    _write_csv(
        bad,
        [
            header,
            ["930", "Huyện Một", "2025-Q4", "800", "200", "50"],
            ["931", "Huyện Hai", "2025-Q4", "900", "501", "50"],
            ["999", "?", "2025-Q4", "1", "", ""],
            ["930", "Huyện Một", "2099-Q1", "1", "", ""],
        ],
    )
    before = _count(tiny)
    with Session(tiny) as session, pytest.raises(ImportFailed) as refused:
        statistics.import_statistics(session, bad)
    assert [(p.source, p.row, p.code, p.params) for p in refused.value.details] == [
        ("so_lieu.csv", 4, "stats.unknown_unit", {"unit": "999"}),
        ("so_lieu.csv", 5, "stats.period_not_started", {"period": "2099-Q1"}),
    ]
    _write_csv(
        bad,
        [
            header,
            ["930", "Huyện Một", "2025-Q4", "800", "200", "50"],
            ["931", "Huyện Hai", "2025-Q4", "900", "501", "50"],
        ],
    )
    with Session(tiny) as session, pytest.raises(ImportFailed) as refused:
        statistics.import_statistics(session, bad)
    assert refused.value.sentences("vi") == [
        "so_lieu.csv dòng 3: Số hộ gia đình có truy nhập Internet: 501 lớn hơn số hộ của đơn vị (500)"
    ]
    assert _count(tiny) == before  # row 2 was fine, yet nothing was written

    good = tmp_path / "good.csv"
    _write_csv(
        good,
        [
            header,
            ["930", "Huyện Một", "2025-Q4", "800", "200", "50"],
            ["931", "Huyện Hai", "2025-Q4", "900", "", "55,5"],
        ],
    )
    with Session(tiny) as session:
        dry = statistics.import_statistics(session, good, dry_run=True)
        assert (dry["dry_run"], dry["counts"], _count(tiny)) == (True, {"rows": 2, "figures": 5}, before)
        done = statistics.import_statistics(session, good)
        assert done["counts"] == {"rows": 2, "figures": 5} and _count(tiny) == before + 5
    q4 = _units(tiny, "district", "2025-Q4")
    assert (
        q4["930"]["internet_users"]["value"] == 80.0
        and q4["931"]["iot_ready_infrastructure"]["value"] == 55.5
    )


def test_the_template_round_trips(tiny, tmp_path):
    with Session(tiny) as session:
        template = statistics.write_template(session, "2025-Q3", "xlsx", tmp_path)
    wb = openpyxl.load_workbook(template.path)
    ws = wb["Số liệu"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["ma_don_vi", "ten_don_vi", "ky"] and set(header[3:]) == set(statistics.METRICS)
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == ["93", "930", "931"]  # province and districts, filled with what is stored
    assert (
        rows["930"][header.index("internet_users")] == 750
        and rows["931"][header.index("internet_users")] is None
    )
    ws.cell(row=4, column=header.index("internet_users") + 1, value=1200)  # 931
    wb.save(tmp_path / "filled.xlsx")
    with Session(tiny) as session:
        report = statistics.import_statistics(session, tmp_path / "filled.xlsx")
    assert report["format"] == "XLSX" and report["periods"] == ["2025-Q3"]
    assert _units(tiny, "district", "2025-Q3")["931"]["internet_users"]["value"] == 60.0


def test_every_metric_is_labelled_in_the_field_catalogues_as_in_its_definition():
    # A refused figure names its metric by the field label, the form by the metric's own label.
    for lang in ("vi", "en"):
        labels = catalogue(lang).fields
        assert {key: labels.get(key) for key in statistics.METRICS} == {
            m.key: getattr(m, f"label_{lang}") for m in statistics.METRICS.values()
        }

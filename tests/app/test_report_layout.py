"""What readers see of the report and of the exported workbooks: sheets named in Vietnamese as
Excel allows (not by internal ids), and the report's parts in the order of their numerals."""

import re

import openpyxl
import pytest
from sqlalchemy.orm import Session

from app.collections import get_collection
from app.services.exports import layers as exporter
from app.services.exports.drilldown import export_hamlet_gaps
from app.services.exports.labels import sheet_name
from app.services.imports import templates
from app.services.reports.html import render_report_html
from app.services.reports.report import build_report
from app.services.reports.xlsx import write_report_xlsx
from app.services.scope import EVERYTHING
from tests.app.test_dashboard import ISSUED, _close

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII"]
INTERNAL_ID = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")  # bts_site_sharing, truong_du_lieu, so_lieu …


def _sheet_names_are_excels(names: list[str]) -> None:
    assert len({n.casefold() for n in names}) == len(names), names
    for name in names:
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\"), name
        assert not name.startswith("'") and not name.endswith("'"), name
        assert not INTERNAL_ID.match(name), f"{name!r} is an internal id"


def test_sheet_names_follow_excels_rules():
    taken: set[str] = set()
    long = "Tỷ lệ hộ gia đình có kết nối Internet cáp quang băng rộng"
    first, second = sheet_name(long, taken), sheet_name(long, taken)
    assert first == "Tỷ lệ hộ gia đình có kết nối I…" and len(first) == 31
    assert second == "Tỷ lệ hộ gia đình có kết n… (2)" and len(second) == 31
    assert sheet_name("Ấp/khu vực: [chưa phủ]?", taken) == "Ấp-khu vực- -chưa phủ--"
    assert sheet_name("TỔNG HỢP", taken) == "TỔNG HỢP" and sheet_name("Tổng hợp", taken) == "Tổng hợp (2)"
    assert sheet_name("'Trạm'", taken) == "Trạm"
    _sheet_names_are_excels(sorted(taken))


@pytest.mark.parametrize("target", ["sites", "poles", "ducts", "fibre_access_points"])
def test_templates_name_their_sheets_as_the_map_names_the_layer(target, tmp_path):
    # the example row's position (tests/app/test_template_position.py) has no part in the sheet names
    out = templates.template_file(target, "xlsx", "VNPT", (105.53, 9.81), tmp_path)
    names = openpyxl.load_workbook(out.path).sheetnames
    assert names == [get_collection(target).title_vi, "Trường dữ liệu"]
    _sheet_names_are_excels(names)


def test_exports_name_their_sheets_in_vietnamese(tiny, tmp_path):
    _close(tiny, "2025-Q3")
    with Session(tiny) as session:
        files = [
            exporter.export_collection(
                session,
                get_collection("districts"),
                bbox=None,
                filters={},
                scope=EVERYTHING,
                fmt="xlsx",
                crs="EPSG:4326",
                directory=tmp_path,
            ),
            exporter.export_indicators(
                session,
                level="district",
                period="2025-Q3",
                code=None,
                fmt="xlsx",
                directory=tmp_path,
                district_code=None,
            ),
            export_hamlet_gaps(session, "930", "2025-Q3", "xlsx", tmp_path),
        ]
    sheets = [openpyxl.load_workbook(f.path).sheetnames for f in files]
    assert sheets == [
        ["Huyện, thị xã, thành phố", "Trường dữ liệu"],
        ["Chỉ tiêu", "Trường dữ liệu"],
        ["Ấp chưa phủ", "UBND xã chưa kết nối"],
    ]


def _numerals(headings: list[str]) -> list[str]:
    return [m.group(1) for h in headings if (m := re.match(r"([IVX]+)\.", h))]


@pytest.mark.parametrize("scope", ["province", "931"])
def test_the_report_and_its_workbook_follow_the_numerals(tiny, tmp_path, scope):
    _close(tiny, "2025-Q3")
    with Session(tiny) as session:
        report = build_report(session, "2025-Q3", scope, issued_on=ISSUED)
    html = render_report_html(report)
    assert _numerals(re.findall(r"<h3>([^<]*)</h3>", html)) == ROMAN

    write_report_xlsx(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    _sheet_names_are_excels(wb.sheetnames)
    # Every part's sheet says its numeral on its heading line, in the workbook's order; then VI's
    # data sheets, one per indicator, numbered as the summary numbers them.
    headed = [ws["A2"].value for ws in wb.worksheets[:5]]
    assert _numerals(headed) == ROMAN[:5], headed
    data = wb.sheetnames[5:]
    assert len(data) == len(report.unit["indicators"])
    assert [int(re.match(r"VI\.(\d+) ", n).group(1)) for n in data] == list(range(1, len(data) + 1))
    assert [wb[n]["A1"].value for n in data] == [r["name_vi"] for r in report.unit["indicators"]]

"""Workbooks with the title block of a Vietnamese official list (motto, title, date line in merged
cells), a numbering row under the column names and a totals/signature block at the bottom: the
header row is the one naming known columns, the numbering row and the block are not data, and the
report says which row was taken. A workbook where no row names a known column is a 422 in
Vietnamese naming what was expected, with nothing written."""

import pytest

from app.services.imports.importer import ImportFailed, import_file
from gis.importers import workbook
from tests.app.importing import HEADER, cell_rows, count, remove_test_rows
from tests.fixtures import tall_structures as ts
from tests.fixtures.official_workbooks import official_workbook
from tests.fixtures.real_files import position

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TALL_HEADER = [*ts.COMMUNE_HEADER, "Kinh độ", "Vĩ độ"]


def _tall_rows(first: int) -> list[list]:
    out = []
    for i, (name, kind, height, owner, address) in enumerate(ts.COMMUNE_ROWS):
        lon, lat = position(first + i)
        out.append([i + 1, name, kind, float(height.replace(",", ".")), owner, address, lon, lat])
    return out


def _names(engine, like: str) -> list[str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        sql = "SELECT name FROM tall_structures WHERE name LIKE :n ORDER BY name"
        return [r[0] for r in conn.execute(text(sql), {"n": like})]


def test_a_communes_official_list_of_tall_structures(db, tmp_path):
    rows = _tall_rows(first=90)
    for row in rows:
        row[1] = f"{row[1]} (DS xã)"
    layout = official_workbook(
        tmp_path / "ds_cong_trinh_cao_xa_tan_binh.xlsx",
        "DANH SÁCH CÔNG TRÌNH CAO TRÊN ĐỊA BÀN XÃ TÂN BÌNH",
        TALL_HEADER,
        rows,
    )
    assert (layout.header_row, layout.numbering_row) == (7, 8)  # under 6 rows of title block
    before = count(db, "tall_structures")
    report = import_file(db, layout.path, "tall_structures")
    assert report.header_row == layout.header_row
    assert report.counts["tall_structures"] == len(ts.COMMUNE_ROWS)  # not the totals nor the signatures
    assert count(db, "tall_structures") == before + len(ts.COMMUNE_ROWS)
    assert _names(db, "% (DS xã)") == sorted(r[1] for r in rows)
    assert report.as_dict()["header_row"] == 7
    assert {c["column"]: c["field"] for c in report.mapping["columns"]}["Chiều cao (m)"] == "height_m"


def test_an_operators_list_of_sites_over_http(client, engine, tmp_path):
    rows = cell_rows(2, prefix="OWB")
    layout = official_workbook(
        tmp_path / "bao_cao_tram.xlsx",
        "DANH SÁCH TRẠM BTS ĐANG HOẠT ĐỘNG",
        HEADER,
        rows,
        sheet="Trạm",
        numbering="n",
        organisation="CÔNG TY VIỄN THÔNG",
    )
    before = count(engine, "cells", "code LIKE 'OWB-%'")
    try:
        r = client.post(
            "/api/import?target=sites",
            files={"file": ("bao_cao_tram.xlsx", layout.path.read_bytes(), XLSX)},
            headers={"Accept-Language": "vi"},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["header_row"] == layout.header_row == 7
        assert (body["counts"]["sites"], body["counts"]["cells"]) == (2, 6)
        assert count(engine, "cells", "code LIKE 'OWB-%'") == before + 6
    finally:  # one of them stands at the sample's known point, where other tests measure 30 m
        remove_test_rows(engine, "OWB-")


def test_no_row_of_known_column_names_is_a_422_naming_what_was_expected(client, engine, tmp_path):
    unknown = ["Cột A", "Cột B", "Cột C", "Cột D", "Cột E"]
    layout = official_workbook(
        tmp_path / "bang_khong_ro.xlsx",
        "BẢNG TỔNG HỢP",
        unknown,
        [[1, "Nhà văn hoá ấp 3", "Ấp 3", 12.5, "UBND xã"]],
        numbering=None,
    )
    before = count(engine, "tall_structures")
    r = client.post(
        "/api/import?target=tall_structures",
        files={"file": ("bang_khong_ro.xlsx", layout.path.read_bytes(), XLSX)},
        headers={"Accept-Language": "vi"},
    )
    assert r.status_code == 422, r.text
    ((detail,),) = [r.json()["details"]]
    assert detail["code"] == "xlsx.no_header"
    message = detail["message"]
    assert message.startswith("bang_khong_ro.xlsx: không tìm thấy dòng tên cột"), message
    assert "Chiều cao (m)" in message and "Tên công trình" in message  # the target's own names first
    assert count(engine, "tall_structures") == before


def test_the_cli_reads_the_same_workbook_and_says_nothing_was_found(db, tmp_path, monkeypatch, capsys):
    from app import cli

    monkeypatch.setattr("app.db.get_engine", lambda: db)
    layout = official_workbook(tmp_path / "ds.xlsx", "DANH SÁCH CÔNG TRÌNH CAO", TALL_HEADER, _tall_rows(95))
    assert cli.main(["import", str(layout.path), "--target", "tall_structures", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would write tall_structures 4" in out
    assert "header row: 7" in out
    bad = official_workbook(tmp_path / "x.xlsx", "BẢNG", ["Cột A", "Cột B", "Cột C", "Cột D"], [[1, 2, 3, 4]])
    assert cli.main(["import", str(bad.path), "--target", "tall_structures"]) == 1
    assert "x.xlsx: không tìm thấy dòng tên cột" in capsys.readouterr().err


def test_the_importer_refuses_an_unmatched_workbook_before_writing(db, tmp_path):
    bad = official_workbook(tmp_path / "y.xlsx", "BẢNG", ["Cột A", "Cột B", "Cột C", "Cột D"], [[1, 2, 3, 4]])
    before = count(db, "sites")
    with pytest.raises(ImportFailed) as err:
        import_file(db, bad.path, "sites")
    ((problem,),) = [err.value.details]
    assert problem.code == "xlsx.no_header"
    # A sites file is expected to name its position and the sites' own columns (column.sites).
    assert problem.params["expected"][:4] == ["Kinh độ", "Vĩ độ", "Mã trạm", "Tên trạm"]
    assert count(db, "sites") == before


# ---------------------------------------------------------------- the row rules, one by one
@pytest.mark.parametrize(
    ("values", "numbering"),
    [
        (["(1)", "(2)", "(3)", "(4)"], True),
        ([1, 2, 3, None, 4], True),  # an empty cell is skipped: the numbers are still 1, 2, 3, 4
        ([1, 2, 3, 4], True),
        (["1", "2", "3"], True),
        ([1, 3, 4], False),
        (["(1)"], False),  # one number is a data row's order, not a numbering row
        ([1, "Tháp nước", 32.5], False),
    ],
)
def test_a_numbering_row(values, numbering):
    assert workbook._is_numbering(values) is numbering


@pytest.mark.parametrize(
    ("values", "closing"),
    [
        (["Tổng cộng", None, 4], True),
        (["TỔNG CỘNG", "", "", 120.5], True),
        (["Tổng công ty Điện lực miền Nam", "Cột 12", 36, "PC Hậu Giang", 105.4, 9.7], False),
        (["Người lập biểu", None, "GIÁM ĐỐC"], True),
        ([None, "KT. GIÁM ĐỐC"], True),
        ([None, None, "Vị Thanh, ngày 12 tháng 3 năm 2026"], True),
        (["CT-01", "Nhà giám đốc cũ", 12, "UBND", 105.4, 9.7], False),  # a data row with the word
    ],
)
def test_a_totals_or_signature_row(values, closing):
    assert workbook._is_closing(values) is closing


def test_a_sheet_of_labels_and_values_is_read_from_its_first_row(tmp_path):
    """A plan's sheet ("Kế hoạch") is labels and values: a label that is also a column name
    ("Ghi chú") must not be taken for a header row, nor "Tổng cộng" end it."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Kế hoạch"
    for row in (["Mã kế hoạch", "KH-2026-01"], ["Tổng cộng", 12], ["Ghi chú", "Tên", "Địa chỉ"]):
        ws.append(row)
    wb.save(tmp_path / "kh.xlsx")
    (plain,) = workbook.read_sheets(tmp_path / "kh.xlsx", find_header=False)
    assert (plain.header_row, plain.header, plain.header_matched) == (
        1,
        ["Mã kế hoạch", "KH-2026-01", None],
        False,
    )
    assert [n for n, _ in plain.records] == [2, 3]
    (table,) = workbook.read_sheets(tmp_path / "kh.xlsx")  # read as a table, the last row names columns
    assert (table.header_row, table.records) == (3, [])

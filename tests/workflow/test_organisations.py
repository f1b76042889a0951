"""Issue 11: the organisations register is data a planner extends from a file — a tower company or a
cable-TV provider the next file names — as the seed loads the sample's operators.csv: Vietnamese
headers, kinds in words, an Excel MNC without its leading zero; bad rows named, nothing written."""

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from app.services.imports.importer import ImportFailed, import_file
from tests.app.importing import write_csv
from tests.conftest import sample_database
from tests.fixtures import real_files as rf

HEADER = ["STT", "Tên viết tắt", "Tên doanh nghiệp", "Loại hình", "MCC", "MNC"]


@pytest.fixture(scope="module")
def db():
    with sample_database("organisations") as engine:
        yield engine


def _organisations(engine, *names: str) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT short_name, name, kind::text, mcc, mnc FROM operators WHERE short_name = ANY(:n)"),
            {"n": list(names)},
        )
        return sorted(tuple(r) for r in rows)


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM operators")).scalar_one()


def test_a_planners_list_adds_a_tower_company_whose_poles_then_import(db, tmp_path):
    path = tmp_path / "to_chuc.csv"
    write_csv(
        path,
        HEADER,
        [
            [1, "Hạ tầng Miền Tây", "Công ty CP Hạ tầng Viễn thông Miền Tây", "Cho thuê hạ tầng", "", ""],
            [2, "CTV Cần Thơ", "Công ty Truyền hình cáp Cần Thơ", "Truyền hình cáp", "", ""],
        ],
        encoding="utf-8-sig",  # Excel's "CSV UTF-8": a BOM
    )
    report = import_file(db, path, "organisations")
    assert report.counts == {"operators": 2}
    assert {"column": "Loại hình", "field": "kind", "coordinate": False} in report.mapping["columns"]
    assert {"field": "kind", "value": "Cho thuê hạ tầng", "code": "infrastructure"} in report.mapping[
        "values"
    ]
    assert _organisations(db, "Hạ tầng Miền Tây", "CTV Cần Thơ") == [
        ("CTV Cần Thơ", "Công ty Truyền hình cáp Cần Thơ", "fixed", None, None),
        ("Hạ tầng Miền Tây", "Công ty CP Hạ tầng Viễn thông Miền Tây", "infrastructure", None, None),
    ]
    # The next file names the new owner as people write it: without diacritics, in any case.
    poles = rf.pole_survey(
        tmp_path / "cot.csv", [["ORG-C-1", "ha tang mien tay", "Cột BTLT", "9", "CTV Cần Thơ:2"]]
    )
    assert import_file(db, poles, "poles").counts["poles"] == 1
    with db.connect() as conn:
        owner = conn.execute(
            text(
                "SELECT o.short_name FROM poles p JOIN operators o ON o.id = p.owner_id WHERE p.code = 'ORG-C-1'"
            )
        ).scalar_one()
    assert owner == "Hạ tầng Miền Tây"


def test_a_workbook_gives_a_mobile_network_its_plmn_as_excel_keeps_it(db, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Doanh nghiệp"
    sheet.append(HEADER)
    sheet.append(
        [1, "Mạng Thử", "Công ty Thông tin di động Thử nghiệm", "Nhà mạng di động", 452, 9]
    )  # MNC 09
    book.save(tmp_path / "mang.xlsx")
    assert import_file(db, tmp_path / "mang.xlsx", "organisations").counts == {"operators": 1}
    assert _organisations(db, "Mạng Thử") == [
        ("Mạng Thử", "Công ty Thông tin di động Thử nghiệm", "mobile", "452", "09")
    ]


def test_every_bad_row_is_named_and_nothing_is_written(db, tmp_path):
    before = _count(db)
    path = write_csv(
        tmp_path / "sai.csv",
        HEADER,
        [
            [1, "Ngân hàng A", "Ngân hàng A", "Ngân hàng", "", ""],  # not a kind of organisation
            [2, "viettel", "Viettel again", "Di động", "452", "04"],  # Viettel is registered
            [3, "Mới 1", "Công ty Mới", "Hạ tầng", "", ""],
            [4, "MOI 1", "Công ty Mới (lặp)", "Hạ tầng", "", ""],  # repeats the short name of row 4
            [5, "Mới 2", "Công ty Mới 2", "Di động", "452", "4a"],  # MNC not digits
            [6, "Mới 3", "Công ty Mới 3", "Di động", "452", ""],  # MCC without MNC
            [7, "", "Không tên", "Hạ tầng", "", ""],
        ],
    )
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "organisations")
    # Every problem of every row at once, in file order (row 1 is the header).
    assert [(p.row, p.code, p.field) for p in err.value.details] == [
        (2, "value.not_one_of", "kind"),
        (3, "organisation.exists", "short_name"),
        (5, "organisation.repeated", "short_name"),
        (6, "organisation.plmn_digits", "mnc"),
        (7, "organisation.plmn_incomplete", "mnc"),
        (8, "value.required", "short_name"),
    ]
    exists = next(p for p in err.value.details if p.code == "organisation.exists")
    assert dict(exists.params) == {"name": "viettel", "stored": "Viettel"}
    assert err.value.sentences("vi")[1].startswith("sai.csv dòng 3: Tên viết tắt: “viettel” đã có")
    assert _count(db) == before


def test_an_upsert_changes_the_columns_the_file_has(db, tmp_path):
    path = write_csv(
        tmp_path / "sua.csv", ["Tên viết tắt", "Tên doanh nghiệp"], [["SCTV", "SCTV – chi nhánh Cần Thơ"]]
    )
    report = import_file(db, path, "organisations", mode="upsert")
    assert report.counts == {"operators_inserted": 0, "operators_updated": 1}
    assert _organisations(db, "SCTV") == [("SCTV", "SCTV – chi nhánh Cần Thơ", "fixed", None, None)]


def test_an_operator_may_not_import_the_register(client_as):
    files = {
        "file": ("to_chuc.csv", "Tên viết tắt,Tên doanh nghiệp,Loại hình\nX,Y,Hạ tầng\n".encode(), "text/csv")
    }
    r = client_as("viettel1").post("/api/import?target=organisations&dry_run=true", files=files)
    assert r.status_code == 403 and [(p["code"], p["field"]) for p in r.json()["problems"]] == [
        ("import.department_target", "target")
    ]
    assert r.json()["description"] == (
        "Lớp dữ liệu: doanh nghiệp chỉ nhập Trạm BTS (và cell), Cột treo cáp, Tuyến cống bể, "
        "Điểm truy nhập cáp quang (FTTH); lớp “Tổ chức, doanh nghiệp (chủ sở hữu, nhà mạng)” do Sở quản lý"
    )
    r = client_as("planner1").post("/api/import?target=organisations&dry_run=true", files=files)
    assert r.status_code == 200 and r.json()["counts"] == {"operators": 1}, r.text

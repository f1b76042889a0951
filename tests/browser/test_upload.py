"""The planners' upload page in headless Chromium against the live app: a bad file refused with its
row numbers (in Vietnamese, then English) and nothing written, a good one checked, then imported."""

import csv

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.browser.support import TIMEOUT_MS

pytestmark = pytest.mark.browser

HEADER = ["Mã cột", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Độ cao", "Treo cáp"]
LAT, LON = 9.7840, 105.4700  # Vị Thanh


# Circular 973/2001/TCĐC-CT's TM-3 zones as EPSG numbers them, west to east.
TM3_ZONES = [(5896, "102°00′"), (9205, "103°00′"), (9206, "104°00′"), (9207, "104°30′"), (9208, "104°45′")]
TM3_ZONES += [(5897, "105°00′"), (9209, "105°30′"), (9210, "105°45′"), (9211, "106°00′"), (9212, "106°15′")]
TM3_ZONES += [(9213, "106°30′"), (9214, "107°00′"), (9215, "107°15′"), (9216, "107°30′"), (5899, "107°45′")]
TM3_ZONES += [(5898, "108°00′"), (9217, "108°15′"), (9218, "108°30′")]


def _csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _poles(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.code, o.short_name, p.height_m, (SELECT count(*) FROM pole_attachments a WHERE a.pole_id = p.id) "
                "FROM poles p JOIN operators o ON o.id = p.owner_id WHERE p.code LIKE 'UPL-%' ORDER BY p.code"
            )
        ).all()
    return {code: (owner, height, cables) for code, owner, height, cables in rows}


@pytest.fixture
def clean_poles(engine):
    yield
    with engine.begin() as conn:  # the live server's database is shared with the other tests
        conn.execute(text("DELETE FROM poles WHERE code LIKE 'UPL-%'"))


def test_a_bad_file_is_refused_by_row_and_a_good_one_imported(map_page, engine, tmp_path, clean_poles):
    page = map_page.page
    page.goto(f"{map_page.base_url}/upload")
    expect(page).to_have_title("Nhập dữ liệu hạ tầng viễn thông — tỉnh Hậu Giang")
    expect(page.locator("h1")).to_have_text("Nhập dữ liệu hạ tầng viễn thông")
    expect(page.locator("#hg-upload-crs option")).to_have_text(
        [
            "Theo tệp (kinh độ/vĩ độ: WGS 84)",
            *(f"VN-2000 / TM-3 kinh tuyến trục {m} — EPSG:{c}" for c, m in TM3_ZONES),  # none preferred
            "VN-2000 / UTM múi 48N — EPSG:3405",
            "VN-2000 / UTM múi 49N — EPSG:3406",
            "VN-2000 toạ độ địa lý (độ) — EPSG:4756",
            "WGS 84 toạ độ địa lý (độ) — EPSG:4326",
        ]
    )

    bad = _csv(
        tmp_path / "cot_loi.csv",
        [
            ["UPL-1", LAT, LON, "VNPT", 8, "Viettel"],
            ["UPL-2", LAT, LON + 0.001, "Không Có", 8, ""],  # row 3: no such owner
            ["UPL-3", LAT, LON + 0.002, "VNPT", "cao", ""],  # row 4: not a height
        ],
    )
    page.get_by_label("Lớp dữ liệu").select_option(label="Cột treo cáp")
    page.get_by_label("Tệp", exact=True).set_input_files(bad)
    page.get_by_role("button", name="Nhập vào cơ sở dữ liệu").click()
    status = page.locator("#hg-upload-status")
    expect(status).to_have_text("Tệp bị từ chối (2 lỗi). Không ghi gì vào cơ sở dữ liệu.", timeout=TIMEOUT_MS)
    problems = page.locator("#hg-upload-problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0).locator("td")).to_have_text(
        ["Dòng 3", "Chủ sở hữu", "không có doanh nghiệp “Không Có” trong danh mục"]
    )
    expect(problems.nth(1).locator("td")).to_have_text(["Dòng 4", "Độ cao", "“cao” không phải là số"])
    assert _poles(engine) == {}  # all or nothing: the good row 2 was not written either

    # The same report in English, from the same structured problems.
    page.locator("#hg-lang-toggle").click()
    expect(status).to_have_text("The file was refused (2 problems). Nothing was written to the database.")
    expect(problems.nth(0).locator("td")).to_have_text(["Row 3", "Owner", "unknown organisation 'Không Có'"])
    page.locator("#hg-lang-toggle").click()
    expect(page.locator("h1")).to_have_text("Nhập dữ liệu hạ tầng viễn thông")

    # A value out of its range is named by row and field label in the reader's language, before the database.
    high = _csv(tmp_path / "cot_cao.csv", [["UPL-9", LAT, LON, "VNPT", 99, ""]])
    page.get_by_label("Tệp", exact=True).set_input_files(high)
    page.get_by_role("button", name="Nhập vào cơ sở dữ liệu").click()
    expect(status).to_have_text("Tệp bị từ chối (1 lỗi). Không ghi gì vào cơ sở dữ liệu.")
    expect(problems.nth(0).locator("td")).to_have_text(
        ["Dòng 2", "Độ cao", "giá trị 99 nằm ngoài khoảng cho phép (0 < x ≤ 40 m)"]
    )
    page.locator("#hg-lang-toggle").click()
    expect(problems.nth(0).locator("td")).to_have_text(
        ["Row 2", "height", "99 is out of range (allowed: 0 < x ≤ 40 m)"]
    )
    page.locator("#hg-lang-toggle").click()
    assert _poles(engine) == {}

    good = _csv(
        tmp_path / "cot.csv",
        [
            ["UPL-1", LAT, LON, "VNPT", 8, "Viettel;FPT Telecom"],
            ["UPL-2", LAT, LON + 0.001, "Viettel", 9.5, ""],
            ["UPL-3", LAT, LON + 0.002, "VNPT", 10, "MobiFone"],
        ],
    )
    page.get_by_label("Tệp", exact=True).set_input_files(good)
    page.get_by_role("button", name="Kiểm tra (không ghi)").click()
    expect(status).to_have_text("Kiểm tra xong: tệp hợp lệ. Chưa ghi gì vào cơ sở dữ liệu.")
    counts = page.locator("#hg-upload-counts")
    expect(counts.locator("caption")).to_have_text("Số bản ghi sẽ được ghi")
    expect(counts.locator("tbody tr")).to_have_text(["Cột treo cáp3", "Lượt treo cáp trên cột3"])
    expect(page.locator("#hg-upload-warnings")).to_contain_text(
        "tệp không ghi hệ toạ độ; các toạ độ là kinh độ/vĩ độ trong lãnh thổ Việt Nam nên được hiểu là WGS 84"
    )
    assert _poles(engine) == {}

    page.get_by_role("button", name="Nhập vào cơ sở dữ liệu").click()
    expect(status).to_have_text("Đã nhập vào cơ sở dữ liệu.")
    expect(counts.locator("caption")).to_have_text("Số bản ghi đã ghi")
    assert _poles(engine) == {
        "UPL-1": ("VNPT", 8.0, 2),
        "UPL-2": ("Viettel", 9.5, 0),
        "UPL-3": ("VNPT", 10.0, 1),
    }

    # Again: the codes exist now, so the default refuses and says how to update instead.
    page.get_by_role("button", name="Nhập vào cơ sở dữ liệu").click()
    expect(status).to_have_text("Tệp bị từ chối (3 lỗi). Không ghi gì vào cơ sở dữ liệu.")
    expect(problems.nth(0).locator("td")).to_have_text(
        [
            "Dòng 2",
            "Mã",
            "“UPL-1” đã có trong cơ sở dữ liệu (mặc định chỉ thêm mới; chọn “Cập nhật các mã đã có” để cập nhật)",
        ]
    )
    page.get_by_label("Cập nhật các mã đã có").check()
    page.get_by_role("button", name="Nhập vào cơ sở dữ liệu").click()
    expect(page.locator("#hg-upload-counts tbody tr")).to_have_text(
        ["Cột treo cáp — thêm mới0", "Cột treo cáp — cập nhật3", "Lượt treo cáp trên cột3"]
    )

    # Refusals answer 422, which Chromium logs; nothing else may have gone wrong.
    assert [e for e in map_page.errors if "422" not in e] == []


def test_the_map_links_to_the_upload_page(map_page):
    page = map_page.open()
    link = page.get_by_role("link", name="Nhập dữ liệu")
    expect(link).to_have_attribute("href", "/upload")
    link.click()
    expect(page).to_have_url(f"{map_page.base_url}/upload")
    expect(page.get_by_role("button", name="Kiểm tra (không ghi)")).to_be_visible()


def test_a_workbook_under_a_title_block_says_which_row_held_the_column_names(map_page, tmp_path, clean_poles):
    from tests.fixtures.official_workbooks import official_workbook

    layout = official_workbook(
        tmp_path / "ds_cot_treo_cap.xlsx",
        "DANH SÁCH CỘT TREO CÁP VIỄN THÔNG",
        HEADER,
        [["UPL-W1", LAT, LON, "VNPT", 8, ""], ["UPL-W2", LAT, LON + 0.001, "VNPT", 9, "Viettel"]],
    )
    page = map_page.page
    page.goto(f"{map_page.base_url}/upload")
    page.get_by_label("Lớp dữ liệu").select_option(label="Cột treo cáp")
    page.get_by_label("Tệp", exact=True).set_input_files(layout.path)
    page.get_by_role("button", name="Kiểm tra (không ghi)").click()
    expect(page.locator("#hg-upload-status")).to_have_text(
        "Kiểm tra xong: tệp hợp lệ. Chưa ghi gì vào cơ sở dữ liệu.", timeout=TIMEOUT_MS
    )
    summary = page.locator(".hg-report-summary")
    expect(summary.locator("dt").nth(2)).to_have_text("Dòng tên cột")
    expect(summary.locator("dd").nth(2)).to_have_text(
        f"dòng {layout.header_row} (các dòng tiêu đề phía trên được bỏ qua)"
    )
    expect(page.locator("#hg-upload-counts tbody tr").first).to_have_text("Cột treo cáp2")
    page.locator("#hg-lang-toggle").click()
    expect(summary.locator("dt").nth(2)).to_have_text("Column-name row")
    assert map_page.errors == []

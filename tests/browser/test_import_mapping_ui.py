"""The upload page shows how a checked file was read (columns → fields, values → codes); a planner
corrects a column, checks again, saves the mapping as a profile and imports the next file of the same
shape with it; an operator sees the mapping but may not save a profile."""

import csv

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.browser.support import TIMEOUT_MS, MapPage

pytestmark = pytest.mark.browser

HEADER = ["Mã cột", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Loại cột", "Cao cột"]
LAT, LON = 9.7840, 105.4700  # Vị Thanh
CHECKED = "Kiểm tra xong: tệp hợp lệ. Chưa ghi gì vào cơ sở dữ liệu."


def _csv(path, prefix: str, owner: str = "VNPT", kind: str = "Cột BTLT"):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows([[f"{prefix}-{i}", LAT, LON + 0.001 * i, owner, kind, 8 + i] for i in range(2)])
    return path


@pytest.fixture
def clean(engine):
    yield
    with engine.begin() as conn:  # the live server's database is shared with the other tests
        conn.execute(text("DELETE FROM poles WHERE code LIKE 'MAP%'"))
        conn.execute(text("DELETE FROM import_profiles"))


def test_a_planner_corrects_the_mapping_saves_a_profile_and_imports_with_it(
    map_page, engine, tmp_path, clean
):
    page = map_page.page
    page.goto(f"{map_page.base_url}/upload")
    page.get_by_label("Lớp dữ liệu").select_option(label="Cột treo cáp")
    page.get_by_label("Tệp", exact=True).set_input_files(_csv(tmp_path / "cot_1.csv", "MAPA"))
    page.get_by_role("button", name="Kiểm tra (không ghi)").click()
    expect(page.locator("#hg-upload-status")).to_have_text(CHECKED, timeout=TIMEOUT_MS)
    mapping = page.locator("#hg-import-mapping")
    expect(mapping.locator("h3")).to_have_text("Cách đọc tệp")
    expect(mapping.locator("#hg-mapping-columns thead th")).to_have_text(["Cột trong tệp", "Trường"])
    rows = mapping.locator("#hg-mapping-columns tbody tr")
    expect(rows.locator("th")).to_have_text(HEADER)
    expect(rows.nth(1).locator("td")).to_have_text("toạ độ: lat")
    unknown = mapping.locator("tr[data-column='Cao cột']")
    expect(unknown).to_contain_text("(chưa nhận ra)")
    select = page.get_by_label("Trường của cột “Cao cột”")
    expect(select).to_have_value("")
    expect(select.locator("option:checked")).to_have_text("bỏ qua")
    values = mapping.locator("#hg-mapping-values tbody tr")
    expect(values.locator("td:first-child")).to_have_text(["Vật liệu cột", "Chủ sở hữu"])
    expect(values.locator("th")).to_have_text(["Cột BTLT", "VNPT"])
    expect(values.nth(1).locator("select")).to_have_value("VNPT")

    select.select_option(label="Độ cao (height_m)")
    page.get_by_role("button", name="Kiểm tra lại").click()
    expect(mapping.locator("tr[data-column='Cao cột']")).not_to_contain_text(
        "(chưa nhận ra)", timeout=TIMEOUT_MS
    )
    expect(page.get_by_label("Trường của cột “Cao cột”")).to_have_value("height_m")

    page.get_by_label("Tên hồ sơ").fill("viettel-2025")
    page.get_by_role("button", name="Lưu hồ sơ").click()
    expect(page.locator("#hg-mapping-message")).to_have_text(
        "Đã lưu hồ sơ “viettel-2025”: chọn nó khi nhập tệp cùng dạng lần sau.", timeout=TIMEOUT_MS
    )
    with engine.connect() as conn:
        saved = conn.execute(text("SELECT name, target, columns, created_by FROM import_profiles")).all()
    assert [(n, t, c["Cao cột"], by) for n, t, c, by in saved] == [
        ("viettel-2025", "poles", "height_m", "planner1")
    ]

    # The next file of the same shape, read with the profile: its heights are written.
    page.get_by_label("Tệp", exact=True).set_input_files(_csv(tmp_path / "cot_2.csv", "MAPB"))
    page.locator("#hg-upload-profile").select_option("viettel-2025")
    page.get_by_role("button", name="Nhập vào cơ sở dữ liệu").click()
    expect(page.locator("#hg-upload-status")).to_have_text("Đã nhập vào cơ sở dữ liệu.", timeout=TIMEOUT_MS)
    with engine.connect() as conn:
        heights = conn.execute(
            text("SELECT code, height_m FROM poles WHERE code LIKE 'MAPB-%' ORDER BY code")
        ).all()
    assert heights == [("MAPB-0", 8.0), ("MAPB-1", 9.0)]

    # A value refused: the refusal shows the mapping too, and the value's code is chosen there.
    page.get_by_label("Tệp", exact=True).set_input_files(_csv(tmp_path / "cot_3.csv", "MAPD", kind="Cột BTS"))
    page.get_by_role("button", name="Kiểm tra (không ghi)").click()
    expect(page.locator("#hg-upload-status")).to_have_text(
        "Tệp bị từ chối (2 lỗi). Không ghi gì vào cơ sở dữ liệu.", timeout=TIMEOUT_MS
    )
    code = page.get_by_label("Mã của giá trị “Cột BTS”")
    expect(code).to_have_value("")
    code.select_option("concrete")
    page.get_by_role("button", name="Kiểm tra lại").click()
    expect(page.locator("#hg-upload-status")).to_have_text(CHECKED, timeout=TIMEOUT_MS)
    expect(page.get_by_label("Mã của giá trị “Cột BTS”")).to_have_value("concrete")

    page.locator("#hg-lang-toggle").click()
    expect(page.locator("#hg-upload-profile option").first).to_have_text("(no profile)")
    page.locator("#hg-lang-toggle").click()
    assert [e for e in map_page.errors if "422" not in e] == []


def test_an_operator_sees_the_mapping_but_no_save_button(chromium, live_server_url, tmp_path, clean):
    probe = MapPage(chromium, live_server_url, user="viettel1")
    try:
        page = probe.page
        page.goto(f"{probe.base_url}/upload")
        page.get_by_label("Lớp dữ liệu").select_option(label="Cột treo cáp")
        page.get_by_label("Tệp", exact=True).set_input_files(_csv(tmp_path / "cot_op.csv", "MAPC", "Viettel"))
        page.get_by_role("button", name="Kiểm tra (không ghi)").click()
        expect(page.locator("#hg-upload-status")).to_have_text(CHECKED, timeout=TIMEOUT_MS)
        expect(page.locator("#hg-import-mapping #hg-mapping-columns")).to_be_visible()
        expect(page.get_by_role("button", name="Kiểm tra lại")).to_be_visible()
        expect(page.get_by_role("button", name="Lưu hồ sơ")).to_have_count(0)
        expect(page.locator("#hg-profile-name")).to_have_count(0)
    finally:
        probe.context.close()

"""The upload page offers the Department to name the meaning of a header or a coded value the
importer did not know: the term is added to the vocabulary (POST /api/vocabulary), in Vietnamese or
English; operators are not offered it."""

import csv

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.browser.support import TIMEOUT_MS

pytestmark = pytest.mark.browser

LAT, LON = 9.7840, 105.4700  # Vị Thanh


@pytest.fixture
def no_terms(engine):
    yield
    with engine.begin() as conn:  # the live server's database is shared with the other tests
        conn.execute(text("DELETE FROM vocabulary_terms"))


def _terms(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT domain, alias, canonical, created_by FROM vocabulary_terms")).all()


def test_a_planner_names_an_unrecognised_header(map_page, engine, tmp_path, no_terms):
    path = tmp_path / "cot.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["Mã cột", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Cao độ cột"], ["VOC-1", LAT, LON, "VNPT", 8]]
        )
    page = map_page.page
    page.goto(f"{map_page.base_url}/upload")
    page.get_by_label("Lớp dữ liệu").select_option(label="Cột treo cáp")
    page.get_by_label("Tệp", exact=True).set_input_files(path)
    page.get_by_role("button", name="Kiểm tra (không ghi)").click()
    offer = page.locator("#hg-vocabulary-offer")
    expect(offer.locator("h3")).to_have_text("Cột chưa nhận ra", timeout=TIMEOUT_MS)
    row = offer.locator(".hg-vocab-row")
    expect(row).to_have_count(1)
    page.get_by_role("button", name="Thêm vào từ vựng").click()
    expect(row.locator(".hg-vocab-message")).to_have_text("Hãy chọn một ý nghĩa trước.")
    page.get_by_label("“Cao độ cột” nghĩa là").select_option("height_m")
    page.get_by_role("button", name="Thêm vào từ vựng").click()
    expect(row).to_have_text("Đã thêm: “Cao độ cột” nghĩa là height_m.")
    assert _terms(engine) == [("column", "Cao độ cột", "height_m", "planner1")]

    page.locator("#hg-lang-toggle").click()
    expect(offer.locator("h3")).to_have_text("Unrecognised columns")
    expect(page.locator("#hg-vocabulary-offer .hg-vocab-row")).to_have_text(
        "Added: “Cao độ cột” means height_m."
    )
    page.locator("#hg-lang-toggle").click()
    # Checked again, the header is read with the new term: nothing left to name.
    page.get_by_role("button", name="Kiểm tra (không ghi)").click()
    expect(page.locator("#hg-upload-status")).to_have_text(
        "Kiểm tra xong: tệp hợp lệ. Chưa ghi gì vào cơ sở dữ liệu."
    )
    expect(page.locator("#hg-vocabulary-offer")).to_have_count(0)
    assert map_page.errors == []


def test_a_planner_names_a_refused_value(map_page, engine, tmp_path, no_terms):
    path = tmp_path / "cot.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["Mã cột", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Vật liệu"]]
            + [[f"VOC-{i}", LAT, LON + i / 1000, "VNPT", "Bê tông dự ứng lực"] for i in range(2)]
        )
    page = map_page.page
    page.goto(f"{map_page.base_url}/upload")
    page.get_by_label("Lớp dữ liệu").select_option(label="Cột treo cáp")
    page.get_by_label("Tệp", exact=True).set_input_files(path)
    page.get_by_role("button", name="Kiểm tra (không ghi)").click()
    expect(page.locator("#hg-upload-status")).to_have_text(
        "Tệp bị từ chối (2 lỗi). Không ghi gì vào cơ sở dữ liệu.", timeout=TIMEOUT_MS
    )
    offer = page.locator("#hg-vocabulary-offer")
    expect(offer.locator("h3")).to_have_text("Giá trị chưa nhận ra")
    expect(offer.locator(".hg-vocab-row")).to_have_count(1)  # the same value on two rows: one offer
    choice = page.get_by_label("Giá trị “Bê tông dự ứng lực” của material nghĩa là")
    expect(choice.locator("option")).to_have_text(
        ["— chọn ý nghĩa —", "concrete", "steel", "wood", "composite"]
    )
    choice.select_option("concrete")
    page.get_by_role("button", name="Thêm vào từ vựng").click()
    expect(offer.locator(".hg-vocab-row")).to_have_text("Đã thêm: “Bê tông dự ứng lực” nghĩa là concrete.")
    assert _terms(engine) == [("material", "Bê tông dự ứng lực", "concrete", "planner1")]
    # Refusals answer 422, which Chromium logs; nothing else may have gone wrong.
    assert [e for e in map_page.errors if "422" not in e] == []


def test_operators_are_not_offered_to_change_the_vocabulary(chromium, live_server_url, tmp_path, no_terms):
    from tests.browser.support import MapPage

    probe = MapPage(chromium, live_server_url, user="viettel1")
    try:
        path = tmp_path / "cot.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(
                [
                    ["Mã cột", "Vĩ độ", "Kinh độ", "Chủ sở hữu", "Cao độ cột"],
                    ["VOC-2", LAT, LON, "Viettel", 8],
                ]
            )
        page = probe.page
        page.goto(f"{probe.base_url}/upload")
        page.get_by_label("Lớp dữ liệu").select_option(label="Cột treo cáp")
        page.get_by_label("Tệp", exact=True).set_input_files(path)
        page.get_by_role("button", name="Kiểm tra (không ghi)").click()
        expect(page.locator("#hg-upload-status")).to_have_text(
            "Kiểm tra xong: tệp hợp lệ. Chưa ghi gì vào cơ sở dữ liệu.", timeout=TIMEOUT_MS
        )
        expect(page.locator("#hg-upload-warnings")).to_contain_text("Cao độ cột")
        expect(page.locator("#hg-vocabulary-offer")).to_have_count(0)
    finally:
        probe.context.close()

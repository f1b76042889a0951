"""The officials' dashboard in headless Chromium against the live app: the indicator table as
the API reports it, a district drilled into (communes, hamlets, a hamlet zoomed on the map), the
choropleth switched to another indicator, and a period closed whose report prints to A4."""

import io
import re
import unicodedata

import openpyxl
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import text

from tests.browser.support import format_vi

pytestmark = pytest.mark.browser

TITLE_VI = "Theo dõi chỉ tiêu hạ tầng số tỉnh Hậu Giang"


def _open(map_page, query: str = ""):
    page = map_page.page
    page.goto(f"{map_page.base_url}/dashboard{query}")
    page.wait_for_function(
        "window.__hgdash !== undefined && window.__hgdash.idle && window.__hgdash.state.rows.length"
    )
    return page


def _idle(page):
    page.wait_for_function("window.__hgdash.idle")


def _state(page) -> dict:
    return page.evaluate("window.__hgdash.state")


def test_the_table_shows_what_the_api_says(map_page):
    page = _open(map_page)
    expect(page).to_have_title(TITLE_VI)
    expect(page.locator("h1")).to_have_text(TITLE_VI)
    period = _state(page)["period"]
    api = map_page.api(f"/api/indicators?level=district&period={period}")
    rows = page.locator("#dash-indicator-table tbody tr")
    expect(rows).to_have_count(1 + len(api["units"]))
    assert _state(page)["rows"] == ["93", *[u["code"] for u in api["units"]]]
    expect(page.locator("#dash-indicator-table thead th[data-indicator]")).to_have_count(21)
    unit = api["units"][0]
    record = next(i for i in unit["indicators"] if i["id"] == "bts_site_sharing")
    cell = page.locator(f'tr[data-code="{unit["code"]}"] td[data-indicator="bts_site_sharing"]')
    expect(cell.locator(".hg-dash-value")).to_have_text(f"{format_vi(record['value'], 1)}%")
    expect(cell).to_have_attribute("data-status", record["status"])
    assert cell.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    # The group filter keeps the three sharing indicators.
    page.select_option("#dash-group", "sharing")
    expect(page.locator("#dash-indicator-table thead th[data-indicator]")).to_have_count(3)
    # Sorting a column orders the districts by its value.
    page.locator('th[data-indicator="pole_sharing"] button').click()
    values = {
        u["code"]: next(i for i in u["indicators"] if i["id"] == "pole_sharing")["value"]
        for u in api["units"]
    }
    expected = sorted(values, key=lambda c: values[c])
    assert [c for c in _state(page)["rows"] if c != "93"] == expected
    page.locator('th[data-indicator="pole_sharing"] button').click()
    assert [c for c in _state(page)["rows"] if c != "93"] == expected[::-1]
    # English on demand.
    page.click("#hg-lang-toggle")
    expect(page.locator("h1")).to_have_text("Digital-infrastructure indicators of Hậu Giang province")
    expect(page.locator('th[data-indicator="pole_sharing"]')).to_contain_text("Share of cable poles")
    assert map_page.errors == []


def test_a_district_drilled_into_down_to_a_hamlet(map_page):
    page = _open(map_page)
    period = _state(page)["period"]
    communes = map_page.api(f"/api/indicators?level=commune&parent=934&period={period}")["units"]
    page.click('tr[data-code="934"] .hg-dash-drill')
    expect(page.locator("tr.hg-dash-row-commune")).to_have_count(len(communes))
    _idle(page)
    state = _state(page)
    assert state["drilled"] == "934"
    assert state["map"]["level"] == "commune" and set(state["map"]["units"]) == {c["code"] for c in communes}

    page.click('tr[data-code="934"] .hg-dash-unit-name')
    gaps = map_page.api(f"/api/drilldown/934?period={period}")
    expect(page.locator("#dash-hamlet-table tbody tr")).to_have_count(len(gaps["hamlets"]))
    _idle(page)
    shown = _state(page)["hamlets"]
    populations = [h["population"] for h in sorted(gaps["hamlets"], key=lambda h: -h["population"])]
    by_code = {h["code"]: h for h in gaps["hamlets"]}
    assert [by_code[c]["population"] for c in shown["order"]] == populations  # largest first
    page.click('#dash-hamlet-table button[data-sort="name"]')
    names = [by_code[c]["name"] for c in _state(page)["hamlets"]["order"]]
    assert names[0] <= names[-1]
    first = page.locator("#dash-hamlet-table tbody tr").first
    code = first.get_attribute("data-code")
    first.click()
    page.wait_for_function(
        "(c) => window.__hgdash.state.map.highlight?.code === c && window.__hgdash.state.map.highlight.found",
        arg=code,
    )
    expect(page.locator(".hg-dash-exports a[data-format='xlsx']").first).to_have_attribute(
        "href", re.compile(r"/api/drilldown/934/export")
    )
    assert map_page.errors == []


def test_the_choropleth_follows_the_chosen_indicator(map_page):
    page = _open(map_page)
    period = _state(page)["period"]
    api = {
        u["code"]: {i["id"]: i for i in u["indicators"]}
        for u in map_page.api(f"/api/indicators?level=district&period={period}")["units"]
    }
    before = _state(page)["map"]
    assert before["indicator"] == "mobile_bb_hamlet_coverage" and before["count"] == 8
    page.click('tr[data-code="930"] td[data-indicator="commune_gov_network"]')
    _idle(page)
    after = _state(page)["map"]
    assert after["indicator"] == "commune_gov_network"
    assert {c: u["status"] for c, u in after["units"].items()} == {
        c: r["commune_gov_network"]["status"] for c, r in api.items()
    }
    expect(page.locator(".hg-legend")).to_contain_text("UBND cấp xã")
    expect(page.locator("#dash-trend-chart svg")).to_be_visible()
    expect(page.locator("#dash-trend-chart svg .hg-trend-target")).to_have_count(1)
    assert _state(page)["unit"]["code"] == "930"
    assert map_page.errors == []


def test_closing_a_period_then_its_report_prints_to_a4(map_page):
    page = _open(map_page, "?period=2024-Q4")
    page.on("dialog", lambda dialog: dialog.accept())
    if not map_page.api("/api/periods")["periods"][0]["closed"]:
        page.click("#dash-close")
    # Closing first computes the coverage of the quarter's last day (seconds on a busy machine).
    expect(page.locator("#dash-period-status")).to_have_attribute("data-closed", "true", timeout=60_000)
    link = page.locator(".hg-dash-report-link[data-kind='html']")
    expect(link).to_have_attribute("href", "/api/reports/2024-Q4.html?scope=province")
    xlsx = map_page.context.request.get(f"{map_page.base_url}/api/reports/2024-Q4.xlsx?scope=province")
    assert xlsx.ok
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.body()))
    assert wb.sheetnames[:2] == ["Tổng hợp", "Theo đơn vị"] and "Quý 4/2024" in wb["Tổng hợp"]["A2"].value

    report = map_page.new_page()
    report.goto(f"{map_page.base_url}{link.get_attribute('href')}")
    pdf = PdfReader(io.BytesIO(report.pdf(format="A4", print_background=True, prefer_css_page_size=True)))
    assert len(pdf.pages) >= 4
    first = pdf.pages[0].mediabox
    assert (round(float(first.width)), round(float(first.height))) == (595, 842)  # A4 portrait, in points
    landscape = [p for p in pdf.pages if float(p.mediabox.width) > float(p.mediabox.height)]
    assert landscape, "the table of every district is on a landscape page"
    # pypdf spaces out the glyphs Chromium positions one by one (diacritics): compare without spaces.
    text = unicodedata.normalize("NFC", re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages)))
    for expected in (
        "BÁO CÁO",
        "Kết quả thực hiện Kế hoạch phát triển hạ tầng số",
        "Quý 4/2024",
        # Issued today: by the body in force now (the sample's bodies.csv), since 1 July 2025 this one.
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ THÀNH PHỐ CẦN THƠ",
        "Tỷ lệ dùng chung vị trí trạm BTS",
        "Huyện Phụng Hiệp",
        "Bản đồ vùng phủ sóng và vùng lõm sóng",
        "GIÁM ĐỐC",
    ):
        assert unicodedata.normalize("NFC", expected.replace(" ", "")) in text, expected
    assert map_page.errors == []


def test_refused_figures_are_listed_in_the_current_language(map_page):
    page = _open(map_page)
    page.fill("#dash-stat-internet_users", "12.5")  # the browser lets it through (step any)
    page.locator("#dash-stats-form button[type=submit]").click()
    problem = page.locator("#dash-stats-message li[data-code='stats.not_whole']")
    expect(problem).to_have_text("Số người sử dụng Internet: phải là số nguyên (số đếm), nhận được 12.5")
    # An import's problems name their row; the list follows the language toggle.
    page.set_input_files(
        "#dash-import-file",
        files=[
            {
                "name": "so_lieu.csv",
                "mimeType": "text/csv",
                "buffer": b"ma_don_vi,ky,adults\n934,2025-Q3,abc\n",
            }
        ],
    )
    page.locator("#dash-import-form button[type=submit]").click()
    problem = page.locator("#dash-stats-message li[data-code='value.not_a_number']")
    expect(problem).to_have_text("Dòng 2 — Dân số trưởng thành: “abc” không phải là số")
    page.click("#hg-lang-toggle")
    expect(problem).to_have_text("Row 2 — Adult population: 'abc' is not a number")
    expect(page.locator("#dash-stats-message > p")).to_have_text("Invalid figures, nothing was saved:")
    map_page.errors.clear()  # the browser logs the two refusals (422), as expected


def test_a_second_plan_is_picked_and_the_report_links_carry_it(map_page, engine, tmp_path):
    # A past plan (2021–2022): neither in force today nor the latest, so no other test's default moves.
    from app.services.imports.importer import import_file
    from tests.app.test_plans import PLAN_ROWS, TARGET_ROWS, plan_workbook

    code = "VD-2021-2022"
    rows = [
        ("Mã kế hoạch", code),
        ("Tên kế hoạch", "Kế hoạch thử nghiệm giai đoạn 2021 – 2022"),
        *[r for r in PLAN_ROWS if r[0] not in ("Mã kế hoạch", "Tên kế hoạch", "Từ năm", "Đến năm")],
        ("Từ năm", 2021),
        ("Đến năm", 2022),
    ]
    targets = [[*r[:6], 50, 2022] for r in TARGET_ROWS[:2]]
    import_file(engine, plan_workbook(tmp_path / "vd.xlsx", rows, targets), "plans")
    try:
        page = _open(map_page, "?period=2024-Q4")
        assert _state(page)["shownPlan"] == "HG-2023-2025"  # the quarter's plan, unasked
        page.on("dialog", lambda dialog: dialog.accept())
        if page.locator("#dash-close").count():
            page.click("#dash-close")
            _idle(page)
        page.select_option("#dash-plan", code)
        page.wait_for_function(f"window.__hgdash.idle && window.__hgdash.state.shownPlan === '{code}'")
        shown = page.eval_on_selector_all(
            "#dash-table th[data-indicator]", "els => els.map((e) => e.dataset.indicator)"
        )
        assert shown == ["mobile_bb_hamlet_coverage", "fixed_bb_subs_per_100"]
        link = page.locator(".hg-dash-report-link[data-kind='html']")
        expect(link).to_have_attribute("href", f"/api/reports/2024-Q4.html?scope=province&plan={code}")
        assert f"plan={code}" in page.url
        html = map_page.context.request.get(f"{map_page.base_url}{link.get_attribute('href')}").text()
        assert "Kết quả thực hiện Kế hoạch thử nghiệm giai đoạn 2021 – 2022" in html
        assert map_page.errors == []
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM plans WHERE code = :c"), {"c": code})


def test_an_official_limited_to_a_district_starts_on_it(chromium, live_server_url, tokens):
    """official934 sees district 934 and its communes at once; nothing asks for the province (403)."""
    from tests.browser.support import MapPage

    official = MapPage(chromium, live_server_url, user="official934")
    try:
        page = _open(official)
        state = _state(page)
        assert state["error"] is None and state["drilled"] == "934"
        assert state["unit"]["code"] == "934"
        rows = state["rows"]
        assert "934" in rows and all(code == "934" or code.startswith("934") for code in rows), rows
        assert len(rows) > 1  # its communes are listed under it
        assert not official.errors, official.errors  # no refused request logged
    finally:
        official.context.close()

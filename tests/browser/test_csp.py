"""The pages work under their Content-Security-Policy: every page is used (layers switched, popups
opened, the language toggled, a file checked, a report printed, the API documentation opened) and
the browser reports no violation, neither as a `securitypolicyviolation` event nor on the console."""

import time

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from app.middleware import content_security_policy, inline_hashes
from tests.browser.support import TIMEOUT_MS, MapPage, click_at
from tests.conftest import TEST_PASSWORD, bearer, new_account

pytestmark = pytest.mark.browser

IDLE = "window.__hgmap !== undefined && window.__hgmap.idle"
# Installed before any script of the page runs: every violation the page meets is kept.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def planner(chromium, live_server_url, tokens):
    """A planner's browser that enforces the policy (the other tests' browsers bypass it)."""
    probe = MapPage(chromium, live_server_url, user="planner1", enforce_csp=True)
    probe.context.add_init_script(RECORD_VIOLATIONS)
    yield probe
    probe.context.close()


@pytest.fixture
def visitor(chromium, live_server_url):
    probe = MapPage(chromium, live_server_url, enforce_csp=True)
    probe.context.add_init_script(RECORD_VIOLATIONS)
    yield probe
    probe.context.close()


def _until(page, expression: str) -> None:
    """Wait for `expression` to be true, without Playwright's wait_for_function (its predicates are
    eval'd in the page, which the policy forbids); page.evaluate goes through DevTools instead."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out waiting for {expression}; violations: {page.evaluate('window.__csp')}"
            )
        page.wait_for_timeout(100)


def _open(probe, path: str = "/", page=None):
    page = page or probe.page
    page.goto(f"{probe.base_url}{path}")
    if path == "/":
        _until(page, IDLE)
    return page


def _clean(probe, page):
    assert page.evaluate("window.__csp") == []
    assert probe.errors == []  # the browser also logs a violation on the console


def test_the_headers_are_on_every_page(planner):
    for path in ("/", "/dashboard", "/upload", "/docs", "/src/main.js", "/api/auth/me"):
        r = planner.context.request.get(f"{planner.base_url}{path}")
        assert r.ok, path
        policy = r.headers["content-security-policy"]
        assert "script-src 'self' 'sha256-" in policy and "unsafe" not in policy, path
        assert "frame-ancestors 'none'" in policy
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_inline_code_is_refused_and_reported(planner):
    """What the other tests would see if a page used inline code: the policy allows none of it."""
    page = _open(planner, "/upload")
    page.evaluate("""() => {
        document.body.insertAdjacentHTML('beforeend', '<p style="color: red">x</p><img src=x onerror="window.__ran = 1">');
        const script = document.createElement('script');
        script.textContent = 'window.__ran = 2';
        document.body.append(script);
    }""")
    _until(page, "window.__csp.length >= 3")
    assert page.evaluate("window.__ran") is None
    # (Chromium reports a refused style attribute twice.)
    assert {v.split(" ")[0] for v in page.evaluate("window.__csp")} == {
        "script-src-attr",
        "script-src-elem",
        "style-src-attr",
    }


def test_the_map_works_under_its_policy(planner):
    page = _open(planner)
    # Layers switched, the basemap changed, the search list drawn.
    page.get_by_label("Cột treo cáp").check()
    page.get_by_label("UBND cấp xã").check()
    page.get_by_label("Không nền").check()
    _until(page, IDLE)
    page.locator("#hg-search-input").fill("tan loi")
    expect(page.get_by_role("option").first).to_be_visible()
    page.keyboard.press("Escape")
    # A site's popup, at a zoom where the site is drawn.
    site = planner.api("/ogc/collections/sites/items?limit=1")["features"][0]
    lon, lat = site["geometry"]["coordinates"]
    page.evaluate(
        "([lat, lon]) => { window.__hgmap.map.setView([lat, lon], 16, {animate: false}); }", [lat, lon]
    )
    _until(page, IDLE)
    click_at(page, lat, lon)
    expect(page.locator(".leaflet-popup .hg-popup-title")).to_have_text(site["properties"]["code"])
    # English and back.
    page.click("#hg-lang-toggle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("#hg-lang-toggle")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    _clean(planner, page)


def test_the_dashboard_works_under_its_policy(planner):
    page = _open(planner, "/dashboard")
    _until(page, "window.__hgdash !== undefined && window.__hgdash.idle && window.__hgdash.state.rows.length")
    page.click('tr[data-code="934"] .hg-dash-drill')
    _until(page, "window.__hgdash.idle")
    page.locator('tr[data-code="934"] td[data-indicator="bts_site_sharing"]').click()  # its trend chart
    expect(page.locator("#dash-trend-chart svg")).to_be_visible()
    page.locator('th[data-indicator="pole_sharing"] button').click()
    page.click("#hg-lang-toggle")
    expect(page.locator("h1")).to_have_text("Digital-infrastructure indicators of Hậu Giang province")
    _clean(planner, page)


def _check_poles(planner, path):
    """The upload page, a poles file checked (a dry run)."""
    page = _open(planner, "/upload")
    page.get_by_label("Lớp dữ liệu").select_option(label="Cột treo cáp")
    page.get_by_label("Tệp", exact=True).set_input_files(path)
    page.get_by_role("button", name="Kiểm tra (không ghi)").click()
    return page


def test_the_upload_page_works_under_its_policy(planner, tmp_path):
    bad = tmp_path / "cot.csv"
    bad.write_text(
        "Mã cột,Vĩ độ,Kinh độ,Chủ sở hữu,Độ cao\nCSP-1,9.784,105.47,Không Có,8\n", encoding="utf-8"
    )
    page = _check_poles(planner, bad)
    expect(page.locator("#hg-upload-status")).to_contain_text("Tệp bị từ chối", timeout=TIMEOUT_MS)
    planner.errors.clear()  # the browser logs the 422 of the refused file, as expected
    page.click("#hg-lang-toggle")
    expect(page.locator("h1")).to_have_text("Import telecom infrastructure data")
    _clean(planner, page)


def test_an_oversized_upload_is_refused_in_vietnamese(planner, tmp_path):
    big = tmp_path / "cot_lon.csv"
    with big.open("wb") as fh:
        fh.truncate(51 * 1024 * 1024)
    page = _check_poles(planner, big)
    expect(page.locator("#hg-upload-problems td").last).to_have_text(
        "Tệp quá lớn: mỗi lần tải lên tối đa 50 MiB", timeout=TIMEOUT_MS
    )
    planner.errors.clear()  # the browser logs the 413, as expected
    _clean(planner, page)


def test_a_report_prints_under_its_own_policy(planner, tokens):
    if not planner.api("/api/periods")["periods"][0]["closed"]:
        r = httpx.post(
            f"{planner.base_url}/api/periods/2024-Q4/close", headers=bearer(tokens["planner1"]), timeout=300
        )
        assert r.status_code == 200, r.text
    url = f"{planner.base_url}/api/reports/2024-Q4.html?scope=province"
    report = planner.context.request.get(url)
    # Exactly its own inline stylesheet, on top of the policy of every page.
    (style,) = inline_hashes(report.text())[1]
    assert report.headers["content-security-policy"] == content_security_policy(styles=[style])
    page = planner.new_page()
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible()
    # The inline stylesheet applies: the report's A4 page rule and fonts are there.
    assert page.evaluate("[...document.styleSheets].some((s) => s.cssRules.length > 0)")
    assert page.pdf(format="A4", prefer_css_page_size=True)[:4] == b"%PDF"
    _clean(planner, page)


def test_the_api_documentation_loads_from_the_app(planner):
    requested = []
    page = planner.page
    page.on("request", lambda request: requested.append(request.url))
    _open(planner, "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Hạ tầng viễn thông — API")
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert all(url.startswith(planner.base_url) for url in requested), requested
    _clean(planner, page)


def test_logging_in_and_a_forced_password_change_in_vietnamese(visitor, engine):
    new_account(engine, "csp.doimk", must_change_password=True)
    page = _open(visitor)
    page.click("#hg-login-button")
    page.fill("#hg-username", "csp.doimk")
    page.fill("#hg-password", "not the password")
    page.click("#hg-login-submit")
    expect(page.locator("#hg-login-dialog .hg-form-error")).to_have_text(
        "Mật khẩu: không đúng với tên đăng nhập, hoặc tài khoản không tồn tại hay đã bị khoá"
    )
    page.fill("#hg-password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("#hg-login-submit")
    _until(page, IDLE)
    dialog = page.locator("#hg-password-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#hg-current-password").fill(TEST_PASSWORD)
    dialog.locator("#hg-new-password").fill("1234567890")
    dialog.get_by_role("button", name="Đổi mật khẩu").click()
    expect(dialog.locator(".hg-form-error")).to_have_text(
        "Mật khẩu mới: là một trong những mật khẩu phổ biến nhất; hãy chọn mật khẩu khác"
    )
    dialog.locator("#hg-new-password").fill(TEST_PASSWORD)
    dialog.get_by_role("button", name="Đổi mật khẩu").click()
    expect(dialog.locator(".hg-form-error")).to_have_text("Mật khẩu mới: phải khác mật khẩu hiện tại")
    visitor.errors.clear()  # the browser logs the refusals (401, 400), as expected
    dialog.locator("#hg-new-password").fill("sông Hậu mùa nước nổi")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Đổi mật khẩu").click()
    _until(page, IDLE)
    expect(page.locator("#hg-account-name")).to_contain_text("csp.doimk")  # still logged in
    expect(page.locator("#hg-password-dialog")).to_have_count(0)
    _clean(visitor, page)
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT must_change_password FROM users WHERE username = 'csp.doimk'")
            ).scalar_one()
            is False
        )

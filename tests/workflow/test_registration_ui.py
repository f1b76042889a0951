"""The registration workflow in the browser: an operator logs in, places a site on the map, sees
the sharing suggestion and the what-if, submits; a planner approves; the site goes active."""

import pytest
from sqlalchemy import text

from tests.browser.support import MapPage, answer_next_dialog, click_at, set_view, wait_idle
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def _shareable_site(engine):
    """An active site of another operator that accepts tenants, alone within 600 m (rural)."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT s.code, ST_X(s.geom), ST_Y(s.geom) FROM sites s JOIN operators o ON o.id = s.owner_id "
                "JOIN admin_units c ON c.level = 'commune' AND NOT c.urban AND ST_Intersects(c.geom, s.geom) "
                "AND ST_Intersects(c.geom, ST_Translate(s.geom, 0.0025, 0)) "
                "WHERE s.status = 'active' AND s.accepts_tenants AND o.short_name <> 'Viettel' "
                "AND NOT EXISTS (SELECT 1 FROM sites x WHERE x.id <> s.id AND x.status IN ('proposed', 'approved', 'active') "
                "AND ST_DWithin(x.geom::geography, s.geom::geography, 600)) ORDER BY s.code DESC LIMIT 1"
            )
        ).one()


def test_operator_registers_planner_approves_site_goes_active(chromium, live_server_url, tokens, engine):
    code, lon, lat = _shareable_site(engine)
    new_lon = lon + 0.0025  # ≈ 275 m east: inside the 500 m sharing radius, far from the 30 m rule
    operator = MapPage(chromium, live_server_url, user="viettel1")
    try:
        page = operator.open()
        assert "viettel1" in page.locator("#hg-account-name").inner_text()
        assert page.locator("#hg-register").is_visible()
        page.fill("#hg-reg-code", "UI-VT-001")
        page.fill("#hg-reg-name", "Vị Thanh 9")
        set_view(page, lat, new_lon, 15)
        page.click("#hg-reg-place")
        click_at(page, lat, new_lon)
        assert float(page.input_value("#hg-reg-lon")) == pytest.approx(new_lon, abs=2e-5)
        assert float(page.input_value("#hg-reg-lat")) == pytest.approx(lat, abs=2e-5)
        page.click("#hg-reg-check")
        page.wait_for_selector(f"#hg-reg-candidates li[data-code='{code}']")
        page.wait_for_selector("#hg-reg-whatif")
        assert (
            "trạm của doanh nghiệp khác cho thuê dùng chung" in page.locator("#hg-reg-results").inner_text()
        )
        what_if = page.locator("#hg-reg-whatif")
        assert "Nếu xây" in what_if.inner_text()
        # Its lead-in ends with a colon exactly when a list of hamlets follows.
        lead = what_if.locator("p").inner_text().strip()
        assert lead.endswith(":") == (what_if.locator("li").count() > 0), lead
        assert page.locator("#hg-reg-reason-row").is_visible()
        page.click("#hg-reg-submit")  # without a reason: refused, naming the field
        page.wait_for_selector("#hg-reg-message .hg-problems")
        refusal = page.locator("#hg-reg-message li[data-field='new_structure_reason']").inner_text()
        assert refusal.startswith("Lý do xây mới: Có 1 trạm cho thuê dùng chung") and code in refusal
        page.fill("#hg-reg-reason", "Cột hiện có không đủ chiều cao cho anten 5G")
        page.click("#hg-reg-submit")
        page.wait_for_function("document.querySelector('#hg-reg-message').innerText.includes('UI-VT-001')")
        assert "chờ Sở phê duyệt" in page.locator("#hg-reg-message").inner_text()
        page.wait_for_selector("#hg-review-list li[data-code='UI-VT-001'][data-status='proposed']")
        assert page.locator("#hg-approve-UI-VT-001").count() == 0  # operators do not approve
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT name FROM sites WHERE code = 'UI-VT-001'")).scalar_one()
                == "Vị Thanh 9"
            )
        # The browser logs the one refusal it was shown (the missing reason), and nothing else.
        assert [e for e in operator.errors if "status of 422" not in e or "/api/sites" not in e] == [], (
            operator.errors
        )
    finally:
        operator.context.close()

    planner = MapPage(chromium, live_server_url, user="planner1")
    try:
        page = planner.open()
        row = page.locator("#hg-review-list li[data-code='UI-VT-001']")
        assert "Cột hiện có không đủ chiều cao" in row.inner_text()
        asked = answer_next_dialog(page)
        page.click("#hg-approve-UI-VT-001")
        page.wait_for_selector("#hg-review-list li[data-code='UI-VT-001'][data-status='approved']")
        assert asked == ["Phê duyệt trạm UI-VT-001 của Viettel? Doanh nghiệp sẽ được phép xây dựng."]
        answer_next_dialog(page)
        page.click("#hg-activate-UI-VT-001")
        page.wait_for_function("!document.querySelector(\"#hg-review-list li[data-code='UI-VT-001']\")")
        wait_idle(page)
        page.wait_for_function("window.__hgmap.codes('sites').includes('UI-VT-001')")
        site = planner.api("/api/sites/UI-VT-001")
        assert site["status"] == "active" and site["approved_on"] and site["commissioned_on"]
        assert not planner.errors, planner.errors
    finally:
        planner.context.close()
    history = [e for e in _history(engine) if e[0] == "sites"]
    assert [h[1:] for h in history] == [
        ("viettel1", "proposed"),
        ("planner1", "approved"),
        ("planner1", "active"),
    ]


def _history(engine):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT entity, actor, after->>'status' FROM audit_log WHERE record_code = 'UI-VT-001' ORDER BY id"
            )
        ).all()


def test_the_planner_rejects_with_a_reason_and_the_operator_sees_it(chromium, live_server_url, client_as):
    from tests.workflow.test_registration import site_body

    r = client_as("viettel1").post(
        "/api/sites", json=site_body("UI-REJ-1", 105.4530, 9.6700, new_structure_reason="x")
    )
    assert r.status_code == 201, r.text
    reason = "Vị trí nằm trong hành lang an toàn giao thông"
    planner = MapPage(chromium, live_server_url, user="planner1")
    try:
        page = planner.open()
        page.fill("#hg-reason-UI-REJ-1", reason)
        answer_next_dialog(page)
        page.click("#hg-reject-UI-REJ-1")
        # The Department's list keeps what awaits it: the rejected registration leaves it.
        page.wait_for_function("!document.querySelector(\"#hg-review-list li[data-code='UI-REJ-1']\")")
        assert not planner.errors, planner.errors
    finally:
        planner.context.close()
    operator = MapPage(chromium, live_server_url)
    try:
        page = operator.open()
        page.click("#hg-login-button")
        page.fill("#hg-username", "viettel1")
        page.fill("#hg-password", TEST_PASSWORD)
        with page.expect_navigation():
            page.click("#hg-login-submit")
        wait_idle(page)
        row = page.locator("#hg-review-list li[data-code='UI-REJ-1'][data-status='rejected']")
        row.wait_for()
        assert row.locator(".hg-badge").inner_text() == "Bị từ chối"
        assert f"Ghi chú của Sở: {reason}" in row.inner_text()
        assert page.locator("#hg-resubmit-UI-REJ-1").is_visible()  # the owner may send it again
        assert not operator.errors, operator.errors
    finally:
        operator.context.close()


def test_anonymous_map_shows_public_layers_and_logs_in(anon_page, tokens):
    # `tokens` creates the test accounts this visitor then logs in with.
    page = anon_page.open()
    layers = page.evaluate("Object.keys(window.__hgmap.layers)")
    assert "sites" not in layers and "districts" in layers and "dead_zones" in layers
    assert page.locator("#hg-register").is_hidden()
    assert page.locator("#hg-upload-link").is_hidden()  # nothing to import without an account
    page.click("#hg-login-button")
    page.fill("#hg-username", "official1")
    page.fill("#hg-password", "wrong password")
    page.click("#hg-login-submit")
    page.wait_for_selector("#hg-login-dialog .hg-form-error:not([hidden])")
    anon_page.errors.clear()  # the browser logs the refused login (401), as expected
    page.fill("#hg-password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("#hg-login-submit")
    wait_idle(page)
    assert "official1" in page.locator("#hg-account-name").inner_text()
    assert "sites" in page.evaluate("Object.keys(window.__hgmap.layers)")
    assert page.locator("#hg-register").is_hidden()  # officials read only
    assert page.locator("#hg-upload-link").is_hidden()
    assert not anon_page.errors, anon_page.errors


def test_a_sites_popup_opens_its_history_and_the_department_downloads_the_trail(map_page, engine):
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM sites WHERE code = 'UI-VT-001'")
        ).one()
    page = map_page.open()
    set_view(page, lat, lon, 16)
    click_at(page, lat, lon)
    page.wait_for_selector(".hg-popup .hg-popup-history")
    assert "UI-VT-001" in page.locator(".hg-popup-title").inner_text()
    page.click(".hg-popup .hg-popup-history")
    dialog = page.locator("#hg-history-dialog")
    dialog.wait_for(state="visible")
    text_ = dialog.inner_text()
    assert "viettel1" in text_ and "planner1" in text_
    # Field names and codes as people read them, not the database's ("status: approved → active").
    assert "Trạng thái: Đã phê duyệt → Đang hoạt động" in text_ and "Tạo trạm UI-VT-001" in text_
    assert "sites" not in text_ and "status:" not in text_
    assert "Chủ sở hữu: — → Viettel" in text_ and "mã số" not in text_  # the owner by name, not its id
    href = page.get_attribute("#hg-audit-download", "href")
    r = map_page.context.request.get(f"{map_page.base_url}{href}")
    assert r.ok and "UI-VT-001" in r.text()
    assert not map_page.errors, map_page.errors


def test_the_upload_page_offers_templates_that_import(map_page, tmp_path):
    page = map_page.page
    page.goto(f"{map_page.base_url}/upload")
    page.wait_for_selector("#hg-template-csv")
    href = page.get_attribute("#hg-template-xlsx", "href")
    assert href == "/api/templates/sites.xlsx"
    with page.expect_download() as download:
        page.click("#hg-template-csv")
    assert download.value.suggested_filename == "mau_sites.csv"
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    page.set_input_files("#hg-upload-file", path)
    page.click("#hg-upload-check")
    page.wait_for_function("document.querySelector('#hg-upload-report').innerText.length > 0")
    counts = page.locator("#hg-upload-counts")
    counts.wait_for()
    assert "Số bản ghi sẽ được ghi" in counts.locator("caption").inner_text()
    assert page.locator("#hg-upload-problems").count() == 0
    assert not map_page.errors, map_page.errors


def test_an_operator_edits_its_active_site_and_the_department_approves_the_change(
    chromium, live_server_url, engine
):
    with engine.connect() as conn:
        lon, lat, height = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom), height_m FROM sites WHERE code = 'UI-VT-001'")
        ).one()
    operator = MapPage(chromium, live_server_url, user="viettel1")
    try:
        page = operator.open()
        set_view(page, lat, lon, 16)
        click_at(page, lat, lon)
        page.click(".hg-popup .hg-popup-edit")
        page.wait_for_function("document.querySelector('#hg-reg-code').readOnly")
        assert page.input_value("#hg-reg-code") == "UI-VT-001"
        assert float(page.input_value("#hg-reg-height")) == height
        page.fill("#hg-reg-height", str(height + 6))
        page.click("#hg-reg-submit")
        page.wait_for_function(
            "document.querySelector('#hg-reg-message').innerText.includes('chờ Sở phê duyệt')"
        )
        assert not operator.errors, operator.errors
    finally:
        operator.context.close()
    planner = MapPage(chromium, live_server_url, user="planner1")
    try:
        page = planner.open()
        answer_next_dialog(page)
        page.click("#hg-approve-change-UI-VT-001")
        page.wait_for_function("!document.querySelector('#hg-approve-change-UI-VT-001')")
        site = planner.api("/api/sites/UI-VT-001")
        assert (
            site["height_m"] == height + 6 and site["pending_change"] is None and site["status"] == "active"
        )
        assert not planner.errors, planner.errors
    finally:
        planner.context.close()


def test_vn2000_input_and_the_offered_swap(map_page):
    from pyproj.transformer import TransformerGroup

    lon, lat = 105.4600, 9.8800  # a gap area of the sample province
    official = next(
        t
        for t in TransformerGroup("EPSG:4326", "EPSG:5897", always_xy=True).transformers
        if "VN-2000 to WGS 84 (2)" in t.description
    )
    easting, northing = official.transform(lon, lat)
    page = map_page.open()
    page.select_option("#hg-reg-mode", "vn2000")
    assert page.locator("#hg-reg-lat").is_hidden() and page.locator("#hg-reg-northing").is_visible()
    page.fill("#hg-reg-northing", f"{northing:.3f}")
    page.fill("#hg-reg-easting", f"{easting:.3f}")
    page.click("#hg-reg-check")
    page.wait_for_selector("#hg-reg-place-name")
    marker = page.evaluate("""() => { let found = null; window.__hgmap.map.eachLayer((l) => {
        if (l.options && l.options.color === '#d81b60') found = l.getLatLng(); }); return found; }""")
    assert marker["lat"] == pytest.approx(lat, abs=1e-6) and marker["lng"] == pytest.approx(lon, abs=1e-6)
    # Latitude and longitude typed the wrong way round: refused, and the swap offered.
    page.select_option("#hg-reg-mode", "wgs84")
    page.fill("#hg-reg-lat", str(lon))
    page.fill("#hg-reg-lon", str(lat))
    page.click("#hg-reg-check")
    page.wait_for_selector("#hg-reg-swap")
    assert f"vĩ độ {lon} và kinh độ {lat} có vẻ bị đảo" in page.locator("#hg-reg-message").inner_text()
    page.click("#hg-reg-swap")
    assert float(page.input_value("#hg-reg-lat")) == lat and float(page.input_value("#hg-reg-lon")) == lon
    map_page.errors[:] = [e for e in map_page.errors if "status of 422" not in e]  # the refusal, as expected
    assert not map_page.errors, map_page.errors


def test_a_refusal_is_shown_in_the_pages_language_from_its_code(chromium, live_server_url):
    """The form says a refusal from its code and params: in Vietnamese, then in English once switched."""
    operator = MapPage(chromium, live_server_url, user="viettel1")
    try:
        page = operator.open()
        page.fill("#hg-reg-code", "UI-LANG-1")
        page.fill("#hg-reg-lat", "9.8516")
        page.fill("#hg-reg-lon", "105.4908")
        page.locator("#hg-reg-form [name='band_mhz']").first.fill("3500")
        band = page.locator("#hg-reg-message li[data-field='cells[0].band_mhz']")
        page.click("#hg-reg-submit")
        band.wait_for()
        assert band.get_attribute("data-problem") == "band.invalid"
        valid = "700, 850, 900, 1800, 2100, 2300, 2600"
        assert (
            band.inner_text()
            == f"Cell 1, Băng tần: Băng tần 3500 MHz không dùng cho 4G (băng tần hợp lệ: {valid})"
        )
        page.click("#hg-lang-toggle")
        page.click("#hg-reg-submit")
        page.wait_for_function(
            "document.querySelector(\"#hg-reg-message li[data-field='cells[0].band_mhz']\")"
            "?.innerText.includes('is not a 4G band')"
        )
        assert band.inner_text() == f"Cell 1, band: 3500 MHz is not a 4G band (valid: {valid})"
        assert [e for e in operator.errors if "status of 422" not in e] == [], operator.errors
    finally:
        operator.context.close()

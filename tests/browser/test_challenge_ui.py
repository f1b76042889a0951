"""The challenge loop in the browser, one test per persona: a citizen files a report and follows it
by the private link; the planner accepts one from the queue; the operator answers one; the reporter's
link then shows every step."""

import re
from datetime import timedelta

import httpx
import pytest

from app.services import clock
from tests.app.test_challenges import report, spot
from tests.browser.support import MapPage, layer_state, wait_idle
from tests.conftest import bearer

pytestmark = pytest.mark.browser


def _file(live_server_url: str, engine, offset: int) -> dict:
    """A report filed through the API as the page would (code and token)."""
    lon, lat, *_ = spot(engine, offset)
    r = httpx.post(f"{live_server_url}/api/challenges", data=report(lon, lat), timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def _open(probe: MapPage, fragment: str = ""):
    page = probe.page
    page.goto(f"{probe.base_url}/challenge{fragment}")
    page.wait_for_function("window.__hgchallenge && window.__hgchallenge.ready")
    return page


def _steps(page) -> list[str]:
    page.locator(".hg-ch-steps li").first.wait_for()
    return page.locator(".hg-ch-steps li").evaluate_all("items => items.map(i => i.dataset.step)")


def test_a_citizen_files_a_report_and_follows_it_by_the_private_link(chromium, live_server_url, engine):
    probe = MapPage(chromium, live_server_url)
    try:
        page = _open(probe)
        lon, lat, *_ = spot(engine, 20)
        page.select_option("#hg-ch-kind", "weak_signal")
        page.select_option("#hg-ch-technology", "4G")
        page.select_option("#hg-ch-operator", "Viettel")
        page.fill("#hg-ch-lon", f"{lon:.6f}")
        page.fill("#hg-ch-lat", f"{lat:.6f}")
        page.fill("#hg-ch-description", "Sóng yếu từ 18h đến 21h, không xem được video")
        page.fill("#hg-ch-name", "Lê Văn Tám")
        page.fill("#hg-ch-phone", "0901 234 567")
        page.click("#hg-ch-submit")
        link = page.locator("#hg-ch-private-link")
        link.wait_for()
        url = link.inner_text()
        assert re.fullmatch(rf"{re.escape(live_server_url)}/challenge#t=[A-Za-z0-9_-]{{32}}", url), url
        assert "Đã nhận phản ánh KN-" in page.locator("#hg-ch-track").inner_text()
        page.click("#hg-ch-follow")
        assert _steps(page) == ["filed"]
        shown = page.locator("#hg-ch-track").inner_text()
        assert (
            "Sóng yếu" in shown and "Đã nhận, chờ Sở xem xét" in shown and "Người dân gửi phản ánh" in shown
        )
        assert "Tám" not in shown and "0901" not in shown
        assert not probe.errors, probe.errors
    finally:
        probe.context.close()


def test_the_planner_accepts_a_report_from_the_queue(chromium, live_server_url, engine, tokens):
    filed = _file(live_server_url, engine, 21)
    probe = MapPage(chromium, live_server_url, user="planner1")
    try:
        page = _open(probe)
        page.locator(f"#hg-ch-queue-table button[data-code='{filed['code']}']").click()
        detail = page.locator("#hg-ch-detail")
        detail.locator("#hg-ch-actions").wait_for()
        assert "Nguyễn Thị Lan" in detail.inner_text()  # the Department sees the contact
        assert "Vùng phủ" in detail.inner_text() and "Vùng lõm (mô hình)" in detail.inner_text()
        page.select_option("#hg-ch-send-to", "Viettel")
        page.fill("#hg-ch-note", "Khớp vùng sóng yếu của mô hình")
        page.click("#hg-ch-actions .hg-primary")
        page.locator("#hg-ch-detail .hg-ch-steps li[data-step='accepted']").wait_for()
        r = httpx.get(f"{live_server_url}/api/challenges/{filed['code']}", headers=bearer(tokens["planner1"]))
        body = r.json()
        assert body["status"] == "accepted" and body["operator"] == "Viettel"
        assert body["deadline"] >= (clock.today() + timedelta(days=59)).isoformat()
        assert not probe.errors, probe.errors
    finally:
        probe.context.close()


def test_the_operator_answers_and_the_reporter_sees_every_step(chromium, live_server_url, engine, tokens):
    filed = _file(live_server_url, engine, 22)
    r = httpx.post(
        f"{live_server_url}/api/challenges/{filed['code']}/decision",
        json={"accept": True, "operator": "Viettel"},
        headers=bearer(tokens["planner1"]),
    )
    assert r.status_code == 200, r.text
    probe = MapPage(chromium, live_server_url, user="viettel1")
    try:
        page = _open(probe)
        page.locator(f"#hg-ch-queue-table button[data-code='{filed['code']}']").click()
        page.locator("#hg-ch-actions").wait_for()
        assert "Nguyễn Thị Lan" not in page.locator("#hg-ch-detail").inner_text()  # never the operator's
        planned = (clock.today() + timedelta(days=45)).isoformat()
        page.select_option("#hg-ch-answer", "planned")
        page.fill("#hg-ch-planned-on", planned)
        page.fill("#hg-ch-note", "Lắp trạm mới tại ấp trong quý tới")
        page.click("#hg-ch-actions .hg-primary")
        page.locator("#hg-ch-detail .hg-ch-steps li[data-step='planned']").wait_for()
        assert not probe.errors, probe.errors
    finally:
        probe.context.close()
    reporter = MapPage(chromium, live_server_url)
    try:
        page = _open(reporter, f"#t={filed['token']}")
        assert _steps(page) == ["filed", "accepted", "planned"]
        shown = page.locator("#hg-ch-track").inner_text()
        assert "Nhà mạng lên kế hoạch khắc phục" in shown and "Lắp trạm mới" in shown
        assert "planner1" not in shown and "viettel1" not in shown
        assert not reporter.errors, reporter.errors
    finally:
        reporter.context.close()


def test_the_dashboard_counts_the_reports_per_commune_and_operator(chromium, live_server_url, engine):
    _file(live_server_url, engine, 23)
    summary = httpx.get(f"{live_server_url}/api/challenges/summary", timeout=30).json()
    probe = MapPage(chromium, live_server_url)
    try:
        page = probe.page
        page.goto(f"{live_server_url}/dashboard")
        panel = page.locator("#dash-challenges")
        panel.locator("table").first.wait_for()
        text = panel.inner_text()
        assert "Phản ánh của người dân" in text and "Theo xã, phường" in text and "Theo nhà mạng" in text
        rows = panel.locator("table").first.locator("tbody tr")
        assert rows.count() == len(summary["by_commune"])
        viettel = panel.locator("table").nth(1).locator("tbody tr", has_text="Viettel")
        (row,) = [r for r in summary["by_operator"] if r["code"] == "Viettel"]
        assert viettel.locator("td").first.inner_text() == str(row["open"])
        assert "theo trả lời của chính nhà mạng đó" in panel.inner_text()  # how one sent to several counts
        assert not probe.errors, probe.errors
    finally:
        probe.context.close()


def test_the_map_shows_the_reports_and_the_measured_dead_zones_to_a_visitor(
    chromium, live_server_url, engine, tokens
):
    filed = _file(live_server_url, engine, 24)
    planner = bearer(tokens["planner1"])
    url = f"{live_server_url}/api/challenges/{filed['code']}"
    assert httpx.post(f"{url}/decision", json={"accept": True}, headers=planner).status_code == 200
    assert httpx.post(f"{url}/measured", json={"note": "Đo 3 lần"}, headers=planner).status_code == 200
    shown = httpx.get(f"{live_server_url}/ogc/collections/challenges/items?limit=1").json()["numberMatched"]
    zones = f"{live_server_url}/ogc/collections/dead_zones/items?limit=1"
    every = httpx.get(zones).json()["numberMatched"]
    measured = httpx.get(f"{zones}&source=measured").json()["numberMatched"]
    assert every > measured >= 1
    probe = MapPage(chromium, live_server_url)
    try:
        page = probe.open()
        page.get_by_label("Phản ánh của người dân", exact=True).check()
        page.get_by_label("Vùng lõm sóng", exact=True).check()
        wait_idle(page)
        assert layer_state(page, "challenges")["count"] == shown
        # The measured dead zones are in the dead-zones layer, drawn and named apart from the model's.
        assert layer_state(page, "dead_zones")["count"] == every
        legend = page.locator(".hg-legend-section[data-layer='dead_zones']").inner_text()
        assert "Đo thực tế (phản ánh đã xác nhận)" in legend and "Viền đậm nét đứt" in legend
        assert not probe.errors, probe.errors
    finally:
        probe.context.close()


def test_a_dead_zone_popup_links_to_the_form_with_its_spot_and_the_map_picker_moves_it(
    chromium, live_server_url
):
    from shapely.geometry import shape

    from tests.browser.support import click_at, set_view

    zones = httpx.get(
        f"{live_server_url}/ogc/collections/dead_zones/items?source=modelled&limit=10000"
    ).json()
    zone = max(zones["features"], key=lambda f: shape(f["geometry"]).area)  # the largest: easy to hit
    inside = shape(zone["geometry"]).representative_point()
    probe = MapPage(chromium, live_server_url)
    try:
        page = probe.open("#?layers=dead_zones")
        set_view(page, inside.y, inside.x, 14)
        click_at(page, inside.y, inside.x)
        link = page.locator(".leaflet-popup .hg-popup-hamlet a.hg-popup-challenge")
        link.wait_for()
        assert link.inner_text() == "Báo sai vùng phủ ở đây"
        link.click()
        page.wait_for_url(re.compile(r"/challenge\?lon=[0-9.]+&lat=[0-9.]+$"))
        page.wait_for_function("window.__hgchallenge && window.__hgchallenge.ready")
        lon, lat = float(page.input_value("#hg-ch-lon")), float(page.input_value("#hg-ch-lat"))
        assert abs(lon - inside.x) < 5e-4 and abs(lat - inside.y) < 5e-4  # a few pixels at zoom 14
        picker = page.locator("#hg-ch-picker[data-ready='true']")
        picker.wait_for()
        assert picker.locator("path.leaflet-interactive").count() == 1  # the spot's marker
        # A click elsewhere on the small map sets the spot there.
        box = picker.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
        moved = float(page.input_value("#hg-ch-lon"))
        assert moved < lon and float(page.input_value("#hg-ch-lat")) == pytest.approx(lat, abs=5e-4)
        assert picker.get_attribute("data-picked") == "true"
        assert not probe.errors, probe.errors
    finally:
        probe.context.close()

"""The map on a phone (360–430 px wide, touch): every header control stays on screen and usable,
the search keeps a useful width, nothing scrolls sideways; on a 390×844 phone a planner searches,
switches a layer in the panel, opens a popup and reads the dashboard, all by touch."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import MapPage, set_view, wait_idle

pytestmark = pytest.mark.browser

HEADER = ("#hg-panel-toggle", "#hg-search-input", "#hg-lang-toggle")


def _box(page, selector: str) -> dict:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return box


def _on_screen(page, width: int, selectors) -> None:
    for selector in selectors:
        box = _box(page, selector)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (selector, box)
        assert box["width"] >= 24 and box["height"] >= 24, (selector, box)  # a finger can hit it


@pytest.mark.parametrize("width", [360, 390, 430])
def test_a_visitor_on_a_phone_reaches_search_login_and_language(chromium, live_server_url, width):
    phone = MapPage(chromium, live_server_url, phone_width=width)
    try:
        page = phone.open()
        _on_screen(page, width, (*HEADER, "#hg-login-button"))
        assert _box(page, "#hg-search-input")["width"] >= 0.6 * width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert _box(page, "#map")["width"] >= width - 1  # the map keeps the whole width
        page.tap("#hg-lang-toggle")
        page.wait_for_function("document.documentElement.lang === 'en'")
        _on_screen(page, width, (*HEADER, "#hg-login-button"))
        assert not phone.errors, phone.errors
    finally:
        phone.context.close()


def test_an_operator_on_a_phone_opens_the_panel_and_the_form_fits(chromium, live_server_url, tokens):
    width = 390
    phone = MapPage(chromium, live_server_url, user="viettel1", phone_width=width)
    try:
        page = phone.open()
        _on_screen(page, width, (*HEADER, "#hg-logout-button"))
        if page.locator("#hg-sidebar").is_hidden():
            page.tap("#hg-panel-toggle")
        form = page.locator("#hg-register")
        form.scroll_into_view_if_needed()
        sidebar = _box(page, "#hg-sidebar")
        assert sidebar["x"] + sidebar["width"] <= width + 0.5
        # No field of the registration form runs out of the panel (the band once read "180").
        overflow = page.evaluate(
            """() => {
                const panel = document.querySelector('#hg-sidebar').getBoundingClientRect();
                return [...document.querySelectorAll('#hg-register input, #hg-register select')]
                  .filter((e) => e.offsetParent !== null)
                  .map((e) => [e.name || e.id, e.getBoundingClientRect()])
                  .filter(([, r]) => r.right > panel.right + 0.5 || r.left < panel.left - 0.5)
                  .map(([name, r]) => `${name} ${Math.round(r.left)}..${Math.round(r.right)} panel ${panel.right}`);
            }"""
        )
        assert overflow == [], overflow
        assert _cut_numbers(page) == []
        wait_idle(page)
        assert not phone.errors, phone.errors
    finally:
        phone.context.close()


def _cut_numbers(page) -> list[str]:
    """The cells table's numbers that do not fit their box (shown cut, as "180" for 1800)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#hg-register .hg-cells-table input')]
            .filter((e) => e.scrollWidth > e.clientWidth)
            .map((e) => `${e.name}=${e.value} (${e.scrollWidth} > ${e.clientWidth})`)"""
    )


def test_the_registration_form_fits_the_desktop_sidebar(map_page):
    page = map_page.open()
    overflow = page.evaluate(
        """() => {
            const form = document.querySelector('#hg-register form').getBoundingClientRect();
            return [...document.querySelectorAll('#hg-register form *')]
              .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().right > form.right + 0.5)
              .map((e) => `${e.tagName}.${e.className}#${e.id}[${e.type || ''}] ${e.getBoundingClientRect().right} > ${form.right}`);
        }"""
    )
    assert overflow == [], overflow
    assert _cut_numbers(page) == []


def _no_sideways_scroll(page, width: int, where: str) -> None:
    scroll = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth]")
    assert max(scroll) <= width, (where, scroll)


def _inside(box: dict, width: int, height: int) -> bool:
    return (
        box["x"] >= -0.5
        and box["y"] >= -0.5
        and box["x"] + box["width"] <= width + 0.5
        and (box["y"] + box["height"] <= height + 0.5)
    )


def test_a_planner_on_a_phone_searches_switches_a_layer_opens_a_popup_and_the_dashboard(
    chromium, live_server_url, tokens
):
    width, height = 390, 844
    phone = MapPage(chromium, live_server_url, user="planner1", phone_width=width, phone_height=height)
    try:
        page = phone.open()
        _on_screen(page, width, (*HEADER, "#hg-logout-button"))

        # Search: a commune by the first letters of its name, the list on screen, a tap shows it.
        commune = phone.api("/ogc/collections/communes/items?limit=1")["features"][0]["properties"]["name"]
        page.tap("#hg-search-input")
        page.locator("#hg-search-input").press_sequentially(commune, delay=20)
        option = page.locator("#hg-search-results [role='option']").first
        option.wait_for()
        assert _inside(_box(page, "#hg-search-results"), width, height)
        option.tap()
        expect(page.locator("#hg-search-results")).to_be_hidden()
        _no_sideways_scroll(page, width, "after a search")

        # The layer panel: opened by its button, every switch on screen, one tapped on.
        if page.locator("#hg-sidebar").is_hidden():
            page.tap("#hg-panel-toggle")
        switches = page.locator("#hg-layers input[type='checkbox']")
        assert switches.count() >= 10
        for i in range(switches.count()):
            switches.nth(i).scroll_into_view_if_needed()
            box = switches.nth(i).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (i, box)
        poles = page.get_by_label("Cột treo cáp", exact=True)
        poles.scroll_into_view_if_needed()
        poles.tap()
        page.wait_for_function("window.__hgmap.layers.poles.visible")
        _no_sideways_scroll(page, width, "the layer panel")
        page.tap("#hg-panel-toggle")  # closed again: the map is the phone's screen
        expect(page.locator("#hg-sidebar")).to_be_hidden()

        # A site's popup, by a tap on it: on screen whole, with its close button in reach.
        site = phone.api("/ogc/collections/sites/items?limit=1")["features"][0]
        lon, lat = site["geometry"]["coordinates"]
        set_view(page, lat, lon, 16)
        point = page.evaluate(
            "([lat, lon]) => window.__hgmap.map.latLngToContainerPoint([lat, lon])", [lat, lon]
        )
        box = _box(page, "#map")
        page.touchscreen.tap(box["x"] + point["x"], box["y"] + point["y"])
        page.locator(".leaflet-popup .hg-popup").wait_for()
        page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
        assert _inside(_box(page, ".leaflet-popup-content-wrapper"), width, height)
        _on_screen(page, width, (".leaflet-popup-close-button",))
        _no_sideways_scroll(page, width, "a popup")
        page.tap(".leaflet-popup-close-button")
        expect(page.locator(".leaflet-popup")).to_have_count(0)
        assert not phone.errors, phone.errors

        # The dashboard: no sideways scroll of the page, its toolbar and map in the width.
        page.goto(f"{phone.base_url}/dashboard")
        page.wait_for_function("window.__hgdash !== undefined && window.__hgdash.idle")
        _no_sideways_scroll(page, width, "the dashboard")
        _on_screen(page, width, ("#hg-lang-toggle", "#hg-logout-button"))
        for control in page.locator("#dash-toolbar select, #dash-toolbar button").all():
            box = control.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
        assert _box(page, "#dash-map")["x"] + _box(page, "#dash-map")["width"] <= width + 0.5
        drill = page.locator("tr.hg-dash-row-district .hg-dash-drill").first
        drill.scroll_into_view_if_needed()
        drill.tap()
        page.locator("tr.hg-dash-row-commune").first.wait_for()
        _no_sideways_scroll(page, width, "the dashboard, a district drilled")
        assert not phone.errors, phone.errors
    finally:
        phone.context.close()

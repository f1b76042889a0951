"""The map on a phone (360–430 px wide, touch): every header control stays on screen and usable,
the search keeps a useful width, nothing scrolls sideways."""

import pytest

from tests.browser.support import MapPage, wait_idle

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

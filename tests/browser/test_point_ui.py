""" "Tại điểm này" on the map: a click where no feature popup opens shows, per operator, the band and the
words (trong nhà / trên xe / ngoài trời) the API gives for that spot — at a covered spot and in a dead
zone — in Vietnamese, then English; a position typed into the search flies there and asks the same."""

import pytest
from sqlalchemy import text

from tests.browser.support import click_at, set_view, wait_idle
from tests.workflow.spots import dead_zone_spots

pytestmark = pytest.mark.browser

WORDS = {
    "vi": {"indoor": "trong nhà", "in_car": "trên xe", "outdoor": "ngoài trời"},
    "en": {"indoor": "indoor", "in_car": "in-car", "outdoor": "outdoor"},
}


def _covered_spot(engine) -> tuple[float, float]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT ST_X(s.geom) + 0.0026, ST_Y(s.geom) + 0.0026 FROM sites s WHERE s.status = 'active' "
                    "AND EXISTS (SELECT 1 FROM cells c WHERE c.site_id = s.id AND c.technology = '4G') "
                    "ORDER BY s.code LIMIT 1"
                )
            ).one()
        )


def _ask(probe, lat: float, lon: float, how: str) -> dict:
    """Ask about the spot — through the commune's popup (the outlines take plain clicks) or a right-click —
    and return the popup's answer once shown, checked against the API at the same position."""
    page = probe.page
    set_view(page, lat, lon, 15)
    if how == "button":
        click_at(page, lat, lon)
        page.locator(".leaflet-popup .hg-popup-layer", has_text="Xã/phường/thị trấn").wait_for()
        page.get_by_role("button", name="Tại điểm này").click()
    else:
        point = page.evaluate(
            "([lat, lon]) => window.__hgmap.map.latLngToContainerPoint([lat, lon])", [lat, lon]
        )
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"], button="right")
    page.locator(".leaflet-popup .hg-point .hg-point-operators").wait_for()
    shown = page.evaluate("window.__hgpoint.answer")
    again = probe.api(f"/api/point?lon={shown['lon']}&lat={shown['lat']}")
    assert [(o["operator"], [c["band"] for c in o["classes"]]) for o in again["operators"]] == [
        (o["operator"], [c["band"] for c in o["classes"]]) for o in shown["operators"]
    ]
    assert again["dead_zone"] == shown["dead_zone"]
    return again


def _check_words(page, answer: dict, lang: str) -> int:
    """Every operator's classes show the API's band and words; returns how many have signal."""
    with_signal = 0
    for op in answer["operators"]:
        for c in op["classes"]:
            row = page.locator(
                f'.hg-point-class[data-operator="{op["operator"]}"][data-class="{c["class"]}"]'
            )
            assert row.get_attribute("data-band") == c["band"]
            if c["level_dbm"] is None:
                assert row.locator(".hg-point-words").count() == 0
                continue
            with_signal += 1
            words = row.locator(".hg-point-words").inner_text()
            expected = ", ".join(WORDS[lang][p] for p in c["places"])
            assert words == (expected or {"vi": "không dùng được", "en": "not usable"}[lang])
    return with_signal


def test_a_covered_spot_shows_the_words_of_the_api(map_page, engine, coverage_run):
    page = map_page.open()
    lon, lat = _covered_spot(engine)
    answer = _ask(map_page, lat, lon, "button")
    assert page.locator(".leaflet-popup .hg-point .hg-popup-layer").text_content() == "Tại điểm này"
    assert _check_words(page, answer, "vi") >= 2
    assert any(c["band"] == "good" for o in answer["operators"] for c in o["classes"])
    assert "trong nhà" in page.locator(".hg-point").inner_text()
    serving = next(c["serving"] for o in answer["operators"] for c in o["classes"] if c["serving"])
    assert serving["site_code"] in page.locator(".hg-point").inner_text()  # a planner sees which site
    page.click("#hg-lang-toggle")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.locator(".leaflet-popup .hg-popup-layer", has_text="At this spot").wait_for()
    _check_words(page, answer, "en")
    assert not map_page.errors, map_page.errors


def test_a_dead_zone_spot_says_which_dead_zone(anon_page, engine, coverage_run):
    page = anon_page.open()
    [(lon, lat)] = dead_zone_spots(engine, kind="no_mbb")
    answer = _ask(anon_page, lat, lon, "right-click")
    assert answer["dead_zone"] == "no_mbb"
    dead = page.locator(".hg-point-dead")
    assert dead.get_attribute("data-kind") == "no_mbb"
    assert dead.inner_text() == "Vùng lõm sóng: Chỉ có 2G/3G"
    _check_words(page, answer, "vi")
    for op in answer["operators"]:  # no operator's 4G/5G serves the spot
        assert (
            page.locator(
                f'.hg-point-class[data-operator="{op["operator"]}"][data-class="mbb"]'
            ).get_attribute("data-band")
            in ("none", "weak")
            or op["classes"][0]["level_dbm"] < -105
        )
    assert not anon_page.errors, anon_page.errors


def test_a_typed_position_flies_there_and_asks(map_page, engine, coverage_run):
    page = map_page.open()
    lon, lat = _covered_spot(engine)
    search = page.get_by_role("combobox", name="Tìm ấp, xã, huyện")
    search.fill(f"{lat:.6f}, {lon:.6f}")
    option = page.get_by_role("option").first
    option.wait_for()
    assert "Tọa độ" in option.text_content()
    search.press("Enter")
    page.locator(".leaflet-popup .hg-point .hg-point-operators").wait_for()
    wait_idle(page)
    shown = page.evaluate("window.__hgpoint.answer")
    assert (shown["lon"], shown["lat"]) == (pytest.approx(lon, abs=1e-6), pytest.approx(lat, abs=1e-6))
    # a position outside the region is answered with the reason, not an empty list
    search.fill("10.78, 106.70")
    page.locator(".hg-search-message", has_text="ngoài địa bàn").wait_for()
    # the browser logs the refused search itself (a 422): that one is expected
    unexpected = [e for e in map_page.errors if "/api/search?q=10.78" not in e]
    assert not unexpected, unexpected

"""The region on the map (issue 12): the title names the region the API says is in force, the first
view is its extent, and the date field ("Ngày hiệu lực") reloads the boundaries as of its day."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.services.reports.periods import today
from tests.app.test_region import closed_commune  # noqa: F401 (a fixture)
from tests.browser.support import view, wait_idle

pytestmark = pytest.mark.browser


def test_the_title_and_first_view_come_from_the_region(anon_page):
    region = anon_page.api("/api/region")
    page = anon_page.open()
    expect(page).to_have_title(f"Bản đồ hạ tầng viễn thông {region['display_vi']}")
    expect(page.locator("h1")).to_have_text("Bản đồ hạ tầng viễn thông tỉnh Hậu Giang")
    west, south, east, north = region["bbox"]
    centre = view(page)
    assert west < centre["lon"] < east and south < centre["lat"] < north
    # the district list's first entry is the whole region, named as the API names it
    expect(page.locator("#hg-district-select option").nth(1)).to_have_text("Toàn tỉnh Hậu Giang")
    page.click("#hg-lang-toggle")
    expect(page).to_have_title(f"Telecom infrastructure map of {region['display_en']}")
    expect(page.locator("h1")).to_have_text("Telecom infrastructure map of Hậu Giang province")
    assert anon_page.errors == []


def _communes(page) -> list[str]:
    wait_idle(page)
    return page.evaluate("window.__hgmap.codes('communes')")


def test_the_date_field_reloads_the_communes_as_of_its_day(anon_page, closed_commune):  # noqa: F811
    yesterday = (today() - timedelta(days=1)).isoformat()
    page = anon_page.open()
    field = page.get_by_label("Ngày hiệu lực")
    expect(field).to_have_value("")
    before = _communes(page)
    assert before and "93099" not in before

    field.fill(yesterday)
    page.wait_for_function("window.__hgmap.codes('communes').includes('93099')")
    assert sorted(_communes(page)) == sorted([*before, "93099"])
    expect(page).to_have_url(re.compile(rf"communes\.as_of={yesterday}"))

    # the permalink opens on that day again
    page.reload()
    expect(page.get_by_label("Ngày hiệu lực")).to_have_value(yesterday)
    assert "93099" in _communes(page)

    page.get_by_label("Ngày hiệu lực").fill("")
    page.wait_for_function("!window.__hgmap.codes('communes').includes('93099')")
    page.click("#hg-lang-toggle")
    expect(page.get_by_label("As of")).to_be_visible()
    assert anon_page.errors == []


@pytest.fixture
def second_province_in_2020(engine):
    """A second top-level unit in force during 2020 only (removed afterwards): the region of a day
    in 2020 is two provinces."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO admin_units (level, code, name, name_folded, kind, geom, valid_from, valid_to) "
                "VALUES ('province', '99', 'Tỉnh Thử Nghiệm', 'tinh thu nghiem', 'Tỉnh', "
                "ST_GeomFromEWKT('SRID=4326;MULTIPOLYGON(((106 9,106.1 9,106.1 9.1,106 9.1,106 9)))'), "
                "'2020-01-01', '2021-01-01')"
            )
        )
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM admin_units WHERE level = 'province' AND code = '99'"))


def test_the_title_follows_the_day_the_boundaries_show(anon_page, second_province_in_2020):
    page = anon_page.open()
    expect(page).to_have_title("Bản đồ hạ tầng viễn thông tỉnh Hậu Giang")
    page.get_by_label("Ngày hiệu lực").fill("2020-06-01")
    expect(page).to_have_title("Bản đồ hạ tầng viễn thông tỉnh Hậu Giang và tỉnh Thử Nghiệm")
    page.get_by_label("Ngày hiệu lực").fill("")
    expect(page).to_have_title("Bản đồ hạ tầng viễn thông tỉnh Hậu Giang")
    assert anon_page.errors == []


def test_the_date_field_reaches_the_hamlet_tiles(anon_page):
    """The hamlets come as vector tiles: the day goes with them (`datetime`), and the map draws the
    hamlets the API lists for that day."""
    yesterday = (today() - timedelta(days=1)).isoformat()
    page = anon_page.open("#?layers=districts,communes,hamlets")

    def hamlets(query: str = "") -> set[str]:
        return {
            f["properties"]["code"]
            for f in anon_page.api(f"/ogc/collections/hamlets/items?limit=10000{query}")["features"]
        }

    assert set(page.evaluate("window.__hgmap.codes('hamlets')")) == hamlets()
    with page.expect_request(lambda r: "/tiles/hamlets/" in r.url and f"datetime={yesterday}" in r.url):
        page.get_by_label("Ngày hiệu lực").fill(yesterday)
    wait_idle(page)
    assert set(page.evaluate("window.__hgmap.codes('hamlets')")) == hamlets(f"&datetime={yesterday}")
    assert anon_page.errors == []

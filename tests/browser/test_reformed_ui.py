"""The map and the dashboard on the reformed sample (``reformed_url``): districts are abolished, so
the zoom list and the offline outline show the city's communes; the plan of the former province is
still drawn on its former districts; an official of a former district starts on it; the statistics
form shows a former district's count carried back from the new communes read-only, labelled, unsent."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from app.db import new_engine
from tests.browser.support import MapPage, wait_idle
from tests.conftest import APP_LOGIN, REFORMED_DB, _serve, _url_for, issue_tokens

pytestmark = pytest.mark.browser

PLAN = "HG-2023-2025"
# The reformed sample is loaded without computing coverage: the map asks for the model card and is
# told there is none (a 404 the browser logs; the map says "not computed").
NO_RUN = "/api/coverage/model-card"
PERIOD = "2025-Q2"  # a quarter of the plan, before the reform


@pytest.fixture(scope="module")
def reformed_server(reformed_url):
    issue_tokens(
        reformed_url, {"official934ui": ("official", None, "934"), "planner_ui": ("planner", None, None)}
    )
    yield from _serve(_url_for(REFORMED_DB, APP_LOGIN), worker=False)


@pytest.fixture(scope="module")
def units(reformed_url) -> dict[str, set[str]]:
    """Codes of the communes in force today, of the plan's districts on the day before the reform and
    of the communes of district 934 then."""
    engine = new_engine(reformed_url)
    with engine.connect() as conn:
        found = {
            name: set(conn.execute(text(sql)).scalars())
            for name, sql in {
                "communes": "SELECT code FROM admin_units WHERE level = 'commune' AND valid_to IS NULL",
                # the plan's: those of its province (its area), not of the other former provinces
                "districts": "SELECT d.code FROM admin_units d JOIN plans p ON p.code = 'HG-2023-2025' "
                "JOIN admin_units pr ON pr.id = d.parent_id AND pr.code = p.area_code "
                "WHERE d.level = 'district' AND d.valid_from <= '2025-06-30' AND d.valid_to > '2025-06-30'",
                "communes_934": "SELECT c.code FROM admin_units c JOIN admin_units d ON d.id = c.parent_id "
                "WHERE c.level = 'commune' AND d.code = '934' AND c.valid_to = '2025-07-01'",
            }.items()
        }
    engine.dispose()
    return found


def test_the_zoom_list_and_the_offline_outline_are_the_communes(chromium, reformed_server, units):
    visitor = MapPage(chromium, reformed_server)
    try:
        page = visitor.open()
        wait_idle(page)
        expect(page.locator("#hg-district-zoom h2")).to_have_text("Phóng tới xã/phường")
        options = page.locator("#hg-district-select option")
        expect(options).to_have_count(2 + len(units["communes"]))
        expect(options.nth(1)).to_have_text("Toàn thành phố Cần Thơ")
        # No tile server answers here: the map goes offline and draws the communes' outlines.
        expect(page.locator("body.basemap-offline")).to_be_attached()
        expect(page.locator("path.hg-outline")).to_have_count(len(units["communes"]))
        page.click("#hg-lang-toggle")
        expect(page.locator("#hg-district-zoom h2")).to_have_text("Zoom to commune")
        assert [e for e in visitor.errors if NO_RUN not in e] == []
    finally:
        visitor.context.close()


def test_the_dashboard_draws_the_plan_on_its_former_districts(chromium, reformed_server, units):
    official = MapPage(chromium, reformed_server, user="official934ui")
    try:
        page = official.page
        page.goto(f"{reformed_server}/dashboard?plan={PLAN}&period={PERIOD}")
        page.wait_for_function(
            "window.__hgdash !== undefined && window.__hgdash.idle && window.__hgdash.state.rows.length"
        )
        state = page.evaluate("window.__hgdash.state")
        assert state["error"] is None and state["drilled"] == "934"
        assert set(state["rows"]) == {"934", *units["communes_934"]}
        # The map shows the communes of the former district as they were, each coloured.
        assert state["map"]["level"] == "commune"
        assert set(state["map"]["units"]) == units["communes_934"]
        assert all(u["fill"] for u in state["map"]["units"].values())
        assert official.errors == []
    finally:
        official.context.close()


def test_the_map_choropleth_of_the_plan_is_on_its_former_districts(chromium, reformed_server, units):
    visitor = MapPage(chromium, reformed_server, user="planner_ui")
    try:
        page = visitor.open(f"#?indicator=mobile_bb_hamlet_coverage&period={PERIOD}")
        wait_idle(page)
        choropleth = page.evaluate("window.__hgmap.choropleth")
        assert choropleth["indicator"] == "mobile_bb_hamlet_coverage"
        assert set(choropleth["districts"]) == units["districts"]
        assert [e for e in visitor.errors if NO_RUN not in e] == []
    finally:
        visitor.context.close()


def test_the_dashboard_map_shows_the_former_province_whole_with_its_legend_under_it(
    chromium, reformed_server, reformed_url
):
    engine = new_engine(reformed_url)
    with engine.connect() as conn:
        west, south, east, north = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e "
                "FROM admin_units WHERE level = 'province' AND code = '93' AND valid_to = '2025-07-01') x"
            )
        ).one()
    engine.dispose()
    planner = MapPage(chromium, reformed_server, user="planner_ui")
    try:
        page = planner.page
        page.goto(f"{reformed_server}/dashboard?plan={PLAN}&period={PERIOD}")
        page.wait_for_function(
            "window.__hgdash !== undefined && window.__hgdash.idle && window.__hgdash.state.rows.length"
        )
        # The report's scope is the province the plan is judged on, not today's city.
        expect(page.locator(".hg-dash-reports strong")).to_contain_text("Phạm vi: Tỉnh Hậu Giang")
        # The map is fitted to the former districts: all in view, and not a speck in a wide view.
        view = page.evaluate(
            "(() => { const b = window.__hgdash.map.getBounds();"
            " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
        )
        assert view[0] <= west and view[1] <= south and view[2] >= east and view[3] >= north, view
        assert (view[2] - view[0]) < 3 * (east - west)
        # The legend lies under the map, not over it.
        assert page.locator("#dash-map .hg-legend").count() == 0
        expect(page.locator(".hg-dash-legend .hg-legend")).to_be_visible()
        legend, chart = (page.locator(s).bounding_box() for s in (".hg-dash-legend .hg-legend", "#dash-map"))
        assert legend["y"] >= chart["y"] + chart["height"]
        assert [e for e in planner.errors if NO_RUN not in e] == []
    finally:
        planner.context.close()


# Subscriptions entered for 2025-Q4 on the three new communes that the former Vị Thanh city
# (district 930) went into whole (tests/app/test_close_plan_geography.py): its nine old communes
# get all of them back by the lineage's shares, so the district's sum is theirs: 6 800.
NEW_SUBSCRIPTIONS = {"93003": 5000, "93008": 800, "93009": 1000}
DISTRICT_930_SUM = 6800
OLD_COMMUNES_930 = ", ".join(f"9300{i}" for i in range(1, 10))


@pytest.fixture
def figures_on_new_communes(reformed_url):
    from sqlalchemy.orm import Session

    from app.services import statistics

    engine = new_engine(reformed_url)
    with Session(engine) as session:
        for code, value in NEW_SUBSCRIPTIONS.items():
            statistics.save_figures(session, code, "2025-Q4", {"mobile_bb_subscriptions": value})
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "DELETE FROM statistics WHERE period = '2025-Q4' AND admin_unit_id IN "
                    "(SELECT id FROM admin_units WHERE level = 'commune' AND valid_to IS NULL AND code = ANY(:c))"
                ),
                {"c": list(NEW_SUBSCRIPTIONS)},
            )
        engine.dispose()


def test_the_statistics_form_shows_a_replaced_units_derived_count_read_only_and_never_sends_it(
    chromium, reformed_server, figures_on_new_communes
):
    planner = MapPage(chromium, reformed_server, user="planner_ui")
    try:
        page = planner.page
        page.goto(f"{reformed_server}/dashboard?plan={PLAN}&period=2025-Q4")
        page.wait_for_function("window.__hgdash !== undefined && window.__hgdash.idle")
        page.select_option("#dash-stats-unit", "930")
        derived = page.locator("#dash-stat-mobile_bb_subscriptions")
        expect(derived).to_have_value(str(DISTRICT_930_SUM))
        expect(derived).to_have_attribute("readonly", "")
        expect(derived).to_be_disabled()
        assert derived.get_attribute("data-derived") == "sum"
        label = page.locator("label[for='dash-stat-mobile_bb_subscriptions']")
        expect(label).to_contain_text(f"suy ra: tổng của {OLD_COMMUNES_930} (chỉ xem)")
        expect(page.locator("#dash-stats-form button[type=submit]")).to_be_disabled()
        # A figure not carried back (none entered for the new communes) is neither derived nor filled.
        other = page.locator("#dash-stat-internet_users")
        expect(other).to_have_value("")
        assert other.get_attribute("data-derived") is None
        page.click("#hg-lang-toggle")
        expect(label).to_contain_text(f"derived: the sum of {OLD_COMMUNES_930} (read-only)")
        # Even a form submitted by script sends no derived figure (the answer is made up: nothing saved).
        sent = []

        def capture(route):
            if route.request.method != "PUT":
                return route.continue_()
            sent.append(route.request.post_data_json)
            return route.fulfill(status=409, json={"title": "Conflict", "status": 409, "detail": "test"})

        page.route("**/api/statistics", capture)
        page.evaluate("document.getElementById('dash-stats-form').requestSubmit()")
        page.wait_for_function("document.querySelector('#dash-stats-message[data-kind=error]') !== null")
        assert len(sent) == 1 and sent[0]["code"] == "930" and sent[0]["period"] == "2025-Q4"
        assert "mobile_bb_subscriptions" not in sent[0]["figures"]
        assert "internet_users" in sent[0]["figures"]  # the form's other figures go as they are
    finally:
        planner.context.close()

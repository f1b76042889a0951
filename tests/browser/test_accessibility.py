"""axe-core (WCAG 2 A and AA) on every page as its users see it: the map (a visitor, a planner with
the approval queue, an operator with the registration form, the login dialog, a popup of every kind
open: site, hamlet, dead zone, challenge, pole, duct), the dashboard (a
visitor, a planner with a district drilled), the upload page and the API documentation, on a
desktop and a phone. No finding of impact serious or critical."""

import httpx
import pytest
from shapely.geometry import shape
from sqlalchemy import text

from tests.browser.support import MapPage, axe_findings, set_view, wait_idle
from tests.conftest import bearer

pytestmark = pytest.mark.browser

CELL = {"technology": "4G", "band_mhz": 1800, "azimuth_deg": 0, "antenna_height_m": 38, "eirp_dbm": 60}
PROPOSAL = "AXE-Q-01"


def _assert_clean(page, where: str, exclude: tuple[str, ...] = ()) -> None:
    findings = axe_findings(page, exclude)
    assert not findings, f"{where}: " + "; ".join(findings)


@pytest.fixture(scope="module")
def proposal(live_server_url, tokens, engine):
    """One operator's proposal waiting in the planner's queue (removed afterwards)."""
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM admin_units "
                "WHERE level = 'commune') c WHERE NOT EXISTS (SELECT 1 FROM sites s "
                "WHERE ST_DWithin(s.geom::geography, c.p::geography, 1000)) LIMIT 1"
            )
        ).one()
    body = {
        "code": PROPOSAL,
        "position": {"lon": lon, "lat": lat},
        "structure_type": "tower",
        "height_m": 40,
        "cells": [CELL, {**CELL, "azimuth_deg": 180}],
    }
    r = httpx.post(f"{live_server_url}/api/sites", json=body, headers=bearer(tokens["viettel1"]), timeout=30)
    assert r.status_code == 201, r.text
    yield PROPOSAL
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites WHERE code = :code"), {"code": PROPOSAL})


@pytest.fixture
def probe(chromium, live_server_url, tokens):
    """MapPage factory; every context opened is closed after the test."""
    opened = []

    def make(user=None, phone_width=None):
        page = MapPage(chromium, live_server_url, user=user, phone_width=phone_width)
        opened.append(page)
        return page

    yield make
    for page in opened:
        page.context.close()


def _open_site_popup(visitor, page) -> None:
    site = visitor.api("/ogc/collections/sites/items?limit=1")["features"][0]
    lon, lat = site["geometry"]["coordinates"]
    set_view(page, lat, lon, 16)
    point = page.evaluate("([lat, lon]) => window.__hgmap.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    _popup_shown(page)


def _popup_shown(page) -> None:
    """Leaflet fades a popup in; axe measures contrast as drawn, so wait until it is opaque."""
    page.locator(".leaflet-popup .hg-popup").wait_for()
    page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_map_for_a_visitor_and_a_planner_with_a_popup_open(probe, lang):
    for user in (None, "planner1"):
        probe_page = probe(user=user)
        page = probe_page.open()
        if lang == "en":
            page.click("#hg-lang-toggle")
            page.wait_for_function("document.documentElement.lang === 'en'")
        _assert_clean(page, f"map, {user or 'visitor'} ({lang})")
    _open_site_popup(probe_page, page)  # the sites are shown to logged-in users only
    _assert_clean(page, f"map, planner, a site's popup ({lang})")


def test_the_login_dialog(probe):
    page = probe().open()
    page.click("#hg-login-button")
    page.locator("#hg-login-dialog[open]").wait_for()
    _assert_clean(page, "map, the login dialog")
    page.fill("#hg-username", "nobody")
    page.fill("#hg-password", "wrong")
    page.click("#hg-login-submit")
    page.locator("#hg-login-dialog .hg-form-error").wait_for()
    _assert_clean(page, "map, the login dialog with its error")


def _spot(geometry: dict) -> tuple[float, float]:
    """(lon, lat) on a feature where a click finds it: a point, a line's middle vertex, inside a polygon."""
    geom = shape(geometry)
    if geom.geom_type.endswith("LineString"):
        line = geom.geoms[0] if geom.geom_type == "MultiLineString" else geom
        coords = list(line.coords)
        return (
            coords[len(coords) // 2] if len(coords) > 2 else line.interpolate(0.5, normalized=True).coords[0]
        )
    point = geom if geom.geom_type == "Point" else geom.representative_point()
    return point.x, point.y


@pytest.mark.parametrize(
    ("layer", "user", "zoom"),
    [
        ("hamlets", None, 15),
        ("dead_zones", None, 15),
        ("challenges", None, 16),
        ("poles", "planner1", 18),
        ("ducts", "planner1", 18),
    ],
)
def test_the_map_with_a_popup_of_each_kind_open(probe, layer, user, zoom):
    visit = probe(user=user)
    feature = visit.api(f"/ogc/collections/{layer}/items?limit=1")["features"][0]
    lon, lat = _spot(feature["geometry"])
    page = visit.open(f"#{zoom}/{lat:.6f}/{lon:.6f}?layers={layer}")
    point = page.evaluate("([lat, lon]) => window.__hgmap.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    _popup_shown(page)
    wait_idle(page)
    name = page.evaluate("async (id) => (await import('/src/i18n.js')).t(`layer.${id}`)", layer)
    assert page.locator(".leaflet-popup .hg-popup-layer").text_content() == name  # that layer's popup
    _assert_clean(page, f"map, {user or 'visitor'}, a popup of {layer}")


def test_the_map_with_the_point_popup_open(probe):
    """ "Tại điểm này" (frontend/src/pointQuery.js), as a visitor asks it with a right-click."""
    visitor = probe()
    page = visitor.open()
    lon, lat = visitor.api("/api/region")["centre"]
    set_view(page, lat, lon, 14)
    point = page.evaluate("([lat, lon]) => window.__hgmap.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"], button="right")
    page.locator(".leaflet-popup .hg-point .hg-point-operators").wait_for()
    _popup_shown(page)
    _assert_clean(page, "map, visitor, the point popup")


def test_the_map_for_a_planner_with_the_approval_queue(probe, proposal):
    planner = probe(user="planner1")
    page = planner.open()
    page.locator(f"#hg-review-list li[data-code='{proposal}']").wait_for()
    page.click(f"#hg-evidence-{proposal} summary")
    page.locator(f"#hg-evidence-{proposal} .hg-whatif").wait_for()
    _assert_clean(page, "map, planner, approval queue")
    page.click(f"#hg-onmap-{proposal}")
    _popup_shown(page)
    wait_idle(page)
    _assert_clean(page, "map, planner, proposal's popup")


def test_the_map_for_an_operator_registering_a_site(probe):
    operator = probe(user="viettel1")
    page = operator.open()
    assert page.locator("#hg-register").is_visible()
    _assert_clean(page, "map, operator, registration form")
    # Each control of the cells table is named by its row and column, in the current language.
    assert page.get_by_label("Cell 2, Băng tần (MHz)").count() == 1
    page.click("#hg-lang-toggle")
    assert page.get_by_label("Cell 3, Antenna height (m)").count() == 1


def test_the_map_with_site_proposals_in_both_languages(probe, engine):
    """The proposals panel with its table, markers and curve, as an operator sees it (the sharing
    buttons), then in English."""
    with engine.connect() as conn:
        commune = conn.execute(
            text(
                "SELECT c.code FROM admin_units c JOIN admin_units h ON h.parent_id = c.id "
                "JOIN hamlet_cover_cells x ON x.hamlet_id = h.id WHERE c.level = 'commune' "
                "GROUP BY c.code ORDER BY sum(x.cells_total - x.cells_mbb_any) DESC, c.code LIMIT 1"
            )
        ).scalar_one()
    page = probe(user="vina1").open()
    page.locator(f"#hg-prop-area option[value='{commune}']").wait_for(state="attached")
    page.select_option("#hg-prop-area", commune)
    page.click("#hg-prop-submit")
    page.locator("#hg-prop-table tbody tr").first.wait_for(timeout=60_000)
    _assert_clean(page, "map, operator, site proposals")
    page.click("#hg-lang-toggle")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.wait_for_function("document.querySelector('#hg-prop-table thead th').textContent === 'Rank'")
    _assert_clean(page, "map, operator, site proposals (en)")


def test_the_dashboard_for_a_visitor_and_a_planner_with_a_district_drilled(probe):
    for user in (None, "planner1"):
        official = probe(user=user)
        page = official.page
        page.goto(f"{official.base_url}/dashboard")
        page.wait_for_function("window.__hgdash !== undefined && window.__hgdash.idle")
        _assert_clean(page, f"dashboard ({user or 'visitor'})")
    drill = page.locator("tr.hg-dash-row-district .hg-dash-drill").first
    drill.click()
    page.locator("tr.hg-dash-row-commune").first.wait_for()
    page.locator("tr.hg-dash-row-district .hg-dash-unit-name").first.click()
    page.locator("#dash-hamlet-table tbody tr").first.wait_for()
    page.wait_for_function("window.__hgdash.idle")
    _assert_clean(page, "dashboard (planner), district drilled")


def test_the_upload_page_and_the_api_documentation(probe):
    planner = probe(user="planner1")
    page = planner.page
    page.goto(f"{planner.base_url}/upload")
    page.locator("#hg-upload-crs option").first.wait_for(state="attached")
    _assert_clean(page, "upload")
    page.goto(f"{planner.base_url}/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    # Swagger UI (third-party, rendered by its own React code) nests each operation's buttons inside
    # the summary's button (nested-interactive); that markup cannot be changed from outside.
    _assert_clean(page, "API documentation", exclude=(".opblock-summary-control",))


def test_the_challenge_page_for_a_visitor_and_the_planners_queue(probe):
    """The public report form, and a planner's triage queue beside it."""
    for user in (None, "planner1"):
        visit = probe(user=user)
        page = visit.page
        page.goto(f"{visit.base_url}/challenge")
        page.wait_for_function("window.__hgchallenge && window.__hgchallenge.ready")
        if user:
            page.locator("#hg-ch-queue h2").wait_for()
        _assert_clean(page, f"challenge page ({user or 'visitor'})")


def test_on_a_phone_the_map_and_the_registration_form(probe):
    visitor = probe(phone_width=390)
    page = visitor.open()
    _assert_clean(page, "map on a phone, visitor")
    operator = probe(user="viettel1", phone_width=390)
    page = operator.open()
    if page.locator("#hg-sidebar").is_hidden():
        page.tap("#hg-panel-toggle")
    page.locator("#hg-register").scroll_into_view_if_needed()
    _assert_clean(page, "map on a phone, operator with the panel open")


def test_axe_core_is_not_served_to_users(live_server_url):
    """The test-only package stays in the tests: /vendor serves Leaflet and the vector-tile renderer's
    bundle alone (its own dependencies are inside it, not served from node_modules)."""
    assert httpx.get(f"{live_server_url}/vendor/axe-core/axe.min.js").status_code == 404
    assert httpx.get(f"{live_server_url}/vendor/leaflet/dist/leaflet.css").status_code == 200
    renderer = httpx.get(f"{live_server_url}/vendor/protomaps-leaflet/protomaps-leaflet.js")
    assert renderer.status_code == 200 and "leafletLayer" in renderer.text
    assert httpx.get(f"{live_server_url}/vendor/pbf/index.js").status_code == 404


def test_the_model_card_with_its_comparison_to_measurements(probe):
    for user in (None, "planner1"):
        page = probe(user=user).open()
        page.get_by_role("button", name="Mô hình tính toán").click()
        page.locator("#hg-model-card .hg-truth").wait_for()
        _assert_clean(page, f"model card, {user or 'visitor'}")

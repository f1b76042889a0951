"""Coverage, dead zones and the plan's indicators on the web map (headless Chromium, live app).

The coverage run is computed before the live server starts (tests/conftest.py), so the result
collections, the model card, the hamlet coverage and the indicators all have data. Counts are
checked against the API; colours against the rule the legend states.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from shapely.geometry import shape

from tests.browser.support import (
    click_at,
    format_vi,
    layer_state,
    painted_pixels,
    set_view,
    tiles_bbox,
    vi_number,
    wait_idle,
)

pytestmark = pytest.mark.browser

PERIOD = "2025-Q3"  # the latest period with statistics: the indicator panel's default
# The district choropleth's palette (frontend/src/styles.js): greens when the target is met,
# light → dark orange by the shortfall relative to the target, hatching when there is no data.
MET = {"exceeded": "#1a9850", "met": "#66bd63"}
BEHIND = [(0.1, "#fdae6b"), (0.25, "#f16913"), (0.5, "#d94801"), (float("inf"), "#8c2d04")]
HATCH = "url(#hg-hatch)"
STATUS_VI = {"met": "Đạt chỉ tiêu", "behind": "Chưa đạt", "no_data": "Chưa có số liệu"}


def expected_fill(record: dict) -> str:
    value, target = record["value"], record["target"]
    if record["status"] == "no_data" or value is None:
        return HATCH
    if record["status"] == "met":
        return MET["exceeded"] if target > 0 and (value - target) / target >= 0.1 else MET["met"]
    short = max(0.0, (target - value) / target) if target > 0 else 1.0
    return next(color for below, color in BEHIND if short < below)


def target_text(target: float, unit: str) -> str:
    """How the legend writes a target (format.js formatIndicator, Vietnamese)."""
    if unit == "%":
        return f"{format_vi(target, 1)}%"
    if unit == "per_100":
        return f"{format_vi(target, 1)} /100 dân"
    return f"{format_vi(target, 1)} {unit}"


def find_key(tree, key: str):
    """The first value of `key` anywhere in a JSON tree (the card nests the grid)."""
    if isinstance(tree, dict):
        if key in tree:
            return tree[key]
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            found = find_key(item, key)
            if found is not None:
                return found
    return None


@pytest.fixture
def district_report(map_page) -> dict:
    report = map_page.api(f"/api/indicators?level=district&period={PERIOD}")
    assert len(report["units"]) == 8
    return report


def records_of(report: dict, indicator: str) -> dict:
    return {
        unit["code"]: next(i for i in unit["indicators"] if i["id"] == indicator) for unit in report["units"]
    }


def indicator_with_values(report: dict) -> str:
    """The hamlet-coverage indicator when it has values, else the first indicator that has some."""
    ids = [i["id"] for i in report["units"][0]["indicators"]]
    ids.sort(key=lambda i: i != "mobile_bb_hamlet_coverage")
    for indicator in ids:
        if any(r["value"] is not None for r in records_of(report, indicator).values()):
            return indicator
    pytest.fail("no indicator has a value for any district")


def choose_indicator(page, indicator: str):
    page.get_by_label("Chỉ tiêu", exact=True).select_option(indicator)
    page.wait_for_function(
        "(id) => window.__hgmap.choropleth.indicator === id && window.__hgmap.choropleth.count === 8",
        arg=indicator,
    )


def choose_period(page, period: str):
    page.get_by_label("Kỳ số liệu").select_option(period)
    page.wait_for_function(
        "(p) => window.__hgmap.choropleth.period === p && !window.__hgmap.choropleth.loading", arg=period
    )


def requesting(path: str, *parts: str):
    """A predicate for `expect_request`: a request to `path` whose URL holds every part."""
    return lambda request: path in request.url and all(part in request.url for part in parts)


def assert_drawn_as_the_api_has(map_page, page, tiles: list[str], params: str, empty_ok: bool = False):
    """The coverage parts drawn are the API's for `params`, within what the `tiles` asked may hold."""
    drawn = set(page.evaluate("window.__hgmap.codes('coverage')"))
    assert layer_state(page, "coverage")["count"] == len(drawn)
    assert drawn or empty_ok, "no coverage drawn"
    api = map_page.api(f"/ogc/collections/coverage/items?limit=10000&{params}&bbox={tiles_bbox(tiles)}")
    assert drawn <= {f["properties"]["code"] for f in api["features"]}
    if not drawn:
        assert api["numberMatched"] == 0


def test_dead_zones_are_drawn_as_the_api_reports(map_page):
    matched = map_page.api("/ogc/collections/dead_zones/items?limit=1")["numberMatched"]
    assert matched > 0, "the coverage run found no dead zone in the sample province"
    page = map_page.open()
    page.get_by_label("Vùng lõm sóng", exact=True).check()
    wait_idle(page)
    state = layer_state(page, "dead_zones")
    assert state["error"] is None
    assert state["count"] == matched
    legend = page.locator(".hg-legend-section[data-layer='dead_zones']")
    expect(legend.locator("li")).to_have_count(4)  # the model's three kinds and the measured ones
    for kind in ("Không có sóng", "Chỉ có 2G/3G", "Chỉ một nhà mạng 4G/5G", "Đo thực tế"):
        expect(legend).to_contain_text(kind)

    # One kind only: the tiles are asked with the filter, the map redraws, the permalink keeps it.
    expected = map_page.api("/ogc/collections/dead_zones/items?limit=10000&kind=no_signal")["features"]
    with page.expect_request(requesting("/tiles/dead_zones/", "kind=no_signal")):
        page.get_by_label("Loại vùng lõm").select_option("no_signal")
    wait_idle(page)
    assert layer_state(page, "dead_zones")["count"] == len(expected)
    assert set(page.evaluate("window.__hgmap.codes('dead_zones')")) == {
        f["properties"]["code"] for f in expected
    }
    expect(page).to_have_url(re.compile(r"dead_zones\.kind=no_signal"))
    assert map_page.errors == []


def test_coverage_follows_the_operator_and_network_generation(map_page):
    page = map_page.open()
    tiles: list[str] = []
    page.on(
        "request", lambda request: tiles.append(request.url) if "/tiles/coverage/" in request.url else None
    )
    with page.expect_request(requesting("/tiles/coverage/")) as first:
        page.get_by_label("Vùng phủ sóng", exact=True).check()
    query = parse_qs(urlsplit(first.value.url).query)
    assert query == {"operator": ["all"], "tech_class": ["mbb"]}
    wait_idle(page)
    assert_drawn_as_the_api_has(map_page, page, tiles, "operator=all&tech_class=mbb")
    painted = painted_pixels(page, "hgCoverage")
    assert painted > 1000, "the coverage canvas is empty"

    tiles.clear()
    with page.expect_request(requesting("/tiles/coverage/", "operator=Viettel", "tech_class=legacy")):
        page.get_by_label("Doanh nghiệp", exact=True).select_option("Viettel")
        page.get_by_label("Thế hệ mạng").select_option("legacy")
    wait_idle(page)
    assert_drawn_as_the_api_has(
        map_page,
        page,
        [url for url in tiles if "operator=Viettel" in url],
        "operator=Viettel&tech_class=legacy",
        empty_ok=True,
    )
    expect(page.locator(".hg-legend-section[data-layer='coverage'] h3")).to_have_text(
        "Vùng phủ sóng: Viettel, 2G/3G"
    )
    expect(page).to_have_url(re.compile(r"coverage\.operator=Viettel"))
    expect(page).to_have_url(re.compile(r"coverage\.tech_class=legacy"))
    assert map_page.errors == []


def test_indicator_colours_the_districts_against_the_target(map_page, district_report):
    indicator = indicator_with_values(district_report)
    records = records_of(district_report, indicator)
    page = map_page.open()
    page.get_by_label("Trạm BTS").uncheck()
    choose_indicator(page, indicator)

    expect(page.locator("path.hg-indicator")).to_have_count(8)
    drawn = page.evaluate("window.__hgmap.choropleth.districts")
    assert set(drawn) == set(records)
    for code, record in records.items():
        assert drawn[code]["status"] == record["status"], code
        assert drawn[code]["fill"] == expected_fill(record), code

    # The legend states the target and the rule; the permalink names indicator and period.
    legend = page.locator(".hg-legend-section[data-layer='indicator']")
    some = next(iter(records.values()))
    expect(legend).to_contain_text(some["name_vi"])
    expect(legend).to_contain_text(f"Chỉ tiêu năm 2025: {target_text(some['target'], some['unit'])}")
    expect(legend).to_contain_text("xanh là đạt")
    expect(legend).to_contain_text("Chưa có số liệu")
    expect(page).to_have_url(re.compile(rf"indicator={indicator}&period={PERIOD}"))

    # A district's popup: value, target, gap and status (it wins over the commune outlines above it).
    district = map_page.api("/ogc/collections/districts/items?limit=10")["features"][0]
    record = records[district["properties"]["code"]]
    inside = shape(district["geometry"]).representative_point()
    click_at(page, inside.y, inside.x)
    popup = page.locator(".leaflet-popup .hg-popup-indicator")
    expect(popup.locator(".hg-popup-title")).to_have_text(district["properties"]["name"])
    expect(popup.locator("tr[data-field='status'] td")).to_have_text(STATUS_VI[record["status"]])
    target = target_text(record["target"], record["unit"])
    expect(popup.locator("tr[data-field='target'] td")).to_have_text(target)
    for field in ("value", "gap"):
        expect(popup.locator(f"tr[data-field='{field}'] td")).not_to_be_empty()

    # Another period comes from the API with that period.
    with page.expect_request(requesting("/api/indicators", "period=2025-Q1")):
        choose_period(page, "2025-Q1")
    earlier = records_of(map_page.api("/api/indicators?level=district&period=2025-Q1"), indicator)
    drawn = page.evaluate("window.__hgmap.choropleth.districts")
    assert {code: d["status"] for code, d in drawn.items()} == {c: r["status"] for c, r in earlier.items()}
    assert map_page.errors == []


def test_clicking_a_hamlet_shows_its_coverage_per_operator(map_page):
    hamlets = map_page.api("/ogc/collections/hamlets/items?limit=10000")["features"]
    computed = [f for f in hamlets if f["properties"].get("mbb_share") is not None]
    assert computed, "the coverage run computed no hamlet"
    # The largest computed hamlet: easy to hit.
    hamlet = max(computed, key=lambda f: shape(f["geometry"]).area)
    code = hamlet["properties"]["code"]
    coverage = map_page.api(f"/api/hamlets/{code}/coverage")
    assert coverage["operators"]

    page = map_page.open("#?layers=districts,communes,hamlet_coverage")
    assert layer_state(page, "hamlet_coverage")["count"] == len(hamlets)
    inside = shape(hamlet["geometry"]).representative_point()
    set_view(page, inside.y, inside.x, 13)
    with page.expect_response(lambda r: r.url.endswith(f"/api/hamlets/{code}/coverage")):
        click_at(page, inside.y, inside.x)
    popup = page.locator(".leaflet-popup .hg-popup-hamlet")
    expect(popup.locator(".hg-popup-title")).to_have_text(hamlet["properties"]["name"])
    rows = popup.locator(".hg-operator-row")
    expect(rows).to_have_count(len(coverage["operators"]))
    for entry in coverage["operators"]:
        row = popup.locator(f".hg-operator-row[data-operator='{entry['operator']}']")
        expect(row.locator(".hg-operator-name")).to_have_text(entry["operator"])
        assert abs(vi_number(row.locator(".hg-bar-value").inner_text()) - 100 * entry["mbb_share"]) <= 0.051
    mbb = popup.locator("tr[data-field='mbb_share'] td").inner_text()
    assert abs(vi_number(mbb.split("·")[0]) - 100 * coverage["mbb_share"]) <= 0.051
    expect(popup.locator("tr[data-field='dead_zone_population'] td")).to_contain_text("người")
    sites = popup.locator(".hg-nearest-sites tbody tr")
    expect(sites).to_have_count(len(coverage["nearest_sites"]))
    for i, site in enumerate(coverage["nearest_sites"]):
        expect(sites.nth(i)).to_contain_text(site["site_code"])
        expect(sites.nth(i).locator("td").nth(2)).to_have_text(re.compile(r"^\d[\d.,]* k?m$"))

    # The same choropleth by fibre: the legend says so and the permalink keeps it.
    page.get_by_label("Tô màu theo").select_option("ftth")
    expect(page.locator(".hg-legend-section[data-layer='hamlet_coverage'] h3")).to_have_text(
        "Tỷ lệ phủ cáp quang (FTTH) theo ấp"
    )
    expect(page).to_have_url(re.compile(r"hamlet_coverage\.metric=ftth"))
    assert map_page.errors == []


def test_model_card_opens_with_the_run_and_the_grid_size(map_page):
    answer = map_page.api("/api/coverage/model-card")
    cell_m = find_key(answer["card"], "cell_m")
    assert cell_m, "the model card names no grid cell size"
    page = map_page.open()
    expect(page.locator(".hg-model-card-status")).to_contain_text("Lần tính gần nhất")
    page.get_by_role("button", name="Mô hình tính toán").click()
    dialog = page.get_by_role("dialog", name="Mô hình tính toán vùng phủ sóng")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-param='id'] td")).to_have_text(str(answer["run"]["id"]))
    expect(dialog.locator("[data-param='blocks'] td")).to_have_text(format_vi(answer["run"]["blocks"], 0))
    grid = dialog.locator("[data-param$='cell_m']").first
    expect(grid).to_contain_text("Kích thước ô lưới")
    expect(grid).to_contain_text(f"{format_vi(cell_m, 3)} m")
    assert page.evaluate("window.__hgmap.modelCard.open") is True

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("window.__hgmap.modelCard.open") is False
    assert map_page.errors == []


def test_english_toggle_translates_the_coverage_controls(map_page, district_report):
    indicator = indicator_with_values(district_report)
    page = map_page.open("#?layers=districts,dead_zones,coverage,hamlet_coverage")
    choose_indicator(page, indicator)
    page.get_by_role("button", name="Chuyển sang tiếng Anh").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    layers = ("Dead zones", "Mobile coverage", "No fibre (FTTH) yet", "Mobile broadband coverage by hamlet")
    for name in layers:
        # exact: "Dead zones" also begins the measured dead zones' name (challenges)
        expect(page.locator(".hg-layer-name").get_by_text(name, exact=True)).to_be_visible()
    expect(page.get_by_label("Provider").locator("option:checked")).to_have_text("All operators")
    expect(page.get_by_label("Network generation").locator("option:checked")).to_have_text(
        "4G/5G (mobile broadband)"
    )
    expect(page.get_by_label("Dead-zone type").locator("option:checked")).to_have_text("All types")
    expect(page.get_by_label("Colour by").locator("option:checked")).to_have_text("Mobile broadband (4G/5G)")
    expect(page.get_by_role("heading", name="Plan indicators by district")).to_be_visible()
    expect(page.get_by_label("Period", exact=True).locator("option:checked")).to_have_text("Q3 2025")
    name_en = records_of(district_report, indicator)[district_report["units"][0]["code"]]["name_en"]
    expect(page.get_by_label("Indicator", exact=True).locator("option:checked")).to_have_text(
        re.compile(rf"^{re.escape(name_en)}")
    )
    expect(page.get_by_role("button", name="Coverage model")).to_be_visible()

    legend = page.locator(".hg-legend")
    expect(legend.locator(".hg-legend-section[data-layer='indicator']")).to_contain_text("2025 target")
    expect(legend.locator(".hg-legend-section[data-layer='dead_zones']")).to_contain_text("No signal")
    expect(legend.locator(".hg-legend-section[data-layer='coverage']")).to_contain_text("Good (≥ −85 dBm)")
    expect(legend.locator(".hg-legend-section[data-layer='hamlet_coverage']")).to_contain_text("Not computed")
    assert map_page.errors == []


def test_permalink_restores_the_coverage_choices_and_the_indicator(map_page, district_report):
    indicator = indicator_with_values(district_report)
    page = map_page.open("#?layers=districts,coverage,hamlet_coverage")
    page.get_by_label("Doanh nghiệp", exact=True).select_option("Viettel")
    page.get_by_label("Thế hệ mạng").select_option("legacy")
    page.get_by_label("Tô màu theo").select_option("ftth")
    choose_indicator(page, indicator)
    choose_period(page, "2025-Q2")
    wait_idle(page)
    for pattern in (
        r"coverage\.operator=Viettel",
        r"coverage\.tech_class=legacy",
        r"hamlet_coverage\.metric=ftth",
        rf"indicator={indicator}",
        r"period=2025-Q2",
    ):
        expect(page).to_have_url(re.compile(pattern))
    permalink = page.url

    fresh = map_page.new_page()
    fresh.goto(permalink)
    wait_idle(fresh)
    fresh.wait_for_function("window.__hgmap.choropleth.count === 8")
    expect(fresh.get_by_label("Doanh nghiệp", exact=True)).to_have_value("Viettel")
    expect(fresh.get_by_label("Thế hệ mạng")).to_have_value("legacy")
    expect(fresh.get_by_label("Tô màu theo")).to_have_value("ftth")
    expect(fresh.get_by_label("Chỉ tiêu", exact=True)).to_have_value(indicator)
    expect(fresh.get_by_label("Kỳ số liệu")).to_have_value("2025-Q2")
    # as_of '': today's coverage (the date field, test_coverage_as_of_ui.py)
    assert layer_state(fresh, "coverage")["choice"] == {
        "operator": "Viettel",
        "tech_class": "legacy",
        "as_of": "",
    }
    viettel_legacy = "/ogc/collections/coverage/items?limit=1&operator=Viettel&tech_class=legacy"
    assert layer_state(fresh, "coverage")["count"] > 0 or map_page.api(viettel_legacy)["numberMatched"] == 0
    assert map_page.errors == []

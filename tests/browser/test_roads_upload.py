"""The Department replaces the offline map's main roads on the upload page ("Đường giao thông (bản
đồ nền)"): an ogr2ogr OpenStreetMap lines file is taken and the result said in Vietnamese, then in
English; a file of points is refused and changes nothing. (Operators do not see the form:
test_reform_upload.py.)"""

import json

import pytest
from sqlalchemy import text

from tests.app.test_roads import FIXTURES, sample_roads_back  # noqa: F401 (a fixture)
from tests.browser.support import axe_findings
from tests.browser.test_reform_upload import upload_page

pytestmark = pytest.mark.browser


def _refs(engine) -> list[str | None]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT ref FROM roads ORDER BY id")).scalars().all()


@pytest.mark.usefixtures("sample_roads_back")
def test_the_department_replaces_the_roads(chromium, live_server_url, tokens, engine, tmp_path):
    probe, page = upload_page(chromium, live_server_url, "admin1")
    try:
        page.locator("#hg-roads form").wait_for()
        assert page.locator("#hg-roads h2").inner_text() == "Đường giao thông (bản đồ nền)"
        findings = axe_findings(page)
        assert not findings, findings

        page.get_by_label("Tệp đường giao thông (GeoJSON, GeoPackage, Shapefile .zip)").set_input_files(
            FIXTURES / "osm_lines.geojson"
        )
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
        page.click("#hg-roads-send")
        page.wait_for_selector("#hg-roads-result[data-state]")
        said = page.locator("#hg-roads-result").inner_text()
        assert page.locator("#hg-roads-result").get_attribute("data-state") == "done", said
        assert asked and "osm_lines.geojson" in asked[0]
        # The fixture's trunk (QL61) and secondary (ĐT927); its street, canal and trunk link left out.
        assert "Đã thay đường giao thông của bản đồ nền bằng osm_lines.geojson: 2 đường chính." in said
        assert "Trục chính (trunk): 1" in said and "Đường cấp hai (secondary): 1" in said
        assert "3 đối tượng khác" in said
        assert _refs(engine) == ["QL61", "ĐT927"]
        served = page.request.get(f"{probe.base_url}/basemap/roads.json")
        assert [f["properties"]["ref"] for f in json.loads(served.body())["features"]] == ["ĐT927", "QL61"]

        page.click("#hg-lang-toggle")
        page.wait_for_function("document.documentElement.lang === 'en'")
        said = page.locator("#hg-roads-result").inner_text()
        assert "The background map’s roads were replaced with osm_lines.geojson: 2 main roads." in said
        assert "Trunk: 1" in said

        points = tmp_path / "diem.geojson"
        feature = {
            "type": "Feature",
            "properties": {"highway": "trunk"},
            "geometry": {"type": "Point", "coordinates": [105.47, 9.784]},
        }
        points.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
        page.get_by_label("Roads file (GeoJSON, GeoPackage, zipped Shapefile)").set_input_files(points)
        page.once("dialog", lambda d: d.accept())
        page.click("#hg-roads-send")
        page.wait_for_selector("#hg-roads-result[data-state='refused']")
        refused = page.locator("#hg-roads-result").inner_text()
        assert "File refused; the roads are unchanged" in refused
        assert "diem.geojson" in refused and "1 features are not lines (Point" in refused
        assert _refs(engine) == ["QL61", "ĐT927"]
        assert not [e for e in probe.errors if "422" not in e], probe.errors
    finally:
        probe.context.close()

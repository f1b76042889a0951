"""The map's export panel in headless Chromium: a filtered view downloaded as a file, read back with
pyogrio (GDAL) and compared with what the OGC API returns for the same bbox and filters."""

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pyogrio
import pytest
import shapely
from playwright.sync_api import expect

from gis.importers.crs import transform as crs_transform
from tests.browser.support import set_view, wait_idle

pytestmark = pytest.mark.browser


def _bounds(page) -> list[float]:
    return page.evaluate(
        "(() => { const b = window.__hgmap.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )


def _download(page, link, tmp_path):
    with page.expect_download() as info:
        link.click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return path


def test_the_filtered_view_downloads_as_the_api_returns_it(map_page, tmp_path):
    page = map_page.open()
    page.get_by_label("Nhà mạng").select_option("Viettel")
    page.get_by_label("Công nghệ", exact=True).select_option("4G")
    set_view(page, 9.80, 105.55, 12)
    page.locator("#hg-export-format").select_option("gpkg")
    page.locator("#hg-export-crs").select_option("EPSG:5897")

    link = page.locator("#hg-export-links a[data-layer='sites']")
    expect(link).to_have_text("Trạm BTS")
    query = {k: v[0] for k, v in parse_qs(urlsplit(link.get_attribute("href")).query).items()}
    bbox = query.pop("bbox")
    assert query == {"operator": "Viettel", "technology": "4G", "format": "gpkg", "crs": "EPSG:5897"}
    assert [float(v) for v in bbox.split(",")] == pytest.approx(_bounds(page), abs=1e-6)

    path = _download(page, link, tmp_path)
    assert path.name.startswith("sites_") and path.suffix == ".gpkg"
    frame = pyogrio.read_dataframe(path)
    # VN-2000 / TM-3 105° bound to WGS 84 by the official 7 parameters (tests/app/test_export.py)
    assert frame.crs.source_crs.name == "VN-2000 / TM-3 zone 482"
    assert frame.crs.to_wkt("WKT1_GDAL").count("TOWGS84[-191.90441429,-39.30318279,-111.45032835") == 1

    api = map_page.api(f"/ogc/collections/sites/items?limit=10000&operator=Viettel&technology=4G&bbox={bbox}")
    expected = {f["properties"]["code"]: f for f in api["features"]}
    assert sorted(frame["code"]) == sorted(expected) and len(expected) > 0
    # The view and the filters both narrowed it: fewer than the whole province, fewer than unfiltered.
    assert (
        len(expected)
        < map_page.api("/ogc/collections/sites/items?limit=1&operator=Viettel&technology=4G")["numberMatched"]
    )
    assert len(expected) < map_page.api(f"/ogc/collections/sites/items?limit=1&bbox={bbox}")["numberMatched"]
    back = crs_transform(frame.geometry.to_numpy(), "EPSG:5897")  # the official VN-2000 shift
    for code, geom in zip(frame["code"], back, strict=True):
        lon, lat = expected[code]["geometry"]["coordinates"][:2]
        assert shapely.Point(lon, lat).distance(geom) < 1e-7  # about a centimetre
        assert frame.loc[frame["code"] == code, "owner"].item() == expected[code]["properties"]["owner"]

    # A filter changed without moving the map: the link follows it.
    page.get_by_label("Trạng thái").select_option("active")
    expect(link).to_have_attribute("href", re.compile(r"[?&]status=active(&|$)"))


def test_the_panel_follows_the_layers_and_kml_is_wgs84(map_page, tmp_path):
    page = map_page.open()
    links = page.locator("#hg-export-links a")
    expect(links).to_have_text(["Huyện/thị/thành phố", "Xã/phường/thị trấn", "Trạm BTS"])
    page.get_by_label("Cột treo cáp").check()
    set_view(page, 9.784, 105.470, 15)
    expect(links).to_have_text(["Huyện/thị/thành phố", "Xã/phường/thị trấn", "Trạm BTS", "Cột treo cáp"])

    page.locator("#hg-export-format").select_option("kml")
    expect(page.locator("#hg-export-crs")).to_be_disabled()
    poles = page.locator("#hg-export-links a[data-layer='poles']")
    assert "crs=EPSG%3A4326" in poles.get_attribute("href")

    page.locator("#hg-export-format").select_option("csv")
    expect(page.locator("#hg-export-crs")).to_be_enabled()
    path = _download(page, poles, tmp_path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    bbox = parse_qs(urlsplit(poles.get_attribute("href")).query)["bbox"][0]
    api = map_page.api(f"/ogc/collections/poles/items?limit=10000&bbox={bbox}")
    assert sorted(r["code"] for r in rows) == sorted(f["properties"]["code"] for f in api["features"])
    assert len(rows) > 0

    # Language: labels change, the links stay.
    page.locator("#hg-lang-toggle").click()
    expect(page.locator("#hg-export h2")).to_have_text("Download what is shown")
    expect(poles).to_have_text("Cable poles")
    wait_idle(page)
    assert map_page.errors == []

"""The Department checks an administrative reform on the upload page (the sample's own lineage and
codes: nothing written by a check), and a broken lineage is refused row by row; others do not see
the form (nor the roads' one)."""

import pytest

from tests.browser.support import MapPage
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

REFORM = ROOT / "data" / "hamlets" / "reform"


def upload_page(chromium, live_server_url, user):
    probe = MapPage(chromium, live_server_url, user=user)
    page = probe.page
    page.goto(f"{probe.base_url}/upload")
    page.wait_for_load_state("networkidle")
    return probe, page


def _communes_in_force(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM admin_units WHERE level = 'commune' AND valid_to IS NULL")
        ).scalar_one()


def test_the_department_checks_the_sample_reform(chromium, live_server_url, tokens, engine, tmp_path):
    before = _communes_in_force(engine)
    probe, page = upload_page(chromium, live_server_url, "planner1")
    try:
        page.get_by_label("Ngày có hiệu lực").fill("2025-07-01")
        page.get_by_label("Tệp phân định (CSV/XLSX)").set_input_files(REFORM / "lineage.csv")
        page.get_by_label("Tệp mã đơn vị mới (không bắt buộc)").set_input_files(REFORM / "units.csv")
        page.click("#hg-reform-check")
        page.wait_for_selector("#hg-reform-result[data-state]")
        said = page.locator("#hg-reform-result").inner_text()
        assert page.locator("#hg-reform-result").get_attribute("data-state") == "done", said
        assert "Bộ tệp hợp lệ; chưa ghi gì" in said
        assert f"{before} xã, phường cũ hết hiệu lực" in said and "28 xã, phường mới" in said
        assert _communes_in_force(engine) == before  # a check writes nothing

        broken = tmp_path / "phan_dinh.csv"
        lines = (REFORM / "lineage.csv").read_text(encoding="utf-8").splitlines()
        broken.write_text(
            "\n".join([lines[0], *lines[1:], lines[1]]) + "\n", encoding="utf-8"
        )  # one row twice
        page.get_by_label("Tệp phân định (CSV/XLSX)").set_input_files(broken)
        page.click("#hg-reform-check")
        page.wait_for_selector("#hg-reform-result[data-state='refused']")
        refused = page.locator("#hg-reform-result").inner_text()
        assert "Không áp dụng được; không có gì thay đổi" in refused
        assert "phan_dinh.csv" in refused
        assert _communes_in_force(engine) == before
        # Applying asks first; "no" sends nothing.
        page.get_by_label("Tệp phân định (CSV/XLSX)").set_input_files(REFORM / "lineage.csv")
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        page.click("#hg-reform-apply")
        page.wait_for_timeout(300)
        assert asked and "2025-07-01" in asked[0]
        assert _communes_in_force(engine) == before
        assert not [e for e in probe.errors if "422" not in e], probe.errors
    finally:
        probe.context.close()


def test_an_operator_does_not_see_the_department_forms(chromium, live_server_url, tokens):
    probe, page = upload_page(chromium, live_server_url, "viettel1")
    try:
        assert page.locator("#hg-reform").is_hidden()
        assert page.locator("#hg-roads").is_hidden()  # the offline map's roads (test_roads_upload.py)
    finally:
        probe.context.close()

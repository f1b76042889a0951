"""Site proposals on the map: a planner asks for five proposals in a commune and sees them ranked
(table, numbered markers, curve), keeps a new site as a stored draft registration of the operator in
one click, and turns a co-location into a sharing request of the operator it chooses (proposals for
any operator) — filed by the planner, the operator's to withdraw, the owner's to decide
(app/services/sharing.py); an operator turns a co-location of its own proposals into its request.
Both are asked to confirm first."""

import pytest
from sqlalchemy import text

from tests.browser.support import MapPage, axe_findings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def commune(engine) -> str:
    """The commune with the most grid cells no operator covers."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT c.code FROM admin_units c JOIN admin_units h ON h.parent_id = c.id "
                "JOIN hamlet_cover_cells x ON x.hamlet_id = h.id WHERE c.level = 'commune' "
                "GROUP BY c.code ORDER BY sum(x.cells_total - x.cells_mbb_any) DESC, c.code LIMIT 1"
            )
        ).scalar_one()


def _commune_needing_a_mast(engine, client_as, operator: str) -> str:
    with engine.connect() as conn:
        codes = conn.execute(
            text(
                "SELECT c.code FROM admin_units c JOIN admin_units h ON h.parent_id = c.id "
                "JOIN hamlet_cover_cells x ON x.hamlet_id = h.id WHERE c.level = 'commune' "
                "GROUP BY c.code ORDER BY sum(x.cells_total - x.cells_mbb_any) DESC, c.code LIMIT 12"
            )
        ).scalars()
        for code in codes:
            answer = client_as("planner1").post(
                "/api/proposals", json={"area": code, "operator": operator, "k": 5}
            )
            assert answer.status_code == 200, answer.text
            if {p["kind"] for p in answer.json()["proposals"]} & {"new", "office"}:
                return code
    pytest.fail(f"no commune among the twelve least covered needs a new mast for {operator}")


@pytest.fixture(scope="module")
def mast_commune(engine, client_as) -> str:
    """A commune whose five proposals for VinaPhone include one needing a new mast (a new site or an
    office plot): sharing comes first, so where existing structures cover every coverable person —
    what earlier tests registered nearby decides — no new mast is proposed."""
    return _commune_needing_a_mast(engine, client_as, "VinaPhone")


@pytest.fixture(scope="module")
def mast_commune_any(engine, client_as) -> str:
    """The same for proposals for any operator (the planner's default)."""
    return _commune_needing_a_mast(engine, client_as, "any")


def _ask(page, commune: str, operator: str | None = None, k: int = 5) -> list:
    page.wait_for_selector(
        f"#hg-proposals:not([hidden]) #hg-prop-area option[value='{commune}']", state="attached"
    )
    page.select_option("#hg-prop-area", commune)
    if operator:
        page.select_option("#hg-prop-operator", operator)
    page.fill("#hg-prop-k", str(k))
    page.click("#hg-prop-submit")
    page.wait_for_selector("#hg-prop-table tbody tr", timeout=60_000)
    return page.locator("#hg-prop-table tbody tr").all()


def test_a_planner_asks_for_five_proposals_in_a_commune(map_page, commune, mast_commune, engine):
    page = map_page.open()
    rows = _ask(page, commune, "VinaPhone")
    assert 1 <= len(rows) <= 5
    assert [r.get_attribute("data-rank") for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert page.locator(".hg-prop-marker").count() == len(rows)
    assert page.locator("#hg-prop-curve polyline").count() == 2
    status = page.inner_text("#hg-prop-status")
    assert "trạm phủ thêm" in status and "người ở vùng lõm" in status
    assert page.inner_text("#hg-prop-table thead").startswith("Hạng")
    # Proposals for one operator: a co-location becomes that operator's sharing request (no choice
    # of who asks); a new site (or an office plot) becomes a stored draft registration of the
    # operator in one click — in a commune where a new mast is needed.
    requestable = page.locator("#hg-prop-table tbody tr:is([data-kind='co_location'], [data-kind='pole'])")
    assert page.locator(".hg-prop-share").count() == requestable.count()
    assert page.locator(".hg-prop-requester").count() == 0
    _ask(page, mast_commune, "VinaPhone")
    new = page.locator("#hg-prop-table tbody tr:has(.hg-prop-draft)").first
    shown = tuple(float(new.get_attribute(f"data-{k}")) for k in ("lat", "lon"))
    height = float(new.get_attribute("data-height"))
    button = new.locator(".hg-prop-draft")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))  # for VinaPhone
    button.click()
    page.wait_for_selector(".hg-prop-draft[data-code]")
    code = button.get_attribute("data-code")
    try:
        assert "bản nháp đăng ký của VinaPhone" in asked[0], asked
        assert button.inner_text() == f"Đã lưu bản nháp {code}" and button.is_disabled()
        # The form holds the stored draft: saving it edits it (its code cannot change).
        assert page.input_value("#hg-reg-code") == code and page.locator("#hg-reg-code").evaluate(
            "e => e.readOnly"
        )
        lat, lon = float(page.input_value("#hg-reg-lat")), float(page.input_value("#hg-reg-lon"))
        assert (lat, lon) == pytest.approx(shown, abs=1e-5)
        mounted = new.get_attribute("data-kind") == "tall_structure"  # antennas on its top
        assert page.input_value("#hg-reg-structure") == ("rooftop" if mounted else "tower")
        assert f"thành bản nháp {code}" in page.inner_text("#hg-register")
        with engine.connect() as conn:
            stored = conn.execute(
                text(
                    "SELECT s.status, o.short_name, s.height_m, ST_Y(s.geom), ST_X(s.geom), "
                    "(SELECT count(*) FROM cells c WHERE c.site_id = s.id) FROM sites s "
                    "JOIN operators o ON o.id = s.owner_id WHERE s.code = :c"
                ),
                {"c": code},
            ).one()
        assert stored[:3] == ("draft", "VinaPhone", height) and stored[5] == 3
        assert (stored[3], stored[4]) == pytest.approx(shown, abs=1e-6)
        findings = axe_findings(page)
        assert not findings, findings
        assert not map_page.errors
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM sites WHERE code = :c"), {"c": code})


def test_the_operator_turns_a_co_location_into_a_sharing_request(
    chromium, live_server_url, tokens, commune, engine
):
    vina = MapPage(chromium, live_server_url, user="vina1")
    try:
        page = vina.open()
        rows = _ask(page, commune)  # an operator asks for itself: the choice is its own company
        assert page.input_value("#hg-prop-operator") == "VinaPhone"
        share = page.locator(".hg-prop-share").first
        code = share.get_attribute("data-code")
        page.once("dialog", lambda dialog: dialog.accept())  # the confirmation
        share.click()
        page.wait_for_selector(".hg-prop-share[data-request]")
        requests = vina.api("/api/sharing-requests")["requests"]
        mine = [r for r in requests if r["code"] == code and r["status"] == "pending"]
        assert len(mine) == 1 and mine[0]["requester"] == "VinaPhone" and len(rows) >= 1
        assert (
            share.inner_text() == f"Đã gửi yêu cầu số {mine[0]['id']} (Chờ trả lời)" and share.is_disabled()
        )
        assert "Đề xuất vị trí trạm số" in mine[0]["note"]
        assert not vina.errors
    finally:
        vina.context.close()
        with engine.begin() as conn:  # leave the shared test database as it was
            conn.execute(
                text(
                    "DELETE FROM sharing_requests WHERE requested_by = 'vina1' AND note LIKE 'Đề xuất vị trí trạm số%'"
                )
            )


def test_a_planner_turns_a_co_location_into_a_sharing_request(map_page, commune, engine):
    """Five proposals for any operator: the planner chooses which operator asks (not the tower's
    owner), is asked to confirm, and the row shows the request's number and state; the stored
    request is that operator's, filed by the planner."""
    page = map_page.open()
    rows = _ask(page, commune)  # a planner's proposals are for any operator unless it picks one
    assert page.input_value("#hg-prop-operator") == "any" and 1 <= len(rows) <= 5
    row = page.locator("#hg-prop-table tbody tr:has(.hg-prop-share)").first
    share, choice = row.locator(".hg-prop-share"), row.locator("select.hg-prop-requester")
    code, owner = share.get_attribute("data-code"), row.locator("td").nth(6).inner_text()
    assert share.is_disabled()  # until the planner has chosen who asks
    assert (
        row.locator(f"label[for='{choice.get_attribute('id')}']").inner_text()
        == "Doanh nghiệp xin dùng chung"
    )
    page.click("#hg-lang-toggle")  # English on the toggle; the table is drawn again in it
    label = row.locator(f"label[for='{choice.get_attribute('id')}']")
    assert label.inner_text() == "Operator asking to share" and choice.locator(
        "option"
    ).first.inner_text() == ("— choose an operator —")
    page.click("#hg-lang-toggle")
    assert label.inner_text() == "Doanh nghiệp xin dùng chung"
    offered = [v for v in choice.locator("option").evaluate_all("options => options.map(o => o.value)") if v]
    assert offered and owner not in offered
    requester = "VinaPhone" if "VinaPhone" in offered else offered[0]
    choice.select_option(requester)
    assert share.is_enabled()
    try:
        page.once("dialog", lambda dialog: dialog.dismiss())  # declining the confirmation files nothing
        share.click()
        assert share.is_enabled() and share.get_attribute("data-request") is None
        assert _filed_by_planner(engine, code) == []
        asked = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        share.click()
        page.wait_for_selector(".hg-prop-share[data-request]")
        rid = int(share.get_attribute("data-request"))
        assert share.inner_text() == f"Đã gửi yêu cầu số {rid} (Chờ trả lời)"
        assert share.is_disabled() and choice.is_disabled()
        assert all(word in asked[0] for word in (requester, code, owner)), asked
        # Stored: the chosen operator asks, the planner filed it, the tower's owner decides.
        assert _filed_by_planner(engine, code) == [(rid, requester, "planner1", "pending", owner)]
        # The table drawn again in English keeps the row filed, and who asked.
        page.click("#hg-lang-toggle")
        row = page.locator(f"#hg-prop-table tbody tr:has(.hg-prop-share[data-code='{code}'])")
        share, choice = row.locator(".hg-prop-share"), row.locator("select.hg-prop-requester")
        assert share.inner_text() == f"Request no. {rid} sent (Pending)" and share.is_disabled()
        assert share.get_attribute("data-request") == str(rid)
        assert choice.input_value() == requester and choice.is_disabled()
        page.click("#hg-lang-toggle")
        assert share.inner_text() == f"Đã gửi yêu cầu số {rid} (Chờ trả lời)"
        # The requests list shows it at once, who filed it, and lets the planner withdraw it.
        item = page.locator(f"#hg-requests-list li[data-request='{rid}']")
        item.wait_for()
        assert "Người gửi: planner1, lúc " in item.inner_text()
        withdraw = item.locator(f"#hg-withdraw-{rid}")
        page.once("dialog", lambda dialog: dialog.dismiss())  # declining the confirmation withdraws nothing
        withdraw.click()
        assert _filed_by_planner(engine, code) == [(rid, requester, "planner1", "pending", owner)]
        asked.clear()
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        withdraw.click()
        page.wait_for_selector(f"#hg-requests-list li[data-request='{rid}'][data-status='withdrawn']")
        assert all(word in asked[0] for word in (str(rid), requester, code, owner)), asked
        assert _filed_by_planner(engine, code) == [(rid, requester, "planner1", "withdrawn", owner)]
        assert item.locator(f"#hg-withdraw-{rid}").count() == 0
        findings = axe_findings(page)
        assert not findings, findings
        assert not map_page.errors
    finally:
        with engine.begin() as conn:  # leave the shared test database as it was
            conn.execute(
                text(
                    "DELETE FROM sharing_requests WHERE requested_by = 'planner1' "
                    "AND note LIKE 'Đề xuất vị trí trạm số%'"
                )
            )


def _filed_by_planner(engine, code: str) -> list:
    """(id, requester, filed by, status, owner) of the planner's requests for the site ``code``."""
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT r.id, rq.short_name, r.requested_by, r.status, o.short_name FROM sharing_requests r "
                    "JOIN operators rq ON rq.id = r.requester_id JOIN sites s ON s.id = r.site_id "
                    "JOIN operators o ON o.id = s.owner_id WHERE s.code = :c AND r.requested_by = 'planner1'"
                ),
                {"c": code},
            )
        ]


def test_a_planner_chooses_the_operator_of_a_draft(map_page, mast_commune_any, engine):
    """Five proposals for any operator: a new mast's draft registration needs an owner — the planner
    chooses it in the row (the button waits), is asked to confirm, and the draft is that operator's;
    the row keeps its state when the table is drawn again in English."""
    page = map_page.open()
    _ask(page, mast_commune_any)
    assert page.input_value("#hg-prop-operator") == "any"
    row = page.locator("#hg-prop-table tbody tr:has(.hg-prop-draft)").first
    rank = row.get_attribute("data-rank")
    row = page.locator(f"#hg-prop-table tbody tr[data-rank='{rank}']")
    button, choice = row.locator(".hg-prop-draft"), row.locator("select.hg-prop-draft-owner")
    label = row.locator(f"label[for='{choice.get_attribute('id')}']")
    assert button.is_disabled() and label.inner_text() == "Doanh nghiệp sở hữu bản nháp"
    assert choice.locator("option").first.inner_text() == "— chọn doanh nghiệp —"
    page.click("#hg-lang-toggle")
    assert (
        label.inner_text() == "Operator the draft is for"
        and button.inner_text() == "Create a draft registration"
    )
    page.click("#hg-lang-toggle")
    offered = [v for v in choice.locator("option").evaluate_all("options => options.map(o => o.value)") if v]
    assert "VinaPhone" in offered and "Viettel" in offered
    choice.select_option("Viettel")
    assert button.is_enabled()
    page.click("#hg-lang-toggle")  # the choice made survives the table drawn again
    assert choice.input_value() == "Viettel" and button.is_enabled()
    page.click("#hg-lang-toggle")
    before = _drafts_of(engine, "Viettel")
    try:
        page.once("dialog", lambda dialog: dialog.dismiss())  # declining the confirmation stores nothing
        button.click()
        assert button.is_enabled() and button.get_attribute("data-code") is None
        assert _drafts_of(engine, "Viettel") == before
        asked = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        button.click()
        page.wait_for_selector(f"#hg-prop-table tr[data-rank='{rank}'] .hg-prop-draft[data-code]")
        code = button.get_attribute("data-code")
        assert "Viettel" in asked[0] and f"đề xuất số {rank}" in asked[0], asked
        assert (
            button.inner_text() == f"Đã lưu bản nháp {code}" and button.is_disabled() and choice.is_disabled()
        )
        assert set(_drafts_of(engine, "Viettel")) == {*before, code}
        page.click("#hg-lang-toggle")
        assert button.inner_text() == f"Draft {code} saved" and button.is_disabled()
        assert button.get_attribute("data-code") == code and choice.input_value() == "Viettel"
        findings = axe_findings(page)
        assert not findings, findings
        assert not map_page.errors
    finally:
        with engine.begin() as conn:  # leave the shared test database as it was
            made = sorted(set(_drafts_of(engine, "Viettel")) - set(before))
            conn.execute(text("DELETE FROM sites WHERE code = ANY(:codes)"), {"codes": made})


def _drafts_of(engine, operator: str) -> list[str]:
    """Codes of the drafts of ``operator`` the planner made from site proposals ('DX-…'), in order."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT s.code FROM sites s JOIN operators o ON o.id = s.owner_id WHERE s.status = 'draft' "
                    "AND o.short_name = :op AND s.created_by = 'planner1' AND s.code LIKE 'DX-%' ORDER BY s.code"
                ),
                {"op": operator},
            ).scalars()
        )

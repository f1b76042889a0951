"""The model card's "So với đo đạc" section in the browser: a planner sees the comparison and the
proposed calibration, applies it (after confirming), sees it in force, then withdraws it; a visitor
sees the comparison without the buttons."""

import pytest
from playwright.sync_api import expect

from tests.app.test_model_truth_api import OPERATOR, signal_samples  # noqa: F401 - a fixture
from tests.browser.support import MapPage, axe_findings

pytestmark = pytest.mark.browser


def _open_card(probe: MapPage):
    page = probe.open()
    page.get_by_role("button", name="Mô hình tính toán").click()
    dialog = page.get_by_role("dialog", name="Mô hình tính toán vùng phủ sóng")
    expect(dialog.get_by_role("heading", name="So với đo đạc")).to_be_visible()
    return page, dialog


def test_a_planner_applies_then_withdraws_the_calibration(chromium, live_server_url, tokens, signal_samples):  # noqa: F811
    planner = MapPage(chromium, live_server_url, user="planner1")
    try:
        page, dialog = _open_card(planner)
        truth = planner.api("/api/coverage/model-card")["truth"]
        for g in truth["groups"]:
            expect(dialog.locator(f"[data-truth='{g['operator']}/{g['technology']}']").first).to_be_visible()
        proposal = dialog.locator(".hg-truth-calibration tr", has_text=OPERATOR)
        expect(proposal).to_contain_text("−3 dB")
        expect(proposal).to_contain_text("6")
        findings = axe_findings(page)  # with the proposal and its buttons (test_accessibility: without)
        assert not findings, "; ".join(findings)

        questions = []

        def answer(dialog_box, accept):
            questions.append(dialog_box.message)
            dialog_box.accept() if accept else dialog_box.dismiss()

        page.once("dialog", lambda d: answer(d, False))  # asked first: saying no applies nothing
        proposal.get_by_role("button", name="Áp dụng hiệu chỉnh").click()
        assert OPERATOR in questions[0] and "−3 dB" in questions[0]
        assert planner.api("/api/coverage/model-card")["truth"]["in_force"] == []

        page.once("dialog", lambda d: answer(d, True))
        proposal.get_by_role("button", name="Áp dụng hiệu chỉnh").click()
        status = dialog.locator(".hg-truth-status")
        expect(status).to_contain_text(f"Đã áp dụng hiệu chỉnh −3 dB cho {OPERATOR}")
        in_force = planner.api("/api/coverage/model-card")["truth"]["in_force"]
        assert [(c["operator"], c["offset_db"], c["accepted_by"]) for c in in_force] == [
            (OPERATOR, -3.0, "planner1")
        ]
        withdraw = dialog.get_by_role("button", name="Bỏ hiệu chỉnh")
        expect(withdraw).to_have_count(1)

        page.once("dialog", lambda d: answer(d, True))
        withdraw.click()
        expect(status).to_contain_text(f"Đã bỏ hiệu chỉnh của {OPERATOR}")
        expect(dialog.get_by_role("button", name="Bỏ hiệu chỉnh")).to_have_count(0)
        assert planner.api("/api/coverage/model-card")["truth"]["in_force"] == []
        assert planner.errors == []
    finally:
        planner.context.close()


def test_a_visitor_sees_the_comparison_without_the_buttons(chromium, live_server_url):
    visitor = MapPage(chromium, live_server_url)
    try:
        _page, dialog = _open_card(visitor)
        expect(dialog.locator(".hg-truth-table").first).to_be_visible()
        expect(dialog.get_by_role("button", name="Áp dụng hiệu chỉnh")).to_have_count(0)
        assert visitor.errors == []
    finally:
        visitor.context.close()

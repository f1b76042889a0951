"""The challenge loop's dispute, review and erasure in the browser: the operator disputes with its
evidence in words; the planner rejects the dispute (back to the operator with a new deadline) or
upholds it; the reporter erases their contact details through the private link."""

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from app.services import clock
from app.settings import get_settings
from tests.browser.support import MapPage
from tests.browser.test_challenge_ui import _file, _open, _steps
from tests.conftest import bearer

pytestmark = pytest.mark.browser


def _accepted(live_server_url: str, engine, tokens, offset: int) -> dict:
    """A report filed and sent to Viettel (code and token)."""
    filed = _file(live_server_url, engine, offset)
    r = httpx.post(
        f"{live_server_url}/api/challenges/{filed['code']}/decision",
        json={"accept": True, "operators": ["Viettel"]},
        headers=bearer(tokens["planner1"]),
    )
    assert r.status_code == 200, r.text
    return filed


def _detail(live_server_url: str, tokens, code: str) -> dict:
    r = httpx.get(f"{live_server_url}/api/challenges/{code}", headers=bearer(tokens["planner1"]))
    assert r.status_code == 200, r.text
    return r.json()


def _viettel(body: dict) -> dict:
    (mine,) = [o for o in body["operators"] if o["operator"] == "Viettel"]
    return mine


def _open_in_queue(probe, code: str):
    page = _open(probe)
    page.locator(f"#hg-ch-queue-table button[data-code='{code}']").click()
    page.locator("#hg-ch-actions").wait_for()
    return page


def _dispute_in_the_page(chromium, live_server_url, code: str, words: str) -> None:
    probe = MapPage(chromium, live_server_url, user="viettel1")
    try:
        page = _open_in_queue(probe, code)
        page.select_option("#hg-ch-answer", "disputed")
        page.fill("#hg-ch-note", words)
        page.get_by_role("button", name="Gửi trả lời").click()
        page.locator("#hg-ch-detail .hg-ch-steps li[data-step='disputed']").wait_for()
        assert not probe.errors, probe.errors
    finally:
        probe.context.close()


def _review_in_the_page(chromium, live_server_url, code: str, button: str, reason: str, step: str) -> None:
    probe = MapPage(chromium, live_server_url, user="planner1")
    try:
        page = _open_in_queue(probe, code)
        assert page.input_value("#hg-ch-review-operator") == "Viettel"
        page.fill("#hg-ch-note", reason)
        page.get_by_role("button", name=button).click()
        page.locator(f"#hg-ch-detail .hg-ch-steps li[data-step='{step}']").wait_for()
        assert not probe.errors, probe.errors
    finally:
        probe.context.close()


def test_the_planner_rejects_a_dispute_then_upholds_the_next(chromium, live_server_url, engine, tokens):
    filed = _accepted(live_server_url, engine, tokens, 25)
    code = filed["code"]
    with engine.begin() as conn:  # the first deadline has passed: the new one must be set afresh
        conn.execute(
            text(
                "UPDATE challenge_operators SET deadline = current_date - 5 "
                "WHERE challenge_id = (SELECT id FROM challenges WHERE code = :c)"
            ),
            {"c": code},
        )
    _dispute_in_the_page(chromium, live_server_url, code, "Đo tại chỗ: RSRP -92 dBm, sóng tốt")
    body = _detail(live_server_url, tokens, code)
    assert body["status"] == "disputed" and _viettel(body)["status"] == "disputed"
    assert body["steps"][-1]["note"] == "Đo tại chỗ: RSRP -92 dBm, sóng tốt"
    # Rejected: back to Viettel, with the configured delay from today.
    _review_in_the_page(
        chromium,
        live_server_url,
        code,
        "Bác phản bác, trả lại nhà mạng",
        "Người dân đo lại vẫn yếu",
        "overruled",
    )
    body = _detail(live_server_url, tokens, code)
    deadline = (clock.today() + timedelta(days=get_settings().challenge_deadline_days)).isoformat()
    assert (body["status"], _viettel(body)["status"], body["deadline"]) == ("accepted", "accepted", deadline)
    assert not body["escalated"]
    assert (body["steps"][-1]["step"], body["steps"][-1]["note"]) == ("overruled", "Người dân đo lại vẫn yếu")
    # Disputed again, with better evidence: upheld, it stays closed for Viettel.
    _dispute_in_the_page(chromium, live_server_url, code, "Ảnh chụp đo 5 điểm quanh ấp, đính kèm số liệu")
    _review_in_the_page(
        chromium, live_server_url, code, "Chấp nhận phản bác", "Số liệu đo của nhà mạng thuyết phục", "upheld"
    )
    body = _detail(live_server_url, tokens, code)
    assert (body["status"], _viettel(body)["status"], _viettel(body)["review"]) == (
        "disputed",
        "disputed",
        "upheld",
    )
    assert [s["step"] for s in body["steps"]] == [
        "filed",
        "accepted",
        "disputed",
        "overruled",
        "disputed",
        "upheld",
    ]


def test_the_reporter_erases_their_contact_through_the_private_link(
    chromium, live_server_url, engine, tokens
):
    filed = _file(live_server_url, engine, 26)
    assert _detail(live_server_url, tokens, filed["code"])["contact_name"] == "Nguyễn Thị Lan"
    reporter = MapPage(chromium, live_server_url)
    try:
        page = _open(reporter, f"#t={filed['token']}")
        assert _steps(page) == ["filed"]
        page.locator("#hg-ch-erase").click()
        page.get_by_text("Thông tin liên hệ của bạn đã được xoá.").wait_for()
        assert _steps(page) == ["filed", "erased"]
        assert page.locator("#hg-ch-erase").count() == 0
        assert not reporter.errors, reporter.errors
    finally:
        reporter.context.close()
    body = _detail(live_server_url, tokens, filed["code"])
    assert (body["contact_name"], body["contact_phone"], body["contact_email"]) == (None, None, None)
    with engine.connect() as conn:
        kept = conn.execute(
            text(
                "SELECT count(*) FROM challenge_contacts t JOIN challenges c ON c.id = t.challenge_id "
                "WHERE c.code = :c"
            ),
            {"c": filed["code"]},
        ).scalar_one()
    assert kept == 0


def test_an_operator_that_answered_is_offered_no_answer_while_another_plans(
    chromium, live_server_url, engine, tokens
):
    """Sent to Viettel and VinaPhone: Viettel fixed its part, VinaPhone plans a fix (the challenge is
    planned). Viettel's page offers no answer (the server would refuse it: 409); VinaPhone's does."""
    filed = _file(live_server_url, engine, 27)
    url = f"{live_server_url}/api/challenges/{filed['code']}"
    as_ = {who: bearer(tokens[who]) for who in ("planner1", "viettel1", "vina1")}
    r = httpx.post(
        f"{url}/decision",
        json={"accept": True, "operators": ["Viettel", "VinaPhone"]},
        headers=as_["planner1"],
    )
    assert r.status_code == 200, r.text
    assert httpx.post(f"{url}/answer", json={"answer": "fixed"}, headers=as_["viettel1"]).status_code == 200
    planned_on = (clock.today() + timedelta(days=30)).isoformat()
    r = httpx.post(
        f"{url}/answer", json={"answer": "planned", "planned_on": planned_on}, headers=as_["vina1"]
    )
    assert r.status_code == 200 and r.json()["status"] == "planned", r.text
    for who, offered in (("viettel1", False), ("vina1", True)):
        probe = MapPage(chromium, live_server_url, user=who)
        try:
            page = _open(probe)
            page.locator(f"#hg-ch-queue-table button[data-code='{filed['code']}']").click()
            page.locator("#hg-ch-detail .hg-ch-steps li[data-step='planned']").wait_for()
            assert page.locator("#hg-ch-actions").count() == (1 if offered else 0), who
            assert not probe.errors, probe.errors
        finally:
            probe.context.close()

"""Each operator a challenge was sent to answers by its own deadline: the Department rejecting one
operator's dispute gives that operator a new deadline, never the others. Hand-derived on two
operators of the test's own, with the service's clock moved day by day."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from app.services import challenges, challenges_summary
from app.services.clock import today
from tests.app.test_challenges import file, spot
from tests.app.test_challenges_summary import two_operators  # noqa: F401 (a fixture)

DAY_0 = today()


def day(n: int) -> date:
    return DAY_0 + timedelta(days=n)


@pytest.fixture
def clock(monkeypatch):
    """Set the services' day: ``clock(n)`` makes today day n of the test."""

    def move(n: int) -> None:
        for module in (challenges, challenges_summary):
            monkeypatch.setattr(module, "today", lambda: day(n))

    return move


def _own(body: dict) -> dict:
    return {o["operator"]: (date.fromisoformat(o["deadline"]), o["escalated"]) for o in body["operators"]}


def _summary(client, name: str) -> dict:
    (row,) = [r for r in client.get("/api/challenges/summary").json()["by_operator"] if r["code"] == name]
    return row


def _escalated_codes(client) -> set[str]:
    return {c["code"] for c in client.get("/api/challenges?escalated=true").json()["challenges"]}


def test_rejecting_one_dispute_moves_that_operators_deadline_only(
    two_operators,  # noqa: F811
    client_as,
    engine,
    app_instance,
    clock,
):
    (a, b), (op_a, op_b) = two_operators
    planner = client_as("planner1")
    reporter = TestClient(app_instance, client=("198.18.0.2", 50000))
    lon, lat, *_ = spot(engine, 61)
    filed = file(reporter, lon, lat).json()
    code, token = filed["code"], filed["token"]
    url = f"/api/challenges/{code}"
    # Day 0: sent to A and B with the default 60 days: both answer by day 60.
    clock(0)
    r = planner.post(f"{url}/decision", json={"accept": True, "operators": [a, b]})
    assert r.status_code == 200, r.text
    assert _own(r.json()) == {a: (day(60), False), b: (day(60), False)}
    # Day 5: A disputes. Day 10: the planner rejects A's dispute: A answers by day 70, B still by day 60.
    clock(5)
    assert (
        op_a.post(f"{url}/answer", json={"answer": "disputed", "note": "Đo kiểm: sóng tốt"}).status_code
        == 200
    )
    clock(10)
    r = planner.post(f"{url}/review", json={"outcome": "reject", "reason": "Sở đo lại: yếu", "operator": a})
    assert r.status_code == 200, r.text
    assert _own(r.json()) == {a: (day(70), False), b: (day(60), False)}
    assert r.json()["deadline"] == day(60).isoformat()  # the earliest of those yet to answer
    assert op_a.get(url).json()["deadline"] == day(70).isoformat()  # each operator's page: its own
    assert op_b.get(url).json()["deadline"] == day(60).isoformat()
    # Day 65: B is overdue, A is not.
    clock(65)
    seen_a, seen_b = op_a.get(url).json(), op_b.get(url).json()
    assert (seen_a["escalated"], seen_b["escalated"]) == (False, True)
    assert code not in _escalated_codes(op_a) and code in _escalated_codes(op_b)
    assert code in _escalated_codes(planner)  # the Department sees it escalated: B is overdue
    detail = planner.get(url).json()
    assert detail["escalated"] is True and _own(detail) == {a: (day(70), False), b: (day(60), True)}
    official = client_as("official1")
    assert (_summary(official, a)["escalated"], _summary(official, b)["escalated"]) == (0, 1)
    # The reporter's private page: each operator with its own deadline, B overdue.
    seen = reporter.get("/api/challenges/track", headers={"X-Challenge-Token": token}).json()
    assert seen["escalated"] is True and _own(seen) == {a: (day(70), False), b: (day(60), True)}
    # B fixes it on day 66: nothing overdue until A's own deadline has passed (day 71).
    clock(66)
    assert op_b.post(f"{url}/answer", json={"answer": "fixed"}).status_code == 200
    assert planner.get(url).json()["escalated"] is False
    assert _summary(official, b)["escalated"] == 0
    clock(71)
    assert op_a.get(url).json()["escalated"] is True and _summary(official, a)["escalated"] == 1

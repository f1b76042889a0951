"""The dashboard's counts per operator go by each operator's own answer to a challenge sent to
several: hand-derived on two operators of the test's own (nothing else was ever sent to them)."""

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.services import clock
from tests.app.test_challenges import file, spot
from tests.conftest import bearer, new_account


@pytest.fixture
def two_operators(engine, app_instance):
    """Two new mobile operators (short names), each with an operator account (its client)."""
    tag = uuid.uuid4().hex[:6]
    names = [f"Thử A {tag}", f"Thử B {tag}"]
    with engine.begin() as conn:
        for name in names:
            conn.execute(
                text("INSERT INTO operators (short_name, name, kind) VALUES (:n, :n, 'mobile')"), {"n": name}
            )
    clients = [
        TestClient(app_instance, headers=bearer(new_account(engine, f"op{i}.{tag}", "operator", operator=n)))
        for i, n in enumerate(names)
    ]
    yield names, clients
    with engine.begin() as conn:
        ids = {"names": names}
        conn.execute(
            text(
                "DELETE FROM challenges WHERE id IN (SELECT co.challenge_id FROM challenge_operators co "
                "JOIN operators o ON o.id = co.operator_id WHERE o.short_name = ANY(:names))"
            ),
            ids,
        )
        conn.execute(text("DELETE FROM users WHERE operator = ANY(:names)"), ids)
        conn.execute(text("DELETE FROM operators WHERE short_name = ANY(:names)"), ids)


def _by_operator(client, name: str) -> dict:
    (row,) = [r for r in client.get("/api/challenges/summary").json()["by_operator"] if r["code"] == name]
    return row


def test_a_challenge_sent_to_two_operators_counts_for_each_by_its_own_answer(
    two_operators, client_as, engine, app_instance
):
    (a, b), (op_a, op_b) = two_operators
    lon, lat, *_ = spot(engine, 60)
    code = file(TestClient(app_instance, client=("198.18.0.1", 50000)), lon, lat).json()["code"]
    url = f"/api/challenges/{code}"
    r = client_as("planner1").post(f"{url}/decision", json={"accept": True, "operators": [a, b]})
    assert r.status_code == 200, r.text
    # A fixes it; B plans a fix: the challenge as a whole is still planned (with the operators).
    assert op_a.post(f"{url}/answer", json={"answer": "fixed"}).status_code == 200
    planned_on = (clock.today() + timedelta(days=30)).isoformat()
    r = op_b.post(f"{url}/answer", json={"answer": "planned", "planned_on": planned_on})
    assert r.status_code == 200 and r.json()["status"] == "planned", r.text
    with engine.begin() as conn:  # filed 10 days before A's fix
        conn.execute(
            text(
                "UPDATE challenges c SET filed_at = co.answered_at - interval '10 days' FROM challenge_operators co "
                "JOIN operators o ON o.id = co.operator_id WHERE co.challenge_id = c.id AND c.code = :c "
                "AND o.short_name = :a"
            ),
            {"c": code, "a": a},
        )
    official = client_as("official1")
    counts = ("open", "accepted", "resolved", "rejected", "escalated", "median_days_to_resolve")
    row_a, row_b = _by_operator(official, a), _by_operator(official, b)
    assert tuple(row_a[k] for k in counts) == (0, 0, 1, 0, 0, 10.0)
    assert tuple(row_b[k] for k in counts) == (0, 1, 0, 0, 0, None)
    # B's planned day passes without a fix: escalated for B only.
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE challenge_operators co SET planned_on = current_date - 1 FROM operators o "
                "WHERE o.id = co.operator_id AND o.short_name = :b"
            ),
            {"b": b},
        )
    assert (_by_operator(official, a)["escalated"], _by_operator(official, b)["escalated"]) == (0, 1)

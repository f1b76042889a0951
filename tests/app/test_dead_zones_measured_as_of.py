"""Measured dead zones as of a past day, on a copy of the sample province: a challenge the Department
confirmed by measurements is on day D's dead-zone layer when its step `measured` came by the end of D
(midnight in Vietnam, not in UTC) and some operator it was sent to had not fixed it by then.

The challenges and their steps are written here with chosen times; what each day shows is derived by
hand from them (D is ten days ago: no site or hamlet of the sample changed since, so D's modelled
zones are today's — this copy has no run, so none — and the measured ones alone tell the days apart).
"""

import json
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import COLLECTIONS
from app.services import features
from app.services.clock import LOCAL_TZ, today
from app.services.coverage import asof
from app.services.scope import EVERYTHING
from tests.conftest import sample_database

D = today() - timedelta(days=10)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment on the country's clock."""
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


# name: (measured, live status, {operator: answer status}, steps as (step, operator, moment))
CHALLENGES = {
    # confirmed on D in the morning, never fixed: on D, and today
    "A": (True, "accepted", {"Viettel": "accepted"}, [("measured", None, _at(D, 10))]),
    # confirmed at 00:30 on D+1 in Vietnam, which is still D in UTC: not on D; today
    "B": (True, "accepted", {"Viettel": "accepted"}, [("measured", None, _at(D + timedelta(days=1), 0, 30))]),
    # confirmed before D, fixed at 23:30 on D (16:30 UTC): fixed by the end of D, so neither
    "C": (
        True,
        "fixed",
        {"Viettel": "fixed"},
        [("measured", None, _at(D - timedelta(days=5), 9)), ("fixed", "Viettel", _at(D, 23, 30))],
    ),
    # fixed at 00:30 on D+1: still a dead zone on D; not today
    "E": (
        True,
        "fixed",
        {"Viettel": "fixed"},
        [
            ("measured", None, _at(D - timedelta(days=5), 9)),
            ("fixed", "Viettel", _at(D + timedelta(days=1), 0, 30)),
        ],
    ),
    # sent to two operators: Viettel fixed it before D, VinaPhone only plans to: on D, and today
    "F": (
        True,
        "planned",
        {"Viettel": "fixed", "VinaPhone": "planned"},
        [
            ("measured", None, _at(D - timedelta(days=5), 9)),
            ("planned", "VinaPhone", _at(D - timedelta(days=4), 9)),
            ("fixed", "Viettel", _at(D - timedelta(days=3), 9)),
        ],
    ),
    # the operator disputed it and the Department upheld the dispute: not fixed, so on D and today
    "G": (
        True,
        "disputed",
        {"Viettel": "disputed"},
        [
            ("measured", None, _at(D - timedelta(days=5), 9)),
            ("disputed", "Viettel", _at(D - timedelta(days=4), 9)),
            ("upheld", "Viettel", _at(D - timedelta(days=3), 9)),
        ],
    ),
    # accepted, never measured: never a measured dead zone
    "H": (False, "accepted", {"Viettel": "accepted"}, []),
}
ON_D = {"A", "E", "F", "G"}
TODAY = {"A", "B", "F", "G"}


@pytest.fixture(scope="module")
def engine():
    with sample_database("measured") as eng:
        with eng.begin() as conn:
            live_from = conn.execute(text(f"SELECT {asof.LIVE_FROM}")).scalar_one()
            # The sample's network last changed in 2025 (gis/synthetic/radio.py): a sample that
            # changes later must fail here loudly, not skip the test in silence.
            assert live_from is None or live_from <= D - timedelta(days=6), (
                "the sample's network changed in the last ten days"
            )
            codes = {}
            for n, (name, (measured, status, operators, steps)) in enumerate(CHALLENGES.items()):
                codes[name] = _put(conn, n, measured, status, operators, steps)
        yield eng, codes


def _put(conn, n: int, measured: bool, status: str, operators: dict, steps: list) -> str:
    """One challenge of no signal at the n-th hamlet's inner point; its code."""
    row = conn.execute(
        text(
            "INSERT INTO challenges (token_sha256, proof_sha256, kind, operator_id, technology, observed_at, "
            "hamlet_id, status, measured, client_ip, geom, filed_at) "
            "SELECT md5(h.code || 't'), md5(h.code || 'p'), 'no_signal', o.id, '4G', :filed, h.id, :status, "
            ":measured, '192.0.2.9', ST_PointOnSurface(h.geom), :filed FROM (SELECT * FROM admin_units "
            "WHERE level = 'hamlet' AND valid_to IS NULL ORDER BY code OFFSET :n LIMIT 1) h, operators o "
            "WHERE o.short_name = 'Viettel' RETURNING id, code"
        ),
        {"n": n, "status": status, "measured": measured, "filed": _at(D - timedelta(days=7), 8)},
    ).one()
    step = text(
        "INSERT INTO challenge_steps (challenge_id, at, step, side, operator_id) "
        "SELECT :c, :at, :step, :side, (SELECT id FROM operators WHERE short_name = :op)"
    )
    conn.execute(
        step,
        {"c": row.id, "at": _at(D - timedelta(days=7), 8), "step": "filed", "side": "public", "op": None},
    )
    for operator, answer in operators.items():
        conn.execute(
            text(
                "INSERT INTO challenge_operators (challenge_id, operator_id, status, deadline) "
                "SELECT :c, id, :s, :d FROM operators WHERE short_name = :op"
            ),
            {"c": row.id, "s": answer, "op": operator, "d": D + timedelta(days=54)},
        )
        conn.execute(
            step,
            {
                "c": row.id,
                "at": _at(D - timedelta(days=6), 8),
                "step": "accepted",
                "side": "department",
                "op": operator,
            },
        )
    for name, operator, at in steps:
        side = "operator" if name in ("planned", "disputed", "fixed") else "department"
        conn.execute(step, {"c": row.id, "at": at, "step": name, "side": side, "op": operator})
    return row.code


def _measured(eng, filters: dict) -> set[str]:
    query = features.ItemsQuery(scope=EVERYTHING, filters=filters, limit=10_000)
    with Session(eng) as session:
        page = features.get_items(session, COLLECTIONS["dead_zones"], query)
    found = json.loads(b"[" + page.body + b"]")
    return {f["properties"]["code"] for f in found if f["properties"]["source"] == "measured"}


def test_a_past_day_shows_the_zones_measured_by_then_and_not_fixed_by_then(engine):
    eng, codes = engine
    name = {code: n for n, code in codes.items()}
    assert {name[c] for c in _measured(eng, {"datetime": D.isoformat()})} == ON_D


def test_today_and_no_date_show_the_zones_not_fixed_now(engine):
    eng, codes = engine
    name = {code: n for n, code in codes.items()}
    assert {name[c] for c in _measured(eng, {})} == TODAY
    assert {name[c] for c in _measured(eng, {"datetime": today().isoformat()})} == TODAY


def test_a_day_before_any_measurement_shows_none(engine):
    eng, _ = engine
    assert _measured(eng, {"datetime": (D - timedelta(days=6)).isoformat()}) == set()

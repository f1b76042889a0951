"""The what-if of an unsaved site adds the accepted calibration offset of its operator, as a run does."""

import pytest
from sqlalchemy import text

from tests.app.test_coverage import NEW_SITE

OFFSET_DB = 6.0  # Viettel's 4G/5G (mbb) offset in force during the test


@pytest.fixture
def viettel_offset(engine, coverage_run):
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO coverage_calibrations (operator_id, tech_class, offset_db, samples, accepted_by) "
                "SELECT id, 'mbb', :off, 12, 'test-planner' FROM operators WHERE short_name = 'Viettel'"
            ),
            {"off": OFFSET_DB},
        )
    try:
        yield OFFSET_DB
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM coverage_calibrations WHERE accepted_by = 'test-planner'"))


def _what_if(client, eirp_dbm: float) -> dict:
    body = {**NEW_SITE, "cells": [{**c, "eirp_dbm": eirp_dbm} for c in NEW_SITE["cells"]]}
    r = client.post("/api/coverage/what-if", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_what_if_adds_the_accepted_offset(client, engine, viettel_offset):
    calibrated = _what_if(client, 59.0)
    # By hand: each of the three 59 dBm sectors + 6 dB = 65 dBm.
    assert calibrated["calibration"] == [
        {"operator": "Viettel", "tech_class": "mbb", "offset_db": 6.0, "eirp_dbm": [65.0, 65.0, 65.0]}
    ]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM coverage_calibrations WHERE accepted_by = 'test-planner'"))
    raised = _what_if(client, 65.0)  # the bare model with the EIRP raised by hand
    bare = _what_if(client, 59.0)
    assert raised["calibration"] == bare["calibration"] == []
    for key in ("newly_covered_area_km2", "population_newly_covered", "hamlets_improved"):
        assert calibrated[key] == raised[key], key
    # The offset matters here: six decibels more reach more of the gap.
    assert calibrated["newly_covered_area_km2"] > bare["newly_covered_area_km2"]


def test_an_offset_of_another_operator_changes_nothing(client, engine, viettel_offset):
    body = {**NEW_SITE, "cells": [{**c, "operator": "MobiFone"} for c in NEW_SITE["cells"]]}
    r = client.post("/api/coverage/what-if", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["calibration"] == []

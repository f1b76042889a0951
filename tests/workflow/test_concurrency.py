"""Parallel edits of one record against the real server: exactly one success per version, the
others get 409 with the current state; nothing is lost and the audit has every accepted edit."""

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from tests.conftest import bearer

THREADS = 12
ROUNDS = 4
CELL = {"technology": "4G", "band_mhz": 900, "azimuth_deg": 10, "antenna_height_m": 30, "eirp_dbm": 58}


def test_many_parallel_edits_one_winner_per_version(api_server_url, tokens, engine):
    owner = httpx.Client(base_url=api_server_url, headers=bearer(tokens["viettel1"]), timeout=60)
    planner = httpx.Client(base_url=api_server_url, headers=bearer(tokens["planner1"]), timeout=60)
    r = owner.post(
        "/api/sites",
        json={
            "code": "CC-1",
            "position": {"lon": 105.4520, "lat": 9.8720},
            "structure_type": "tower",
            "height_m": 40,
            "cells": [CELL],
        },
    )
    assert r.status_code == 201, r.text
    version = r.json()["version"]

    def edit(i: int):
        who = owner if i % 2 else planner  # an operator and the Department at once
        return who.patch("/api/sites/CC-1", json={"height_m": 41 + i}, headers={"If-Match": f'"{version}"'})

    winners = []
    with ThreadPoolExecutor(THREADS) as pool:
        for _ in range(ROUNDS):
            answers = list(pool.map(edit, range(THREADS)))
            codes = sorted(a.status_code for a in answers)
            assert codes == [200] + [409] * (THREADS - 1), codes
            won = next(a for a in answers if a.status_code == 200).json()
            for lost in (a for a in answers if a.status_code == 409):
                current = lost.json()["current"]  # the loser sees what won
                assert current["version"] == version + 1 and current["height_m"] == won["height_m"]
            assert won["version"] == version + 1
            winners.append(won["height_m"])
            version = won["version"]
    final = owner.get("/api/sites/CC-1").json()
    assert final["version"] == 1 + ROUNDS and final["height_m"] == winners[-1]
    with engine.connect() as conn:
        updates = conn.execute(
            text(
                "SELECT (after->>'version')::int, (after->>'height_m')::float FROM audit_log "
                "WHERE entity = 'sites' AND record_code = 'CC-1' AND action = 'update' ORDER BY id"
            )
        ).all()
    assert [tuple(u) for u in updates] == [(2 + k, h) for k, h in enumerate(winners)]

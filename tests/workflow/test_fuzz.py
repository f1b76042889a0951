"""Property-based fuzzing (hypothesis) of the registration and import endpoints: whatever comes
in, the answer is never a 5xx, and a refused request writes nothing (an accepted one everything)."""

import csv
import io
import itertools
import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
number = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e7, max_value=1e7),
    st.integers(-(10**6), 10**6),
    st.sampled_from([0, 1800, 105.5, 9.8, -1, 361, 1e9]),
)
cell = st.fixed_dictionaries(
    {
        "technology": st.sampled_from(["2G", "3G", "4G", "5G", "6G", ""]),
        "band_mhz": st.integers(-5, 7000),
        "antenna_height_m": number,
    },
    optional={
        "azimuth_deg": number,
        "beamwidth_deg": number,
        "eirp_dbm": number,
        "tx_power_dbm": number,
        "antenna_gain_dbi": number,
        "operator": st.sampled_from(["Viettel", "VinaPhone", "Ghost", ""]),
        "code": st.text(max_size=10),
    },
)
position = st.one_of(
    st.fixed_dictionaries({"lon": st.floats(104.5, 106.5), "lat": st.floats(9.3, 10.3)}),
    st.fixed_dictionaries({"lon": number, "lat": number}),
    st.fixed_dictionaries({"dms": st.text(max_size=30)}),
    st.fixed_dictionaries({"easting": number, "northing": number}),
    anything,
)
site = st.fixed_dictionaries(
    {
        "code": st.from_regex(r"FZ-[A-Z0-9]{1,6}", fullmatch=True),
        "position": position,
        "structure_type": st.sampled_from(["tower", "rooftop", "small_cell", "pyramid"]),
        "cells": st.lists(cell, max_size=4),
    },
    optional={
        "height_m": number,
        "accepts_tenants": st.booleans(),
        "rent_vnd_month": st.integers(-5, 10**13),
        "new_structure_reason": st.text(max_size=50),
        "owner": st.sampled_from(["Viettel", "MobiFone"]),
        "permit_no": st.text(max_size=70),
    },
)


# Mostly-valid bodies with one field replaced: they reach the rules beyond the schema.
_VALID_CELL = {
    "technology": "4G",
    "band_mhz": 1800,
    "azimuth_deg": 90.0,
    "antenna_height_m": 30.0,
    "eirp_dbm": 58.0,
}


@st.composite
def near_valid_site(draw):
    body = {
        "code": draw(st.from_regex(r"FZ-[A-Z0-9]{1,6}", fullmatch=True)),
        "position": {"lon": draw(st.floats(105.440, 105.500)), "lat": draw(st.floats(9.860, 9.905))},
        "structure_type": "tower",
        "height_m": 40.0,
        "cells": [dict(_VALID_CELL)],
    }
    where = draw(st.sampled_from(["site", "cell", "position", "none"]))
    if where == "site":
        body[
            draw(
                st.sampled_from(["height_m", "structure_type", "rent_vnd_month", "accepts_tenants", "owner"])
            )
        ] = draw(anything)
    elif where == "cell":
        body["cells"][0][draw(st.sampled_from(sorted(_VALID_CELL) + ["beamwidth_deg", "operator"]))] = draw(
            st.one_of(number, anything)
        )
    elif where == "position":
        body["position"] = draw(position)
    return body


def _written(engine, code: str) -> tuple[int, int]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(DISTINCT s.id), count(c.id) FROM sites s LEFT JOIN cells c ON c.site_id = s.id "
                "WHERE s.code = :c"
            ),
            {"c": code},
        ).one()


@FUZZ
@given(body=st.one_of(near_valid_site(), near_valid_site(), site, anything))
def test_registration_never_fails_with_a_5xx_nor_half_writes(client_as, engine, body):
    code = body.get("code") if isinstance(body, dict) and isinstance(body.get("code"), str) else None
    before = _written(engine, code) if code else None
    r = client_as("viettel1").post(
        "/api/sites", content=json.dumps(body, allow_nan=True), headers={"Content-Type": "application/json"}
    )
    event(f"registration answered {r.status_code}")
    assert r.status_code < 500, r.text
    if r.status_code == 201:
        assert before == (0, 0) and _written(engine, code) == (1, len(body["cells"]))
    elif code:
        assert _written(engine, code) == before, r.text


@FUZZ
@given(patch=st.one_of(site, anything), etag=st.sampled_from(['"1"', '"0"', 'W/"1"', "garbage", '"99"']))
def test_edits_never_fail_with_a_5xx(client_as, patch, etag):
    c = client_as("viettel1")
    if c.get("/api/sites/FZ-BASE").status_code == 404:
        c.post(
            "/api/sites",
            json={
                "code": "FZ-BASE",
                "position": {"lon": 105.4650, "lat": 9.8600},
                "structure_type": "tower",
                "height_m": 30,
                "cells": [
                    {
                        "technology": "4G",
                        "band_mhz": 1800,
                        "azimuth_deg": 0,
                        "antenna_height_m": 28,
                        "eirp_dbm": 58,
                    }
                ],
            },
        )
    if isinstance(patch, dict):
        patch.pop("code", None)
    r = c.patch(
        "/api/sites/FZ-BASE",
        content=json.dumps(patch, allow_nan=True),
        headers={"Content-Type": "application/json", "If-Match": etag},
    )
    assert r.status_code < 500, r.text


_HEADER = [
    "site_code",
    "code",
    "lat",
    "lon",
    "owner",
    "operator",
    "technology",
    "band_mhz",
    "azimuth_deg",
    "antenna_height_m",
    "eirp_dbm",
    "height_m",
    "status",
]
csv_value = st.one_of(
    st.text(max_size=12), number.map(str), st.sampled_from(["", "Viettel", "4G", "1800", "9,8"])
)
_BATCH = itertools.count()
_VALID_ROW = ["", "", "9.88", "105.47", "Viettel", "Viettel", "4G", "1800", "0", "30", "58", "40", ""]


@st.composite
def csv_rows(draw):
    """Valid rows at distinct gap-area places, some of their values replaced."""
    rows = []
    for i in range(draw(st.integers(1, 5))):
        row = list(_VALID_ROW)
        row[2], row[3] = f"{9.862 + 0.008 * i:.4f}", f"{draw(st.floats(105.442, 105.498)):.5f}"
        for k in draw(st.lists(st.integers(2, len(row) - 1), max_size=2)):
            row[k] = draw(csv_value)
        rows.append(row)
    return rows


@FUZZ
@given(
    rows=st.one_of(
        csv_rows(),
        st.lists(st.lists(csv_value, min_size=len(_HEADER), max_size=len(_HEADER)), min_size=1, max_size=6),
    ),
    raw=st.binary(max_size=300),
    kind=st.sampled_from(["csv", "csv", "csv", "bytes"]),
    ext=st.sampled_from([".csv", ".xlsx", ".geojson", ".kml", ".kmz", ".zip", ".gpkg", ".txt"]),
)
def test_import_never_fails_with_a_5xx_nor_half_writes(client_as, engine, rows, raw, kind, ext):
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(_HEADER)
        batch = next(_BATCH)  # new codes each example: a repeat would only test the duplicate rule
        for i, row in enumerate(rows):
            writer.writerow([f"FZI-{batch}-{i}", f"FZI-{batch}-{i}-c", *row[2:]])
        data, ext = out.getvalue().encode(), ".csv"
    else:
        data = raw
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM sites WHERE code LIKE 'FZI-%'")).scalar_one()
    r = client_as("viettel1").post(
        "/api/import?target=sites", files={"file": (f"fuzz{ext}", data, "text/plain")}
    )
    event(f"import answered {r.status_code}")
    assert r.status_code < 500, r.text
    with engine.connect() as conn:
        after = conn.execute(text("SELECT count(*) FROM sites WHERE code LIKE 'FZI-%'")).scalar_one()
    if r.status_code == 200:
        assert after - before == r.json()["counts"].get("sites", 0)
    else:
        assert after == before, r.text

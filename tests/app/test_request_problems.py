"""A request the schemas refuse answers 400 with structured problems in the reader's language, not
pydantic's English ("Input should be less than or equal to 90", "Value error, give exactly one of")."""

import pytest
from pydantic import BaseModel, Field, ValidationError

from app.i18n import catalogue
from app.request_problems import CODES, problem_of
from tests.app.test_coverage import NEW_SITE

EN = {"Accept-Language": "en"}


class _Cell(BaseModel):
    azimuth_deg: float = Field(ge=0, lt=360)


class _Body(BaseModel):
    name: str = Field(max_length=5)
    cells: list[_Cell]


def _errors(data) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        _Body.model_validate(data)
    return caught.value.errors()


def test_each_pydantic_error_becomes_a_coded_problem_with_its_limit_and_place():
    errors = _errors({"name": "abcdefgh", "cells": [{"azimuth_deg": 10}, {"azimuth_deg": 400}]})
    got = sorted((problem_of(e) for e in errors), key=lambda p: p.code)
    long_name, azimuth = got[1], got[0]
    assert (azimuth.code, azimuth.source, azimuth.row, azimuth.field) == (
        "request.less_than",
        "cells",
        2,
        "azimuth_deg",
    )
    assert dict(azimuth.params) == {"value": 400, "limit": 360.0}
    assert (long_name.code, long_name.field, long_name.row) == ("request.text_too_long", "name", None)
    assert dict(long_name.params) == {"value": "abcdefgh", "max": 5}


def test_a_missing_field_and_a_non_number():
    got = {p.code: p for p in map(problem_of, _errors({"cells": [{"azimuth_deg": "bắc"}]}))}
    assert set(got) == {"request.missing", "value.not_a_number"}
    assert got["request.missing"].field == "name" and not got["request.missing"].params
    assert dict(got["value.not_a_number"].params) == {"value": "bắc"}


def test_every_code_answered_has_a_sentence_in_both_languages():
    for lang in ("vi", "en"):
        assert not CODES - set(catalogue(lang).problems), lang


def test_an_out_of_range_query_parameter_reads_in_vietnamese_and_in_english(client):
    url = "/ogc/collections/sites/items"
    vi = client.get(url, params={"offset": "99999999999999999999"})
    assert vi.status_code == 400
    (problem,) = vi.json()["problems"]
    assert problem["code"] == "request.at_most" and problem["field"] == "offset"
    assert problem["params"]["limit"] == 1000000000
    assert vi.json()["description"] == "offset: không được lớn hơn 1000000000"
    en = client.get(url, params={"offset": "99999999999999999999"}, headers=EN)
    assert en.json()["description"] == "offset: must be at most 1000000000"


def test_a_what_if_with_latitude_and_longitude_swapped_says_so(client):
    body = {**NEW_SITE, "site": {**NEW_SITE["site"], "lon": 9.8, "lat": 105.6}}
    r = client.post("/api/coverage/what-if", json=body)
    assert r.status_code == 400, r.text
    (problem,) = r.json()["problems"]
    assert problem["code"] == "position.not_a_latitude_swapped" and problem["params"]["lat"] == 105.6
    assert (
        problem["message"] == "Trạm: 105.6 không phải vĩ độ (−90..90); có phải kinh độ và vĩ độ bị đổi chỗ?"
    )


def test_a_what_if_cell_out_of_range_is_placed_at_its_item(client):
    cells = [dict(c) for c in NEW_SITE["cells"]]
    cells[1]["azimuth_deg"] = 400
    r = client.post("/api/coverage/what-if", json={**NEW_SITE, "cells": cells}, headers=EN)
    assert r.status_code == 400, r.text
    (problem,) = r.json()["problems"]
    assert (problem["source"], problem["row"], problem["field"]) == ("cells", 2, "azimuth_deg")
    assert problem["message"] == "cells item 2: azimuth: must be less than 360"


def test_a_registration_with_two_positions_is_refused_by_code(client_as):
    body = {"code": "REQ-1", "position": {"lon": 105.6, "lat": 9.8, "dms": "9°48'N 105°36'E"}}
    r = client_as("viettel1").post("/api/poles", json=body, headers=EN)
    assert r.status_code == 400, r.text
    codes = {p["code"] for p in r.json()["problems"]}
    assert "position.one_form" in codes
    assert "Value error" not in r.json()["description"]

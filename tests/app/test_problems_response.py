"""A refusal carrying structured problems answers 422 with each problem as data and as a sentence."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.errors import install_handlers
from gis.problems import Problem, ProblemsFound


def _client() -> TestClient:
    app = FastAPI()
    install_handlers(app)

    @app.get("/refuse")
    def refuse():
        raise ProblemsFound(
            [
                Problem(
                    "value.unknown_code_for_test",
                    field="height_m",
                    row=7,
                    source="tram.csv",
                    params={"value": 720},
                ),
                Problem("value.unknown_code_for_test", field="azimuth_deg", row=2, source="tram.csv"),
            ]
        )

    return TestClient(app)


def test_problems_are_data_in_file_order_with_their_sentence():
    r = _client().get("/refuse", headers={"Accept-Language": "en"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "Unprocessable"
    assert [(p["row"], p["field"]) for p in body["problems"]] == [(2, "azimuth_deg"), (7, "height_m")]
    assert body["problems"][1]["params"] == {"value": 720}
    # an uncatalogued code still says everything it knows
    assert body["problems"][1]["message"] == "tram.csv row 7: height: value.unknown_code_for_test (value=720)"
    assert body["description"].startswith("tram.csv row 2: azimuth:")


def test_vietnamese_is_the_default_language():
    body = _client().get("/refuse").json()
    assert body["problems"][0]["message"].startswith("tram.csv dòng 2:")

"""Search finds known places by address: tall structures (the only records with an address —
sites and commune offices have none), diacritics ignored as for names, for logged-in users only
(the structures are not on the public map), within a limited official's district, in service on
the day asked."""

import unicodedata
from datetime import date

import pytest
from sqlalchemy import text

# Two hand-made water towers, one in district 934 (where official934 looks), one outside it; the
# first's address is stored decomposed (NFD), as some spreadsheets write Vietnamese.
INSIDE_934 = ("TS-ADDR-1", "Tháp nước thử nghiệm Một", "Ấp Tân Lợi Thượng, số 17 đường Đê Bao")
OUTSIDE_934 = ("TS-ADDR-2", "Tháp nước thử nghiệm Hai", "Ấp Tân Lợi Thượng, khu Chợ Mới")
RETIRED = ("TS-ADDR-3", "Tháp nước thử nghiệm Ba", "Ấp Tân Lợi Thượng, bến đò cũ")


@pytest.fixture(scope="module")
def towers(engine):
    """code -> (lon, lat) of the towers, each on a commune of the sample (inside / outside 934)."""
    where = {}
    with engine.begin() as conn:
        for (code, name, address), inside, retired_on in (
            (INSIDE_934, True, None),
            (OUTSIDE_934, False, None),
            (RETIRED, True, date(2020, 1, 1)),
        ):
            lon, lat = conn.execute(
                text(
                    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(c.geom) AS p FROM admin_units c "
                    "JOIN admin_units d ON d.id = c.parent_id WHERE c.level = 'commune' AND c.valid_to IS NULL "
                    "AND (d.code = '934') = :inside ORDER BY c.code LIMIT 1) x"
                ),
                {"inside": inside},
            ).one()
            stored = unicodedata.normalize("NFD", address) if code == INSIDE_934[0] else address
            conn.execute(
                text(
                    "INSERT INTO tall_structures (code, name, kind, height_m, address, geom, in_service_to) "
                    "VALUES (:c, :n, 'water_tower', 30, :a, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :to)"
                ),
                {"c": code, "n": name, "a": stored, "lon": lon, "lat": lat, "to": retired_on},
            )
            where[code] = (lon, lat)
    yield where
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM tall_structures WHERE code LIKE 'TS-ADDR-%'"))


def _found(client, query: str, **params) -> list[dict]:
    answer = client.get("/api/search", params={"q": query, "limit": 50, **params})
    assert answer.status_code == 200, answer.text
    return [r for r in answer.json()["results"] if r["level"] == "tall_structure"]


@pytest.mark.parametrize("query", ["ap tan loi thuong", "Ấp Tân Lợi Thượng", "TAN LOI  THUONG", "de bao"])
def test_a_planner_finds_a_tower_by_its_address_without_diacritics(client, towers, query):
    found = {r["code"]: r for r in _found(client, query)}
    expected = {"TS-ADDR-1"} if query == "de bao" else {"TS-ADDR-1", "TS-ADDR-2"}
    assert set(found) == expected  # the retired one (in service until 2020) is not
    hit = found["TS-ADDR-1"]
    assert hit["name"].startswith("Tháp nước thử nghiệm Một (") and "Tân Lợi Thượng" in unicodedata.normalize(
        "NFC", hit["address"]
    )
    assert (hit["lon"], hit["lat"]) == pytest.approx(towers["TS-ADDR-1"], abs=1e-6)
    assert hit["parent_name"] and hit["district_name"]  # the commune and district it lies in


def test_the_address_ranks_before_a_name_and_a_day_brings_back_a_retired_tower(client, towers):
    # "cho moi" is in the second tower's address only; a day before 2020 finds the retired one.
    assert [r["code"] for r in _found(client, "cho moi")] == ["TS-ADDR-2"]
    assert {r["code"] for r in _found(client, "ben do cu", on="2019-06-01")} == {"TS-ADDR-3"}
    assert _found(client, "ben do cu") == []
    assert _found(client, "tan loi thuong%") == []  # a wildcard is a character


def test_units_keep_their_place_before_places(client, towers):
    results = client.get("/api/search", params={"q": "tan loi", "limit": 50}).json()["results"]
    levels = [r["level"] for r in results]
    assert "hamlet" in levels and "tall_structure" in levels
    assert levels.index("tall_structure") > max(i for i, v in enumerate(levels) if v != "tall_structure")


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", set()),
        ("planner1", {"TS-ADDR-1", "TS-ADDR-2"}),
        ("admin1", {"TS-ADDR-1", "TS-ADDR-2"}),
        ("viettel1", {"TS-ADDR-1", "TS-ADDR-2"}),
        ("official1", {"TS-ADDR-1", "TS-ADDR-2"}),
        ("official934", {"TS-ADDR-1"}),  # a limited official: its district only
    ],
)
def test_who_finds_the_towers(anon_client, client_as, towers, who, expected):
    client = anon_client if who == "anonymous" else client_as(who)
    assert {r["code"] for r in _found(client, "ap tan loi thuong")} == expected

"""The sample province with its synthetic 2025 reform applied (`python -m app.cli seed --reform`, the
``reformed_url`` database): the old geography on 30 June 2025, the new one since 1 July, as the
database, the region, search and the OGC collections tell them."""

import csv
import shutil
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from gis.synthetic.facts import REFORM
from tests.conftest import APP_LOGIN, REFORMED_DB, ROOT, _url_for

BEFORE, ON = date(2025, 6, 30), date.fromisoformat(REFORM.effective)
TODAY = date.today()
LINEAGE = ROOT / "data" / "hamlets" / "reform" / "lineage.csv"


@pytest.fixture(scope="module")
def api(reformed_url):
    """The app logged in to the reformed database as the service is (anonymous requests)."""
    from app.db import reset_engine
    from app.main import create_app
    from app.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", _url_for(REFORMED_DB, APP_LOGIN))
        get_settings.cache_clear()
        reset_engine()
        try:
            with TestClient(create_app()) as client:
                yield client
        finally:
            mp.undo()
            get_settings.cache_clear()
            reset_engine()


def _lineage() -> list[dict]:
    with LINEAGE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _in_force(engine, day: date, level: str) -> dict[str, tuple]:
    """code → (name, parent level, parent code, area km²) of the units of ``level`` in force on ``day``."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.code, u.name, p.level::text, p.code, u.area_km2 FROM admin_units u "
                "LEFT JOIN admin_units p ON p.id = u.parent_id WHERE u.level = :l AND u.valid_from <= :d "
                "AND (u.valid_to IS NULL OR u.valid_to > :d)"
            ),
            {"l": level, "d": day},
        ).all()
    return {code: rest for code, *rest in rows}


def test_the_day_before_the_old_geography_is_whole(reformed):
    assert len(_in_force(reformed, BEFORE, "province")) == 1
    assert len(_in_force(reformed, BEFORE, "district")) == 8
    communes = _in_force(reformed, BEFORE, "commune")
    assert len(communes) == 76 and {level for _, level, _, _ in communes.values()} == {"district"}
    assert len(_in_force(reformed, BEFORE, "hamlet")) == 536


def test_since_the_reform_the_new_communes_lie_directly_under_the_city(reformed):
    new = {r["Mã xã mới"]: r["Tên xã mới"] for r in _lineage()}
    for day in (ON, TODAY):
        communes = _in_force(reformed, day, "commune")
        assert {code: name for code, (name, _, _, _) in communes.items()} == new
        assert {(level, parent) for _, level, parent, _ in communes.values()} == {
            ("province", REFORM.city_code)
        }
        assert _in_force(reformed, day, "district") == {}
        (city,) = _in_force(reformed, day, "province").items()
        assert city[0] == REFORM.city_code and city[1][0] == REFORM.city_name
        hamlets = _in_force(reformed, day, "hamlet")
        assert len(hamlets) == 536 and {level for _, level, _, _ in hamlets.values()} == {"commune"}
        assert {parent for _, _, parent, _ in hamlets.values()} == set(new)
    with reformed.connect() as conn:
        since = (
            conn.execute(
                text(
                    "SELECT DISTINCT valid_from FROM admin_units WHERE level = 'commune' AND code = ANY(:c) AND valid_to IS NULL"
                ),
                {"c": list(new)},
            )
            .scalars()
            .all()
        )
    assert since == [ON]  # none of the new communes was in force on 30 June


def test_the_new_communes_cover_the_old_ones_area_for_area(reformed):
    old = _in_force(reformed, BEFORE, "commune")
    new = _in_force(reformed, ON, "commune")
    assert sum(a for *_, a in new.values()) == pytest.approx(sum(a for *_, a in old.values()), rel=0.005)
    predecessors: dict[str, float] = {}
    for r in _lineage():
        predecessors[r["Mã xã mới"]] = predecessors.get(r["Mã xã mới"], 0.0) + old[r["Mã xã cũ"]][3]
    for code, (*_, area_km2) in new.items():
        assert area_km2 == pytest.approx(predecessors[code], rel=0.005), code


def test_the_region_is_the_city_today_and_the_province_before(api):
    today = api.get("/api/region").json()
    assert today["codes"] == [REFORM.city_code] and today["name"] == REFORM.city_name
    before = api.get(f"/api/region?date={BEFORE}").json()
    assert before["codes"] == ["93"] and before["name"] == "Tỉnh Hậu Giang"


def test_an_old_name_finds_the_commune_it_became_part_of(api):
    # "Xã Hỏa Lựu" → the commune it became part of, whose name it does not carry
    renamed = next(
        r
        for r in _lineage()
        if r["Tên xã cũ"].startswith("Xã ") and r["Tên xã cũ"][3:] not in r["Tên xã mới"]
    )
    r = api.get("/api/search", params={"q": renamed["Tên xã cũ"]})
    assert r.status_code == 200, r.text
    first = r.json()["results"][0]
    assert (first["level"], first["code"], first["name"]) == (
        "commune",
        renamed["Mã xã mới"],
        renamed["Tên xã mới"],
    )
    assert first["formerly"] == renamed["Tên xã cũ"]
    old = api.get("/api/search", params={"q": renamed["Tên xã cũ"], "on": BEFORE.isoformat()}).json()
    assert old["results"][0]["code"] == renamed["Mã xã cũ"] and old["results"][0]["formerly"] is None


def test_the_ogc_communes_are_those_in_force_on_the_day_asked(api):
    def matched(query: str) -> int:
        r = api.get(f"/ogc/collections/communes/items?limit=1{query}")
        assert r.status_code == 200, r.text
        return r.json()["numberMatched"]

    assert matched(f"&datetime={BEFORE}") == 76
    assert matched("") == 28
    assert matched(f"&datetime={ON}") == 28
    assert api.get(f"/ogc/collections/districts/items?limit=1&datetime={BEFORE}").json()["numberMatched"] == 8
    assert api.get("/ogc/collections/districts/items?limit=1").json()["numberMatched"] == 0


def _scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_seed_with_the_reform_from_the_command_line_all_or_nothing(
    scratch_url, monkeypatch, capsys, tmp_path
):
    """`seed --reform` loads the sample and applies its reform; a reform that cannot be applied (an old
    commune left out of the lineage) leaves nothing behind, the sample included."""
    from app import cli
    from app.db import reset_engine
    from app.settings import get_settings

    broken = tmp_path / "hamlets"
    shutil.copytree(ROOT / "data" / "hamlets", broken)
    lines = (broken / "reform" / "lineage.csv").read_text(encoding="utf-8").splitlines()
    (broken / "reform" / "lineage.csv").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    get_settings.cache_clear()
    reset_engine()
    try:
        assert cli.main(["seed", "--reform"]) == 0
        out = capsys.readouterr().out
        assert "commune 76, hamlet 536," in out and "communes_ended 76, communes_inserted 28" in out
        assert "districts_ended 8, provinces_ended 1, provinces_inserted 1, hamlets_moved 536" in out
        in_force = "SELECT count(*) FROM admin_units WHERE level = 'commune' AND valid_to IS NULL"
        assert _scalar(scratch_url, in_force) == 28
        monkeypatch.setenv("SAMPLE_DATA_DIR", str(broken))
        get_settings.cache_clear()
        assert cli.main(["seed", "--force", "--reform"]) == 1
        err = capsys.readouterr().err
        assert "refused, nothing written" in err and lines[-1].split(",")[2] in err
        assert _scalar(scratch_url, in_force) == 28  # the reformed sample, as it was
        assert _scalar(scratch_url, "SELECT count(*) FROM admin_lineage") == 76
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        reset_engine()


def test_the_plan_of_the_former_province_is_still_reported_on_its_districts(api):
    """Today, after the reform: the 2023–2025 plan (judged on 30/06/2025) answers by its 8 former
    districts and 76 former communes with today's network; the city's own geography is the new one."""
    districts = api.get("/api/indicators", params={"level": "district"})
    assert districts.status_code == 200, districts.text
    body = districts.json()
    assert body["plan"]["code"] == "HG-2023-2025" and body["units_on"] == "2025-06-30"
    assert len(body["units"]) == 8
    communes = api.get("/api/indicators", params={"level": "commune"}).json()
    assert len(communes["units"]) == 76
    # The map's communes today are the city's 28.
    assert api.get("/ogc/collections/communes/items", params={"limit": 1}).json()["numberMatched"] == 28

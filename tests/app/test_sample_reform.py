"""The reform seed's city (`python -m app.cli seed --reform`, the ``reformed_url`` database): the sample
province and two more former provinces (data/hamlets/city/), three provinces on 30 June 2025 and one
city since 1 July, as the database, the region, search and the OGC collections tell them."""

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import new_engine
from app.services import clock
from gis.synthetic.facts import REFORM
from tests.conftest import APP_LOGIN, REFORMED_DB, ROOT, _url_for

BEFORE, ON = date(2025, 6, 30), date.fromisoformat(REFORM.effective)
TODAY = clock.today()
SAMPLE = ROOT / "data" / "hamlets"
CITY = SAMPLE / REFORM.folder
LINEAGE = CITY / "lineage.csv"
FORMER = ("92", "93", "94")  # the former Cần Thơ city, Hậu Giang (the sample) and Sóc Trăng


def _features(name: str) -> list[dict]:
    """The features of ``name`` in the sample and in each added province's folder."""
    out = []
    for folder in (SAMPLE, *sorted(p for p in CITY.iterdir() if p.is_dir())):
        out += json.loads((folder / name).read_text(encoding="utf-8"))["features"]
    return out


def _count(name: str) -> int:
    return len(_features(name))


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
    provinces = _in_force(reformed, BEFORE, "province")
    assert sorted(provinces) == list(FORMER)
    assert provinces["92"][0] == "Thành phố Cần Thơ" and provinces["94"][0] == "Tỉnh Sóc Trăng"
    assert len(_in_force(reformed, BEFORE, "district")) == _count("districts.geojson") == 8 + 9 + 11
    communes = _in_force(reformed, BEFORE, "commune")
    assert len(communes) == _count("communes.geojson") and {
        level for _, level, _, _ in communes.values()
    } == {"district"}
    assert len(_in_force(reformed, BEFORE, "hamlet")) == _count("hamlets.geojson")


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
        assert len(hamlets) == _count("hamlets.geojson") and {
            level for _, level, _, _ in hamlets.values()
        } == {"commune"}
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
    assert sorted(before["codes"]) == list(FORMER)
    assert {u["name"] for u in before["units"]} == {"Thành phố Cần Thơ", "Tỉnh Hậu Giang", "Tỉnh Sóc Trăng"}


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

    new = len({r["Mã xã mới"] for r in _lineage()})
    assert matched(f"&datetime={BEFORE}") == _count("communes.geojson")
    assert matched("") == new
    assert matched(f"&datetime={ON}") == new
    districts = _count("districts.geojson")
    assert (
        api.get(f"/ogc/collections/districts/items?limit=1&datetime={BEFORE}").json()["numberMatched"]
        == districts
    )
    assert api.get("/ogc/collections/districts/items?limit=1").json()["numberMatched"] == 0


def _scalar(url: str, sql: str):
    engine = new_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_seed_with_the_reform_from_the_command_line_all_or_nothing(
    scratch_url, monkeypatch, capsys, tmp_path
):
    """`seed --reform` loads the sample and the two other former provinces and applies the city's
    reform; a reform that cannot be applied (an old commune left out of the lineage) leaves nothing
    behind, the sample included. (The broken bundle is the sample alone, its lineage the sample's part
    of the city's but for its last row: refused the same way, in half the time.)"""
    from app import cli
    from app.db import reset_engine
    from app.settings import get_settings

    broken = tmp_path / "hamlets"
    # Without the two other provinces, nor their bodies (keyed to them).
    shutil.copytree(
        SAMPLE,
        broken,
        ignore=lambda d, names: [
            n for n in names if n.isdigit() or (Path(d).name == REFORM.folder and n == "bodies.csv")
        ],
    )
    lines = LINEAGE.read_text(encoding="utf-8").splitlines()
    sample_rows = [line for line in lines[1:] if line.split(",")[2].startswith("93")]
    (broken / REFORM.folder / "lineage.csv").write_text(
        "\n".join([lines[0], *sample_rows[:-1]]) + "\n", "utf-8"
    )
    missing = sample_rows[-1].split(",")[2]
    old, new, hamlets = len(lines) - 1, len({r["Mã xã mới"] for r in _lineage()}), _count("hamlets.geojson")
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    get_settings.cache_clear()
    reset_engine()
    try:
        assert cli.main(["seed", "--reform"]) == 0
        out = capsys.readouterr().out
        assert "province 3, district 28," in out and f"commune {old}, hamlet {hamlets}," in out
        assert f"communes_ended {old}, communes_inserted {new}" in out
        assert f"districts_ended 28, provinces_ended 3, provinces_inserted 1, hamlets_moved {hamlets}" in out
        in_force = "SELECT count(*) FROM admin_units WHERE level = 'commune' AND valid_to IS NULL"
        assert _scalar(scratch_url, in_force) == new
        monkeypatch.setenv("SAMPLE_DATA_DIR", str(broken))
        get_settings.cache_clear()
        assert cli.main(["seed", "--force", "--reform"]) == 1
        err = capsys.readouterr().err
        assert "refused, nothing written" in err and missing in err
        assert _scalar(scratch_url, in_force) == new  # the reformed city, as it was
        assert _scalar(scratch_url, "SELECT count(*) FROM admin_lineage") == old
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        reset_engine()


def test_the_plan_of_the_former_province_is_still_reported_on_its_districts(api):
    """Today, after the reform: the 2023–2025 plan (judged on 30/06/2025) answers by the former districts
    and communes of its own province (its area, the sample's) with today's network — not by those of
    the other two former provinces; the city's own geography is the new one."""
    plan = api.get("/api/plans/HG-2023-2025").json()
    assert plan["area_code"] == "93"
    districts = api.get("/api/indicators", params={"level": "district"})
    assert districts.status_code == 200, districts.text
    body = districts.json()
    assert body["plan"]["code"] == "HG-2023-2025" and body["units_on"] == "2025-06-30"
    sample = json.loads((SAMPLE / "districts.geojson").read_text(encoding="utf-8"))["features"]
    assert {u["code"] for u in body["units"]} == {f["properties"]["code"] for f in sample}
    communes = api.get("/api/indicators", params={"level": "commune"}).json()
    assert len(communes["units"]) == len(json.loads((SAMPLE / "communes.geojson").read_text())["features"])
    assert len(communes["units"]) < _count("communes.geojson")  # the other provinces' are left out
    provinces = api.get("/api/indicators", params={"level": "province"}).json()["units"]
    assert [u["code"] for u in provinces] == ["93"]
    # The map's communes today are the city's.
    new = len({r["Mã xã mới"] for r in _lineage()})
    assert api.get("/ogc/collections/communes/items", params={"limit": 1}).json()["numberMatched"] == new


def test_the_old_city_92_ends_and_the_new_city_92_starts_as_another_version(reformed):
    """Code 92 named the former Cần Thơ city before the merger and names the new city after it: two
    versions, one ending the day the other starts, the new one as large as the three former provinces."""
    with reformed.connect() as conn:
        versions = conn.execute(
            text(
                "SELECT id, name, valid_from, valid_to, area_km2 FROM admin_units "
                "WHERE level = 'province' AND code = '92' ORDER BY valid_from"
            )
        ).all()
        former = conn.execute(
            text("SELECT sum(area_km2) FROM admin_units WHERE level = 'province' AND valid_to = :on"),
            {"on": ON},
        ).scalar_one()
    old, new = versions
    assert old.id != new.id and old.valid_to == ON == new.valid_from and new.valid_to is None
    assert old.name == new.name == REFORM.city_name and old.valid_from < BEFORE
    assert new.area_km2 == pytest.approx(former, rel=0.005)
    assert new.area_km2 > 2.5 * old.area_km2


def test_every_old_commune_of_the_three_provinces_is_in_the_stored_lineage_once(reformed):
    with reformed.connect() as conn:
        stored = dict(
            conn.execute(
                text(
                    "SELECT o.code, count(*) FROM admin_lineage l JOIN admin_units o ON o.id = l.old_unit_id "
                    "GROUP BY o.code"
                )
            ).all()
        )
    communes = {f["properties"]["code"] for f in _features("communes.geojson")}
    assert set(stored) == communes and set(stored.values()) == {1}
    districts = {f["properties"]["code"] for f in _features("districts.geojson")}
    assert {code[:3] for code in communes} == districts and len(districts) == 8 + 9 + 11


def test_the_day_after_the_region_is_one_city(api):
    after = api.get("/api/region?date=2025-07-02").json()
    assert after["codes"] == [REFORM.city_code] and after["name"] == REFORM.city_name
    assert [u["name"] for u in after["units"]] == [REFORM.city_name]
    before = api.get(f"/api/region?date={BEFORE}").json()
    # The city's extent is that of the three former provinces.
    assert after["bbox"] == pytest.approx(before["bbox"], abs=1e-6)

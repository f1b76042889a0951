"""The same questions on both geographies: the sample province alone (``database_url``, the default
seed) and the reform seed's city (``reformed_url``: three former provinces until 30 June 2025, one
city since). Each test reads its expectations from the geography's files, so one body holds for both."""

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.db import new_engine
from app.services.imports.bodies import bodies_on
from gis.synthetic.facts import REFORM
from tests.conftest import APP_LOGIN, REFORMED_DB, ROOT, TEST_DB, _url_for

SAMPLE = ROOT / "data" / "hamlets"
BEFORE, AFTER = date(2025, 6, 30), date(2025, 7, 2)


@dataclass
class Geography:
    """A loaded geography: its app (anonymous), its database, and what its files say."""

    name: str
    api: TestClient
    engine: Engine
    folders: list[Path]  # the province folders loaded
    lineage: list[dict]  # the reform applied ([] for none)

    def features(self, layer: str) -> list[dict]:
        out = []
        for folder in self.folders:
            out += json.loads((folder / layer).read_text(encoding="utf-8"))["features"]
        return out

    def codes(self, layer: str) -> set[str]:
        return {f["properties"]["code"] for f in self.features(layer)}

    def plan_codes(self, layer: str) -> set[str]:
        """The codes of the plan's own province (the sample's, loaded first): the 2023–2025 plan
        covers it, not the other former provinces of the city."""
        features = json.loads((self.folders[0] / layer).read_text(encoding="utf-8"))["features"]
        return {f["properties"]["code"] for f in features}

    @property
    def provinces_before(self) -> list[str]:
        return sorted(self.codes("province.geojson"))

    @property
    def provinces_today(self) -> list[str]:
        return [REFORM.city_code] if self.lineage else self.provinces_before

    @property
    def communes_today(self) -> set[str]:
        return {r["Mã xã mới"] for r in self.lineage} if self.lineage else self.codes("communes.geojson")

    def became(self, old_code: str) -> tuple[str, str]:
        """The code and name today of the commune an old commune is part of."""
        for r in self.lineage:
            if r["Mã xã cũ"] == old_code:
                return r["Mã xã mới"], r["Tên xã mới"]
        (name,) = (
            f["properties"]["name"]
            for f in self.features("communes.geojson")
            if f["properties"]["code"] == old_code
        )
        return old_code, name


def _lineage(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module", params=["sample", "reformed"])
def geo(request):
    """Each geography in turn, with the app logged in to it as the service is."""
    from app.db import reset_engine
    from app.main import create_app
    from app.settings import get_settings

    if request.param == "sample":
        owner, name = request.getfixturevalue("database_url"), TEST_DB
        folders, lineage = [SAMPLE], []
    else:
        owner, name = request.getfixturevalue("reformed_url"), REFORMED_DB
        city = SAMPLE / REFORM.folder
        folders = [SAMPLE, *sorted(p for p in city.iterdir() if p.is_dir())]
        lineage = _lineage(city / "lineage.csv")
    engine = new_engine(owner)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", _url_for(name, APP_LOGIN))
        get_settings.cache_clear()
        reset_engine()
        try:
            with TestClient(create_app()) as client:
                yield Geography(request.param, client, engine, folders, lineage)
        finally:
            mp.undo()
            get_settings.cache_clear()
            reset_engine()
            engine.dispose()


def _matched(geo: Geography, collection: str, query: str = "") -> int:
    r = geo.api.get(f"/ogc/collections/{collection}/items?limit=1{query}")
    assert r.status_code == 200, r.text
    return r.json()["numberMatched"]


# --- the region, the map's title -----------------------------------------------------------------


def test_the_region_by_date(geo):
    before = geo.api.get(f"/api/region?date={BEFORE}").json()
    assert before["codes"] == geo.provinces_before
    names = {f["properties"]["name"] for f in geo.features("province.geojson")}
    assert {u["name"] for u in before["units"]} == names
    after = geo.api.get(f"/api/region?date={AFTER}").json()
    assert after["codes"] == geo.provinces_today
    assert geo.api.get("/api/region").json()["codes"] == geo.provinces_today


def test_the_map_title_names_the_region_of_the_day(geo):
    before = geo.api.get(f"/api/region?date={BEFORE}").json()["display_vi"]
    after = geo.api.get(f"/api/region?date={AFTER}").json()["display_vi"]
    assert "tỉnh Hậu Giang" in before
    if geo.lineage:
        assert "Sóc Trăng" in before and "Cần Thơ" in before and after == "thành phố Cần Thơ"
    else:
        assert before == after == "tỉnh Hậu Giang"
    landing = geo.api.get("/ogc").json()
    assert landing["title"] == f"Hạ tầng viễn thông {after}"


# --- OGC collections as in force on a day --------------------------------------------------------


def test_ogc_communes_and_districts_in_force_on_the_day_asked(geo):
    assert _matched(geo, "communes", f"&datetime={BEFORE}") == len(geo.codes("communes.geojson"))
    assert _matched(geo, "communes", f"&datetime={AFTER}") == len(geo.communes_today)
    assert _matched(geo, "communes") == len(geo.communes_today)
    districts = len(geo.codes("districts.geojson"))
    assert _matched(geo, "districts", f"&datetime={BEFORE}") == districts
    assert _matched(geo, "districts") == (0 if geo.lineage else districts)


def test_ogc_hamlets_stay_whatever_the_day(geo):
    hamlets = len(geo.codes("hamlets.geojson"))
    assert _matched(geo, "hamlets", f"&datetime={BEFORE}") == hamlets
    assert _matched(geo, "hamlets") == hamlets


# --- indicators ----------------------------------------------------------------------------------


def test_indicators_by_commune_one_office_each(geo):
    r = geo.api.get("/api/indicators", params={"level": "commune"})
    assert r.status_code == 200, r.text
    units = r.json()["units"]
    # The plan in force (2023–2025) is judged on its province's communes of 30 June 2025.
    assert {u["code"] for u in units} == geo.plan_codes("communes.geojson")
    offices = [next(i for i in u["indicators"] if i["id"] == "commune_gov_network") for u in units]
    assert all(o["denominator"] == 1 for o in offices)


def test_districts_add_up_to_the_provinces(geo):
    districts = geo.api.get("/api/indicators", params={"level": "district"}).json()["units"]
    provinces = geo.api.get("/api/indicators", params={"level": "province"}).json()["units"]
    assert {u["code"] for u in provinces} == geo.plan_codes("province.geojson")
    assert {u["code"] for u in districts} == geo.plan_codes("districts.geojson")
    for key in ("bts_site_sharing", "pole_sharing", "commune_gov_network"):
        sums = [
            sum(next(i for i in u["indicators"] if i["id"] == key)[f] for u in units)
            for units in (districts, provinces)
            for f in ("numerator",)
        ]
        assert sums[0] == sums[1], key


# --- search --------------------------------------------------------------------------------------


def test_search_by_an_old_name_finds_the_commune_of_the_day(geo):
    r = geo.api.get("/api/search", params={"q": "Xã Hỏa Lựu"})
    assert r.status_code == 200, r.text
    first = r.json()["results"][0]
    assert (first["level"], first["code"], first["name"]) == ("commune", *geo.became("93007"))
    assert first["formerly"] == ("Xã Hỏa Lựu" if geo.lineage else None)
    old = geo.api.get("/api/search", params={"q": "Xã Hỏa Lựu", "on": BEFORE.isoformat()}).json()
    assert old["results"][0]["code"] == "93007"


def test_search_finds_the_hamlet_once(geo):
    results = geo.api.get("/api/search", params={"q": "ap tan loi"}).json()["results"]
    hits = [r for r in results if r["name"] == "Ấp Tân Lợi"]
    assert len(hits) == 1 and hits[0]["level"] == "hamlet"
    assert hits[0]["parent_name"] == geo.became("93009")[1]  # under Xã Tân Tiến, or what it became


# --- reports' headings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "issuer", "recipient"),
    [
        (date(2024, 12, 31), "Sở Thông tin và Truyền thông tỉnh Hậu Giang", "Ủy ban nhân dân tỉnh Hậu Giang"),
        (date(2025, 6, 30), "Sở Khoa học và Công nghệ tỉnh Hậu Giang", "Ủy ban nhân dân tỉnh Hậu Giang"),
        (
            date(2025, 9, 30),
            "Sở Khoa học và Công nghệ thành phố Cần Thơ",
            "Ủy ban nhân dân thành phố Cần Thơ",
        ),
    ],
)
def test_a_report_of_a_day_is_headed_by_the_bodies_of_that_day(geo, day, issuer, recipient):
    with geo.engine.connect() as conn:
        bodies = bodies_on(conn, day)
    assert bodies.issuer["name"] == issuer and bodies.recipients[-1]["name"] == recipient

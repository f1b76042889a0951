"""Closing a quarter after the 2025 reform freezes each plan on the units it is judged on: the Hậu
Giang plan (judged on 30 June 2025) on its 8 former districts and 76 communes, a plan without a
judged day on the new city's 28 communes; reported figures entered per new commune reach the old
communes (and a district without its own figure) through the lineage, by hand-computed shares."""

import uuid
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import dbadmin
from app.db import new_engine
from app.errors import Forbidden, NotFound
from app.services import statistics
from app.services.reports import drilldown, periods, snapshots
from app.services.reports.indicators import indicators_report
from app.services.reports.report import build_report
from gis.synthetic.facts import REFORM
from tests.conftest import BASE_URL, ROOT, _url_for

HG, CITY = "HG-2023-2025", "CT-THU-NGHIEM"
# The former Vị Thanh city (district 930): its 9 wards and communes went whole into 3 new ones.
# Populations set by hand so that the shares are exact.
OLD_POPULATION = {
    "93002": 1000, "93003": 2000, "93004": 3000, "93007": 4000,  # → new 93003 Phường Vị Thanh
    "93006": 1500, "93008": 500,  # → new 93008 Xã Hỏa Tiến
    "93001": 2500, "93005": 2500, "93009": 5000,  # → new 93009
}  # fmt: skip
NEW_SUBSCRIPTIONS = {"93003": 5000, "93008": 800, "93009": 1000}
# Each old unit's part: its people over its new commune's old people, times the new figure.
CARRIED = {
    "93002": 500, "93003": 1000, "93004": 1500, "93007": 2000,  # 5 000 × 1/10, 2/10, 3/10, 4/10
    "93006": 600, "93008": 200,  # 800 × 3/4, 1/4
    "93001": 250, "93005": 250, "93009": 500,  # 1 000 × 1/4, 1/4, 1/2
}  # fmt: skip


@pytest.fixture(scope="module")
def reformed():
    """The sample with its reform applied (as `seed --reform`), a throw-away database of this module's:
    closing quarters here must not change what other modules read from the shared one."""
    from app.services.imports import loader

    url = _url_for(f"{BASE_URL.database}_scratch_closeplan_{uuid.uuid4().hex[:6]}")
    dbadmin.ensure_database(url)
    dbadmin.upgrade(url)
    engine = new_engine(url)
    try:
        reform = loader.SampleReform(date.fromisoformat(REFORM.effective), REFORM.act)
        loader.load_sample(engine, ROOT / "data" / "hamlets", reform)
        with engine.begin() as conn:
            for code, population in OLD_POPULATION.items():
                conn.execute(
                    text(
                        "UPDATE admin_units SET population = :p WHERE level = 'commune' AND code = :c "
                        "AND valid_to = :on"
                    ),
                    {"p": population, "c": code, "on": date.fromisoformat(REFORM.effective)},
                )
            # A plan of the new city without a judged day: judged on the units of each report's day.
            conn.execute(
                text(
                    "INSERT INTO plans (code, title, period_from, period_to) VALUES "
                    "(:c, 'Kế hoạch phát triển hạ tầng số thành phố Cần Thơ (thử nghiệm)', '2025-07-01', '2030-12-31')"
                ),
                {"c": CITY},
            )
            conn.execute(
                text(
                    "INSERT INTO plan_targets (plan_code, indicator_id, target_value, target_year, position) "
                    "VALUES (:c, 'mobile_bb_subs_per_100', 120, 2030, 1)"
                ),
                {"c": CITY},
            )
        with Session(engine) as session:
            for quarter in ("2025-Q3", "2025-Q4"):
                for code, value in NEW_SUBSCRIPTIONS.items():
                    statistics.save_figures(session, code, quarter, {"mobile_bb_subscriptions": value})
        yield engine
    finally:
        engine.dispose()
        dbadmin.drop_database(url)


@pytest.fixture(scope="module")
def closed(reformed):
    with Session(reformed) as session:
        return periods.close_period(session, "2025-Q3", closed_by="test")


def _subs(units: list[dict]) -> dict[str, dict]:
    return {u["code"]: next(r for r in u["indicators"] if r["id"] == "mobile_bb_subs_per_100") for u in units}


def test_closing_freezes_each_plan_on_its_own_units(reformed, closed):
    day, judged = date(2025, 9, 30), date(2025, 6, 30)
    assert closed["as_of"] == day
    with Session(reformed) as session:
        assert snapshots.frozen_days(session, "2025-Q3") == [judged, day]
        hg = {lv: indicators_report(session, lv, "2025-Q3", plan=HG) for lv in ("district", "commune")}
        city = indicators_report(session, "commune", "2025-Q3", plan=CITY)
        plain = indicators_report(session, "commune", "2025-Q3")  # no plan named: the day's units
    assert (hg["district"]["closed"], hg["district"]["units_on"], hg["district"]["as_of"]) == (
        True,
        judged,
        day,
    )
    assert (len(hg["district"]["units"]), len(hg["commune"]["units"])) == (8, 76)
    assert (city["units_on"], len(city["units"]), len(plain["units"])) == (day, 28, 28)
    assert [r["id"] for r in city["units"][0]["indicators"]] == ["mobile_bb_subs_per_100"]
    # The same code names an old ward and the new one that took it: each geography keeps its own.
    old, new = _subs(hg["commune"]["units"])["93003"], _subs(city["units"])["93003"]
    assert (old["numerator"], old["denominator"], old["value"]) == (1000, 2000, 50.0)
    assert new["numerator"] == 5000 and new["plan"] == CITY and "derived" not in new["detail"]


def test_figures_of_new_communes_reach_the_old_ones_by_their_shares(reformed, closed):
    with Session(reformed) as session:
        frozen = _subs(indicators_report(session, "commune", "2025-Q3", plan=HG)["units"])
        districts = _subs(indicators_report(session, "district", "2025-Q3", plan=HG)["units"])
    assert {c: frozen[c]["numerator"] for c in CARRIED} == CARRIED
    assert frozen["93006"]["detail"]["derived"] == {
        "mobile_bb_subscriptions": {"derived": "lineage", "from": ["93008"]}
    }
    assert frozen["93006"]["value"] == 40.0  # 600 per 1 500 people
    assert frozen["93101"]["value"] is None  # its new commune reported nothing
    # The district reported its own figure for the quarter (the sample's): it wins.
    assert "derived" not in districts["930"]["detail"]


def test_a_district_without_its_figure_is_the_sum_of_its_old_communes(reformed):
    with reformed.begin() as conn:  # the old ward's own figure, entered before it ended, wins
        conn.execute(
            text(
                "INSERT INTO statistics (admin_unit_id, period, metric, value) SELECT id, '2025-Q4', "
                "'mobile_bb_subscriptions', 300 FROM admin_units WHERE level = 'commune' AND code = '93001' "
                "AND valid_to IS NOT NULL"
            )
        )
    try:
        with Session(reformed) as session:
            live = indicators_report(session, "district", "2025-Q4", plan=HG)
            communes = _subs(indicators_report(session, "commune", "2025-Q4", plan=HG, parent="930")["units"])
    finally:
        with reformed.begin() as conn:
            conn.execute(text("DELETE FROM statistics WHERE period = '2025-Q4' AND value = 300"))
    assert (live["closed"], live["units_on"]) == (False, date(2025, 6, 30))
    vi_thanh = _subs(live["units"])["930"]
    assert vi_thanh["numerator"] == sum(CARRIED.values()) - 250 + 300 == 6850
    assert vi_thanh["detail"]["derived"]["mobile_bb_subscriptions"]["derived"] == "sum"
    assert communes["93001"]["numerator"] == 300 and "derived" not in communes["93001"]["detail"]
    assert _subs(live["units"])["931"]["numerator"] is None  # not all its communes are known


def test_hamlets_offices_maps_and_reports_follow_the_plans_units(reformed, closed):
    judged = date(2025, 6, 30)
    with Session(reformed) as session:
        old = drilldown.hamlet_gaps(session, "930", "2025-Q3", plan=HG)
        with pytest.raises(NotFound):  # the new city's plan has no districts
            drilldown.hamlet_gaps(session, "930", "2025-Q3", plan=CITY)
        new = drilldown.hamlet_gaps(session, "93003", "2025-Q3", plan=CITY)
        # The same drill-down computed as of the quarter's last day, on the plan's units.
        recomputed = drilldown.hamlet_gaps(session, "930", plan=HG, as_of=closed["as_of"])
        report = build_report(session, "2025-Q3", "930", plan=HG)
        maps = dict(
            session.execute(text("SELECT units_on, count(*) FROM period_maps GROUP BY units_on")).all()
        )
        under_930 = session.execute(
            text(
                "SELECT count(*) FROM admin_units h JOIN admin_units c ON c.id = h.parent_id "
                "JOIN admin_units d ON d.id = c.parent_id WHERE h.level = 'hamlet' AND d.code = '930' "
                "AND h.valid_from <= :d AND (h.valid_to IS NULL OR h.valid_to > :d)"
            ),
            {"d": judged},
        ).scalar_one()
    assert (old["unit"]["code"], old["unit"]["level"], old["closed"]) == ("930", "district", True)
    # Frozen as of the quarter's last day (the coverage run closing computed), on its former district.
    assert 0 < len(old["hamlets"]) <= under_930
    assert [h["code"] for h in old["hamlets"]] == [h["code"] for h in recomputed["hamlets"]]
    assert {h["district_code"] for h in old["hamlets"]} == {"930"}
    assert new["unit"]["level"] == "commune" and {h["commune_code"] for h in new["hamlets"]} == {"93003"}
    assert maps == {judged: 1 + 8, closed["as_of"]: 1}  # the province and each former district; the city
    assert [c["code"] for c in report.children] == sorted(OLD_POPULATION)
    assert _subs(report.children)["93006"]["numerator"] == 600
    assert report.map_svg and len(report.hamlets) == len(old["hamlets"])


def test_an_open_quarter_drills_down_on_the_named_plans_units(reformed):
    with Session(reformed) as session:
        old = drilldown.hamlet_gaps(session, "93006", "2025-Q4", plan=HG)
        with pytest.raises(NotFound):  # not in force today: the plan in force on the day is asked for
            drilldown.hamlet_gaps(session, "930", "2025-Q4")
        with pytest.raises(Forbidden):
            drilldown.hamlet_gaps(session, "93006", "2025-Q4", plan=HG, district_code="931")
    assert (old["closed"], old["unit"]["level"]) == (False, "commune")
    assert {h["commune_code"] for h in old["hamlets"]} == {"93006"}


def test_the_statistics_form_shows_the_counts_carried_to_a_replaced_unit_read_only(reformed):
    """A former commune or district asked for a quarter after the reform: its own figures (none),
    the counts carried back to it (labelled: how, from which units), and no writing (figures are
    entered on the new communes)."""
    with Session(reformed) as session:
        commune = statistics.get_figures(session, "93006", "2025-Q4")
        district = statistics.get_figures(session, "930", "2025-Q4")
        new = statistics.get_figures(session, "93008", "2025-Q4")  # the new commune of that code
        with pytest.raises(NotFound):
            statistics.save_figures(session, "93006", "2025-Q4", {"mobile_bb_subscriptions": 700})
    assert (commune["replaced"], commune["units_on"]) == (True, date(2025, 6, 30))
    assert commune["figures"]["mobile_bb_subscriptions"] is None
    assert commune["derived"] == {
        "mobile_bb_subscriptions": {"value": CARRIED["93006"], "derived": "lineage", "from": ["93008"]}
    }
    assert district["derived"]["mobile_bb_subscriptions"] == {
        "value": sum(CARRIED.values()),
        "derived": "sum",
        "from": sorted(OLD_POPULATION),
    }
    assert (new["replaced"], new["derived"]) == (False, {})
    assert new["figures"]["mobile_bb_subscriptions"] == NEW_SUBSCRIPTIONS["93008"]

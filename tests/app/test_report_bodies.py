"""Report bodies keyed to a province: in the reform seed's city (three former provinces) a report on
one of them before 1 July 2025 is headed by that province's own Department and sent to its own
People's Committee (data/hamlets/city/bodies.csv); one on Hậu Giang by Hậu Giang's; after the reform
every report by the new city's. A body naming a province not loaded is refused, nothing written."""

import uuid
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import dbadmin
from app.db import new_engine
from app.services.imports.importer import ImportFailed, import_into
from app.services.reports import periods
from app.services.reports.report import build_report
from gis.synthetic.facts import REFORM
from tests.conftest import BASE_URL, ROOT, _url_for

SOC_TRANG_PLAN = "ST-THU-NGHIEM"


@pytest.fixture(scope="module")
def city():
    """The reform seed (`seed --reform`) in a throw-away database, with a plan of Sóc Trăng (94) and
    2024-Q4 closed."""
    from app.services.imports import loader

    url = _url_for(f"{BASE_URL.database}_scratch_bodies_{uuid.uuid4().hex[:6]}")
    dbadmin.ensure_database(url)
    dbadmin.upgrade(url)
    engine = new_engine(url)
    try:
        reform = loader.SampleReform(date.fromisoformat(REFORM.effective), REFORM.act, REFORM.folder)
        loader.load_sample(engine, ROOT / "data" / "hamlets", reform)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO plans (code, title, period_from, period_to, judged_on, area_code) VALUES "
                    "(:c, 'Kế hoạch phát triển hạ tầng số tỉnh Sóc Trăng (thử nghiệm)', '2024-01-01', "
                    "'2025-12-31', '2025-06-30', '94')"
                ),
                {"c": SOC_TRANG_PLAN},
            )
            conn.execute(
                text(
                    "INSERT INTO plan_targets (plan_code, indicator_id, target_value, target_year, position) "
                    "VALUES (:c, 'bts_site_sharing', 30, 2025, 1)"
                ),
                {"c": SOC_TRANG_PLAN},
            )
        with Session(engine) as session:
            periods.close_period(session, "2024-Q4", closed_by="test")
        yield engine
    finally:
        engine.dispose()
        dbadmin.drop_database(url)


def _heading(engine, plan: str, issued_on: date) -> tuple[str, list[str]]:
    with Session(engine) as session:
        report = build_report(session, "2024-Q4", "province", plan=plan, issued_on=issued_on)
    return report.issuer, report.recipients


def test_a_2024_q4_report_on_soc_trang_is_headed_by_its_own_department(city):
    assert _heading(city, SOC_TRANG_PLAN, date(2025, 1, 15)) == (
        "Sở Thông tin và Truyền thông tỉnh Sóc Trăng",
        ["Bộ Thông tin và Truyền thông", "Ủy ban nhân dân tỉnh Sóc Trăng"],
    )
    assert _heading(city, SOC_TRANG_PLAN, date(2025, 4, 10)) == (
        "Sở Khoa học và Công nghệ tỉnh Sóc Trăng",
        ["Bộ Khoa học và Công nghệ", "Ủy ban nhân dân tỉnh Sóc Trăng"],
    )
    # Re-issued after the reform: the new city's Department, to the new city's committee.
    assert _heading(city, SOC_TRANG_PLAN, date(2025, 8, 1)) == (
        "Sở Khoa học và Công nghệ thành phố Cần Thơ",
        ["Bộ Khoa học và Công nghệ", "Ủy ban nhân dân thành phố Cần Thơ"],
    )


def test_the_same_quarters_report_on_hau_giang_keeps_hau_giangs_bodies(city):
    assert _heading(city, "HG-2023-2025", date(2025, 1, 15)) == (
        "Sở Thông tin và Truyền thông tỉnh Hậu Giang",
        ["Bộ Thông tin và Truyền thông", "Ủy ban nhân dân tỉnh Hậu Giang"],
    )


def test_a_body_of_a_province_not_loaded_is_refused_and_nothing_written(city, tmp_path):
    path = tmp_path / "co_quan.csv"
    path.write_text(
        "code,role,name,position,valid_to,area_code\n"
        "95-STTTT,issuer,Sở Thông tin và Truyền thông tỉnh Bạc Liêu,0,2025-02-28,95\n"
        "94-STTTT-2,issuer,Sở Thông tin và Truyền thông tỉnh Sóc Trăng,0,2025-02-28,94\n",
        encoding="utf-8",
    )
    with city.begin() as conn, pytest.raises(ImportFailed) as failed:
        import_into(conn, path, "bodies")
    assert [(p.code, p.field, p.row) for p in failed.value.details] == [("body.unknown_area", "area_code", 2)]
    with city.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM bodies WHERE code LIKE '9_-STTTT%'")).scalar_one() == 2

"""The database counts days on the region's clock (the setting TIMEZONE), as the app does: every
session's TimeZone is the setting, so CURRENT_DATE and timestamptz::date are the region's today, not
the server's (UTC on our clusters: a day behind from 00:00 to 07:00 in Vietnam)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services import clock
from app.settings import get_settings
from tests.app.importing import remove_test_rows
from tests.workflow.test_registration import site_body

PREFIX = "LDAY-"


def _session_day(engine) -> tuple[str, object, object]:
    with engine.connect() as conn:
        zone = conn.execute(text("SHOW timezone")).scalar_one()
        day, local = conn.execute(
            text("SELECT CURRENT_DATE, (now() AT TIME ZONE :tz)::date"), {"tz": get_settings().timezone}
        ).one()
    return zone, day, local


def test_every_session_counts_days_on_the_region_clock(engine, app_database_url):
    """The service's sessions and the owner's (migrations, loads, the fixtures) alike."""
    from app.db import get_engine

    tz = get_settings().timezone
    assert tz == clock.TIMEZONE == "Asia/Ho_Chi_Minh"  # the default: Vietnam's clock
    for eng in (get_engine(), engine):
        before = clock.today()
        zone, day, local = _session_day(eng)
        assert zone == tz
        assert day == local
        assert day in {before, clock.today()}  # the same day as the app's, unless midnight passed


def _zone_off_utc_day() -> str:
    """A zone whose day is not UTC's right now (UTC+14 from 10:00 UTC, UTC−12 before 12:00 UTC)."""
    now = datetime.now(UTC)
    return "Etc/GMT-14" if (now + timedelta(hours=14)).date() != now.date() else "Etc/GMT+12"


@pytest.fixture
def off_utc_zone(database_url, monkeypatch):
    """The app's settings with a time zone whose day differs from the server's (UTC) now."""
    from app.db import reset_engine

    zone = _zone_off_utc_day()
    monkeypatch.setenv("TIMEZONE", zone)
    get_settings.cache_clear()
    reset_engine()
    try:
        yield zone
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        reset_engine()


def test_dates_written_and_keyed_by_sql_are_the_settings_day(client, engine, off_utc_zone):
    """A new site's tenancies start on the region's today, and the tile cache keys that day."""
    from app.db import get_engine
    from app.services.tile_cache import data_versions

    today = datetime.now(ZoneInfo(off_utc_zone)).date()
    assert today != datetime.now(UTC).date()
    try:
        made = client.post("/api/sites", json=site_body(f"{PREFIX}S1", 105.4630, 9.8830, owner="Viettel"))
        assert made.status_code == 201, made.text
        with engine.connect() as conn:
            since = (
                conn.execute(
                    text(
                        "SELECT DISTINCT t.since FROM site_tenancies t JOIN sites s ON s.id = t.site_id WHERE s.code = :c"
                    ),
                    {"c": f"{PREFIX}S1"},
                )
                .scalars()
                .all()
            )
        assert since == [today]
        with Session(get_engine()) as session:
            assert data_versions(session)[0].split("#")[2] == today.isoformat()
        assert _session_day(get_engine())[:2] == (off_utc_zone, today)
    finally:
        remove_test_rows(engine, PREFIX)


def test_an_unknown_time_zone_is_refused_at_start():
    from pydantic import ValidationError

    from app.settings import Settings

    with pytest.raises(ValidationError, match="IANA"):
        Settings(timezone="Asia/Cần_Thơ")


_VIETNAM, _FAR_WEST, _FAR_EAST = ZoneInfo("Asia/Ho_Chi_Minh"), "Etc/GMT+12", "Etc/GMT-14"


def _zones_off_vietnam_and_utc(now: datetime) -> list[str]:
    """Zones whose day at ``now`` is neither Vietnam's (a default naming its zone) nor UTC's (a session
    without the setting): one zone when one exists (UTC 00:00–17:00, when Vietnam's day is UTC's),
    else (Vietnam a day ahead of UTC: the whole earth is on one of their two days) one zone off each."""
    vietnam, utc = now.astimezone(_VIETNAM).date(), now.astimezone(UTC).date()

    def day(zone: str):
        return now.astimezone(ZoneInfo(zone)).date()

    both = [z for z in (_FAR_WEST, _FAR_EAST) if day(z) not in {vietnam, utc}]
    if both:
        return both[:1]
    return [next(z for z in (_FAR_WEST, _FAR_EAST) if day(z) != other) for other in (vietnam, utc)]


def test_zones_off_vietnam_and_utc_at_chosen_moments():
    """Hand-derived: at 11:00 UTC it is 18:00 in Vietnam (same day), 23:00 the day before at UTC−12;
    at 20:00 UTC it is 03:00 the next day in Vietnam, 08:00 at UTC−12 (UTC's day), 10:00 at UTC+14."""
    assert _zones_off_vietnam_and_utc(datetime(2025, 5, 1, 11, tzinfo=UTC)) == [_FAR_WEST]
    assert _zones_off_vietnam_and_utc(datetime(2025, 5, 1, 15, tzinfo=UTC)) == [_FAR_EAST]
    assert _zones_off_vietnam_and_utc(datetime(2025, 5, 1, 20, tzinfo=UTC)) == [_FAR_WEST, _FAR_EAST]


def _new_run_day(url: str, zone: str, monkeypatch):
    """The day a coverage run written without one gets (the column's default), in a session opened
    as the project opens them with TIMEZONE = ``zone``; written and rolled back."""
    from app.db import new_engine

    monkeypatch.setenv("TIMEZONE", zone)
    get_settings.cache_clear()
    engine = new_engine(url)
    try:
        with engine.connect() as conn, conn.begin() as tx:
            day = conn.execute(
                text(
                    "INSERT INTO coverage_runs (kind, status, started_at, card) "
                    "VALUES ('full', 'failed', now(), '{}') RETURNING as_of"
                )
            ).scalar_one()
            tx.rollback()
    finally:
        engine.dispose()
        monkeypatch.undo()
        get_settings.cache_clear()
    return day


def _default_of_as_of(url: str) -> str:
    from sqlalchemy import inspect

    from app.db import new_engine

    engine = new_engine(url)
    try:
        return next(
            c["default"] for c in inspect(engine).get_columns("coverage_runs") if c["name"] == "as_of"
        )
    finally:
        engine.dispose()


def _today_in(zone) -> object:
    return datetime.now(ZoneInfo(zone) if isinstance(zone, str) else zone).date()


def test_a_new_coverage_runs_day_is_the_settings_day_not_vietnams_by_name(scratch_url, monkeypatch):
    """Migration 0037: the default of coverage_runs.as_of is the session's CURRENT_DATE; 0017's named
    Asia/Ho_Chi_Minh, so a deployment on another clock got Vietnam's day (shown on the way down)."""
    from app import dbadmin

    zones = _zones_off_vietnam_and_utc(datetime.now(UTC))
    assert _default_of_as_of(scratch_url) == "CURRENT_DATE"
    for zone in zones:
        before = _today_in(zone)
        assert _new_run_day(scratch_url, zone, monkeypatch) in {before, _today_in(zone)}, zone

    dbadmin.downgrade(scratch_url, "0036")
    try:
        assert "'Asia/Ho_Chi_Minh'" in _default_of_as_of(scratch_url)
        before = _today_in(_VIETNAM)
        old = _new_run_day(scratch_url, zones[0], monkeypatch)
        assert old in {before, _today_in(_VIETNAM)}
        assert old != _today_in(zones[0])  # what the test above would have got: the wrong day
    finally:
        dbadmin.upgrade(scratch_url)
    assert _default_of_as_of(scratch_url) == "CURRENT_DATE"

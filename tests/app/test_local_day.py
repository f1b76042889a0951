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

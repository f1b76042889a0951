"""The region's clock: days, quarters and "today" are counted in the region's time zone (the setting
TIMEZONE, Vietnam's by default), whatever the server's own (a report closed at 23:30 UTC belongs to the
next day in Vietnam). The database counts days on the same clock: app/db.py sets every session's
TimeZone to it, so SQL's CURRENT_DATE is today()."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.settings import get_settings

TIMEZONE = get_settings().timezone
LOCAL_TZ = ZoneInfo(TIMEZONE)


def today() -> date:
    """Today on the region's clock."""
    return datetime.now(LOCAL_TZ).date()


def local_day(at: datetime | None) -> date | None:
    """The region's day of an instant (e.g. the end of a coverage run: the day it describes)."""
    return None if at is None else at.astimezone(LOCAL_TZ).date()

"""The country's clock: days, quarters and "today" are counted in Vietnam's time zone, whatever the
server's own (a report closed at 23:30 UTC belongs to the next day in Cần Thơ)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

TIMEZONE = "Asia/Ho_Chi_Minh"
LOCAL_TZ = ZoneInfo(TIMEZONE)


def today() -> date:
    """Today on the country's clock."""
    return datetime.now(LOCAL_TZ).date()


def local_day(at: datetime | None) -> date | None:
    """The country's day of an instant (e.g. the end of a coverage run: the day it describes)."""
    return None if at is None else at.astimezone(LOCAL_TZ).date()

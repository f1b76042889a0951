"""The `datetime` parameter of OGC API – Features Part 1: an instant or an interval (RFC 3339 dates
and date-times, `..` or nothing for an open end), applied to a collection's temporal property.

A collection declares the property that carries its features' time (`Collection.temporal`); a
feature is selected when that time falls in the requested range, and a feature without a time is
not. A collection without one (boundaries as in force today, the network, computed coverage)
ignores a well-formed `datetime`, as Part 1 lets a server do for data without time. Dates (with
no time of day) are whole days in the country's time zone. Admin units are the exception: they are
valid over periods, and `datetime` names the one day whose units are shown (`in_force_day`).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.errors import InvalidParameter
from app.layer_types import Collection
from app.services.clock import LOCAL_TZ

__all__ = ["DATETIME", "TimeRange", "in_force_day", "parse_datetime", "temporal_clause", "temporal_interval"]

DATETIME = "datetime"
_DATE = r"\d{4}-\d{2}-\d{2}"
_DATE_TIME = _DATE + r"[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?"
_OPEN = ("..", "")
_TICK = timedelta(microseconds=1)  # PostgreSQL's resolution: turns an inclusive end exclusive


@dataclass(frozen=True)
class TimeRange:
    """[start, end) in absolute time; None is unbounded."""

    start: datetime | None
    end: datetime | None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_TZ)


def _instant(raw: str) -> tuple[datetime, datetime]:
    """The instant (or the day) `raw` names, as [start, end)."""
    if re.fullmatch(_DATE, raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise InvalidParameter(f"datetime: '{raw}' is not a calendar date") from None
        return _day_start(day), _day_start(day + timedelta(days=1))
    match = re.fullmatch(_DATE_TIME, raw)
    if not match:
        raise InvalidParameter(
            f"datetime: '{raw}' is neither an RFC 3339 date (2025-03-31) nor a date-time (2025-03-31T08:00:00Z)"
        )
    if match.group(2) is None:
        raise InvalidParameter(f"datetime: '{raw}' needs its time zone, e.g. '{raw}Z' or '{raw}+07:00'")
    try:
        moment = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(f"datetime: '{raw}' is not a valid date-time") from None
    return moment, moment + _TICK


def parse_datetime(raw: str) -> TimeRange:
    """`2025-03-31`, `2025-03-31T08:00:00Z`, `2025-01-01/2025-03-31`, `../2025-03-31`, `2025-01-01/..`."""
    value = raw.strip()
    try:
        span = _range(value)
        # both ends must exist as local days too (temporal_clause compares dates with them)
        if span.start is not None:
            span.start.astimezone(LOCAL_TZ)
        if span.end is not None:
            (span.end - _TICK).astimezone(LOCAL_TZ)
    except OverflowError:
        raise InvalidParameter(f"datetime: '{raw}' lies outside the calendar") from None
    if span.start is not None and span.end is not None and span.start >= span.end:
        raise InvalidParameter(f"datetime: the interval '{raw}' ends before it starts")
    return span


def _range(value: str) -> TimeRange:
    if "/" not in value:
        return TimeRange(*_instant(value))
    first, _, last = value.partition("/")
    if first in _OPEN and last in _OPEN:
        raise InvalidParameter("datetime: an interval needs at least one end ('../..' is not one)")
    start = None if first in _OPEN else _instant(first)[0]
    end = None if last in _OPEN else _instant(last)[1]  # the end instant (or day) is included
    return TimeRange(start, end)


def in_force_day(raw: str) -> date:
    """The day whose admin units `datetime` asks for: a date, or the local day of a date-time. An
    interval is refused: a unit may have been replaced within it, and the map shows one geography."""
    if "/" in raw.strip():
        raise InvalidParameter(
            f"datetime: '{raw}' is an interval; admin units are shown as in force on one day "
            "(a date such as 2025-06-30)"
        )
    return parse_datetime(raw).start.astimezone(LOCAL_TZ).date()


def temporal_clause(collection: Collection, span: TimeRange, prefix: str) -> tuple[str, dict[str, object]]:
    """SQL on the source's columns selecting the features whose time falls in `span` ("true" when
    the collection has no time)."""
    if collection.temporal is None:
        return "true", {}
    column = f'f."{collection.temporal}"'
    is_date = collection.properties[collection.temporal] == "date"
    clauses, params = [f"{column} IS NOT NULL"], {}
    if span.start is not None:
        # a day is in the range when it ends after the start: compare local days
        params[f"{prefix}start"] = span.start.astimezone(LOCAL_TZ).date() if is_date else span.start
        clauses.append(f"{column} >= :{prefix}start")
    if span.end is not None:
        if is_date:
            params[f"{prefix}end"] = (span.end - _TICK).astimezone(LOCAL_TZ).date()
            clauses.append(f"{column} <= :{prefix}end")
        else:
            params[f"{prefix}end"] = span.end
            clauses.append(f"{column} < :{prefix}end")
    return "(" + " AND ".join(clauses) + ")", params


def temporal_interval(first: date | datetime | None, last: date | datetime | None) -> list[str | None]:
    """A collection's `extent.temporal` interval from its earliest and latest times (RFC 3339)."""

    def rfc3339(value: date | datetime | None, end: bool) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime):  # a date: the whole day
            value = datetime.combine(value, time.max if end else time(), LOCAL_TZ)
        return value.isoformat()

    return [rfc3339(first, False), rfc3339(last, True)]

"""The value readers of the row builders (app/services/imports/targets.py): a number, a whole
number, yes/no, text, a list of names, a date, an instant, out of a row's attributes; what they
cannot read they raise as a :class:`RowProblem` naming the field and the value."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from gis.problems import Problem
from gis.text import fold_vi

__all__ = ["RowProblem", "boolean", "day", "instant", "integer", "names", "num", "on_clock", "text_"]

_TRUE = {"1", "true", "yes", "y", "x", "co", "có", "dung", "đúng", "t"}
_FALSE = {"0", "false", "no", "n", "khong", "không", "f", ""}


class RowProblem(ValueError):
    """What stops one row being built: a structured :class:`Problem` (``code``, ``field``,
    ``params``), placed in its file by the caller (``problem.at(row=…)``); ``str()`` is its English
    sentence, for logs and the form's answers."""

    def __init__(self, code: str, field: str | None = None, /, **params):
        self.problem = Problem(code, field, params=MappingProxyType(params))
        super().__init__(code)

    def __str__(self) -> str:
        from app.i18n import catalogue  # the catalogue reads settings: only when a sentence is wanted

        return catalogue("en").render(self.problem)


def _absent(key: str, required: bool, default):
    """What a reader gives for a value not written: its default, unless the value is required."""
    if required:
        raise RowProblem("value.required", key)
    return default


def num(p: dict, key: str, *, required=False, default=None) -> float | None:
    v = p.get(key)
    if v in (None, ""):
        return _absent(key, required, default)
    try:
        out = float(str(v).replace(",", ".")) if isinstance(v, str) else float(v)
    except ValueError as exc:
        raise RowProblem("value.not_a_number", key, value=v) from exc
    if not math.isfinite(out):  # "nan", "inf": named by gis/importers/ranges.py too
        raise RowProblem("value.not_a_number", key, value=v)
    return out


def integer(p: dict, key: str, *, required=False, default=None) -> int | None:
    v = num(p, key, required=required, default=default)
    if v is None:
        return None
    if v != int(v):
        raise RowProblem("value.not_whole", key, value=p.get(key))
    return int(v)


def boolean(p: dict, key: str) -> bool:
    v = p.get(key)
    if isinstance(v, bool):
        return v
    text = fold_vi(str(v if v is not None else ""))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowProblem("value.not_yes_no", key, value=v)


def text_(p: dict, key: str, *, required=False, default=None) -> str | None:
    v = p.get(key)
    if v in (None, ""):
        return _absent(key, required, default)
    return str(v).strip()


def names(p: dict, key: str) -> list[str]:
    v = p.get(key)
    if v in (None, ""):
        return []
    if isinstance(v, list):
        return [str(x) for x in v]
    return [s.strip() for s in str(v).replace(";", ",").split(",") if s.strip()]


_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial day 1 is 1900-01-01 (Excel's phantom 1900-02-29 included)


def day(p: dict, key: str) -> date | None:
    """A date written as an Excel date (cell or serial number), dd/mm/yyyy or yyyy-mm-dd."""
    v = p.get(key)
    if v in (None, ""):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool):
        if v != int(v) or not 1 <= v <= 2958465:  # 9999-12-31
            raise RowProblem("value.not_a_date", key, value=v)
        return _EXCEL_EPOCH + timedelta(days=int(v))
    text = str(v).strip()
    if found := _DMY.fullmatch(text):
        d, mo, y = (int(x) for x in found.groups())
    elif found := _YMD.fullmatch(text):
        y, mo, d = (int(x) for x in found.groups())
    else:
        raise RowProblem("value.not_a_date", key, value=v)
    try:
        return date(y, mo, d)
    except ValueError as exc:  # 31/02/2025
        raise RowProblem("value.not_a_real_date", key, value=v) from exc


# Surveyors in Vietnam write day first: dd/mm/yyyy hh:mm[:ss[.ffffff]], an optional UTC offset.
_DMY_TIME = re.compile(
    r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE,
)


def instant(p: dict, key: str) -> datetime:
    """A date and time as written: ISO 8601 ("2025-03-01T08:15:30+07:00", "2025-03-01 08:15:30Z") or
    day first ("01/03/2025 08:15", "01/03/2025 08:15:30 +07:00" — never month first), or an Excel
    cell. With its UTC offset it is the exact instant; without one it is a wall-clock time, naive,
    which :func:`on_clock` reads on the region's clock."""
    v = p.get(key)
    if isinstance(v, datetime):
        return v
    if v in (None, ""):
        raise RowProblem("value.required", key)
    text = str(v).strip()
    if found := _DMY_TIME.fullmatch(text):
        return _day_first(found, key, v)
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        ymd = _YMD.match(text)
        if ymd and not _is_day(*(int(x) for x in ymd.groups())):  # 2025-02-30
            raise RowProblem("value.not_a_real_instant", key, value=v) from exc
        raise RowProblem("value.not_an_instant", key, value=v) from exc


def _is_day(year: int, month: int, day_: int) -> bool:
    try:
        date(year, month, day_)
    except ValueError:
        return False
    return True


def _day_first(found: re.Match, key: str, v) -> datetime:
    d, mo, y, hh, mm, ss, frac, offset = found.groups()
    if not _is_day(int(y), int(mo), int(d)):  # 13/13/2025, 31/02/2025, and 05/13/2025 (never month first)
        raise RowProblem("value.not_a_real_instant", key, value=v)
    if hh is None:  # a day is no instant of a measurement
        raise RowProblem("value.not_an_instant", key, value=v)
    micro = int((frac or "0").ljust(6, "0"))
    try:
        at = datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0), micro)
    except ValueError as exc:  # 25:00, 10:61
        raise RowProblem("value.not_a_real_instant", key, value=v) from exc
    if offset is None:
        return at
    zone = "+00:00" if offset.upper() == "Z" else offset
    return datetime.fromisoformat(f"{at.isoformat()}{zone}")


def on_clock(at: datetime, zone: ZoneInfo, key: str, written) -> datetime:
    """``at`` (read by :func:`instant` from ``written``) as an instant: as it is when it carries its UTC offset, else a wall-clock time in
    ``zone`` — refused when the zone's clocks skipped it or passed it twice (a daylight-saving change;
    Vietnam has none), since it names no single instant."""
    if at.tzinfo is not None:
        return at
    first, second = at.replace(tzinfo=zone), at.replace(tzinfo=zone, fold=1)
    skipped = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != at
    if skipped or first.utcoffset() != second.utcoffset():
        raise RowProblem("value.local_time_unclear", key, value=written, zone=zone.key)
    return first

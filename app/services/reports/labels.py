"""Words the server writes itself (reports, charts, exported headers), in Vietnamese and English."""

from gis.indicators import Quarter
from gis.text import format_number

STATUS = {
    "met": ("Đạt", "Met"),
    "on_track": ("Đúng tiến độ", "On track"),
    "behind": ("Chậm tiến độ", "Behind"),
    "no_data": ("Chưa có số liệu", "No data"),
}
# Status colours of the dashboard (frontend/src/styles.js statusColor).
STATUS_COLORS = {"met": "#1a9850", "on_track": "#fdd835", "behind": "#d73027", "no_data": "#bdbdbd"}
UNIT_SUFFIX = {"%": (" %", " %"), "per_100": (" /100 dân", " per 100 people"), "Mb/s": (" Mb/s", " Mb/s")}
NOT_MEASURED = ("Chưa đo", "Not measured")

_LANGS = ("vi", "en")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[_LANGS.index(lang) if lang in _LANGS else 0]


def period_label(period: str, lang: str = "vi") -> str:
    q = Quarter.parse(period)
    return f"Quý {q.quarter}/{q.year}" if lang == "vi" else f"Q{q.quarter} {q.year}"


def short_period(period: str, lang: str = "vi") -> str:
    q = Quarter.parse(period)
    return f"Q{q.quarter}/{q.year}" if lang == "vi" else f"Q{q.quarter} {q.year}"


def status_label(status: str, lang: str = "vi") -> str:
    return _pick(STATUS.get(status, (status, status)), lang)


def unit_suffix(unit: str, lang: str = "vi") -> str:
    return _pick(UNIT_SUFFIX.get(unit, (f" {unit}", f" {unit}")), lang)


def value_text(record: dict, lang: str = "vi", key: str = "value") -> str:
    """An indicator record's value (or target, gap…) with its unit; a speed without samples reads
    "not measured", any other missing value "no data" — never zero."""
    value = record.get(key)
    if value is None:
        detail = record.get("detail") or {}
        if key == "value" and record.get("unit") == "Mb/s" and detail.get("samples") == 0:
            return _pick(NOT_MEASURED, lang)
        return _pick(STATUS["no_data"], lang) if key == "value" else "—"
    return format_number(value, 1, lang) + unit_suffix(record.get("unit", ""), lang)


def local_name(record: dict, lang: str = "vi") -> str:
    return record.get(f"name_{lang}") or record.get("name_vi") or record.get("id", "")

"""The hamlet drill-down as a file: CSV (one list) or XLSX (hamlets and offices, one sheet each)."""

from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from app.services.exports.layers import FORMATS, XLSX_MEDIA, ExportFile, export_filename, write_csv
from app.services.reports.drilldown import hamlet_gaps

HAMLET_COLUMNS = {
    "code": "Mã ấp",
    "name": "Ấp, khu vực",
    "commune_code": "Mã xã",
    "commune_name": "Xã",
    "district_code": "Mã huyện",
    "district_name": "Huyện",
    "population": "Dân số",
    "households": "Số hộ",
    "mbb_share": "Tỷ lệ diện tích phủ băng rộng di động",
    "mbb_covered": "Đã phủ băng rộng di động",
    "ftth_share": "Tỷ lệ diện tích phủ cáp quang",
    "ftth_covered": "Đã có cáp quang",
    "dead_zone_area_km2": "Diện tích vùng lõm (km²)",
    "dead_zone_population": "Dân số vùng lõm",
    "nearest_sites": "Trạm gần nhất theo nhà mạng (mã, khoảng cách m)",
}
OFFICE_COLUMNS = {
    "code": "Mã",
    "name": "Tên",
    "commune_code": "Mã xã",
    "commune_name": "Xã",
    "district_code": "Mã huyện",
    "district_name": "Huyện",
    "bandwidth_mbps": "Băng thông (Mbps)",
    "lon": "Kinh độ",
    "lat": "Vĩ độ",
}


def _value(key: str, value):
    if key == "nearest_sites":
        return "; ".join(f"{s['operator']} {s['site_code']} {s['distance_m']}" for s in value)
    return value


def _rows(records: list[dict], columns: dict[str, str]) -> list[list]:
    return [[_value(k, r.get(k)) for k in columns] for r in records]


def export_hamlet_gaps(
    session: Session,
    code: str,
    period: str | None,
    fmt: str,
    directory: Path,
    *,
    which: str = "hamlets",
    district_code: str | None = None,
    as_of: date | None = None,
) -> ExportFile:
    """CSV of ``which`` (hamlets or offices) or an XLSX of both, headed in Vietnamese: as of the
    day ``as_of`` when given (then named in the file's name)."""
    gaps = hamlet_gaps(session, code, period, district_code=district_code, as_of=as_of)
    stem = f"ap_chua_phu_{code}" + (f"_{gaps['period']}" if gaps["period"] else "")
    stem += f"_{as_of.isoformat()}" if as_of else ""
    filename = export_filename(stem, fmt)
    path = directory / filename
    if fmt == "csv":
        columns = HAMLET_COLUMNS if which == "hamlets" else OFFICE_COLUMNS
        write_csv(path, columns.values(), _rows(gaps[which], columns))
        return ExportFile(path, filename, FORMATS["csv"].media_type)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, records, columns in (
        ("Ấp chưa phủ", gaps["hamlets"], HAMLET_COLUMNS),
        ("UBND xã chưa kết nối", gaps["offices"], OFFICE_COLUMNS),
    ):
        ws = wb.create_sheet(sheet)
        ws.append(list(columns.values()))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in _rows(records, columns):
            ws.append(row)
        ws.freeze_panes = "A2"
    wb.save(path)
    return ExportFile(path, filename, XLSX_MEDIA)

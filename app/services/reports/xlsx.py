"""The report as an XLSX workbook (openpyxl): summary with targets and gaps, every unit side by
side, hamlets not covered, offices not connected, sharing by unit, and one data sheet per
indicator over the closed periods. Numbers are numbers (not text); a missing value is an empty
cell with its reason ("Chưa có số liệu", "Chưa đo") beside it."""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.services.exports.labels import sheet_name
from app.services.reports import labels
from app.services.reports.periods import LOCAL_TZ
from app.services.reports.report import SECTIONS, SHARING, Report, numeral
from gis.text import format_number

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_FILLS = {k: PatternFill("solid", fgColor=v.lstrip("#")) for k, v in labels.STATUS_COLORS.items()}
_INDICATOR_HEADER = [
    "STT",
    "Mã chỉ tiêu",
    "Chỉ tiêu",
    "Đơn vị tính",
    "Giá trị",
    "Chỉ tiêu kế hoạch",
    "Còn thiếu",
    "Đánh giá",
    "Tử số",
    "Mẫu số",
    "Ghi chú",
]
_UNIT_NAMES = {"%": "%", "per_100": "thuê bao/100 dân", "Mb/s": "Mb/s"}


def _head(ws, report: Report, heading: str) -> int:
    """Title lines on top of a sheet; returns the next free row."""
    ws.append([report.title])
    ws["A1"].font = _TITLE
    ws.append([f"{heading} — {report.subtitle()}"])
    ws.append([f"Cơ quan báo cáo: {report.issuer or '……'}"])
    ws.append([f"{report.basis}."])
    ws.append(
        [
            f"Ngày chốt số liệu: {report.closed.closed_at.astimezone(LOCAL_TZ).strftime('%d/%m/%Y')}; "
            f"ngày lập báo cáo: {report.issued_on.strftime('%d/%m/%Y')}"
        ]
    )
    return ws.max_row + 2


def _header(ws, row: int, names: list[str]) -> None:
    for col, name in enumerate(names, start=1):
        cell = ws.cell(row=row, column=col, value=name)
        cell.font = _BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _note(record: dict) -> str:
    if record.get("value") is None:
        return labels.value_text(record)
    detail = record.get("detail") or {}
    if record.get("unit") == "Mb/s":
        median = detail.get("median")
        return f"trung vị {format_number(median, 1)} Mb/s; {detail.get('samples', 0)} mẫu đo"
    if record.get("expected") is not None:
        return f"theo lộ trình cần đạt {format_number(record['expected'], 1)}"
    return ""


def _summary(wb: Workbook, report: Report) -> None:
    ws = wb.active
    ws.title = "Tổng hợp"
    row = _head(ws, report, f"{numeral('summary')}. Chỉ tiêu của {report.unit['name']}")
    _header(ws, row, _INDICATOR_HEADER)
    for i, r in enumerate(report.unit["indicators"], start=1):
        ws.append(
            [
                i,
                r["id"],
                r["name_vi"],
                _UNIT_NAMES.get(r["unit"], r["unit"]),
                r["value"],
                r["target"],
                r["gap"],
                labels.status_label(r["status"]),
                r.get("numerator"),
                r.get("denominator"),
                _note(r),
            ]
        )
        ws.cell(row=ws.max_row, column=8).fill = _FILLS.get(r["status"], _FILLS["no_data"])
    for col, width in zip("ABCDEFGHIJK", (5, 28, 60, 14, 10, 12, 10, 16, 12, 12, 36), strict=True):
        ws.column_dimensions[col].width = width


def _by_unit(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("Theo đơn vị")
    units = [report.unit, *report.children]
    row = _head(ws, report, f"{numeral('by_unit')}. Giá trị chỉ tiêu theo đơn vị")
    _header(ws, row, ["Mã chỉ tiêu", "Chỉ tiêu", "Chỉ tiêu kế hoạch", *(u["name"] for u in units)])
    records = [{r["id"]: r for r in u["indicators"]} for u in units]
    for r in report.unit["indicators"]:
        ws.append(
            [r["id"], r["name_vi"], r["target"], *(rec.get(r["id"], {}).get("value") for rec in records)]
        )
        for col, rec in enumerate(records, start=4):
            status = rec.get(r["id"], {}).get("status", "no_data")
            ws.cell(row=ws.max_row, column=col).fill = _FILLS.get(status, _FILLS["no_data"])
    ws.column_dimensions["B"].width = 50
    for col in range(4, 4 + len(units)):
        ws.column_dimensions[get_column_letter(col)].width = 14


def _hamlets(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("Ấp chưa phủ")
    row = _head(
        ws,
        report,
        f"{numeral('hamlets')}. Ấp, khu vực chưa được phủ băng rộng di động hoặc chưa có cáp quang (FTTH)",
    )
    _header(
        ws,
        row,
        [
            "Mã ấp",
            "Ấp, khu vực",
            "Xã",
            "Huyện",
            "Dân số",
            "Phủ băng rộng di động (% diện tích)",
            "Đã phủ băng rộng di động",
            "Phủ cáp quang (% diện tích)",
            "Đã có cáp quang",
            "Diện tích vùng lõm (km²)",
            "Dân số vùng lõm",
            "Trạm gần nhất theo nhà mạng",
        ],
    )

    def pct(share):
        return None if share is None else round(share * 100, 1)

    def yes(flag):
        return "Chưa tính" if flag is None else ("Có" if flag else "Không")

    for h in report.hamlets:
        sites = "; ".join(
            f"{s['operator']} {s['site_code']} ({format_number(s['distance_m'], 0)} m)"
            for s in h["nearest_sites"]
        )
        ws.append(
            [
                h["code"],
                h["name"],
                h["commune_name"],
                h["district_name"],
                h["population"],
                pct(h["mbb_share"]),
                yes(h["mbb_covered"]),
                pct(h["ftth_share"]),
                yes(h["ftth_covered"]),
                h["dead_zone_area_km2"],
                h["dead_zone_population"],
                sites,
            ]
        )
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["L"].width = 60


def _offices(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("UBND xã chưa kết nối")
    row = _head(ws, report, f"{numeral('offices')}. UBND cấp xã chưa kết nối mạng truyền số liệu chuyên dùng")
    _header(ws, row, ["Mã", "Tên", "Xã", "Huyện", "Kinh độ", "Vĩ độ"])
    for o in report.offices:
        ws.append([o["code"], o["name"], o["commune_name"], o["district_name"], o["lon"], o["lat"]])
    ws.column_dimensions["B"].width = 30


def _sharing(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet("Dùng chung hạ tầng")
    row = _head(ws, report, f"{numeral('sharing')}. Tỷ lệ dùng chung hạ tầng theo đơn vị")
    _header(
        ws,
        row,
        [
            "Mã đơn vị",
            "Đơn vị",
            "Trạm BTS dùng chung",
            "Tổng số trạm BTS",
            "Tỷ lệ (%)",
            "Cột dùng chung",
            "Tổng số cột",
            "Tỷ lệ (%)",
            "Tuyến cống dùng chung",
            "Tổng số tuyến cống",
            "Tỷ lệ theo số tuyến (%)",
            "Tỷ lệ theo chiều dài (%)",
        ],
    )
    for unit in [report.unit, *report.children]:
        rec = {r["id"]: r for r in unit["indicators"]}
        cells = [unit["code"], unit["name"]]
        for key in SHARING:
            r = rec.get(key, {})
            cells += [r.get("numerator"), r.get("denominator"), r.get("value")]
        cells.append((rec.get("duct_sharing", {}).get("detail") or {}).get("by_length"))
        ws.append(cells)
    ws.column_dimensions["B"].width = 26


def _data_sheets(wb: Workbook, report: Report) -> None:
    taken = set(wb.sheetnames)
    for i, r in enumerate(report.unit["indicators"], start=1):
        # "VI.3 Tỷ lệ dùng chung trạm BTS": the part of the report, the indicator's number in I.
        ws = wb.create_sheet(sheet_name(f"{numeral('trends')}.{i} {r['name_vi']}", taken))
        ws.append([r["name_vi"]])
        ws["A1"].font = _TITLE
        ws.append([f"{r['name_en']} — {report.subtitle()}"])
        ws.append([])
        _header(
            ws,
            4,
            [
                "Kỳ",
                "Mã đơn vị",
                "Đơn vị",
                "Giá trị",
                "Chỉ tiêu kế hoạch",
                "Còn thiếu",
                "Đánh giá",
                "Tử số",
                "Mẫu số",
                "Ghi chú",
            ],
        )
        for period, units in sorted(report.history.items()):
            for unit in units:
                rec = next((x for x in unit["indicators"] if x["id"] == r["id"]), None)
                if rec is None:
                    continue
                ws.append(
                    [
                        period,
                        unit["code"],
                        unit["name"],
                        rec["value"],
                        rec["target"],
                        rec["gap"],
                        labels.status_label(rec["status"]),
                        rec.get("numerator"),
                        rec.get("denominator"),
                        _note(rec),
                    ]
                )
        ws.column_dimensions["C"].width = 26


# The sheets of the report's parts (the map has none), in the order of SECTIONS.
_SHEETS = {
    "summary": _summary,
    "by_unit": _by_unit,
    "sharing": _sharing,
    "hamlets": _hamlets,
    "offices": _offices,
    "trends": _data_sheets,
}


def write_report_xlsx(report: Report, path: Path) -> None:
    wb = Workbook()
    for section in SECTIONS:
        if section in _SHEETS:
            _SHEETS[section](wb, report)
    wb.properties.title = f"{report.title} — {report.subtitle()}"
    wb.properties.creator = report.issuer or None
    # Fixed timestamps: the same closed period gives the same workbook.
    wb.properties.created = wb.properties.modified = report.closed.closed_at.replace(tzinfo=None)
    wb.save(path)

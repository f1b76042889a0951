"""The report as print-ready HTML in Vietnamese (A4; the wide unit tables on landscape pages):
letterhead, title, period, date and issuing body, the tables of the workbook, trend charts and
the coverage and dead-zone map of the scope. Self-contained: inline CSS and SVG, no scripts."""

from html import escape

from app.services.reports import labels
from app.services.reports.periods import LOCAL_TZ
from app.services.reports.report import SECTIONS, SHARING, Report, numeral, trend_entries
from app.services.reports.trends import chart_svg
from gis.text import format_number

_UNITS_PER_TABLE = 10

_CSS = """
@page { size: A4; margin: 16mm 14mm 16mm 18mm; }
@page wide { size: A4 landscape; margin: 14mm; }
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; font-size: 11pt; color: #000; margin: 0; }
.letterhead { width: 100%; border-collapse: collapse; margin-bottom: 8mm; }
.letterhead td { width: 50%; text-align: center; vertical-align: top; font-size: 11pt; border: 0; }
.letterhead .date { font-style: italic; }
h1 { text-align: center; font-size: 15pt; margin: 4mm 0 1mm; }
h2 { text-align: center; font-size: 12.5pt; margin: 0 12mm 2mm; }
p.period { text-align: center; font-weight: bold; margin: 0 0 5mm; }
h3 { font-size: 12pt; margin: 6mm 0 2mm; break-after: avoid; }
table.data { width: 100%; border-collapse: collapse; font-size: 9pt; margin-bottom: 3mm; }
table.data th, table.data td { border: 0.6pt solid #444; padding: 1.2mm 1.4mm; vertical-align: top; }
table.data th { background: #eceff1; }
table.data thead { display: table-header-group; }
table.data tr { break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; }
td.status-met { background: #c8e6c9; } td.status-cell { white-space: nowrap; } td.status-on_track { background: #fff59d; }
td.status-behind { background: #ffcdd2; } td.status-no_data { background: #f5f5f5; color: #555; }
section.wide { page: wide; break-before: page; }
section.charts { break-before: page; }
.chart-grid { display: flex; flex-wrap: wrap; gap: 3mm; }
.chart-grid svg { width: 85mm; height: auto; break-inside: avoid; }
.map svg { width: 100%; height: auto; max-height: 235mm; }
.note { font-size: 9pt; color: #333; }
.signature { width: 100%; margin-top: 10mm; break-inside: avoid; }
.signature td { width: 50%; text-align: center; vertical-align: top; border: 0; }
"""


def _e(value) -> str:
    return escape("" if value is None else str(value))


def _cell(record: dict | None) -> str:
    if record is None:
        return '<td class="num status-no_data">—</td>'
    return f'<td class="num status-{_e(record["status"])}">{_e(labels.value_text(record))}</td>'


def _letterhead(r: Report) -> str:
    """The administrative letterhead of the issuer in force on the report's day (a body missing
    from the data leaves its lines to be written in)."""
    day, body = r.issued_on, r.bodies.issuer or {}
    parent = _e((body.get("parent") or "").upper()) or "……"
    symbol = _e(body.get("symbol") or "……")
    place = _e(body.get("place") or "……")
    return (
        f'<table class="letterhead"><tr><td>{parent}<br>'
        f"<b>{_e(r.issuer.upper()) or '……'}</b></td>"
        "<td><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br><b><u>Độc lập – Tự do – Hạnh phúc</u></b></td></tr>"
        f'<tr><td>Số: ……/BC-{symbol}</td><td class="date">{place}, ngày {day.day:02d} tháng {day.month:02d} '
        f"năm {day.year}</td></tr></table>"
    )


def _region(r: Report) -> str:
    region = (r.bodies.issuer or {}).get("region")
    return f" {region}" if region else ""


def _summary(r: Report) -> str:
    counts = {s: sum(1 for x in r.unit["indicators"] if x["status"] == s) for s in labels.STATUS}
    said = "; ".join(f"{labels.status_label(s).lower()}: {n}" for s, n in counts.items())
    rows = []
    for i, x in enumerate(r.unit["indicators"], start=1):
        gap = "—" if x["gap"] is None else format_number(x["gap"], 1) + labels.unit_suffix(x["unit"])
        rows.append(
            f'<tr data-indicator="{_e(x["id"])}"><td class="num">{i}</td><td>{_e(x["name_vi"])}</td>{_cell(x)}'
            f'<td class="num">{_e(labels.value_text(x, key="target"))}</td><td class="num">{_e(gap)}</td>'
            f'<td class="status-{_e(x["status"])}">{_e(labels.status_label(x["status"]))}</td></tr>'
        )
    return (
        f'<section id="summary"><h3>{numeral("summary")}. Kết quả thực hiện các chỉ tiêu — {_e(r.unit["name"])}</h3>'
        f'<p class="note">{len(r.unit["indicators"])} chỉ tiêu; {_e(said)}. Chỉ tiêu “đúng tiến độ” khi chưa đạt '
        "nhưng không thấp hơn giá trị của lộ trình tuyến tính từ kỳ đã chốt đầu tiên đến mục tiêu cuối năm kế hoạch.</p>"
        '<table class="data"><thead><tr><th>STT</th><th>Chỉ tiêu</th><th>Giá trị</th><th>Mục tiêu</th>'
        f"<th>Còn thiếu</th><th>Đánh giá</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _by_unit(r: Report) -> str:
    children = r.children
    chunks = [children[i : i + _UNITS_PER_TABLE] for i in range(0, len(children), _UNITS_PER_TABLE)] or [[]]
    tables = []
    for chunk in chunks:
        units = [r.unit, *chunk]
        records = [{x["id"]: x for x in u["indicators"]} for u in units]
        head = "".join(f"<th>{_e(u['name'])}</th>" for u in units)
        body = "".join(
            f'<tr><td>{_e(x["name_vi"])}</td><td class="num">{_e(labels.value_text(x, key="target"))}</td>'
            + "".join(_cell(rec.get(x["id"])) for rec in records)
            + "</tr>"
            for x in r.unit["indicators"]
        )
        tables.append(
            f'<table class="data"><thead><tr><th>Chỉ tiêu</th><th>Mục tiêu</th>{head}</tr></thead><tbody>{body}</tbody></table>'
        )
    what = "huyện, thị xã, thành phố" if r.scope == "province" else "xã, phường, thị trấn"
    return f'<section class="wide" id="by-unit"><h3>{numeral("by_unit")}. Chỉ tiêu theo {what}</h3>{"".join(tables)}</section>'


def _sharing(r: Report) -> str:
    rows = []
    for unit in [r.unit, *r.children]:
        rec = {x["id"]: x for x in unit["indicators"]}
        cells = "".join(
            f'<td class="num">{_e(format_number(rec[k]["numerator"] or 0, 0))}/{_e(format_number(rec[k]["denominator"] or 0, 0))}</td>'
            + _cell(rec[k])
            for k in SHARING
            if k in rec
        )
        rows.append(f"<tr><td>{_e(unit['name'])}</td>{cells}</tr>")
    return (
        f'<section id="sharing"><h3>{numeral("sharing")}. Dùng chung hạ tầng viễn thông thụ động</h3><table class="data"><thead><tr>'
        "<th>Đơn vị</th><th>Trạm BTS dùng chung / tổng</th><th>Tỷ lệ</th><th>Cột dùng chung / tổng</th><th>Tỷ lệ</th>"
        f"<th>Tuyến cống dùng chung / tổng</th><th>Tỷ lệ</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _yes(flag) -> str:
    return "Chưa tính" if flag is None else ("Có" if flag else "Không")


def _hamlets(r: Report) -> str:
    rows = []
    for h in r.hamlets:
        sites = "; ".join(
            f"{s['operator']} {format_number(s['distance_m'], 0)} m" for s in h["nearest_sites"]
        )
        area = "—" if h["dead_zone_area_km2"] is None else format_number(h["dead_zone_area_km2"], 2)
        rows.append(
            f"<tr><td>{_e(h['name'])}</td><td>{_e(h['commune_name'])}</td><td>{_e(h['district_name'])}</td>"
            f'<td class="num">{_e(format_number(h["population"] or 0, 0))}</td><td>{_yes(h["mbb_covered"])}</td>'
            f'<td>{_yes(h["ftth_covered"])}</td><td class="num">{_e(area)}</td><td>{_e(sites)}</td></tr>'
        )
    no_mbb = sum(1 for h in r.hamlets if h["mbb_covered"] is False)
    no_ftth = sum(1 for h in r.hamlets if h["ftth_covered"] is False)
    return (
        f'<section id="hamlets"><h3>{numeral("hamlets")}. Ấp, khu vực chưa được phủ băng rộng di động hoặc chưa có cáp quang</h3>'
        f'<p class="note">{no_mbb} ấp chưa được phủ băng rộng di động; {no_ftth} ấp chưa có cáp quang (FTTH).</p>'
        '<table class="data"><thead><tr><th>Ấp, khu vực</th><th>Xã</th><th>Huyện</th><th>Dân số</th>'
        "<th>Phủ băng rộng di động</th><th>Có cáp quang</th><th>Vùng lõm (km²)</th><th>Trạm gần nhất</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _offices(r: Report) -> str:
    rows = "".join(
        f"<tr><td>{_e(o['name'])}</td><td>{_e(o['commune_name'])}</td><td>{_e(o['district_name'])}</td></tr>"
        for o in r.offices
    )
    body = (
        f'<table class="data"><thead><tr><th>UBND</th><th>Xã</th><th>Huyện</th></tr></thead><tbody>{rows}</tbody></table>'
        if rows
        else '<p class="note">Tất cả UBND cấp xã đã kết nối.</p>'
    )
    return f'<section id="offices"><h3>{numeral("offices")}. UBND cấp xã chưa kết nối mạng truyền số liệu chuyên dùng</h3>{body}</section>'


def _charts(r: Report) -> str:
    charts = "".join(chart_svg(entry, "vi") for entry in trend_entries(r))
    periods = ", ".join(labels.period_label(p) for p in sorted(r.history))
    return (
        f'<section class="charts" id="trends"><h3>{numeral("trends")}. Diễn biến các chỉ tiêu qua các kỳ đã chốt</h3>'
        f'<p class="note">Các kỳ: {_e(periods)}. Đường nét đứt: mục tiêu kế hoạch.</p>'
        f'<div class="chart-grid">{charts}</div></section>'
    )


def _map(r: Report) -> str:
    body = r.map_svg or '<p class="note">Chưa có bản đồ cho kỳ này.</p>'
    return f'<section class="charts map" id="map"><h3>{numeral("map")}. Bản đồ vùng phủ sóng và vùng lõm sóng</h3>{body}</section>'


_PARTS = {
    "summary": _summary,
    "by_unit": _by_unit,
    "sharing": _sharing,
    "hamlets": _hamlets,
    "offices": _offices,
    "trends": _charts,
    "map": _map,
}


def _subject(title: str) -> str:
    """ "Báo cáo kết quả …" → "Kết quả …" (under the heading BÁO CÁO)."""
    rest = title.removeprefix("Báo cáo ")
    return rest[:1].upper() + rest[1:]


def render_report_html(r: Report) -> str:
    closed = r.closed.closed_at.astimezone(LOCAL_TZ)
    run = r.closed.coverage_finished_at
    run_text = (
        f"; vùng phủ sóng theo lần tính số {r.closed.coverage_run_id} lúc {run.astimezone(LOCAL_TZ):%H:%M %d/%m/%Y}"
        if run
        else "; chưa có lần tính vùng phủ sóng"
    )
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{_e(r.title)} — {_e(r.subtitle())}</title>'
        f"<style>{_CSS}</style></head><body>{_letterhead(r)}"
        f"<h1>BÁO CÁO</h1><h2>{_e(_subject(r.title))}</h2>"
        f'<p class="period">{_e(r.subtitle())}</p>'
        f'<p class="basis">{_e(r.basis)}.</p>'
        f"<p>Kính gửi: {_e('; '.join(r.recipients)) or '……'}.</p>"
        f'<p class="note">Số liệu chốt lúc {closed:%H:%M ngày %d/%m/%Y}{_e(run_text)}. Nguồn: Hệ thống thông tin quản lý '
        f"hạ tầng viễn thông{_e(_region(r))}. Số liệu của kỳ đã chốt không thay đổi khi dữ liệu được cập nhật sau đó.</p>"
        f"{''.join(_PARTS[part](r) for part in SECTIONS)}"
        '<table class="signature"><tr><td><b>Nơi nhận:</b><br>'
        f"{''.join('- ' + _e(x) + ';<br>' for x in r.recipients)}- Lưu: VT.</td>"
        f"<td><b>GIÁM ĐỐC</b><br><br><br><br><br>{_e(r.issuer)}</td></tr></table></body></html>"
    )

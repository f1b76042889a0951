"""The proposals as an XLSX workbook with Vietnamese headers: the ranked table and the curve."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

KIND_VI = {
    "co_location": "Dùng chung trạm",
    "structure": "Công trình có sẵn",
    "tall_structure": "Công trình cao (tháp nước, nhà cao tầng …)",
    "pole": "Cột",
    "office": "Khuôn viên UBND xã",
    "new": "Vị trí mới",
}
METHOD_VI = {"exact": "chính xác (HiGHS)", "greedy": "tham lam (bảo đảm ≥ 1 − 1/e)"}
_TABLE = [
    "Hạng",
    "Loại vị trí",
    "Mã công trình",
    "Kinh độ",
    "Vĩ độ",
    "Độ cao anten (m)",
    "Đơn vị cần hỏi thuê",
    "Dân số được phủ thêm",
    "Số ấp được phủ thêm",
    "Dân số phủ cộng dồn",
    "Số ấp phủ cộng dồn",
    "Tỷ lệ dân cư vùng lõm được phủ",
]
_CURVE = ["Số trạm", "Dân số được phủ", "Tỷ lệ dân số", "Số ấp được phủ", "Tỷ lệ ấp"]


def _header(ws, names: list[str]) -> None:
    ws.append(names)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{ws.max_row + 1}"  # a string: ws.cell() would create the row below


def write_proposals_xlsx(answer: dict, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Đề xuất vị trí trạm"
    area, solver, demand = answer["area"], answer["solver"], answer["demand"]
    operator = "mọi doanh nghiệp" if answer["operator"] == "any" else answer["operator"]
    ws.append([f"Đề xuất {answer['k']} vị trí trạm 4G — {area['name']} — {operator}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(
        [
            f"Vùng lõm: {demand['people_uncovered']:,.0f} người, {demand['hamlets_uncovered']} ấp chưa được phủ; "
            f"lời giải {METHOD_VI.get(solver['method'], solver['method'])}, "
            f"khoảng cách tối ưu {solver['gap'] * 100:.2f} %"
        ]
    )
    ws.append([])
    _header(ws, _TABLE)
    for r in answer["proposals"]:
        ws.append(
            [
                r["rank"],
                KIND_VI.get(r["kind"], r["kind"]),
                r["code"] or r["label"] or "",
                r["lon"],
                r["lat"],
                r["height_m"],
                r["owner"] or "",
                round(r["people"]),
                r["hamlets"],
                round(r["cumulative_people"]),
                r["cumulative_hamlets"],
                r["cumulative_share"],
            ]
        )
        ws.cell(row=ws.max_row, column=12).number_format = "0.0%"
    curve = wb.create_sheet("Đường cong phủ sóng")
    _header(curve, _CURVE)
    for p in answer["curve"]:
        curve.append([p["sites"], round(p["people"]), p["people_share"], p["hamlets"], p["hamlets_share"]])
    wb.save(path)

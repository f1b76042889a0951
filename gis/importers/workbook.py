"""Operators' workbooks: a sheet of sites and a sheet of cells, linked by the site code.

An operator sends one XLSX with a sheet "Trạm" (sites, with coordinates) and a sheet "Cell"
(cells, without: a cell stands where its site stands). ``read_sheets`` reads every sheet,
``sites_sheet`` / ``cells_sheet`` tell them apart by name, and ``plain_table`` maps a cell sheet
(or a CSV of cells) to project attributes: there "Mã trạm" names the cell's site, not the cell.
Problems name the sheet: "tram.xlsx › Cell row 7: …".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from gis.importers import safety
from gis.importers.columns import canonical, column_key, unrecognised
from gis.importers.errors import ImportRefused
from gis.problems import Problem
from gis.vocabulary import Vocabulary, fold_key

__all__ = [
    "SITE_SHEETS",
    "CELL_SHEETS",
    "Sheet",
    "read_sheets",
    "sites_sheet",
    "cells_sheet",
    "plain_table",
    "read_plain_table",
]

# Sheet titles, folded by column_key ("Danh sách trạm" → "danh_sach_tram").
SITE_SHEETS = ("tram", "sites", "site", "danh_sach_tram", "tram_bts", "nha_tram", "danh_sach_nha_tram", "bts")
CELL_SHEETS = ("cell", "cells", "o", "danh_sach_cell", "danh_sach_o", "o_phu_song", "sector", "sectors")
# In a sheet of cells these columns name the cell's site; the cell's own code is "Mã cell".
_SITE_CODE_IN_CELLS = ("ma_tram", "site_id", "site", "ma_nha_tram", "ma_tram_bts", "site_code")


@dataclass
class Sheet:
    title: str
    header: list
    records: list[tuple[int, list]]  # (row number as Excel shows it, values)

    def shown(self, file_name: str, several: bool) -> str:
        """How problems name it: the file alone for a one-sheet workbook, else "file › sheet"."""
        return f"{file_name} › {self.title}" if several else file_name


def read_sheets(path: Path) -> list[Sheet]:
    """Every sheet with a header row, in workbook order; empty sheets are left out."""
    import openpyxl

    safety.open_zip(path).close()  # an .xlsx is a zip: same bomb/traversal checks
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types on damaged files
        params = {"reason": f"{type(exc).__name__}: {exc}"}
        raise ImportRefused(Problem("xlsx.unreadable", source=path.name, params=params)) from exc
    sheets = []
    try:
        for ws in wb.worksheets:
            sheet = _read_sheet(ws)
            if sheet is not None:
                sheets.append(sheet)
    finally:
        wb.close()
    if not sheets:
        raise ImportRefused(Problem("xlsx.empty", source=path.name))
    return sheets


def _read_sheet(ws) -> Sheet | None:
    header, records = None, []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if not any(v not in (None, "") for v in values):
            continue
        if header is None:
            header = list(values)
            continue
        records.append((number, list(values)))
        if len(records) > safety.MAX_FEATURES:
            break
    return None if header is None else Sheet(ws.title, header, records)


def _role(sheet: Sheet) -> str | None:
    key = column_key(sheet.title)
    return "sites" if key in SITE_SHEETS else "cells" if key in CELL_SHEETS else None


def sites_sheet(sheets: list[Sheet]) -> Sheet:
    """The sheet named like sites ("Trạm", "Sites", "Danh sách trạm" …), else the first one."""
    return next((s for s in sheets if _role(s) == "sites"), sheets[0])


def cells_sheet(sheets: list[Sheet]) -> Sheet | None:
    """The sheet named like cells ("Cell", "Cells", "Ô", "Danh sách cell" …), or None."""
    return next((s for s in sheets if _role(s) == "cells"), None)


def _attribute(
    header: str, vocabulary: Vocabulary | None, corrected: dict[str, str], target: str
) -> str | None:
    if fold_key(header) in corrected:  # a planner's correction (a profile, --map): "" leaves it out
        return corrected[fold_key(header)]
    if target == "cells" and column_key(header) in _SITE_CODE_IN_CELLS:
        return "site_code"
    return canonical(header, vocabulary, target)


def plain_table(
    name: str,
    fmt: str,
    header: list,
    records: list[tuple[int, list]],
    vocabulary: Vocabulary | None = None,
    columns: dict[str, str] | None = None,
    target: str = "cells",
):
    """Rows without geometry (cells, organisations) as an ImportedTable whose features have
    ``geometry=None``; ``vocabulary`` and ``columns`` (file column → attribute, "" to leave out)
    read the headers as ``target``'s."""
    from gis.importers.table import ImportedFeature, ImportedTable

    header = [str(h).strip() if h is not None else "" for h in header]
    corrected = {fold_key(k): v for k, v in (columns or {}).items()}
    mapping: dict[str, str] = {}
    unknown: list[tuple[str, str | None]] = []
    for h in header:
        if not h:
            continue
        attribute = _attribute(h, vocabulary, corrected, target)
        if attribute == "":
            continue
        if attribute is None:
            unknown.append((h, None))
        elif attribute in mapping.values():
            unknown.append((h, next(k for k, v in mapping.items() if v == attribute)))
        else:
            mapping[h] = attribute
    safety.check_feature_count(name, len(records))
    features = []
    for number, values in records:
        raw = {h: _value(v) for h, v in zip(header, values, strict=False) if h}
        props = {mapping[h]: v for h, v in raw.items() if h in mapping}
        features.append(ImportedFeature(number, None, props, raw))
    shown, warnings = unrecognised(name, unknown)
    table = ImportedTable(name, fmt, "row", features, "", warnings, mapping, shown)
    if vocabulary is not None:
        table.vocabulary = vocabulary
    return table


def _value(v):
    if isinstance(v, str):
        v = unicodedata.normalize("NFC", v.strip())
        return v or None
    return v


def read_plain_table(
    path: Path,
    encoding: str | None = None,
    vocabulary: Vocabulary | None = None,
    columns: dict[str, str] | None = None,
    target: str = "cells",
):
    """A CSV of cells, or a workbook's cell sheet (its first sheet when none is named like cells);
    another ``target`` without geometry (organisations) reads a CSV or a workbook's first sheet."""
    from gis.importers.encoding import parse_encoding
    from gis.importers.readers import read_csv, sniff_format

    safety.check_file(path)
    with path.open("rb") as fh:
        head = fh.read(16)
    fmt = sniff_format(path, head)
    if fmt == "csv":
        header, records = read_csv(path, path.read_bytes(), parse_encoding(encoding, path.name))
        table = plain_table(path.name, "CSV", header, records, vocabulary, columns, target)
    elif fmt == "xlsx" and head.startswith(b"PK"):
        sheets = read_sheets(path)
        sheet = (cells_sheet(sheets) if target == "cells" else None) or sheets[0]
        shown = sheet.shown(path.name, len(sheets) > 1)
        table = plain_table(shown, "XLSX", sheet.header, sheet.records, vocabulary, columns, target)
    else:
        raise ImportRefused(Problem("file.not_a_table", source=path.name, params={"format": fmt}))
    if not table.features:
        raise ImportRefused(Problem("file.no_rows", source=table.name))
    return table

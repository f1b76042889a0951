"""Operators' workbooks: a sheet of sites and a sheet of cells, linked by the site code.

An operator sends one XLSX with a sheet "Trạm" (sites, with coordinates) and a sheet "Cell"
(cells, without: a cell stands where its site stands). ``read_sheets`` reads every sheet,
``sites_sheet`` / ``cells_sheet`` tell them apart by name, and ``plain_table`` maps a cell sheet
(or a CSV of cells) to project attributes: there "Mã trạm" names the cell's site, not the cell.
Problems name the sheet: "tram.xlsx › Cell row 7: …".

Real workbooks from operators, communes and power companies open with title rows ("CỘNG HÒA XÃ
HỘI CHỦ NGHĨA VIỆT NAM", "DANH SÁCH CÔNG TRÌNH CAO …", a date line), often in merged cells, may put
a numbering row ("(1)", "(2)" … or 1, 2 …) under the column names and end with a totals row and a
signature block ("Tổng cộng", "Người lập biểu", "GIÁM ĐỐC"). The header row is therefore the row,
among the first ``HEADER_SEARCH_ROWS`` non-empty ones, with the most cells the vocabulary knows as
column names (the first such row on a tie); a numbering row right under it is skipped and reading
stops at the totals/signature block. A sheet where no row names a known column keeps its first
non-empty row as header with ``header_matched`` false: readers that need known columns refuse it
(``header_problem``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from gis.importers import safety
from gis.importers.columns import (
    COORDINATE_NAMES,
    LAT_KEYS,
    LON_KEYS,
    WKT_KEYS,
    X_KEYS,
    Y_KEYS,
    canonical,
    column_key,
    default_vocabulary,
    unrecognised,
)
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
    "HEADER_SEARCH_ROWS",
    "header_problem",
]

# Sheet titles, folded by column_key ("Danh sách trạm" → "danh_sach_tram").
SITE_SHEETS = ("tram", "sites", "site", "danh_sach_tram", "tram_bts", "nha_tram", "danh_sach_nha_tram", "bts")
CELL_SHEETS = ("cell", "cells", "o", "danh_sach_cell", "danh_sach_o", "o_phu_song", "sector", "sectors")
# In a sheet of cells these columns name the cell's site; the cell's own code is "Mã cell".
_SITE_CODE_IN_CELLS = ("ma_tram", "site_id", "site", "ma_nha_tram", "ma_tram_bts", "site_code")


HEADER_SEARCH_ROWS = 30  # non-empty rows searched for the column names (title blocks are ~4–8)
_COORDINATE_KEYS = frozenset(LAT_KEYS + LON_KEYS + X_KEYS + Y_KEYS + WKT_KEYS)
_NUMBERING = re.compile(r"^\(?\s*(\d{1,3})\s*\)?$")  # "(1)", "1", "( 2 )"
# A totals row opens with one of these (folded); "Tổng công ty …" (a company name) does not match.
_TOTALS = frozenset(("tong_cong", "tong", "cong", "tong_so", "tong_so_luong", "total", "grand_total"))
# Signature-block words, matched as whole folded words in a row of at most _SIGNATURE_CELLS cells.
_SIGNATURE = (
    "nguoi_lap_bieu",
    "nguoi_lap",
    "giam_doc",
    "ke_toan_truong",
    "thu_truong",
    "chu_tich",
    "prepared_by",
)
_SIGNATURE_CELLS = 3
_DATE_LINE = re.compile(r"(^|_)ngay(_\d+)?_thang(_\d+)?_nam(_|$)")  # "Hà Nội, ngày 5 tháng 3 năm 2025"


@dataclass
class Sheet:
    title: str
    header: list
    records: list[tuple[int, list]]  # (row number as Excel shows it, values)
    header_row: int = 1  # the header's row number as Excel shows it
    header_matched: bool = True  # False: no row named a known column; header_row is the first non-empty
    numbering_row: int | None = None  # a "(1)", "(2)" … row under the header, skipped
    closing_row: int | None = None  # where the totals/signature block starts (not read)

    def shown(self, file_name: str, several: bool) -> str:
        """How problems name it: the file alone for a one-sheet workbook, else "file › sheet"."""
        return f"{file_name} › {self.title}" if several else file_name


def read_sheets(path: Path, vocabulary: Vocabulary | None = None, *, find_header: bool = True) -> list[Sheet]:
    """Every sheet with a header row, in workbook order; empty sheets are left out. ``vocabulary``
    (default: ``default_vocabulary()``) tells the column names that find the header row;
    ``find_header=False`` reads every row from the first non-empty one (a sheet of labels and
    values, such as a plan's, has no header row to look for)."""
    import openpyxl

    safety.open_zip(path).close()  # an .xlsx is a zip: same bomb/traversal checks
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types on damaged files
        params = {"reason": f"{type(exc).__name__}: {exc}"}
        raise ImportRefused(Problem("xlsx.unreadable", source=path.name, params=params)) from exc
    known = _column_names(vocabulary or default_vocabulary()) if find_header else frozenset()
    sheets = []
    try:
        for ws in wb.worksheets:
            sheet = _read_sheet(ws, known)
            if sheet is not None:
                sheets.append(sheet)
    finally:
        wb.close()
    if not sheets:
        raise ImportRefused(Problem("xlsx.empty", source=path.name))
    return sheets


def _column_names(vocabulary: Vocabulary) -> frozenset[str]:
    """Every folded column name the vocabulary knows, whatever the target, and the coordinates'."""
    names = set(_COORDINATE_KEYS)
    for term in vocabulary.terms:
        if term.domain == "column" or term.domain.startswith("column."):
            names.update((fold_key(term.alias), fold_key(term.canonical)))
    return frozenset(names)


def _known(value, known: frozenset[str]) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    key = column_key(value)
    return key in known or key.removesuffix("_m") in known  # "X (m)"


def _filled(values) -> list:
    return [v for v in values if v is not None and (not isinstance(v, str) or v.strip())]


def _is_numbering(values) -> bool:
    """1, 2, 3 … or (1), (2), (3) … in the filled cells, at least two of them."""
    numbers = []
    for v in _filled(values):
        if isinstance(v, bool):
            return False
        if isinstance(v, int | float) and float(v).is_integer():
            numbers.append(int(v))
            continue
        match = _NUMBERING.match(str(v).strip())
        if not match:
            return False
        numbers.append(int(match.group(1)))
    return len(numbers) >= 2 and all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))


def _is_closing(values) -> bool:
    """A totals row ("Tổng cộng" first) or a signature-block row ("Người lập biểu", "GIÁM ĐỐC",
    "…, ngày 5 tháng 3 năm 2025") in a few cells."""
    filled = _filled(values)
    if not filled:
        return False
    if isinstance(filled[0], str) and column_key(filled[0]) in _TOTALS:
        return True
    if len(filled) > _SIGNATURE_CELLS:
        return False
    for v in filled:
        key = f"_{column_key(v)}_" if isinstance(v, str) else ""
        if any(f"_{word}_" in key for word in _SIGNATURE) or _DATE_LINE.search(key.strip("_")):
            return True
    return False


def _read_sheet(ws, known: frozenset[str]) -> Sheet | None:
    rows: list[tuple[int, list]] = []  # non-empty rows in order, as read
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if not _filled(values):
            continue
        rows.append((number, list(values)))
        if len(rows) > safety.MAX_FEATURES + HEADER_SEARCH_ROWS:
            break
    if not rows:
        return None
    scores = [sum(_known(v, known) for v in values) for _, values in rows[:HEADER_SEARCH_ROWS]]
    best = max(scores)
    at = scores.index(best)  # the first row with the best score; row 0 when nothing matched
    header_row, header = rows[at]
    sheet = Sheet(ws.title, header, [], header_row, best > 0)
    rest = rows[at + 1 :]
    if rest and sheet.header_matched and _is_numbering(rest[0][1]):
        sheet.numbering_row = rest[0][0]
        rest = rest[1:]
    for number, values in rest:
        if sheet.header_matched and _is_closing(values):
            sheet.closing_row = number
            break
        sheet.records.append((number, values))
        if len(sheet.records) > safety.MAX_FEATURES:
            break
    return sheet


def header_problem(
    sheet: Sheet, shown: str, vocabulary: Vocabulary | None, target: str | None, coordinates: bool = True
) -> Problem:
    """The refusal of a sheet where no row names a known column: how many rows were searched and
    what was expected, one Vietnamese name per field as the vocabulary spells it (the target's own
    domain first, then the common one), after the coordinates' names when the target has positions."""
    vocabulary = vocabulary or default_vocabulary()
    domains = ([f"column.{target}"] if target else []) + ["column"]
    named: dict[str, str] = {}  # canonical → its first readable alias
    for domain in domains:
        for term in vocabulary.terms:
            readable = term.alias != fold_key(term.alias)  # "Tên trạm", not "ten_tram"
            if term.domain == domain and term.lang == "vi" and readable:
                named.setdefault(term.canonical, term.alias)
    examples = [*(COORDINATE_NAMES if coordinates else ()), *named.values()]
    params = {"rows": HEADER_SEARCH_ROWS, "expected": examples[:8]}
    return Problem("xlsx.no_header", source=shown, params=params)


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
        sheets = read_sheets(path, vocabulary)
        sheet = (cells_sheet(sheets) if target == "cells" else None) or sheets[0]
        shown = sheet.shown(path.name, len(sheets) > 1)
        if not sheet.header_matched:
            raise ImportRefused(header_problem(sheet, shown, vocabulary, target, coordinates=False))
        table = plain_table(shown, "XLSX", sheet.header, sheet.records, vocabulary, columns, target)
        table.header_row = sheet.header_row
    else:
        raise ImportRefused(Problem("file.not_a_table", source=path.name, params={"format": fmt}))
    if not table.features:
        raise ImportRefused(Problem("file.no_rows", source=table.name))
    return table

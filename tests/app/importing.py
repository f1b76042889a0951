"""What the import tests share: files written the way the field writes them, and row counts."""

import csv
import json
import unicodedata
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "hamlets"
REAL = ROOT.parent / "shared" / "data" / "real"
LON, LAT = 105.4700, 9.7840  # Vị Thanh
HEADER = [
    "site_code",
    "code",
    "Vĩ độ",
    "Kinh độ",
    "Chủ sở hữu",
    "Nhà mạng",
    "Công nghệ",
    "Băng tần",
    "Hướng",
    "Độ cao anten",
    "EIRP",
    "Loại cột",
    "Trạng thái",
]
# Sample sites: points known to lie inside the province.
INSIDE = [
    f["geometry"]["coordinates"] for f in json.loads((SAMPLE / "sites.geojson").read_text())["features"]
]
# Windows-1258 has letters with their shape marks (â, ơ …) but writes the five tones as combining marks.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def count(engine, table: str, where: str = "true") -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()


def cell_rows(n_sites: int, cells_per_site: int = 3, prefix: str = "IMP", start: int = 0) -> list[list]:
    """Rows of HEADER: ``cells_per_site`` 4G cells on each of ``n_sites`` sites inside the province."""
    rows = []
    for s in range(start, start + n_sites):
        # near the sample's sites, so inside the province; the first one at the known point
        lon, lat = (LON, LAT) if s == 0 else (INSIDE[s % len(INSIDE)][0] + 1e-4, INSIDE[s % len(INSIDE)][1])
        for k in range(cells_per_site):
            rows.append(
                [
                    f"{prefix}-{s:05d}",
                    f"{prefix}-{s:05d}-{k}",
                    lat,
                    lon,
                    "Viettel",
                    "Viettel",
                    "4G",
                    1800,
                    k * 90,
                    30,
                    58,
                    "tower",
                    "active",
                ]
            )
    return rows


def write_csv(path: Path, header, rows, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def to_cp1258(text_: str) -> bytes:
    """Vietnamese text as Windows-1258 bytes, the way Excel and old Windows software write it."""
    clusters: list[list[str]] = []  # [letter with its shape marks, tone marks]
    for ch in unicodedata.normalize("NFD", text_):
        if not unicodedata.combining(ch):
            clusters.append([ch, ""])
        elif ch in _TONES:
            clusters[-1][1] += ch
        else:  # a shape mark (circumflex, breve, horn): composed with its letter
            clusters[-1][0] = unicodedata.normalize("NFC", clusters[-1][0] + ch)
    return "".join(letter + tones for letter, tones in clusters).encode("cp1258")


def placed(problems) -> list[tuple]:
    """(source, row, field, code) of each structured problem or warning: what it says, in any language."""
    return [(p.source, p.row, p.field, p.code) for p in problems]


def remove_test_rows(engine, prefix: str) -> None:
    """Delete the sites and poles whose codes start with ``prefix``: a test that imports beside the
    sample into the shared database leaves nothing where other tests measure distances or count."""
    with engine.begin() as conn:
        for table in ("poles", "sites"):
            conn.execute(text(f"DELETE FROM {table} WHERE code LIKE :p"), {"p": f"{prefix}%"})

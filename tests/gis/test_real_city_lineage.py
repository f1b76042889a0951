"""The official lineage of the new Cần Thơ city (Resolution 1668/NQ-UBTVQH15, ../shared/data/real/
reform-2025, see its SOURCES.md) passes the lineage checks a reform import runs (gis/reform.py), and
says what the Resolution says: 263 old communes of provinces 92, 93 and 94 (80 + 75 + 108) into 103
new ones — 31 phường and 72 xã — under the city, which keeps code 92; 3 old communes split in two."""

import csv
from collections import Counter
from pathlib import Path

import pytest

from gis.reform import check_lineage, parse_lineage

FOLDER = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "reform-2025"


def _rows(name: str) -> list[dict]:
    with (FOLDER / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.skipif(not FOLDER.exists(), reason="../shared/data/real is not present on this machine")
def test_the_real_city_lineage_passes_the_import_checks_and_matches_the_resolution():
    rows = _rows("cantho_2025_lineage.csv")
    links, problems = parse_lineage(enumerate(rows, start=2), "cantho_2025_lineage.csv")
    assert problems == []
    old = {r["old_code"]: r["old_name"] for r in rows}
    assert check_lineage(links, old, affected=old) == []  # every old commune once, or split in parts
    old_provinces = {r["old_code"]: r["old_province_code"] for r in rows}
    assert Counter(old_provinces.values()) == {"92": 80, "93": 75, "94": 108}
    assert len(old) == 263 and len({link.new_code for link in links}) == 103
    split = Counter(link.old_code for link in links if link.part == "partial")
    assert split == {"31178": 2, "31183": 2, "31207": 2}

    codes = _rows("cantho_2025_commune_codes.csv")
    assert {r["new_code"]: r["new_name"] for r in codes} == {link.new_code: link.new_name for link in links}
    assert Counter(r["unit_type"] for r in codes) == {"Phường": 31, "Xã": 72}
    assert {r["province_code"] for r in codes} == {"92"}  # 93 and 94 retire

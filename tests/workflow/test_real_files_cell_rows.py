"""An operator's export with one row per cell (issue 11): "Mã trạm" names the site, "Mã cell" the
cell, the site's columns repeated on each of its cells — one sheet, imported into `sites`."""

import openpyxl
import pytest
from sqlalchemy import text

from app.services.imports.importer import ImportFailed, import_file
from tests.app.importing import INSIDE, count
from tests.conftest import sample_database

HEADER = [
    "STT",
    "Mã trạm",
    "Mã cell",
    "Vĩ độ",
    "Kinh độ",
    "Nhà mạng",
    "Công nghệ",
    "Băng tần (MHz)",
    "Góc phương vị (°)",
    "Độ cao anten (m)",
    "EIRP (dBm)",
    "Loại cột",
]
(LON1, LAT1), (LON2, LAT2) = INSIDE[3], INSIDE[7]
ROWS = [
    [1, "VTL-HGI-101", "VTL-HGI-101-L18-1", LAT1, LON1, "Viettel", "LTE", 1800, 0, 32, 58.5, "Cột tự đứng"],
    [2, "VTL-HGI-101", "VTL-HGI-101-L18-2", LAT1, LON1, "Viettel", "LTE", 1800, 120, 32, 58.5, "Cột tự đứng"],
    [3, "VTL-HGI-101", "VTL-HGI-101-L18-3", LAT1, LON1, "Viettel", "LTE", 1800, 240, 32, 58.5, "Cột tự đứng"],
    [4, "VTL-HGI-102", "VTL-HGI-102-N35-1", LAT2, LON2, "Viettel", "NR", 3500, 90, 25, 61, "Cột dây co"],
]


@pytest.fixture(scope="module")
def db():
    with sample_database("cellrows") as engine:
        yield engine


def _xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cell"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_one_row_per_cell_makes_sites_and_their_cells(db, tmp_path):
    report = import_file(db, _xlsx(tmp_path / "viettel_cell.xlsx", ROWS), "sites")
    assert report.counts == {"sites": 2, "cells": 4, "site_tenancies": 2}
    with db.connect() as conn:
        cells = conn.execute(
            text("""
            SELECT c.code, s.code, c.technology, c.band_mhz, c.azimuth_deg, c.antenna_height_m, s.structure_type,
                   ST_X(s.geom), ST_Y(s.geom)
            FROM cells c JOIN sites s ON s.id = c.site_id WHERE s.code LIKE 'VTL-HGI-1%' ORDER BY c.code""")
        ).all()
    assert [c[:7] for c in cells] == [
        ("VTL-HGI-101-L18-1", "VTL-HGI-101", "4G", 1800, 0, 32, "tower"),
        ("VTL-HGI-101-L18-2", "VTL-HGI-101", "4G", 1800, 120, 32, "tower"),
        ("VTL-HGI-101-L18-3", "VTL-HGI-101", "4G", 1800, 240, 32, "tower"),
        ("VTL-HGI-102-N35-1", "VTL-HGI-102", "5G", 3500, 90, 25, "guyed_mast"),
    ]
    assert cells[0][7:] == pytest.approx((LON1, LAT1), abs=1e-9)
    assert cells[3][7:] == pytest.approx((LON2, LAT2), abs=1e-9)


def test_a_cell_row_without_its_site_is_refused_and_nothing_written(db, tmp_path):
    bad = [list(r) for r in ROWS]
    for r in bad:
        r[1] = r[1].replace("HGI-1", "HGI-9")
        r[2] = r[2].replace("HGI-1", "HGI-9")
    bad[2][1] = None
    before = count(db, "sites"), count(db, "cells")
    with pytest.raises(ImportFailed) as refused:
        import_file(db, _xlsx(tmp_path / "thieu_ma_tram.xlsx", bad), "sites")
    assert [(p.source, p.row, p.field, p.code) for p in refused.value.details] == [
        ("thieu_ma_tram.xlsx", 4, "site_code", "value.required")
    ]
    assert (count(db, "sites"), count(db, "cells")) == before


def _opencellid(path, cells):
    head = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
    rows = [f"NR,452,4,1001,{cell},0,{LON1 + k * 1e-4},{LAT1},500,3,1,1,1,0" for k, cell in enumerate(cells)]
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_gnb_id_length_groups_nr_cells_into_sites(db, tmp_path):
    """An operator whose gNB ids are 22 bits long: cells 4,096 apart are one gNodeB, not three."""
    path = _opencellid(tmp_path / "45204.csv", [16384 * 5 + 1, 16384 * 5 + 4097, 16384 * 5 + 8193])
    assert import_file(db, path, "sites", dry_run=True).counts["sites"] == 3  # 24 bits: gNBs 20, 21, 22
    report = import_file(db, path, "sites", gnb_id_bits=22)
    assert report.counts["sites"] == 1 and report.counts["cells"] == 3
    with db.connect() as conn:
        assert (
            conn.execute(
                text(
                    "SELECT count(*) FROM cells c JOIN sites s ON s.id = c.site_id "
                    "WHERE s.code = 'OCID-45204-N5'"
                )
            ).scalar_one()
            == 3
        )
    with pytest.raises(ImportFailed) as refused:
        import_file(db, path, "sites", gnb_id_bits=40)
    assert refused.value.problems == ["the gNB id length must be 22..32 bits (got 40)"]


def test_a_csv_of_cells_is_read_with_the_runs_corrections(db, tmp_path):
    """Cells of a stored site, with a header the vocabulary does not know: refused as it is, imported
    once the run says what the column means (as a profile or --map would)."""
    header = ["Mã trạm", "Mã cell", "Nhà mạng", "Công nghệ", "Băng tần (MHz)", "Hướng", "Cao ăng ten", "EIRP"]
    rows = [["HG-S0002", f"HG-S0002-CORR-{k}", "VinaPhone", "LTE", 1800, 120 * k, 27, 58] for k in range(2)]
    path = tmp_path / "cell_moi.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write(",".join(header) + "\r\n" + "".join(",".join(map(str, r)) + "\r\n" for r in rows))
    before = count(db, "cells")
    with pytest.raises(ImportFailed) as refused:
        import_file(db, path, "cells")
    assert {p.field for p in refused.value.details} == {"height_m"}  # neither height read
    assert count(db, "cells") == before
    report = import_file(db, path, "cells", columns={"Cao ăng ten": "antenna_height_m"})
    assert report.counts["cells"] == 2
    with db.connect() as conn:
        heights = conn.execute(
            text("SELECT antenna_height_m FROM cells WHERE code LIKE 'HG-S0002-CORR-%' ORDER BY code")
        ).scalars()
        assert list(heights) == [27, 27]


def test_a_cell_code_header_the_vocabulary_lacks_is_corrected_to_cell_code(db, tmp_path):
    """ "Số hiệu ô" is this operator's name for the cell code: refused as it is (two cells of one site
    read as one), imported once the run maps it to cell_code, as a profile would."""
    header = ["Mã trạm", "Số hiệu ô", *HEADER[3:]]
    rows = [[r[1].replace("HGI-1", "HGI-5"), r[2].replace("HGI-1", "HGI-5"), *r[3:]] for r in ROWS[:2]]
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "so_hieu_o.xlsx"
    wb.save(path)
    assert import_file(db, path, "sites", dry_run=True).counts["cells"] == 0  # not read as cells
    report = import_file(db, path, "sites", columns={"Số hiệu ô": "cell_code"})
    assert report.counts == {"sites": 1, "cells": 2, "site_tenancies": 1}
    with db.connect() as conn:
        codes = conn.execute(
            text("SELECT code FROM cells WHERE code LIKE 'VTL-HGI-501%' ORDER BY code")
        ).scalars()
        assert list(codes) == ["VTL-HGI-501-L18-1", "VTL-HGI-501-L18-2"]

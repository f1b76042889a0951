"""NR cells of an OpenCelliD export group into gNodeBs as LTE cells group into eNodeBs."""

import pytest

from gis.importers import ImportRefused, read_table
from gis.importers.opencellid import enb_id, gnb_id

LON, LAT = 105.4700, 9.7840
HEAD = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"


def _export(tmp_path, cells: list[tuple[str, int]]):
    rows = [
        f"{radio},452,4,1001,{cell},0,{LON + k * 1e-4},{LAT},500,3,1,1,1,0"
        for k, (radio, cell) in enumerate(cells)
    ]
    path = tmp_path / "452.csv"
    path.write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_node_ids_from_cell_ids():
    assert enb_id(256 * 77 + 3) == 77
    assert gnb_id(4096 * 5 + 4095) == 5  # 24-bit gNB id: 12 bits of local cell id
    assert gnb_id(4096 * 5 + 4096) == 6
    assert gnb_id(2**35 + 1) == 2**23  # the top bit of a 36-bit NCI is the top bit of the gNB id
    assert gnb_id(1024 * 5 + 1023, gnb_id_bits=26) == 5
    assert gnb_id(16 * 5 + 15, gnb_id_bits=32) == 5
    assert gnb_id(16384 * 5 + 1, gnb_id_bits=22) == 5
    for bits in (21, 33):
        with pytest.raises(ValueError, match="22..32"):
            gnb_id(1, gnb_id_bits=bits)


def test_nr_cells_share_their_gnb_site(tmp_path):
    path = _export(
        tmp_path, [("NR", 4096 * 5 + 1), ("NR", 4096 * 5 + 2), ("NR", 4096 * 6 + 1), ("LTE", 256 * 5 + 1)]
    )
    table = read_table(path)
    sites = [f.properties["site_code"] for f in table.features]
    assert sites == ["OCID-45204-N5", "OCID-45204-N5", "OCID-45204-N6", "OCID-45204-E5"]
    assert [f.properties["technology"] for f in table.features] == ["5G", "5G", "5G", "4G"]
    assert table.features[0].properties["site_position"].x == pytest.approx(LON + 0.5e-4)
    assert [f.properties["code"] for f in table.features[:2]] == [
        "OCID-45204-N1001-20481",
        "OCID-45204-N1001-20482",
    ]


def test_gnb_id_length_is_a_parameter(tmp_path):
    path = _export(tmp_path, [("NR", 1024 * 5 + 1), ("NR", 1024 * 5 + 1023), ("NR", 1024 * 6)])
    assert [f.properties["site_code"] for f in read_table(path, gnb_id_bits=26).features] == [
        "OCID-45204-N5",
        "OCID-45204-N5",
        "OCID-45204-N6",
    ]
    # With the default 24 bits the same cells are all on gNB 1 (6144 >> 12 == 1).
    assert {f.properties["site_code"] for f in read_table(path).features} == {"OCID-45204-N1"}
    with pytest.raises(ImportRefused, match="opencellid.gnb_id_bits \\(value=40\\)"):
        read_table(path, gnb_id_bits=40)

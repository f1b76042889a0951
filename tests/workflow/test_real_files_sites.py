"""Files shaped like what operators and surveyors send (issue 11): an operator's workbook with a
sheet of sites and a sheet of cells, a CSV of cells for stored sites, a layer of manholes, a hamlet
layer without codes or a level column. Each is imported with exact counts, values and positions;
each bad variant is refused with its reason, naming the sheet and row, and writes nothing."""

import contextlib
import io
import json
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import text

from app import cli
from app.services.imports import targets
from app.services.imports.importer import ImportFailed, import_file
from tests.app.importing import INSIDE, LAT, LON, count, write_csv
from tests.conftest import sample_database

SITES_HEADER = [
    "Mã trạm",
    "Tên trạm",
    "Nhà mạng",
    "Loại cột",
    "Độ cao cột (m)",
    "Vĩ độ",
    "Kinh độ",
    "Ngày phát sóng",
]
CELLS_HEADER = [
    "Mã trạm",
    "Mã cell",
    "Công nghệ",
    "Băng tần (MHz)",
    "Góc phương vị (°)",
    "Độ rộng búp sóng (°)",
    "Độ cao anten (m)",
    "EIRP (dBm)",
]
# Near three of the sample's sites, so inside the province.
P1, P2, P3 = ((INSIDE[k][0] + 3e-4, INSIDE[k][1] + 2e-4) for k in (3, 11, 29))
SITES = [
    ["HGI-T001", "Trạm Vị Thanh Chợ", "Viettel", "tower", 42, P1[1], P1[0], datetime(2019, 7, 15)],
    ["HGI-T002", "Trạm Long Mỹ 2", "MobiFone", "rooftop", 18.5, P2[1], P2[0], "05/03/2021"],
    ["HGI-T003", "Trạm Ngã Bảy Kênh", "VinaPhone", "guyed_mast", 36, P3[1], P3[0], None],
]
CELLS = [
    ["HGI-T001", "HGI-T001-L18-1", "4G", 1800, 0, 65, 38, 58.5],
    ["HGI-T001", "HGI-T001-L18-2", "4G", 1800, 120, 65, 38, 58.5],
    ["HGI-T001", "HGI-T001-L18-3", "4G", 1800, 240, 65, 38, 58.5],
    ["HGI-T002", "HGI-T002-L21-1", "4G", 2100, 30, 65, 20, 55],
    ["HGI-T002", "HGI-T002-N35-1", "5G", 3500, 30, 90, 20, 60],
    ["HGI-T003", "HGI-T003-U21-1", "3G", 2100, 90, 65, 30, 56],
    # A cell of a site already stored (the sample's HG-S0002, VinaPhone's, 32.3 m).
    ["HG-S0002", "HG-S0002-N35-9", "5G", 3500, 200, 90, 30, 61],
]


@pytest.fixture(scope="module")
def db():
    with sample_database("sitesfile") as engine:
        yield engine


def _workbook(path, sites=SITES, cells=CELLS, titles=("Trạm", "Cell"), cells_first=False):
    wb = openpyxl.Workbook()
    sheets = {"sites": (titles[0], SITES_HEADER, sites), "cells": (titles[1], CELLS_HEADER, cells)}
    order = ("cells", "sites") if cells_first else ("sites", "cells")
    wb.remove(wb.active)
    for key in order:
        title, header, rows = sheets[key]
        ws = wb.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def _counts(engine) -> tuple[int, int, int]:
    return count(engine, "sites"), count(engine, "cells"), count(engine, "site_tenancies")


def _refused(engine, path, target, *expected: str, **options) -> list[str]:
    before = _counts(engine)
    with pytest.raises(ImportFailed) as exc:
        import_file(engine, path, target, **options)
    for reason in expected:
        assert any(reason in p for p in exc.value.problems), (reason, exc.value.problems)
    assert _counts(engine) == before
    return exc.value.problems


def _rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def test_workbook_of_sites_and_cells_imports_both_sheets(db, tmp_path):
    before = _counts(db)
    report = import_file(db, _workbook(tmp_path / "tram.xlsx"), "sites")
    assert report.counts == {"sites": 3, "cells": 7, "site_tenancies": 3}
    assert _counts(db) == (before[0] + 3, before[1] + 7, before[2] + 3)
    assert report.file == "tram.xlsx › Trạm"
    assert "columns.unrecognised" not in [w.code for w in report.warnings]
    sites = _rows(
        db,
        """
        SELECT s.code, s.name, o.short_name, s.structure_type, s.height_m, s.commissioned_on, ST_X(s.geom), ST_Y(s.geom)
        FROM sites s JOIN operators o ON o.id = s.owner_id WHERE s.code LIKE 'HGI-T%' ORDER BY s.code""",
    )
    assert [tuple(r[:6]) for r in sites] == [
        ("HGI-T001", "Trạm Vị Thanh Chợ", "Viettel", "tower", 42.0, date(2019, 7, 15)),
        ("HGI-T002", "Trạm Long Mỹ 2", "MobiFone", "rooftop", 18.5, date(2021, 3, 5)),
        ("HGI-T003", "Trạm Ngã Bảy Kênh", "VinaPhone", "guyed_mast", 36.0, None),
    ]
    for row, (lon, lat) in zip(sites, (P1, P2, P3), strict=True):
        assert row[6] == pytest.approx(lon, abs=1e-9) and row[7] == pytest.approx(lat, abs=1e-9)
    cells = _rows(
        db,
        """
        SELECT c.code, s.code, o.short_name, c.technology, c.band_mhz, c.azimuth_deg, c.beamwidth_deg,
               c.antenna_height_m, c.eirp_dbm, ST_X(s.geom), ST_Y(s.geom)
        FROM cells c JOIN sites s ON s.id = c.site_id JOIN operators o ON o.id = c.operator_id
        WHERE c.code LIKE 'HGI-T%' OR c.code = 'HG-S0002-N35-9' ORDER BY c.code""",
    )
    assert [tuple(r[:9]) for r in cells] == [
        ("HG-S0002-N35-9", "HG-S0002", "VinaPhone", "5G", 3500, 200.0, 90.0, 30.0, 61.0),
        ("HGI-T001-L18-1", "HGI-T001", "Viettel", "4G", 1800, 0.0, 65.0, 38.0, 58.5),
        ("HGI-T001-L18-2", "HGI-T001", "Viettel", "4G", 1800, 120.0, 65.0, 38.0, 58.5),
        ("HGI-T001-L18-3", "HGI-T001", "Viettel", "4G", 1800, 240.0, 65.0, 38.0, 58.5),
        ("HGI-T002-L21-1", "HGI-T002", "MobiFone", "4G", 2100, 30.0, 65.0, 20.0, 55.0),
        ("HGI-T002-N35-1", "HGI-T002", "MobiFone", "5G", 3500, 30.0, 90.0, 20.0, 60.0),
        ("HGI-T003-U21-1", "HGI-T003", "VinaPhone", "3G", 2100, 90.0, 65.0, 30.0, 56.0),
    ]
    # No coordinates in the sheet of cells: a cell stands at its site.
    assert cells[1][9:] == pytest.approx(P1, abs=1e-9)


def test_a_workbook_imported_again_with_upsert_updates_sites_and_cells(db, tmp_path):
    sites = [["HGI-W001", "Trạm Tầm Vu", "Viettel", "tower", 40, P3[1] - 0.004, P3[0], "01/06/2018"]]
    cells = [["HGI-W001", f"HGI-W001-L18-{k}", "4G", 1800, az, 65, 35, 58] for k, az in ((1, 0), (2, 120))]
    assert import_file(db, _workbook(tmp_path / "tram.xlsx", sites, cells), "sites").counts == {
        "sites": 1,
        "cells": 2,
        "site_tenancies": 1,
    }
    sites[0][1], sites[0][7] = "Trạm Tầm Vu (mới)", datetime(2018, 6, 2)
    cells[1][4] = 130
    cells.append(["HGI-W001", "HGI-W001-L21-3", "4G", 2100, 240, 65, 35, 58])
    report = import_file(db, _workbook(tmp_path / "tram2.xlsx", sites, cells), "sites", mode="upsert")
    assert report.counts == {
        "sites_inserted": 0,
        "sites_updated": 1,
        "cells_inserted": 1,
        "cells_updated": 2,
        "site_tenancies": 0,
    }
    site = _rows(db, "SELECT name, commissioned_on FROM sites WHERE code = 'HGI-W001'")
    assert [tuple(r) for r in site] == [("Trạm Tầm Vu (mới)", date(2018, 6, 2))]
    azimuths = _rows(db, "SELECT code, azimuth_deg FROM cells WHERE code LIKE 'HGI-W001-%' ORDER BY code")
    assert [tuple(r) for r in azimuths] == [
        ("HGI-W001-L18-1", 0.0),
        ("HGI-W001-L18-2", 130.0),
        ("HGI-W001-L21-3", 240.0),
    ]


@pytest.mark.parametrize("titles", [("Danh sách trạm", "Danh sách cell"), ("Sites", "Ô"), ("Sites", "Cells")])
def test_sheets_are_told_apart_by_their_names(db, tmp_path, titles):
    sites = [["HGI-V001", "Trạm Hỏa Lựu", "Viettel", "tower", 40, P1[1] + 0.003, P1[0], "2020-11-02"]]
    cells = [["HGI-V001", "HGI-V001-L18-1", "4G", 1800, 10, 65, 35, 58]]
    before = _counts(db)
    path = _workbook(tmp_path / "tram.xlsx", sites, cells, titles, cells_first=True)
    report = import_file(db, path, "sites", dry_run=True)
    assert report.counts == {"sites": 1, "cells": 1, "site_tenancies": 1}
    assert report.file == f"tram.xlsx › {titles[0]}"
    assert _counts(db) == before


def test_a_cell_of_an_unknown_site_is_refused_with_sheet_row_and_code(db, tmp_path):
    sites = [["HGI-U001", "Trạm Vị Bình", "Viettel", "tower", 40, P1[1] - 0.003, P1[0], None]]
    cells = [
        ["HGI-U001", "HGI-U001-L18-1", "4G", 1800, 0, 65, 35, 58],
        ["HGI-U001", "HGI-U001-L18-2", "4G", 1800, 120, 65, 35, 58],
        ["HGI-T999", "HGI-T999-L18-1", "4G", 1800, 0, 65, 30, 58],
    ]
    problems = _refused(db, _workbook(tmp_path / "tram.xlsx", sites, cells), "sites")
    assert problems == [
        "tram.xlsx › Cell row 4: Site code: site 'HGI-T999' is in neither tram.xlsx › Trạm nor the database"
    ]


def test_impossible_and_unreadable_dates_are_refused(db, tmp_path):
    sites = [
        [f"HGI-D00{k}", *r[1:7], when]
        for k, (r, when) in enumerate(zip(SITES, ["31/02/2021", "mùa xuân 2020", "2021-13-01"], strict=True))
    ]
    path = _workbook(tmp_path / "tram.xlsx", sites, [])
    _refused(
        db,
        path,
        "sites",
        "tram.xlsx › Trạm row 2: Commissioned on: '31/02/2021' is not a real date",
        "tram.xlsx › Trạm row 3: Commissioned on: 'mùa xuân 2020' is not a date: write dd/mm/yyyy or yyyy-mm-dd",
        "tram.xlsx › Trạm row 4: Commissioned on: '2021-13-01' is not a real date",
    )


def test_a_cell_outside_its_technology_bands_is_refused(db, tmp_path):
    sites = [["HGI-B001", "Trạm Cái Tắc", "Viettel", "tower", 40, P2[1] + 0.004, P2[0], None]]
    cells = [["HGI-B001", "HGI-B001-U26-1", "3G", 2600, 0, 65, 30, 58]]
    _refused(db, _workbook(tmp_path / "tram.xlsx", sites, cells), "sites", "2600 MHz is not a 3G band")


CELLS_CSV_HEADER = [
    "Mã trạm",
    "Mã cell",
    "Nhà mạng",
    "Công nghệ",
    "Băng tần (MHz)",
    "Góc phương vị (°)",
    "Độ cao anten (m)",
    "EIRP (dBm)",
]


def test_cells_of_stored_sites(db, tmp_path):
    rows = [
        ["HG-S0003", "HG-S0003-L26-7", "", "4G", 2600, 15, 32, 59],
        ["HG-S0003", "HG-S0003-L26-8", "", "4G", 2600, 135, 32, 59],
        ["HG-S0005", "HG-S0005-L18-7", "Viettel", "4G", 1800, 250, 35, 58],
    ]
    new_links = _rows(
        db,
        """
        SELECT count(*) FROM (VALUES ('HG-S0003', 'Viettel'), ('HG-S0005', 'Viettel')) v(site, op)
        WHERE NOT EXISTS (SELECT 1 FROM site_tenancies t JOIN sites s ON s.id = t.site_id
                          JOIN operators o ON o.id = t.operator_id WHERE s.code = v.site AND o.short_name = v.op)""",
    )[0][0]
    before = _counts(db)
    report = import_file(db, write_csv(tmp_path / "cells.csv", CELLS_CSV_HEADER, rows), "cells")
    assert report.counts == {"cells": 3, "site_tenancies": new_links}
    assert _counts(db) == (before[0], before[1] + 3, before[2] + new_links)
    stored = _rows(
        db,
        """
        SELECT c.code, s.code, o.short_name, c.band_mhz, c.azimuth_deg FROM cells c JOIN sites s ON s.id = c.site_id
        JOIN operators o ON o.id = c.operator_id
        WHERE c.code IN ('HG-S0003-L26-7', 'HG-S0003-L26-8', 'HG-S0005-L18-7') ORDER BY c.code""",
    )
    assert [tuple(r) for r in stored] == [
        ("HG-S0003-L26-7", "HG-S0003", "Viettel", 2600, 15.0),  # the site's operator: the row names none
        ("HG-S0003-L26-8", "HG-S0003", "Viettel", 2600, 135.0),
        ("HG-S0005-L18-7", "HG-S0005", "Viettel", 1800, 250.0),
    ]


def test_cells_of_unknown_sites_are_refused(db, tmp_path):
    rows = [
        ["HG-S0003", "HG-S0003-L26-9", "", "4G", 2600, 15, 32, 59],
        ["HG-S9999", "HG-S9999-1", "", "4G", 1800, 0, 30, 58],
    ]
    problems = _refused(db, write_csv(tmp_path / "cells.csv", CELLS_CSV_HEADER, rows), "cells")
    assert problems == ["cells.csv row 3: Site code: site 'HG-S9999' is not in the database"]


def _geojson(path, features):
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def test_manholes_with_their_duct_routes(db, tmp_path):
    path = _geojson(
        tmp_path / "ho_ga.geojson",
        [
            ({"Mã hố": "HGI-M001", "Chủ sở hữu": "VNPT", "Mã tuyến cống": "HG-D0001"}, _point(LON, LAT)),
            ({"Mã hố": "HGI-M002", "Chủ sở hữu": "VNPT"}, _point(*P3)),
        ],
    )
    before = count(db, "manholes")
    report = import_file(db, path, "manholes")
    assert report.counts == {"manholes": 2}
    assert count(db, "manholes") == before + 2
    rows = _rows(
        db,
        """
        SELECT m.code, o.short_name, r.code, ST_X(m.geom), ST_Y(m.geom) FROM manholes m
        JOIN operators o ON o.id = m.owner_id LEFT JOIN duct_routes r ON r.id = m.duct_route_id
        WHERE m.code LIKE 'HGI-M%' ORDER BY m.code""",
    )
    assert [tuple(r[:3]) for r in rows] == [("HGI-M001", "VNPT", "HG-D0001"), ("HGI-M002", "VNPT", None)]
    assert rows[0][3:] == pytest.approx((LON, LAT), abs=1e-9)


def test_manholes_on_unknown_duct_routes_are_refused(db, tmp_path):
    path = _geojson(
        tmp_path / "ho_ga.geojson",
        [
            ({"Mã hố": "HGI-M101", "Chủ sở hữu": "VNPT"}, _point(LON, LAT)),
            ({"Mã hố": "HGI-M102", "Chủ sở hữu": "VNPT", "Mã tuyến cống": "HG-D9999"}, _point(*P3)),
        ],
    )
    before = count(db, "manholes")
    with pytest.raises(ImportFailed) as exc:
        import_file(db, path, "manholes")
    assert [(p.row, p.field, p.code, dict(p.params)) for p in exc.value.details] == [
        (2, "duct_route_code", "duct_route.unknown", {"code": "HG-D9999"})
    ]
    assert count(db, "manholes") == before


def _inner_square(engine, commune: str, dx: float = 0.0, half_deg: float = 0.001) -> dict:
    """A small polygon inside a stored commune, shifted by ``dx`` degrees (GeoJSON geometry)."""
    return json.loads(
        _rows(
            engine,
            """
        SELECT ST_AsGeoJSON(ST_Intersection(ST_Buffer(ST_Translate(ST_PointOnSurface(geom), :dx, 0), :r, 'quad_segs=1'), geom))
        FROM admin_units WHERE level = 'commune' AND code = :c AND valid_to IS NULL""",
            c=commune,
            dx=dx,
            r=half_deg,
        )[0][0]
    )


def _hamlets(engine, commune: str):
    return _rows(
        engine,
        """
        SELECT h.code, h.name, h.population, h.households FROM admin_units h JOIN admin_units c ON c.id = h.parent_id
        WHERE h.level = 'hamlet' AND h.valid_to IS NULL AND c.code = :c ORDER BY h.code""",
        c=commune,
    )


def test_hamlets_are_keyed_by_commune_and_name(db, tmp_path):
    # "Ấp 1" of 93501 is stored as 9350101; "Ấp Kênh Mới" is new in two communes (93501, 93404).
    path = _geojson(
        tmp_path / "ap.geojson",
        [
            ({"ten_ap": "ẤP 1", "ma_xa": "93501", "dan_so": 2140, "so_ho": 538}, _inner_square(db, "93501")),
            (
                {"ten_ap": "Ấp Kênh Mới", "ma_xa": "93501", "dan_so": 1210, "so_ho": 305},
                _inner_square(db, "93501", 0.0005),
            ),
            (
                {"ten_ap": "Ấp Kênh Mới", "ma_xa": "93404", "dan_so": 980, "so_ho": 251},
                _inner_square(db, "93404"),
            ),
        ],
    )
    before = count(db, "admin_units", "level = 'hamlet'")
    report = import_file(db, path, "hamlets")
    assert report.counts == {"hamlet_updated": 1, "hamlet_inserted": 2}
    assert count(db, "admin_units", "level = 'hamlet'") == before + 2
    assert [tuple(r) for r in _hamlets(db, "93501")][0] == ("9350101", "ẤP 1", 2140, 538)
    assert [tuple(r) for r in _hamlets(db, "93501")][-1] == ("9350108", "Ấp Kênh Mới", 1210, 305)
    assert [tuple(r) for r in _hamlets(db, "93404")][-1] == ("9340406", "Ấp Kênh Mới", 980, 251)
    # Imported again, the same rows find their hamlets: all updated, none added.
    again = import_file(db, path, "hamlets")
    assert again.counts == {"hamlet_updated": 3, "hamlet_inserted": 0}
    assert count(db, "admin_units", "level = 'hamlet'") == before + 2


def test_one_hamlet_named_twice_in_a_commune_is_refused(db, tmp_path):
    path = _geojson(
        tmp_path / "ap.geojson",
        [
            ({"ten_ap": "Ấp Rạch Gốc", "ma_xa": "93501", "dan_so": 900}, _inner_square(db, "93501")),
            ({"ten_ap": "ap rach goc", "ma_xa": "93501", "dan_so": 700}, _inner_square(db, "93501", 0.0005)),
            ({"ten_ap": "Ấp Rạch Gốc", "ma_xa": "93404", "dan_so": 650}, _inner_square(db, "93404")),
            ({"ten_ap": "Ấp Không Xã", "dan_so": 100}, _inner_square(db, "93404", 0.0005)),
        ],
    )
    before = count(db, "admin_units", "level = 'hamlet'"), _hamlets(db, "93501")
    with pytest.raises(ImportFailed) as exc:
        import_file(db, path, "hamlets")
    assert exc.value.sentences("vi") == [
        "ap.geojson đối tượng 2: Tên: ấp “ap rach goc” của xã 93501 trùng với dòng/đối tượng 1",
        "ap.geojson đối tượng 4: Mã xã: thiếu giá trị bắt buộc: ấp không có mã được nhận ra theo xã và tên",
    ]
    assert (count(db, "admin_units", "level = 'hamlet'"), _hamlets(db, "93501")) == before


def test_communes_target_says_the_level(db, tmp_path):
    sql = "SELECT ST_AsGeoJSON(geom) FROM admin_units WHERE level = 'commune' AND code = '93404'"
    geometry = json.loads(_rows(db, sql)[0][0])
    row = {"ma_xa": "93404", "ten_xa": "Xã Tân Bình", "ma_huyen": "934", "dan_so": 15000}
    path = _geojson(tmp_path / "xa.geojson", [(row, geometry)])
    # Without a level column, admin_units takes the row's only own-looking code (ma_huyen) for a district's.
    with pytest.raises(ImportFailed) as exc:
        import_file(db, path, "admin_units")
    assert [(p.row, p.field, p.code) for p in exc.value.details] == [(1, "name", "value.required")]
    report = import_file(db, path, "communes", dry_run=True)
    assert report.counts == {"commune_updated": 1, "commune_inserted": 0}


def test_cli_target_help_lists_the_targets():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    help_text = " ".join(out.getvalue().split())
    for target in ("admin_units", "districts", "communes", "hamlets", "sites", "cells", "manholes", "poles"):
        assert target in help_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2019, 7, 15, 0, 0), date(2019, 7, 15)),  # an Excel date cell
        (43661, date(2019, 7, 15)),  # an Excel serial day number (a date cell formatted as a number)
        ("15/07/2019", date(2019, 7, 15)),
        ("5/3/2021", date(2021, 3, 5)),
        ("15.07.2019", date(2019, 7, 15)),
        ("2019-07-15", date(2019, 7, 15)),
        ("2019-07-15 00:00:00", date(2019, 7, 15)),
        ("29/02/2024", date(2024, 2, 29)),
        (None, None),
    ],
)
def test_commissioning_dates_as_operators_write_them(value, expected):
    assert targets.day({"commissioned_on": value}, "commissioned_on") == expected


@pytest.mark.parametrize(
    "value", ["29/02/2023", "00/01/2020", "2021-02-30", "07/15/2019", 43661.5, "15-07-19"]
)
def test_impossible_dates_are_refused_with_their_value(value):
    with pytest.raises(targets.RowProblem) as refused:
        targets.day({"commissioned_on": value}, "commissioned_on")
    problem = refused.value.problem
    assert problem.code in ("value.not_a_date", "value.not_a_real_date")
    assert (problem.field, problem.params) == ("commissioned_on", {"value": value})

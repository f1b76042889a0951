"""Tall structures (migration 0027): a commune's CSV and the power company's VN-2000 workbook through
the one import path, bad rows refused by row with nothing written, the OGC layer by every role,
and their place in the proposals' preference order (after shareable towers, before poles)."""

import io

import numpy as np
import pytest
from sqlalchemy import text

from app.services.coverage.runs import coverage_params
from app.services.imports.importer import ImportFailed, import_file
from app.services.proposals_candidates import KINDS, load_candidates
from gis.crs import to_metric
from gis.site_proposals import CoverInstance, maximal_cover
from tests.app.importing import count, placed
from tests.fixtures import tall_structures as ts
from tests.workflow.test_role_matrix import ROLES

DEG_PER_CM = 1e-7  # ~1 cm at this latitude


def _rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


# ---------------------------------------------------------------- the import
def test_a_communes_csv_with_decimal_commas(db, tmp_path):
    path = ts.commune_csv(tmp_path / "cong_trinh_cao_xa_tan_binh.csv")
    before = count(db, "tall_structures")  # the sample's (data/tall_structures/)
    report = import_file(db, path, "tall_structures")
    assert report.counts["tall_structures"] == 4
    stored = _rows(
        db,
        "SELECT name, kind, height_m, owner, address, ST_X(geom), ST_Y(geom), code FROM tall_structures "
        "WHERE name = ANY(:n) ORDER BY height_m DESC",
        n=[r[0] for r in ts.COMMUNE_ROWS],
    )
    expected = [  # the file's words read as codes, "32,5" as 32.5
        ("Tháp nước ấp Long Bình", "water_tower", 32.5),
        ("Nhà thờ Cái Sơn", "church_tower", 27.0),
        ("Chùa Phước Hưng", "pagoda_tower", 21.8),
        ("Trụ sở UBND xã (khối 5 tầng)", "building", 19.2),
    ]
    assert [r[:3] for r in stored] == expected
    assert stored[0][3:5] == ("Trung tâm Nước sạch và VSMT nông thôn", "Ấp Long Bình")
    for row, (lon, lat) in zip(stored, ts.commune_positions(), strict=True):  # as written: 6 decimals
        assert row[5] == pytest.approx(round(lon, 6), abs=1e-9) and row[6] == pytest.approx(
            round(lat, 6), abs=1e-9
        )
    assert all(r[7].startswith("CT-") and len(r[7]) == 13 for r in stored)  # derived: no code column
    # The same file again names the same codes: refused (insert), nothing more written.
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "tall_structures")
    assert [p[1:] for p in placed(err.value.details)] == [(n, "code", "code.exists") for n in (2, 3, 4, 5)]
    assert count(db, "tall_structures") == before + 4


def test_the_power_companys_vn2000_workbook(db, tmp_path):
    path = ts.power_towers_xlsx(tmp_path / "cot_dien_110kV.xlsx")
    report = import_file(db, path, "tall_structures", crs="EPSG:5897")
    assert report.counts["tall_structures"] == 2
    assert report.axis_order  # X is the northing, as VN-2000 surveys write it
    stored = _rows(
        db,
        "SELECT code, kind, height_m, owner, ST_X(geom), ST_Y(geom) FROM tall_structures "
        "WHERE code LIKE 'ĐZ110-%' ORDER BY code",
    )
    assert [r[:4] for r in stored] == [
        ("ĐZ110-VT-012", "power_tower", 36.0, "PC Hậu Giang"),
        ("ĐZ110-VT-013", "power_tower", 38.5, "PC Hậu Giang"),
    ]
    for row, (lon, lat) in zip(stored, ts.power_positions(), strict=True):
        assert abs(row[4] - lon) < DEG_PER_CM and abs(row[5] - lat) < DEG_PER_CM


BAD_ROWS = [
    ("Tháp nước ấp Một", "Tháp nước", "cao", "UBND xã", "Ấp 1"),  # row 2: not a number
    ("Cột cờ xã", "Cột cờ", "18", "UBND xã", "Ấp 2"),  # row 3: no such kind
    ("Cột điện 500kV", "Cột điện cao thế", "350", "PTC4", "Ấp 3"),  # row 4: 350 m > 300 m
    ("", "Nhà cao tầng", "20", "UBND xã", "Ấp 4"),  # row 5: no name
    ("Tháp nước ấp Năm", "Đài nước", "25", "UBND xã", "Ấp 5"),  # row 6: good, not written either
]


def test_bad_rows_are_named_by_row_and_nothing_is_written(db, tmp_path):
    before = count(db, "tall_structures")
    with pytest.raises(ImportFailed) as err:
        import_file(db, ts.commune_csv(tmp_path / "loi.csv", BAD_ROWS, first=80), "tall_structures")
    assert sorted(p[1:] for p in placed(err.value.details)) == [
        (2, "height_m", "value.not_a_number"),
        (3, "kind", "value.not_one_of"),
        (4, "height_m", "value.out_of_range"),
        (5, "name", "value.required"),
    ]
    assert count(db, "tall_structures") == before


def test_bad_rows_over_http_are_a_422_with_row_numbers(client, engine, tmp_path):
    before = count(engine, "tall_structures")
    path = ts.commune_csv(tmp_path / "loi.csv", BAD_ROWS, first=80)
    r = client.post(
        "/api/import?target=tall_structures",
        files={"file": ("loi.csv", path.read_bytes(), "text/csv")},
        headers={"Accept-Language": "vi"},
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert sorted(d["row"] for d in body["details"]) == [2, 3, 4, 5]
    assert any(
        line.startswith("loi.csv") and "350" in line for line in body["problems"]
    )  # said in Vietnamese
    assert count(engine, "tall_structures") == before


# ---------------------------------------------------------------- every role
@pytest.fixture(scope="module")
def two_structures(engine):
    """A water tower in district 934 and one in another district of the shared database."""
    where = {}
    for key, district in (("in", "= '934'"), ("out", "<> '934'")):
        where[key] = _rows(
            engine,
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(h.geom) AS p, h.code FROM admin_units h "
            "JOIN admin_units c ON c.id = h.parent_id JOIN admin_units d ON d.id = c.parent_id "
            f"WHERE h.level = 'hamlet' AND h.valid_to IS NULL AND d.code {district}) x ORDER BY x.code LIMIT 1",
        )[0]
    with engine.begin() as conn:
        for code, (lon, lat) in (("RM-CT-934", where["in"]), ("RM-CT-OUT", where["out"])):
            conn.execute(
                text(
                    "INSERT INTO tall_structures (code, name, kind, height_m, owner, geom) VALUES "
                    "(:c, 'Tháp nước thử', 'water_tower', 30, 'UBND xã', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
                ),
                {"c": code, "x": lon, "y": lat},
            )
    yield where
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM tall_structures WHERE code LIKE 'RM-CT-%'"))


def _expect(ok: set, hidden: set = frozenset()) -> dict[str, int]:
    return {r: 200 if r in ok else 404 if r in hidden else 401 if r == "anonymous" else 403 for r in ROLES}


LOGGED_IN = set(ROLES) - {"anonymous"}
DEPARTMENT = {"admin1", "planner1"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/ogc/collections/tall_structures", _expect(LOGGED_IN)),
        ("/ogc/collections/tall_structures/items?limit=5", _expect(LOGGED_IN)),
        ("/ogc/collections/tall_structures/items/RM-CT-934", _expect(LOGGED_IN)),
        (
            "/ogc/collections/tall_structures/items/RM-CT-OUT",
            _expect(LOGGED_IN - {"official934"}, {"official934"}),
        ),
        ("/ogc/collections/tall_structures/queryables", _expect(LOGGED_IN)),
        ("/ogc/collections/tall_structures/tiles/WebMercatorQuad", _expect(LOGGED_IN)),
        ("/ogc/collections/tall_structures/tiles/WebMercatorQuad/9/241/405", _expect(LOGGED_IN)),
    ],
)
def test_the_layer_by_every_role(client_as, anon_client, two_structures, path, expected):
    got = {r: (anon_client if r == "anonymous" else client_as(r)).get(path).status_code for r in ROLES}
    assert got == expected


def test_a_limited_official_lists_the_structures_of_the_district_only(client_as, two_structures):
    codes = lambda who: {  # noqa: E731
        f["properties"]["code"]
        for f in client_as(who).get("/ogc/collections/tall_structures/items?limit=1000").json()["features"]
    }
    assert {"RM-CT-934", "RM-CT-OUT"} <= codes("planner1")
    assert "RM-CT-934" in codes("official934") and "RM-CT-OUT" not in codes("official934")


def test_the_import_by_every_role(client_as, anon_client, engine, tmp_path):
    """Only the Department imports the lists it receives (a dry run: checked in full, not written)."""
    body = ts.commune_csv(tmp_path / "xa.csv", first=90).read_bytes()
    before = count(engine, "tall_structures")
    got = {}
    for r in ROLES:
        c = anon_client if r == "anonymous" else client_as(r)
        files = {"file": ("xa.csv", io.BytesIO(body), "text/csv")}
        got[r] = c.post("/api/import?target=tall_structures&dry_run=true", files=files).status_code
    assert got == _expect(DEPARTMENT)
    assert count(engine, "tall_structures") == before


# ---------------------------------------------------------------- the preference order
def test_a_tall_structure_comes_after_shareable_towers_and_before_poles():
    """Four candidates, two uncovered spots: A (100 people) and B (50). The shareable tower covers A,
    the tall structure, the pole and the grid point each cover A and B. By hand: K = 1 → 150 people,
    and of the three that tie the tall structure is preferred; K = 2 adds nothing (a second site
    would cover no one more), so the answer stays one site."""
    kinds = ["new", "pole", "tall_structure", "co_location"]
    covers = [np.array([0, 1]), np.array([0, 1]), np.array([0, 1]), np.array([0])]
    inst = CoverInstance.build(np.array([100.0, 50.0]), covers, rank=[KINDS.index(k) for k in kinds])
    one = maximal_cover(inst, 1)
    assert [kinds[j] for j in one.chosen] == ["tall_structure"] and one.objective == 150.0
    two = maximal_cover(inst, 2)
    assert [kinds[j] for j in two.chosen] == ["tall_structure"] and two.objective == 150.0
    assert KINDS.index("co_location") < KINDS.index("structure") < KINDS.index("tall_structure")
    assert KINDS.index("tall_structure") < min(KINDS.index(k) for k in ("pole", "office", "new"))


def test_candidates_include_tall_structures_in_service_at_their_height(engine, two_structures):
    params = coverage_params()
    lon, lat = two_structures["in"]
    x, y = to_metric([lon], [lat], params.crs)
    with engine.begin() as conn:  # one structure that no longer stands, beside the first
        conn.execute(
            text(
                "INSERT INTO tall_structures (code, name, kind, height_m, owner, in_service_to, geom) VALUES "
                "('RM-CT-GONE', 'Ống khói nhà máy cũ', 'chimney', 45, 'Nhà máy', '2020-01-01', "
                "ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"x": lon + 0.001, "y": lat},
        )
    try:
        with engine.connect() as conn:
            found = load_candidates(conn, params, None, np.array([[x[0], y[0]]]), 3000.0, 1000.0)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM tall_structures WHERE code = 'RM-CT-GONE'"))
    mine = [c for c in found if c.kind == "tall_structure" and c.code.startswith("RM-CT-")]
    assert [(c.code, c.height_m, c.owner, c.label) for c in mine] == [
        ("RM-CT-934", 30.0, "UBND xã", "Tháp nước thử")
    ]
    ranks = [c.rank for c in found]
    assert ranks == sorted(ranks)  # listed in the preference order

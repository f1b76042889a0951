"""A reform applied from its lineage file, on a hand-made pair of provinces with tiny polygons, then on
the real former Hậu Giang (../shared/data/real, when present); and an admin unit given again with a
later "Hiệu lực từ" gets a new version instead of being overwritten.

The hand-made reform (1 July 2025; every box 0.01° wide, 0.02° high, from latitude 9°):

    lon 105.00   105.01    105.02      105.03   105.04   105.05
        | 91001 An | 91002 Hỏa Lựu | 91003 Chợ | 92001 Đông | 92002 Tây |   before: provinces 91, 92
        |  new 91001 Xã An Bình          | new 92001 Phường Đông Chợ | 92002 |   after: city 92
                                   split at 105.025

Hamlets: 9100101 in An; 9100301 (population 100) in the western half of Chợ, 9100302 (300) in its
eastern half: they follow the part of Chợ they lie in.
"""

import csv
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from shapely import box, union_all
from shapely.geometry import mapping, shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import new_engine
from app.services.imports.importer import ImportFailed, import_file
from app.services.imports.reform import apply_file
from app.services.search import search_admin_units
from gis.text import fold_vi
from tests.app.importing import REAL

ON = date(2025, 7, 1)
LAT0, LAT1 = 9.0, 9.02


def _box(west: float, east: float):
    return box(west, LAT0, east, LAT1)


COMMUNES = [  # code, name, kind, district, west, east, population
    ("91001", "Xã An", "Xã", "910", 105.00, 105.01, 1000),
    ("91002", "Xã Hỏa Lựu", "Xã", "910", 105.01, 105.02, 2000),
    ("91003", "Phường Chợ", "Phường", "910", 105.02, 105.03, 400),
    ("92001", "Xã Đông", "Xã", "920", 105.03, 105.04, 500),
    ("92002", "Xã Tây", "Xã", "920", 105.04, 105.05, 700),
]
HAMLETS = [("9100101", "Ấp Một", "91001", 105.002, None), ("9100301", "Ấp Chợ Tây", "91003", 105.021, 100)]
HAMLETS += [("9100302", "Khu vực Chợ Đông", "91003", 105.026, 300)]
HEADER = [
    "Mã xã mới",
    "Tên xã mới",
    "Mã xã cũ",
    "Tên xã cũ",
    "Hình thức (toàn bộ/một phần)",
    "Loại",
    "Mã tỉnh",
]
HEADER += ["Tên tỉnh/thành phố"]
CITY = ["92", "Thành phố Thử"]
LINEAGE = [
    ["91001", "Xã An Bình", "91001", "Xã An", "Toàn bộ", "Xã", *CITY],
    ["91001", "Xã An Bình", "91002", "Xã Hỏa Lựu", "Toàn bộ", "Xã", *CITY],
    ["91001", "Xã An Bình", "91003", "Phường Chợ", "Một phần", "Xã", *CITY],
    ["92001", "Phường Đông Chợ", "91003", "Phường Chợ", "Một phần", "Phường", *CITY],
    ["92001", "Phường Đông Chợ", "92001", "Xã Đông", "Toàn bộ", "Phường", *CITY],
    ["92002", "Xã Tây", "92002", "Xã Tây", "Toàn bộ", "Xã", *CITY],
]
NEW_POLYGONS = {"91001": _box(105.00, 105.025), "92001": _box(105.025, 105.04)}  # 92002: dissolved


def _insert(conn, level, code, name, kind, parent, geom, population=None) -> int:
    return conn.execute(
        text(
            "INSERT INTO admin_units (level, code, name, name_folded, kind, parent_id, population, geom) "
            "VALUES (:l, :c, :n, :f, :k, :p, :pop, ST_Multi(ST_GeomFromText(:g, 4326))) RETURNING id"
        ),
        {
            "l": level,
            "c": code,
            "n": name,
            "f": fold_vi(name),
            "k": kind,
            "p": parent,
            "pop": population,
            "g": geom.wkt,
        },
    ).scalar_one()


@pytest.fixture
def provinces(scratch_url):
    """Provinces 91 and 92, each with one district, five communes and three hamlets (the docstring),
    and province 93 with one commune directly under it, east of them (105.05–105.06)."""
    engine = new_engine(scratch_url)
    with engine.begin() as conn:
        ids = {}
        for code, name, west, east in (
            ("91", "Tỉnh Thử A", 105.0, 105.03),
            ("92", "Tỉnh Thử B", 105.03, 105.05),
        ):
            ids[code] = _insert(conn, "province", code, name, "Tỉnh", None, _box(west, east))
            ids[code + "0"] = _insert(
                conn, "district", code + "0", f"Huyện {name[5:]}", "Huyện", ids[code], _box(west, east)
            )
        # A third province whose commune already lies directly under it: untouched by LINEAGE.
        ids["93"] = _insert(conn, "province", "93", "Tỉnh Thử C", "Tỉnh", None, _box(105.05, 105.06))
        ids["93001"] = _insert(conn, "commune", "93001", "Xã Nam", "Xã", ids["93"], _box(105.05, 105.06), 900)
        _insert(conn, "hamlet", "9300101", "Ấp Nam", "Ấp", ids["93001"], box(105.052, 9.005, 105.054, 9.007))
        for code, name, kind, district, west, east, pop in COMMUNES:
            ids[code] = _insert(conn, "commune", code, name, kind, ids[district], _box(west, east), pop)
        for code, name, commune, west, pop in HAMLETS:
            _insert(
                conn, "hamlet", code, name, "Ấp", ids[commune], box(west, 9.005, west + 0.002, 9.007), pop
            )
    yield engine
    engine.dispose()


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _polygons(path: Path, polygons: dict) -> Path:
    features = [
        {"type": "Feature", "properties": {"Mã xã mới": code}, "geometry": mapping(geom)}
        for code, geom in polygons.items()
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _in_force(engine, day: date, level: str) -> dict[str, tuple]:
    """code → (name, parent code, valid_from) of the units of ``level`` in force on ``day``."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.code, u.name, p.code, u.valid_from FROM admin_units u LEFT JOIN admin_units p "
                "ON p.id = u.parent_id WHERE u.level = :l AND u.valid_from <= :d "
                "AND (u.valid_to IS NULL OR u.valid_to > :d) ORDER BY u.code"
            ),
            {"l": level, "d": day},
        ).all()
    return {code: (name, parent, since) for code, name, parent, since in rows}


def _lineage(engine) -> dict[tuple[str, str], tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.code, n.code, l.part, l.area_share, l.population_share, l.reform FROM admin_lineage l "
                "JOIN admin_units o ON o.id = l.old_unit_id JOIN admin_units n ON n.id = l.new_unit_id"
            )
        ).all()
    return {(o, n): (part, float(a), None if p is None else float(p), r) for o, n, part, a, p, r in rows}


def _count(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT (SELECT count(*) FROM admin_units), (SELECT count(*) FROM admin_lineage)")
        ).one()


def test_a_reform_ends_the_old_units_starts_the_new_ones_and_keeps_the_lineage(provinces, tmp_path):
    lineage = _csv(tmp_path / "sap_xep_xa.csv", HEADER, LINEAGE)
    polygons = _polygons(tmp_path / "xa_moi.geojson", NEW_POLYGONS)
    before = _count(provinces)
    dry = apply_file(provinces, lineage, ON, polygons=polygons, reform="NQ 1/NQ-Thử", dry_run=True)
    expected = {
        "communes_ended": 5,
        "communes_inserted": 3,
        "districts_ended": 2,
        "provinces_ended": 2,
        "provinces_inserted": 1,
        "hamlets_moved": 3,
        "lineage": 6,
    }
    assert dry.counts == expected and dry.dry_run
    assert _count(provinces) == before  # a dry run writes nothing
    report = apply_file(provinces, lineage, ON, polygons=polygons, reform="NQ 1/NQ-Thử")
    assert report.counts == expected
    # The day before: the old geography, untouched.
    assert list(_in_force(provinces, date(2025, 6, 30), "commune")) == [c[0] for c in COMMUNES] + ["93001"]
    assert _in_force(provinces, date(2025, 6, 30), "hamlet")["9100302"][1] == "91003"
    assert set(_in_force(provinces, date(2025, 6, 30), "district")) == {"910", "920"}
    # From the effective date: one city, three communes directly under it, no district; province 93
    # (not in the lineage) as it was.
    old_version = date(2020, 1, 1)
    assert _in_force(provinces, ON, "province") == {
        "92": ("Thành phố Thử", None, ON),
        "93": ("Tỉnh Thử C", None, old_version),
    }
    assert _in_force(provinces, ON, "district") == {}
    assert _in_force(provinces, ON, "commune") == {
        "91001": ("Xã An Bình", "92", ON),
        "92001": ("Phường Đông Chợ", "92", ON),
        "92002": ("Xã Tây", "92", ON),
        "93001": ("Xã Nam", "93", old_version),
    }
    # Hamlets: by lineage (An → An Bình), by where they lie for the split Chợ.
    hamlets = _in_force(provinces, ON, "hamlet")
    assert {code: parent for code, (_, parent, _) in hamlets.items()} == {
        "9100101": "91001",
        "9100301": "91001",
        "9100302": "92001",
        "9300101": "93001",  # its commune goes on: the same version
    }
    shares = _lineage(provinces)
    assert {k: (v[0], round(v[1], 3), v[2]) for k, v in shares.items()} == {
        ("91001", "91001"): ("full", 1.0, 1.0),
        ("91002", "91001"): ("full", 1.0, 1.0),
        ("91003", "91001"): ("partial", 0.5, 0.25),  # half its area; Ấp Chợ Tây's 100 of 400 people
        ("91003", "92001"): ("partial", 0.5, 0.75),
        ("92001", "92001"): ("full", 1.0, 1.0),
        ("92002", "92002"): ("full", 1.0, 1.0),
    }
    assert {v[3] for v in shares.values()} == {"NQ 1/NQ-Thử"}
    with provinces.connect() as conn:
        areas = dict(
            conn.execute(
                text(
                    "SELECT code, area_km2 FROM admin_units WHERE level IN ('province', 'commune') AND valid_from = :d"
                ),
                {"d": ON},
            ).all()
        )
        old_total = conn.execute(
            text("SELECT sum(area_km2) FROM admin_units WHERE level = 'commune' AND valid_to = :d"), {"d": ON}
        ).scalar_one()
        populations = dict(
            conn.execute(
                text("SELECT code, population FROM admin_units WHERE level = 'commune' AND valid_from = :d"),
                {"d": ON},
            ).all()
        )
    assert areas["92"] == pytest.approx(old_total, rel=1e-6)  # the city is the union of its communes
    assert areas["91001"] == pytest.approx(2.5 * areas["92002"], rel=1e-3)  # 0.025° vs 0.01° wide
    # A population is summed only when every predecessor went in whole (so the city's is unknown).
    assert populations == {"91001": None, "92001": None, "92002": 700}
    # Applying it again is refused: nothing more is written.
    with pytest.raises(ImportFailed) as err:
        apply_file(provinces, lineage, ON, polygons=polygons)
    assert [(d.code, d.params["date"]) for d in err.value.details] == [
        ("reform.already_applied", "2025-07-01")
    ]
    assert _count(provinces) == (before[0] + 3 + 1 + 3, 6)


def test_a_reform_given_in_two_files_grows_the_city_the_first_one_made(provinces, tmp_path):
    polygons = _polygons(tmp_path / "xa_moi.geojson", NEW_POLYGONS)
    apply_file(provinces, _csv(tmp_path / "sap_xep_xa.csv", HEADER, LINEAGE), ON, polygons=polygons)
    # The second file a workbook, its codes typed as numbers, as a spreadsheet keeps them.
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append([93001, "Xã Nam Mới", 93001, "Xã Nam", None, "Xã", 92, "Thành phố Thử"])
    more = tmp_path / "sap_xep_xa_2.xlsx"
    workbook.save(more)
    report = apply_file(provinces, more, ON)
    assert report.counts == {
        "communes_ended": 1,
        "communes_inserted": 1,
        "districts_ended": 0,
        "provinces_ended": 1,
        "provinces_inserted": 0,
        "hamlets_moved": 1,
        "lineage": 1,
    }
    assert _in_force(provinces, ON, "commune")["93001"] == ("Xã Nam Mới", "92", ON)
    assert _in_force(provinces, ON, "hamlet")["9300101"] == ("Ấp Nam", "93001", ON)
    with provinces.connect() as conn:
        provinces_on, city_km2, communes_km2 = conn.execute(
            text(
                "SELECT count(*), max(p.area_km2), (SELECT sum(area_km2) FROM admin_units c WHERE c.parent_id = max(p.id)) "
                "FROM admin_units p WHERE p.level = 'province' AND p.valid_from <= :d "
                "AND (p.valid_to IS NULL OR p.valid_to > :d)"
            ),
            {"d": ON},
        ).one()
        population = conn.execute(
            text("SELECT population FROM admin_units WHERE code = '93001' AND valid_from = :d"), {"d": ON}
        ).scalar_one()
    assert provinces_on == 1  # one city, redrawn with the commune of the second file
    assert city_km2 == pytest.approx(communes_km2, rel=1e-6)
    assert population == 900


def test_units_kept_whole_under_a_new_city_carry_their_populations_up(provinces, tmp_path):
    """Every commune goes on as it was, under the new city: no polygon file is needed, the city's
    population is the sum of its communes' (1000 + 2000 + 400 + 500 + 700)."""
    rows = [[code, name, code, name, "Toàn bộ", kind, *CITY] for code, name, kind, *_ in COMMUNES]
    report = apply_file(provinces, _csv(tmp_path / "giu_nguyen.csv", HEADER, rows), ON)
    assert report.counts["communes_inserted"] == 5 and report.counts["hamlets_moved"] == 3
    with provinces.connect() as conn:
        city = conn.execute(
            text("SELECT population, kind FROM admin_units WHERE level = 'province' AND valid_from = :d"),
            {"d": ON},
        ).one()
    assert tuple(city) == (4600, "Thành phố")
    assert {v[0] for v in _lineage(provinces).values()} == {"full"}


def test_search_finds_the_unit_an_old_name_became_part_of(provinces, tmp_path):
    apply_file(
        provinces,
        _csv(tmp_path / "sap_xep_xa.csv", HEADER, LINEAGE),
        ON,
        polygons=_polygons(tmp_path / "xa_moi.geojson", NEW_POLYGONS),
    )
    with Session(provinces) as session:
        found = search_admin_units(session, "xa hoa luu", 10)
        assert [(r["code"], r["name"], r["formerly"]) for r in found] == [
            ("91001", "Xã An Bình", "Xã Hỏa Lựu")
        ]
        # The day before the reform, the old unit itself.
        before = search_admin_units(session, "Hoả Lựu", 10, on=date(2025, 6, 30))
        assert [(r["code"], r["name"], r["formerly"]) for r in before] == [("91002", "Xã Hỏa Lựu", None)]
        # A new unit found by its own name is not repeated through its predecessors.
        found = search_admin_units(session, "xa tay", 10)
        assert [(r["code"], r["formerly"]) for r in found] == [("92002", None)]


@pytest.mark.parametrize(
    ("change", "codes"),
    [
        # Xã Tây left out: the area is not covered.
        (lambda rows: rows[:-1], [("reform.old_not_covered", "92002")]),
        # Chợ listed in one new unit only, still 'một phần'; and an old code that does not exist.
        (
            lambda rows: [
                *rows[:3],
                rows[4],
                rows[5],
                ["92002", "Xã Tây", "99999", "Xã Ma", "Toàn bộ", "Xã", *CITY],
            ],
            [("reform.partial_once", "91003"), ("reform.old_unknown", "99999")],
        ),
        # Xã An given in two new units, whole in both.
        (
            lambda rows: [*rows, ["92002", "Xã Tây", "91001", "Xã An", "Toàn bộ", "Xã", *CITY]],
            [("reform.old_repeated", "91001")],
        ),
        # One new code under two names.
        (
            lambda rows: [*rows[:5], ["91001", "Xã Khác", "92002", "Xã Tây", "Toàn bộ", "Xã", *CITY]],
            [("reform.new_names_differ", "91001")],
        ),
    ],
)
def test_a_bad_lineage_is_refused_with_every_problem_and_nothing_written(provinces, tmp_path, change, codes):
    before = _count(provinces)
    lineage = _csv(tmp_path / "sap_xep_xa.csv", HEADER, change(LINEAGE))
    with pytest.raises(ImportFailed) as err:
        apply_file(provinces, lineage, ON, polygons=_polygons(tmp_path / "xa_moi.geojson", NEW_POLYGONS))
    assert [(d.code, d.params["code"]) for d in err.value.details] == codes
    assert all(d.source == "sap_xep_xa.csv" for d in err.value.details)
    assert _count(provinces) == before


# Mostly sound values, some wrong ones: codes stored and not, names, parts, provinces.
_CODES = [
    "91001",
    "91002",
    "91003",
    "92001",
    "92002",
    "93001",
    "91001",
    "91003",
    "92001",
    "99999",
    "31336.0",
    "",
]
_ROWS = st.lists(
    st.tuples(
        st.sampled_from(_CODES),
        st.sampled_from(["Xã An Bình", "Phường Đông Chợ", "Xã Tây", "Xã  an bình"]),
        st.sampled_from(_CODES),
        st.sampled_from(["Xã An", "", "Phường Chợ"]),
        st.sampled_from(["Toàn bộ", "Một phần", "", "full", "partial", "Toàn bộ", "Một phần", "nửa"]),
        st.sampled_from(["Xã", "Phường", ""]),
        st.sampled_from(["92", "92", "93", ""]),
        st.sampled_from(["Thành phố Thử", "Thành phố Thử", ""]),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_ROWS)
def test_any_lineage_is_applied_or_refused_with_its_problems_never_half_written(provinces, tmp_path, rows):
    before = _count(provinces)
    lineage = _csv(tmp_path / "sap_xep_xa.csv", HEADER, [list(r) for r in rows])
    drawn = {code: g for code, g in NEW_POLYGONS.items() if code in {r[0] for r in rows}}
    polygons = _polygons(tmp_path / "xa_moi.geojson", drawn) if drawn else None
    try:
        report = apply_file(provinces, lineage, ON, polygons=polygons, dry_run=True)
    except ImportFailed as exc:
        assert exc.details and all(d.code for d in exc.details)
        event(exc.details[0].code)
    else:
        event("applied")
        assert report.counts["lineage"] == len(rows)
    assert _count(provinces) == before


def test_a_split_unit_needs_the_new_polygons_and_they_must_add_up(provinces, tmp_path):
    lineage = _csv(tmp_path / "sap_xep_xa.csv", HEADER, LINEAGE)
    before = _count(provinces)
    with pytest.raises(ImportFailed) as err:
        apply_file(provinces, lineage, ON)
    assert [(d.code, d.params["code"]) for d in err.value.details] == [
        ("reform.polygon_needed", "91001"),
        ("reform.polygon_needed", "92001"),
    ]
    # Phường Đông Chợ drawn without its half of Chợ: only 50 % of Chợ is placed, the total falls short
    # by 0.005° of 0.05° (−10 %), and Khu vực Chợ Đông lies in no new unit.
    short = _polygons(tmp_path / "xa_moi.geojson", {**NEW_POLYGONS, "92001": _box(105.03, 105.04)})
    with pytest.raises(ImportFailed) as err:
        apply_file(provinces, lineage, ON, polygons=short)
    found = [(d.code, d.params.get("code"), d.params.get("share_pct")) for d in err.value.details]
    assert found == [
        ("reform.split_not_whole", "91003", 50.0),
        ("reform.total_area_mismatch", None, None),
        ("reform.hamlet_unplaced", "9100302", None),
    ]
    assert round(err.value.details[1].params["off_pct"]) == -10
    assert _count(provinces) == before


def test_a_unit_given_again_with_a_later_start_gets_a_new_version(provinces, tmp_path):
    """ "Hiệu lực từ" later than the version in force: that version ends, a new one starts; its
    hamlets follow; the same day again updates in place; an earlier day is refused."""

    def commune(name: str, since: str) -> Path:
        doc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {
                        "Mã xã": "91001",
                        "Tên xã": name,
                        "Loại": "Xã",
                        "Mã huyện": "910",
                        "Hiệu lực từ": since,
                    },
                    "geometry": mapping(_box(105.00, 105.012)),
                }
            ],
        }
        path = tmp_path / "xa.geojson"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        return path

    report = import_file(provinces, commune("Xã An Mới", "01/01/2024"), "communes")
    assert report.counts == {"commune_updated": 0, "commune_inserted": 0, "commune_new_versions": 1}
    assert _in_force(provinces, date(2023, 12, 31), "commune")["91001"] == ("Xã An", "910", date(2020, 1, 1))
    assert _in_force(provinces, date(2024, 1, 1), "commune")["91001"] == (
        "Xã An Mới",
        "910",
        date(2024, 1, 1),
    )
    with provinces.connect() as conn:
        # Ấp Một (in force) now lies under the new version; the old version keeps its outline.
        follows, old_km2, new_km2 = conn.execute(
            text(
                "SELECT c.valid_from, (SELECT area_km2 FROM admin_units WHERE code = '91001' AND valid_to IS NOT NULL), "
                "c.area_km2 FROM admin_units h JOIN admin_units c ON c.id = h.parent_id WHERE h.code = '9100101'"
            )
        ).one()
    assert follows == date(2024, 1, 1) and new_km2 == pytest.approx(1.2 * old_km2, rel=1e-3)
    report = import_file(provinces, commune("Xã An Mới Hơn", "2024-01-01"), "communes")
    assert report.counts["commune_updated"] == 1
    assert _in_force(provinces, date(2024, 1, 1), "commune")["91001"][0] == "Xã An Mới Hơn"
    with pytest.raises(ImportFailed) as err:
        import_file(provinces, commune("Xã An Cũ", "01/01/2019"), "communes")
    assert [(d.code, d.field, d.row) for d in err.value.details] == [
        ("admin.valid_from_earlier", "valid_from", 1)
    ]


def _sample_kept(engine, folder: Path) -> tuple[Path, int, int]:
    """A lineage keeping every commune of the sample province as it is, under a new city: (file,
    communes, hamlets in force)."""
    with engine.connect() as conn:
        communes = conn.execute(
            text(
                "SELECT code, name FROM admin_units WHERE level = 'commune' AND valid_to IS NULL ORDER BY code"
            )
        ).all()
        hamlets = conn.execute(
            text("SELECT count(*) FROM admin_units WHERE level = 'hamlet' AND valid_to IS NULL")
        ).scalar_one()
    rows = [[code, name, code, name, "Toàn bộ", "", *CITY] for code, name in communes]
    return _csv(folder / "giu_nguyen.csv", HEADER, rows), len(communes), hamlets


def test_the_department_may_apply_a_reform_others_may_not(client_as, anon_client, engine, tmp_path):
    lineage, communes, _ = _sample_kept(engine, tmp_path)
    wrong = _csv(tmp_path / "sap_xep_xa.csv", HEADER, LINEAGE)

    def post(client, path=lineage, lang="vi"):
        with path.open("rb") as fh:
            return client.post(
                "/api/import/reform",
                params={"effective": "2025-07-01", "dry_run": "true", "reform": "NQ 1668/NQ-UBTVQH15"},
                files={"lineage": (path.name, fh, "text/csv")},
                headers={"Accept-Language": lang},
            )

    assert post(anon_client).status_code == 401
    for user in ("official1", "viettel1"):
        assert post(client_as(user)).status_code == 403
    before = _count(engine)
    answer = post(client_as("planner1"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["dry_run"], body["effective"], body["reform"]) == (True, "2025-07-01", "NQ 1668/NQ-UBTVQH15")
    assert body["counts"]["communes_inserted"] == communes and body["counts"]["provinces_inserted"] == 1
    assert _count(engine) == before
    # Refused: every problem structured, with its sentence in the reader's language.
    answer = post(client_as("admin1"), wrong, "en")
    assert answer.status_code == 422
    unknown = [d for d in answer.json()["details"] if d["code"] == "reform.old_unknown"]
    assert (
        unknown[0]["message"]
        == "sap_xep_xa.csv row 2: old_code: no old unit 91001 (Xã An) is in force before the reform"
    )


def _real_lineage(tmp_path: Path) -> tuple[Path, Path, list[dict]]:
    """The real lineage rows of the former Hậu Giang (old province 93) and their new codes, as the
    files a user would give (written to the test's temporary folder, nothing copied)."""
    folder = REAL / "reform-2025"
    with (folder / "cantho_2025_lineage.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["old_province_code"] == "93"]
    fields = list(rows[0])
    lineage = tmp_path / "hau_giang_lineage.csv"
    with lineage.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerows(rows)
    new = {r["new_code"] for r in rows}
    with (folder / "cantho_2025_commune_codes.csv").open(encoding="utf-8") as fh:
        listed = [r for r in csv.DictReader(fh) if r["new_code"] in new]
    codes = tmp_path / "hau_giang_codes.csv"
    with codes.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(listed[0]))
        writer.writeheader()
        writer.writerows(listed)
    return lineage, codes, rows


@pytest.mark.skipif(not (REAL / "reform-2025").exists(), reason="no ../shared/data/real")
def test_the_real_former_hau_giang_dissolves_into_its_28_new_communes(scratch_url, tmp_path):
    source = json.loads((REAL / "haugiang_communes.geojson").read_text(encoding="utf-8"))
    lineage, codes, rows = _real_lineage(tmp_path)
    old = {r["old_code"]: r for r in rows}
    polygons = {f["properties"]["commune_code"]: shape(f["geometry"]) for f in source["features"]}
    # SOURCES.md: 3 wards of Thị xã Long Mỹ have no polygon of their own; they were carved (2015) from
    # Thị trấn Long Mỹ, which the source still has (uncoded). A stand-in only: the town cut in three
    # strips, one each, so that all 75 old communes exist; their true boundaries are unknown.
    town = next(
        shape(f["geometry"])
        for f in source["features"]
        if f["properties"]["commune_name"] == "Thị trấn Long Mỹ"
    )
    west, south, east, north = town.bounds
    step = (east - west) / 3
    for i, code in enumerate(("31471", "31473", "31475")):
        polygons[code] = town.intersection(box(west + i * step, south, west + (i + 1) * step, north))
    assert set(old) <= set(polygons) and len(old) == 75
    engine = new_engine(scratch_url)
    try:
        with engine.begin() as conn:
            province = _insert(
                conn, "province", "93", "Tỉnh Hậu Giang", "Tỉnh", None, union_all(list(polygons.values()))
            )
            districts = {}
            for r in rows:
                if r["old_district_code"] not in districts:
                    area = union_all(
                        [
                            polygons[x["old_code"]]
                            for x in rows
                            if x["old_district_code"] == r["old_district_code"]
                        ]
                    )
                    districts[r["old_district_code"]] = _insert(
                        conn, "district", r["old_district_code"], r["old_district"], None, province, area
                    )
            for code, r in old.items():
                _insert(
                    conn,
                    "commune",
                    code,
                    r["old_name"],
                    None,
                    districts[r["old_district_code"]],
                    polygons[code],
                )
        report = apply_file(engine, lineage, ON, codes=codes, reform="NQ 1668/NQ-UBTVQH15")
        assert report.counts["communes_ended"] == 75 and report.counts["communes_inserted"] == 28
        assert report.counts["districts_ended"] == 8 and report.counts["provinces_ended"] == 1
        new = _in_force(engine, ON, "commune")
        assert {code: name for code, (name, _, _) in new.items()} == {
            r["new_code"]: r["new_name"] for r in rows
        }
        assert {parent for _, parent, _ in new.values()} == {"92"}
        assert _in_force(engine, ON, "province") == {"92": ("Thành phố Cần Thơ", None, ON)}
        with engine.connect() as conn:
            ended = conn.execute(
                text("SELECT count(*) FROM admin_units WHERE level = 'commune' AND valid_to = :d"), {"d": ON}
            ).scalar_one()
            areas = dict(
                conn.execute(
                    text(
                        "SELECT code, area_km2 FROM admin_units WHERE valid_from = :d AND level = 'commune'"
                    ),
                    {"d": ON},
                ).all()
            )
            old_areas = dict(
                conn.execute(
                    text("SELECT code, area_km2 FROM admin_units WHERE valid_to = :d AND level = 'commune'"),
                    {"d": ON},
                ).all()
            )
        assert ended == 75
        assert sum(areas.values()) == pytest.approx(sum(old_areas.values()), rel=0.005)
        for code in areas:
            predecessors = sum(old_areas[r["old_code"]] for r in rows if r["new_code"] == code)
            # Neighbouring simplified polygons overlap a little: the union is at most 0.5 % smaller.
            assert areas[code] == pytest.approx(predecessors, rel=0.005), code
        assert {v[0] for v in _lineage(engine).values()} == {"full"}
    finally:
        engine.dispose()


def test_the_command_line_dry_run_counts_and_writes_nothing(database_url, engine, tmp_path, capsys):
    """`python -m app.cli reform` on the sample province: every commune kept as it is, under a new
    city (a dry run: the counts, nothing written); then a refused file, its problems in Vietnamese."""
    from app import cli

    lineage, communes, hamlets = _sample_kept(engine, tmp_path)
    before = _count(engine)
    assert cli.main(["reform", str(lineage), "--effective", "2025-07-01", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would write communes_ended {communes}, communes_inserted {communes}" in out
    assert f"provinces_ended 1, provinces_inserted 1, hamlets_moved {hamlets}, lineage {communes}" in out
    assert _count(engine) == before
    # The first commune left out.
    header, first, *rest = lineage.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "thieu.csv"
    bad.write_text("\n".join([header, *rest]) + "\n", encoding="utf-8")
    assert cli.main(["reform", str(bad), "--effective", "2025-07-01"]) == 1
    err = capsys.readouterr().err
    code, name = first.split(",")[:2]
    assert f"reform: {bad} refused, nothing written" in err
    assert f"đơn vị cũ {code} ({name}) thuộc vùng sắp xếp nhưng không có trong bảng sắp xếp" in err
    assert _count(engine) == before

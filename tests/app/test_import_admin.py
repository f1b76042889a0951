"""Admin units through the importer: communes and hamlets with Vietnamese columns, updated in place
or inserted, the nesting check (with the feature number and the codes), and the real communes of
../shared/data/real when present."""

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from app.services.imports.importer import ImportFailed, import_file
from tests.app.importing import REAL, count, placed

COMMUNE, OTHER = "93404", "93501"  # Xã Tân Bình (Phụng Hiệp) and a commune of Vị Thuỷ


def _inner_square(engine, code: str, half_deg: float = 0.002) -> dict:
    """A small polygon inside a stored commune (GeoJSON geometry)."""
    with engine.connect() as conn:
        return json.loads(
            conn.execute(
                text(
                    "SELECT ST_AsGeoJSON(ST_Intersection(ST_Buffer(ST_PointOnSurface(geom), :r, 'quad_segs=1'), geom)) "
                    "FROM admin_units WHERE level = 'commune' AND code = :c AND valid_to IS NULL"
                ),
                {"c": code, "r": half_deg},
            ).scalar_one()
        )


def _unit(engine, level: str, code: str):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT u.id, u.name, u.name_folded, p.code AS parent FROM admin_units u "
                "LEFT JOIN admin_units p ON p.id = u.parent_id "
                "WHERE u.level = :l AND u.code = :c AND u.valid_to IS NULL"
            ),
            {"l": level, "c": code},
        ).one_or_none()


def _geojson(path: Path, features: list[tuple[dict, dict]]) -> Path:
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _commune_geometry(engine, code: str) -> dict:
    with engine.connect() as conn:
        return json.loads(
            conn.execute(
                text("SELECT ST_AsGeoJSON(geom) FROM admin_units WHERE level = 'commune' AND code = :c"),
                {"c": code},
            ).scalar_one()
        )


def test_communes_and_hamlets_update_insert_and_report_nesting(db, tmp_path):
    before = _unit(db, "commune", COMMUNE)
    hamlets_before = count(db, "admin_units", f"level = 'hamlet' AND parent_id = {before.id}")
    path = _geojson(
        tmp_path / "xa_ap.geojson",
        [
            (
                {
                    "Mã xã": COMMUNE,
                    "Tên xã": "Xã Tân Bình Mới",
                    "Loại": "Xã",
                    "Mã huyện": "934",
                    "Dân số": 12000,
                },
                _commune_geometry(db, COMMUNE),
            ),
            (
                {"Mã ấp": f"{COMMUNE}91", "Tên ấp": "Ấp Mới", "Loại": "Ấp", "Mã xã": COMMUNE},
                _inner_square(db, COMMUNE),
            ),
            # Said to be in COMMUNE, drawn in another commune: imported, and reported.
            (
                {"Mã ấp": f"{COMMUNE}92", "Tên ấp": "Ấp Lạc Chỗ", "Loại": "Ấp", "Mã xã": COMMUNE},
                _inner_square(db, OTHER),
            ),
        ],
    )
    report = import_file(db, path, "admin_units")
    assert report.counts == {
        "commune_updated": 1,
        "commune_inserted": 0,
        "hamlet_updated": 0,
        "hamlet_inserted": 2,
    }
    nesting = [w for w in report.warnings if w.code.startswith("admin.")]
    assert placed(nesting) == [("xa_ap.geojson", 3, None, "admin.hamlet_not_inside")]
    assert report.as_dict("vi")["warnings"][-1] == (
        f"xa_ap.geojson đối tượng 3: ấp {COMMUNE}92 không nằm trong xã {COMMUNE} (100 % nằm ngoài)"
    )
    after = _unit(db, "commune", COMMUNE)
    # Updated in place: same id (its hamlets and offices still point at it), new name, folded for search.
    assert (after.id, after.name, after.name_folded) == (before.id, "Xã Tân Bình Mới", "xa tan binh moi")
    assert _unit(db, "hamlet", f"{COMMUNE}91").parent == COMMUNE
    assert _unit(db, "hamlet", f"{COMMUNE}91").name == "Ấp Mới"
    assert count(db, "admin_units", f"level = 'hamlet' AND parent_id = {before.id}") == hamlets_before + 2
    with db.connect() as conn:
        assert (
            conn.execute(text("SELECT population FROM admin_units WHERE id = :i"), {"i": before.id}).scalar()
            == 12000
        )


def test_a_commune_moved_away_from_its_hamlets_is_reported(db, tmp_path):
    # The commune redrawn as a small square: its stored hamlets no longer lie inside it.
    path = _geojson(
        tmp_path / "xa.geojson",
        [
            (
                {"ma_xa": OTHER, "ten_xa": "Xã Thu Nhỏ", "kind": "Xã", "ma_huyen": "935"},
                _inner_square(db, OTHER, 0.001),
            )
        ],
    )
    report = import_file(db, path, "admin_units", dry_run=True)
    assert report.counts == {"commune_updated": 1, "commune_inserted": 0}
    nesting = [w for w in report.warnings if w.code == "admin.commune_no_longer_contains"]
    with db.connect() as conn:
        hamlets = (
            conn.execute(
                text(
                    "SELECT h.code FROM admin_units h JOIN admin_units c ON c.id = h.parent_id "
                    "WHERE c.level = 'commune' AND c.code = :c AND h.valid_to IS NULL ORDER BY h.code"
                ),
                {"c": OTHER},
            )
            .scalars()
            .all()
        )
    assert len(hamlets) > 1 and len(nesting) == len(hamlets)
    assert [(w.source, w.row, w.params["parent"], w.params["code"]) for w in nesting] == [
        ("xa.geojson", 1, OTHER, code) for code in hamlets
    ]
    assert _unit(db, "commune", OTHER).name != "Xã Thu Nhỏ"  # a dry run


def test_an_unknown_parent_refuses_the_whole_file(db, tmp_path):
    path = _geojson(
        tmp_path / "ap.geojson",
        [
            (
                {"Mã ấp": f"{COMMUNE}93", "Tên ấp": "Ấp Một", "Loại": "Ấp", "Mã xã": COMMUNE},
                _inner_square(db, COMMUNE),
            ),
            (
                {"Mã ấp": "9999901", "Tên ấp": "Ấp Hai", "Loại": "Ấp", "Mã xã": "99999"},
                _inner_square(db, COMMUNE),
            ),
        ],
    )
    with pytest.raises(ImportFailed) as err:
        import_file(db, path, "admin_units")
    assert placed(err.value.details) == [("ap.geojson", 2, "parent_code", "unit.unknown_parent")]
    assert err.value.details[0].params == {"code": "99999"}
    assert _unit(db, "hamlet", f"{COMMUNE}93") is None


def test_a_commune_of_the_two_level_government_lies_under_its_province(db, tmp_path):
    """Since 1 July 2025 a commune names its province (Mã tỉnh), not a district: it is stored under
    the province, and its hamlets under it. Only a code no unit has is refused."""
    area = _inner_square(db, OTHER, 0.003)
    communes = _geojson(
        tmp_path / "xa_moi.geojson",
        [({"Mã xã": "93990", "Tên xã": "Xã Thử Mới", "Loại": "Xã", "Mã tỉnh": "93"}, area)],
    )
    assert import_file(db, communes, "communes").counts["commune_inserted"] == 1
    assert _unit(db, "commune", "93990").parent == "93"
    hamlets = _geojson(
        tmp_path / "ap_moi.geojson",
        [({"Tên ấp": "Ấp Thử", "Mã xã": "93990"}, _inner_square(db, OTHER, 0.001))],
    )
    assert import_file(db, hamlets, "hamlets").counts["hamlet_inserted"] == 1
    assert _unit(db, "hamlet", "9399001").parent == "93990"
    stray = _geojson(
        tmp_path / "xa_sai.geojson",
        [({"Mã xã": "93991", "Tên xã": "Xã Lạc", "Loại": "Xã", "Mã tỉnh": "99"}, area)],
    )
    with pytest.raises(ImportFailed) as err:
        import_file(db, stray, "communes")
    assert placed(err.value.details) == [("xa_sai.geojson", 1, "parent_code", "unit.unknown_parent")]


@pytest.mark.skipif(not (REAL / "haugiang_communes.geojson").exists(), reason="no ../shared/data/real")
def test_real_communes_counts_areas_and_nesting(db, tmp_path):
    source = json.loads((REAL / "haugiang_communes.geojson").read_text(encoding="utf-8"))
    features = source["features"]
    # SOURCES.md: 74 polygons, 1,623.1 km² in all, 72 with a GSO code.
    assert len(features) == 74
    assert sum(f["properties"]["area_km2"] for f in features) == pytest.approx(1623.1, abs=0.1)
    uncoded = [n for n, f in enumerate(features, start=1) if not f["properties"]["commune_code"]]
    assert len(uncoded) == 2
    # The real districts first: they replace the sample's, and the province becomes their union.
    districts = import_file(db, REAL / "haugiang_districts.geojson", "admin_units")
    assert districts.counts == {"district_updated": 8, "district_inserted": 0, "province_updated": 1}
    with db.connect() as conn:
        province_km2 = conn.execute(
            text("SELECT area_km2 FROM admin_units WHERE level = 'province'")
        ).scalar()
    assert province_km2 == pytest.approx(1621.0, rel=0.002)  # SOURCES.md (UTM 48N): the union of the 8
    with pytest.raises(ImportFailed) as err:
        import_file(db, REAL / "haugiang_communes.geojson", "admin_units")
    assert placed(err.value.details) == [
        ("haugiang_communes.geojson", n, "code", "value.required") for n in uncoded
    ]
    assert count(db, "admin_units", "code LIKE '31%'") == 0

    coded = {**source, "features": [f for f in features if f["properties"]["commune_code"]]}
    path = tmp_path / "xa_that.geojson"
    path.write_text(json.dumps(coded, ensure_ascii=False), encoding="utf-8")
    real = import_file(db, path, "admin_units")
    assert real.counts == {"commune_updated": 0, "commune_inserted": 72}
    with db.connect() as conn:
        stored = dict(
            conn.execute(
                text("SELECT code, area_km2 FROM admin_units WHERE level = 'commune' AND code LIKE '31%'")
            ).all()
        )
        names = dict(
            conn.execute(
                text(
                    "SELECT u.code, u.name || ' / ' || p.code FROM admin_units u JOIN admin_units p ON p.id = u.parent_id "
                    "WHERE u.level = 'commune' AND u.code LIKE '31%'"
                )
            ).all()
        )
    for f in coded["features"]:
        p = f["properties"]
        # Named as the commune (not its district) and under the district the file gives.
        assert names[p["commune_code"]] == f"{p['commune_name']} / {p['district_code']}"
        assert stored[p["commune_code"]] == pytest.approx(p["area_km2"], rel=0.005)
    # SOURCES.md: the communes are older and simplified, so they do not nest exactly; `district_overlap`
    # is the share of each inside its district. Those clearly out are reported, those inside are not.
    warned = {w.params["code"] for w in real.warnings if w.code == "admin.commune_not_inside"}
    overlap = {
        f["properties"]["commune_code"]: f["properties"]["district_overlap"] for f in coded["features"]
    }
    assert {c for c, share in overlap.items() if share < 0.97} <= warned
    assert all(overlap[c] < 0.995 for c in warned)

"""The VN-2000 zone is the deployment's data: every VN-2000 projection through the official shift in
PostGIS (migration 0040), bare easting/northing read in the region's zone (or the setting's), and a
422 that writes nothing when neither names one."""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Unprocessable
from app.schemas_registry import Position, SiteIn
from app.services import registration, site_checks
from app.services.accounts import Principal
from app.services.crs_output import parse_crs
from app.services.exports.layers import EXPORT_CRSS
from app.services.exports.layers import parse_crs as parse_export_crs
from app.services.region import vn2000_crs
from app.settings import get_settings
from gis.coordinates import from_vn2000
from gis.crs import VN2000_PROJECTED

# Decision 05/2007/QĐ-BTNMT, written out here (not imported): PROJ's position-vector signs.
TOWGS84 = "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
# Circular 973/2001/TCĐC-CT's TM-3 zones as EPSG numbers them: code → central meridian (degrees).
TM3 = {5896: 102, 9205: 103, 9206: 104, 9207: 104.5, 9208: 104.75, 5897: 105, 9209: 105.5, 9210: 105.75}
TM3 |= {9211: 106, 9212: 106.25, 9213: 106.5, 9214: 107, 9215: 107.25, 9216: 107.5, 5899: 107.75}
TM3 |= {5898: 108, 9217: 108.25, 9218: 108.5}
UTM = {3405: 48, 3406: 49}
CM_M = 0.01


def _official(epsg: int) -> Transformer:
    """WGS 84 lon/lat → the projection with the official 7 parameters, from its hand-written definition."""
    if epsg in UTM:
        proj = f"+proj=utm +zone={UTM[epsg]}"
    else:
        proj = f"+proj=tmerc +lat_0=0 +lon_0={TM3[epsg]} +k=0.9999 +x_0=500000 +y_0=0"
    return Transformer.from_crs(
        "EPSG:4326", f"{proj} +ellps=WGS84 {TOWGS84} +units=m +no_defs", always_xy=True
    )


def _commune_point(conn) -> tuple[float, float]:
    return conn.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM admin_units "
            "WHERE level = 'commune' AND valid_to IS NULL ORDER BY code LIMIT 1) x"
        )
    ).one()


@pytest.mark.parametrize("epsg", sorted(TM3 | UTM))
def test_postgis_projects_every_vn2000_zone_with_the_official_shift(engine, epsg):
    lon, lat = 105.6412, 9.7851
    want = _official(epsg).transform(lon, lat)
    srid = int(f"92{epsg}")
    with engine.connect() as conn:
        got = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :srid) p"
            ),
            {"lon": lon, "lat": lat, "srid": srid},
        ).one()
    assert abs(got[0] - want[0]) < CM_M and abs(got[1] - want[1]) < CM_M
    assert parse_crs(f"http://www.opengis.net/def/crs/EPSG/0/{epsg}").srid == srid
    assert parse_export_crs(str(epsg)) == f"EPSG:{epsg}" in EXPORT_CRSS


def test_a_point_through_tm3_105_30_is_the_official_one_within_a_centimetre():
    lon, lat = 105.6412, 9.7851
    x, y = _official(9209).transform(lon, lat)
    # 0.1412° east of 105°30′ at 9.8 °N: ≈ 15.5 km east of the false easting.
    assert 515_000 < x < 516_000 and 1_080_000 < y < 1_084_000
    back = from_vn2000(x, y, "EPSG:9209")
    metres = _official(9209).transform(*back)
    assert abs(metres[0] - x) < CM_M and abs(metres[1] - y) < CM_M
    # The same numbers read in TM-3 105°00′ land ~55 km west: a zone is never interchangeable.
    assert 0.4 < back[0] - from_vn2000(x, y, "EPSG:5897")[0] < 0.6


def test_bare_easting_northing_are_read_in_the_region_s_zone(engine):
    with engine.connect() as conn, conn.begin() as trans:
        lon, lat = _commune_point(conn)
        assert vn2000_crs(conn) == "EPSG:5897"  # the sample's province.geojson says so
        conn.execute(text("UPDATE admin_units SET vn2000_crs = 'EPSG:9209' WHERE level = 'province'"))
        assert vn2000_crs(conn) == "EPSG:9209"
        x, y = _official(9209).transform(lon, lat)
        got = site_checks.resolve_position(conn, Position(easting=x, northing=y))
        assert got[:2] == pytest.approx((lon, lat), abs=1e-7)  # ≈ 1 cm
        # named, the CRS wins over the region's zone
        x5897, y5897 = _official(5897).transform(lon, lat)
        got = site_checks.resolve_position(conn, Position(easting=x5897, northing=y5897, crs="5897"))
        assert got[:2] == pytest.approx((lon, lat), abs=1e-7)
        trans.rollback()


def test_the_setting_overrides_the_region_s_zone(engine, monkeypatch):
    monkeypatch.setattr(get_settings(), "vn2000_crs", "EPSG:9209")
    with engine.connect() as conn:
        lon, lat = _commune_point(conn)
        x, y = _official(9209).transform(lon, lat)
        assert site_checks.resolve_position(conn, Position(easting=x, northing=y))[:2] == pytest.approx(
            (lon, lat), abs=1e-7
        )


def _site(x: float, y: float) -> SiteIn:
    cell = {"technology": "4G", "band_mhz": 1800, "antenna_height_m": 30}
    return SiteIn(
        code="VNZONE-1",
        owner="Viettel",
        position={"easting": x, "northing": y},
        structure_type="tower",
        height_m=30,
        cells=[cell],
    )


def test_no_zone_anywhere_is_a_422_that_writes_nothing(engine):
    with engine.connect() as conn, conn.begin() as trans:
        lon, lat = _commune_point(conn)
        conn.execute(text("UPDATE admin_units SET vn2000_crs = NULL"))
        assert vn2000_crs(conn) is None
        body = _site(*_official(5897).transform(lon, lat))
        with pytest.raises(Unprocessable) as refused:
            registration.register_site(Session(bind=conn), Principal(0, "admin1", "admin"), body)
        assert [(p.code, p.field) for p in refused.value.reasons] == [("position.crs_required", "position")]
        assert conn.execute(text("SELECT count(*) FROM sites WHERE code = 'VNZONE-1'")).scalar() == 0
        trans.rollback()


def test_merged_units_with_different_zones_name_none(engine):
    with engine.connect() as conn, conn.begin() as trans:
        conn.execute(
            text(
                "INSERT INTO admin_units (level, code, name, name_folded, vn2000_crs, geom) VALUES ('province', "
                "'99', 'B', 'b', 'EPSG:9209', ST_Multi(ST_MakeEnvelope(0, 0, 0.1, 0.1, 4326)))"
            )
        )
        assert vn2000_crs(conn) is None
        trans.rollback()


@pytest.mark.parametrize("crs", ["EPSG:32648", "EPSG:4756", "banana"])
def test_a_crs_that_is_no_vn2000_projection_is_refused(crs):
    with pytest.raises(ValidationError) as refused:
        Position(easting=515_000, northing=1_082_000, crs=crs)
    assert refused.value.errors()[0]["type"] == "position.crs_unknown"


def test_the_browser_offers_every_vn2000_projection_in_the_same_order():
    source = (Path(__file__).resolve().parents[2] / "frontend" / "src" / "vn2000.js").read_text(
        encoding="utf-8"
    )
    codes = [f"EPSG:{c}" for c in re.findall(r"\[(\d{4}), '", source)]
    assert codes == list(VN2000_PROJECTED)
    assert [TM3[int(c[5:])] for c in codes[:-2]] == sorted(TM3.values())  # west to east


def test_migration_0040_goes_down_to_0007_s_two_rows_and_up_again(scratch_url):
    from app import dbadmin
    from app.db import new_engine

    def state():
        engine = new_engine(scratch_url)
        with engine.connect() as conn:
            srids = conn.execute(
                text("SELECT array_agg(srid ORDER BY srid) FROM spatial_ref_sys WHERE srid > 920000")
            )
            column = conn.execute(
                text("SELECT count(*) FROM information_schema.columns WHERE column_name = 'vn2000_crs'")
            )
            found = (srids.scalar(), column.scalar())
        engine.dispose()
        return found

    every = sorted(920_000 + code for code in TM3 | UTM)
    assert state() == (every, 1)
    dbadmin.downgrade(scratch_url, "0039")
    assert state() == ([923405, 925897], 0)
    dbadmin.upgrade(scratch_url)
    assert state() == (every, 1)


def test_the_reformed_city_keeps_its_code_s_zone(reformed):
    """Before the reform the region is three provinces, two in TM-3 105°00′ and one in 105°30′: no one
    zone (a CRS must be named); the city made of them keeps its code's (92: 105°00′)."""
    from datetime import date, timedelta

    from gis.synthetic.facts import REFORM

    effective = date.fromisoformat(REFORM.effective)
    with reformed.connect() as conn:
        assert vn2000_crs(conn, effective - timedelta(days=1)) is None
        assert vn2000_crs(conn, effective) == "EPSG:5897"

"""gis.crs: the metric CRSs, vectorised transforms and round trips."""

import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

from gis.crs import (
    METRIC_CRS,
    VN2000_PROJECTED,
    geometry_to_lonlat,
    geometry_to_metric,
    metric_crs,
    to_lonlat,
    to_metric,
    vn2000_label,
    vn2000_own_srid,
    vn2000_projected,
)

VN2000_CRS = "EPSG:5897"  # VN-2000 / TM-3 zone 482 (105°00′): one zone to test with
# A 5 × 5 lattice over Hậu Giang (≈ 9.6–10.0 °N, 105.4–105.9 °E)
LON, LAT = (a.ravel() for a in np.meshgrid(np.linspace(105.4, 105.9, 5), np.linspace(9.6, 10.0, 5)))
MM_IN_DEGREES = 1e-3 / 111_000


def test_vn2000_tm3_zone_482_is_centred_on_105_degrees():
    params = {p.name: p.value for p in CRS(VN2000_CRS).coordinate_operation.params}
    assert params["Longitude of natural origin"] == 105.0
    assert params["Scale factor at natural origin"] == 0.9999
    assert params["False easting"] == 500_000.0
    assert CRS(VN2000_CRS).geodetic_crs.to_epsg() == 4756  # VN-2000
    # on the VN-2000 datum the central meridian maps to the false easting
    x, _ = Transformer.from_crs(4756, 5897, always_xy=True).transform(105.0, 9.78)
    assert x == pytest.approx(500_000.0, abs=1e-6)


def test_utm_48n_origin():
    assert to_metric(105.0, 0.0) == pytest.approx((500_000.0, 0.0), abs=1e-6)


@pytest.mark.parametrize("crs", [METRIC_CRS, VN2000_CRS])
def test_round_trip_within_a_millimetre(crs):
    x, y = to_metric(LON, LAT, crs)
    assert x.shape == LON.shape
    lon, lat = to_lonlat(x, y, crs)
    assert np.abs(lon - LON).max() < MM_IN_DEGREES
    assert np.abs(lat - LAT).max() < MM_IN_DEGREES


def test_vn2000_applies_the_datum_shift():
    # the same lon/lat read as WGS 84 or as VN-2000 lands a few hundred metres apart
    wgs = np.array(to_metric(105.47, 9.78, VN2000_CRS))
    vn = np.array(Transformer.from_crs(4756, 5897, always_xy=True).transform(105.47, 9.78))
    assert 100.0 < np.hypot(*(wgs - vn)) < 400.0


def test_scalars_lists_and_arrays():
    x, y = to_metric(105.5, 9.8)
    assert isinstance(x, float)
    xs, ys = to_metric([105.5, 105.6], [9.8, 9.9])
    assert xs[0] == x and ys[0] == y


def test_geometry_round_trip_and_area():
    square = shapely.box(105.5, 9.8, 105.51, 9.81)
    metric = geometry_to_metric(square)
    # 0.01° × 0.01° at 9.8 °N ≈ 1.097 km × 1.106 km
    assert metric.area == pytest.approx(1.213e6, rel=0.01)
    back = geometry_to_lonlat(metric)
    assert shapely.equals_exact(back, square, tolerance=MM_IN_DEGREES)
    many = geometry_to_metric(np.array([square, shapely.Point(105.5, 9.8)]), VN2000_CRS)
    assert many.shape == (2,)


def test_every_vn2000_projection_is_epsg_s_own_and_numbered_for_postgis():
    # Circular 973/2001/TCĐC-CT's TM-3 zones (k 0.9999, FE 500 km) west to east, then UTM 48N/49N.
    meridians = [102, 103, 104, 104.5, 104.75, 105, 105.5, 105.75, 106, 106.25]
    meridians += [106.5, 107, 107.25, 107.5, 107.75, 108, 108.25, 108.5]
    got = []
    for crs in VN2000_PROJECTED[:-2]:
        params = {p.name: p.value for p in CRS(crs).coordinate_operation.params}
        assert (params["Scale factor at natural origin"], params["False easting"]) == (0.9999, 500_000.0)
        assert CRS(crs).geodetic_crs.to_epsg() == 4756 and "TM-3" in CRS(crs).name
        got.append(params["Longitude of natural origin"])
    assert got == meridians
    assert [CRS(c).utm_zone for c in VN2000_PROJECTED[-2:]] == ["48N", "49N"]
    assert (vn2000_own_srid("EPSG:9209"), vn2000_own_srid("EPSG:3406")) == (929209, 923406)
    assert vn2000_label("EPSG:9209") == "VN-2000 TM-3 105°30′" and vn2000_label("3405") == "VN-2000 UTM 48N"
    with pytest.raises(ValueError):
        vn2000_projected("EPSG:32648")  # WGS 84 / UTM 48N: not VN-2000


def test_geographic_crs_is_refused_for_planar_maths():
    with pytest.raises(ValueError):
        metric_crs("EPSG:4326")
    with pytest.raises(ValueError):
        to_metric(105.5, 9.8, "EPSG:4326")

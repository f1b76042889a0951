"""A duct route's stated length against the line drawn (gis/importers/lengths.py)."""

import pytest
from shapely import LineString

from gis.importers.lengths import geodesic_length_m, stated_length_warnings
from gis.importers.table import ImportedFeature, ImportedTable

# One thousandth of a degree of latitude at 10° N on WGS 84: 110.608 m (the meridian's radius of
# curvature there, 6,337,358 m, times 0.001° in radians).
NORTH = LineString([(105.0, 10.0), (105.0, 10.001)])


def test_geodesic_length_of_a_meridian_step():
    assert geodesic_length_m(NORTH) == pytest.approx(110.608, abs=0.001)


def _table(*stated):
    features = [ImportedFeature(i + 1, NORTH, {"stated_length_m": s}) for i, s in enumerate(stated)]
    return ImportedTable("cong.geojson", "GeoJSON", "feature", features, "EPSG:4326")


def test_only_lengths_far_from_the_drawing_are_reported():
    # 110.6 m drawn. 118 m: 7.4 m apart, kept. 125 m: 14.4 m and 13 % apart, reported. 100 m: 10.6 m
    # but 9.6 % apart, kept. 300 m: reported. None, zero or text: the row builders' business.
    warnings = stated_length_warnings(_table(118, 125, 100, "300,0", None, 0, "dài"))
    assert [(w.code, w.field, w.row, w.source, w.label, dict(w.params)) for w in warnings] == [
        (
            "duct.length_differs",
            "stated_length_m",
            2,
            "cong.geojson",
            "feature",
            {"stated": 125, "drawn": 111, "gap": 13},
        ),
        (
            "duct.length_differs",
            "stated_length_m",
            4,
            "cong.geojson",
            "feature",
            {"stated": 300, "drawn": 111, "gap": 171},
        ),
    ]

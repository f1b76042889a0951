"""A duct route's stated length (the surveyor's `dai_m`) against the length of the line drawn.

Stated lengths include slack, risers and bends a drawing leaves out, so a difference is a question
for the surveyor, not a refusal: the import reports it as a warning.

>>> from shapely import LineString
>>> round(geodesic_length_m(LineString([(105.0, 10.0), (105.0, 10.001)])), 1)
110.6
"""

from __future__ import annotations

from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from gis.problems import Problem

__all__ = ["geodesic_length_m", "stated_length_warnings"]

_GEOD = Geod(ellps="WGS84")
TOLERANCE_SHARE = 0.10  # a stated length more than 10 % …
TOLERANCE_M = 10.0  # … and more than 10 m away from the drawn one is reported


def geodesic_length_m(line: BaseGeometry) -> float:
    """The length on the WGS 84 ellipsoid of a lon/lat line, in metres."""
    return _GEOD.geometry_length(line)


def stated_length_warnings(table) -> list[Problem]:
    """One warning per feature of ``table`` (an ImportedTable of ducts) whose ``stated_length_m``
    differs from its drawn length by more than 10 % and 10 m."""
    out = []
    for f in table.features:
        stated = f.properties.get("stated_length_m")
        try:
            stated = float(str(stated).replace(",", ".")) if stated not in (None, "") else None
        except ValueError:
            continue  # not a number: the row builder refuses it
        if stated is None or stated <= 0 or f.geometry is None or f.geometry.geom_type != "LineString":
            continue
        drawn = geodesic_length_m(f.geometry)
        gap = abs(stated - drawn)
        if gap > TOLERANCE_M and gap > TOLERANCE_SHARE * drawn:
            params = {"stated": round(stated), "drawn": round(drawn), "gap": round(100 * gap / drawn)}
            out.append(
                table.place(Problem("duct.length_differs", "stated_length_m", params=params), f.number)
            )
    return out

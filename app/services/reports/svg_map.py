"""The coverage and dead-zone map of a report's scope (the province or one district), as SVG.

Hamlets are filled by their mobile-broadband share (the classes of the web map's hamlet layer,
frontend/src/styles.js SHARE_CLASSES), dead zones without mobile broadband drawn over them,
commune and district boundaries on top, their names placed where they do not collide, a north
arrow and a scale bar true on the ground. Drawn when a period is closed and kept with it.
"""

from datetime import date

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import IN_FORCE, IN_FORCE_ON
from gis.crs import METRIC_CRS, geometry_to_metric
from gis.svg import MapLayer, map_svg

# Lower bounds of the share classes and their colours, as on the web map; grey = not computed.
SHARE_CLASSES = ((0.95, "#006d2c"), (0.8, "#2ca25f"), (0.5, "#66c2a4"), (0.2, "#99d8c9"), (0.0, "#ccece6"))
NOT_COMPUTED = "#bdbdbd"
DEAD_ZONE_COLORS = {"no_signal": "#b2003f", "no_mbb": "#7b3294"}
_DISTRICT_LABEL_PX, _COMMUNE_LABEL_PX = 11.0, 8.0
_SIMPLIFY_DEG = 0.0001  # ≈ 11 m, before the geometries leave the database

# The units in force on :units_on (NULL: today): a plan judged on the former districts is drawn on them.
_ON = IN_FORCE_ON.replace("{day}", "coalesce(CAST(:units_on AS date), CURRENT_DATE)")

# Units under the scope: the province is every unit; a district its communes and their hamlets.
_UNDER = f"""
SELECT u.id, u.level, u.code, u.name, ST_AsBinary(ST_SimplifyPreserveTopology(u.geom, {_SIMPLIFY_DEG})) AS wkb
FROM admin_units u
LEFT JOIN admin_units p ON p.id = u.parent_id
LEFT JOIN admin_units g ON g.id = p.parent_id
LEFT JOIN admin_units gg ON gg.id = g.parent_id
WHERE {_ON.format(a="u")} AND u.level IN ('district', 'commune', 'hamlet')
  AND (:scope = 'province' OR :scope IN (u.code, p.code, g.code, gg.code))
ORDER BY u.level, u.code
"""

# Dead zones and shares are computed for the hamlets in force now: a former version of a hamlet
# reads those of its version in force now, by code.
_DEAD = f"""
SELECT z.kind, h.name, z.area_km2, ST_AsBinary(ST_SimplifyPreserveTopology(z.geom, {_SIMPLIFY_DEG})) AS wkb
FROM dead_zones z JOIN admin_units cur ON cur.id = z.hamlet_id
JOIN admin_units h ON h.level = 'hamlet' AND h.code = cur.code AND {_ON.format(a="h")}
JOIN admin_units c ON c.id = h.parent_id JOIN admin_units d ON d.id = c.parent_id
LEFT JOIN admin_units pr ON pr.id = d.parent_id
WHERE z.kind IN ('no_signal', 'no_mbb') AND {IN_FORCE.format(a="cur")}
  AND (:scope = 'province' OR :scope IN (c.code, d.code, pr.code))
ORDER BY z.kind, h.code
"""
_SHARES = f"""
SELECT h.code, hc.mbb_share FROM hamlet_coverage hc JOIN admin_units h ON h.id = hc.hamlet_id
WHERE {IN_FORCE.format(a="h")}
"""


def _share_color(share: float | None) -> str:
    if share is None:
        return NOT_COMPUTED
    return next(color for low, color in SHARE_CLASSES if share >= low)


def _metric(rows) -> list:
    if not rows:
        return []
    geoms = shapely.from_wkb(np.asarray([bytes(r.wkb) for r in rows], dtype=object))
    return list(geometry_to_metric(geoms))


def scope_map(session: Session, scope: str, title: str, units_on: date | None = None) -> str:
    """The SVG map of ``scope`` ("province": the whole region, or a province's or a district's code)
    as the data stand now, on the units
    in force on ``units_on`` (default today)."""
    units = session.execute(text(_UNDER), {"scope": scope, "units_on": units_on}).all()
    shares = dict(session.execute(text(_SHARES)).all())
    dead = session.execute(text(_DEAD), {"scope": scope, "units_on": units_on}).all()
    by_level = {level: [u for u in units if u.level == level] for level in ("district", "commune", "hamlet")}
    hamlets = by_level["hamlet"]
    layers = [
        MapLayer(
            _metric(hamlets),
            fill=[_share_color(shares.get(h.code)) for h in hamlets],
            stroke="#ffffff",
            stroke_width=0.4,
            titles=[h.name for h in hamlets],
            css_class="hamlets",
        ),
    ]
    for kind, color in DEAD_ZONE_COLORS.items():
        rows = [z for z in dead if z.kind == kind]
        layers.append(
            MapLayer(
                _metric(rows),
                fill=color,
                stroke=color,
                stroke_width=0.3,
                opacity=0.85,
                titles=[z.name for z in rows],
                css_class=f"dead-zones {kind}",
            )
        )
    layers.append(
        MapLayer(
            _metric(by_level["commune"]),
            stroke="#6d4c41",
            stroke_width=0.6,
            titles=[c.name for c in by_level["commune"]],
            css_class="communes",
            label_size=_COMMUNE_LABEL_PX,
        )
    )
    districts = by_level["district"]
    layers.append(
        MapLayer(
            _metric(districts),
            stroke="#263238",
            stroke_width=1.6,
            titles=[d.name for d in districts],
            css_class="districts",
            label_size=_DISTRICT_LABEL_PX,
        )
    )
    bounds = ["≥ 95 %", "80–95 %", "50–80 %", "20–50 %", "< 20 %"]
    legend = [
        (color, f"Ấp phủ băng rộng di động {b} diện tích")
        for (_, color), b in zip(SHARE_CLASSES, bounds, strict=True)
    ]
    legend += [
        (NOT_COMPUTED, "Chưa tính vùng phủ"),
        (DEAD_ZONE_COLORS["no_signal"], "Vùng lõm: không có sóng"),
        (DEAD_ZONE_COLORS["no_mbb"], "Vùng lõm: chỉ có 2G/3G"),
    ]
    return map_svg(layers, title=title, legend=legend, crs=METRIC_CRS)

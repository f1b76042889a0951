"""Read what the coverage engine needs from the database: transmitters and hamlets, today's (the
live run) or those of a past day (a dated run)."""

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import shapely
from sqlalchemy import Connection, text

from app.collections import IN_FORCE
from app.layer_types import IN_FORCE_ON
from app.services.coverage.calibration import in_force, offsets_by_operator
from app.services.reports.indicators_sql import ACTIVE_SITE_ON
from gis.block_analysis import BlockHamlets
from gis.coverage import TECH_CLASS, Block, CellArrays, CoverageParams
from gis.crs import geometry_to_metric
from gis.propagation import RURAL, SUBURBAN, URBAN

_CLUTTER = {"urban": URBAN, "suburban": SUBURBAN, "rural": RURAL}
# The delta's wards and towns are low-rise: Hata's "urban" (big-city) correction would paint them
# as dead zones. Urban clutter applies only where a hamlet's `clutter` column says so.
CLUTTER_RULE = (
    "a hamlet's own clutter when set; else suburban in wards (Phường) and towns (Thị trấn), rural elsewhere"
)

# Only active sites radiate; cells of non-mobile owners cannot exist (operator is mobile).
CELLS_SQL = """
SELECT ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, o.short_name AS operator, c.technology,
       c.band_mhz, c.antenna_height_m, coalesce(c.eirp_dbm, c.tx_power_dbm + c.antenna_gain_dbi) AS eirp_dbm,
       c.azimuth_deg, c.beamwidth_deg
FROM cells c JOIN sites s ON s.id = c.site_id JOIN operators o ON o.id = c.operator_id
WHERE {active} ORDER BY c.id
"""
_DAY = "CAST(:as_of AS date)"
# Today's network is what is switched on now; a past day's, the sites active then (the indicators' rule).
LIVE_SITES = "s.status = 'active'"
SITES_ON = ACTIVE_SITE_ON.format(a="s", day=_DAY)


@dataclass
class HamletIndex:
    """Hamlets in force, in the metric CRS, with a spatial index."""

    ids: list[int]
    geoms: list  # metric polygons
    clutter: np.ndarray
    population: dict[int, int]
    tree: shapely.STRtree

    def hamlets_for(self, block: Block) -> BlockHamlets:
        idx = sorted(self.tree.query(shapely.box(*block.bounds_m)))
        return BlockHamlets(
            ids=[self.ids[i] for i in idx],
            geoms=[self.geoms[i] for i in idx],
            clutter=self.clutter[idx] if idx else np.zeros(0, np.uint8),
        )

    def holds(self, block: Block) -> bool:
        return len(self.tree.query(shapely.box(*block.bounds_m))) > 0

    def bounds_m(self) -> tuple[float, float, float, float]:
        return tuple(shapely.total_bounds(self.geoms))


@dataclass
class Inputs:
    operators: list[str]  # mobile operators, index order of the rasters
    operator_ids: list[int]
    cells: CellArrays
    hamlets: HamletIndex
    calibration: list[dict] = field(default_factory=list)  # the offsets in force, added to the EIRP


def load_operators(conn: Connection) -> tuple[list[str], list[int]]:
    rows = conn.execute(text("SELECT id, short_name FROM operators WHERE kind = 'mobile' ORDER BY id")).all()
    return [r.short_name for r in rows], [r.id for r in rows]


def load_hamlets(conn: Connection, params: CoverageParams, as_of: date | None = None) -> HamletIndex:
    in_force = IN_FORCE if as_of is None else IN_FORCE_ON.replace("{day}", _DAY)
    rows = conn.execute(
        text(
            "SELECT h.id, h.population, ST_AsBinary(h.geom) AS wkb, coalesce(h.clutter, CASE c.kind "
            "WHEN 'Phường' THEN 'suburban' WHEN 'Thị trấn' THEN 'suburban' ELSE 'rural' END) AS clutter "  # see CLUTTER_RULE
            "FROM admin_units h JOIN admin_units c ON c.id = h.parent_id "
            f"WHERE h.level = 'hamlet' AND {in_force.format(a='h')} ORDER BY h.id"
        ),
        {"as_of": as_of},
    ).all()
    geoms = [geometry_to_metric(shapely.from_wkb(bytes(r.wkb)), params.crs) for r in rows]
    return HamletIndex(
        ids=[r.id for r in rows],
        geoms=geoms,
        clutter=np.array([_CLUTTER[r.clutter] for r in rows], dtype=np.uint8),
        population={r.id: r.population or 0 for r in rows},
        tree=shapely.STRtree(geoms),
    )


def load_inputs(conn: Connection, params: CoverageParams, as_of: date | None = None) -> Inputs:
    """Today's network (``as_of`` None) or the one of ``as_of``: its active sites' cells and the
    hamlets in force that day."""
    names, ids = load_operators(conn)
    sql = CELLS_SQL.format(active=LIVE_SITES if as_of is None else SITES_ON)
    records = [dict(r._mapping) for r in conn.execute(text(sql), {"as_of": as_of})]
    calibration = in_force(conn)
    calibrate(records, calibration)
    cells = CellArrays.from_records(records, names, crs=params.crs)
    return Inputs(names, ids, cells, load_hamlets(conn, params, as_of), calibration)


def calibrate(records: list[dict], calibration: list[dict]) -> list[dict]:
    """Add each accepted offset (app.services.coverage.calibration) to the EIRP of the cells of its
    operator and class, in place: the offset enters propagation, and the blocks' input digests."""
    offsets = offsets_by_operator(calibration)
    if offsets:
        for r in records:
            offset = offsets.get((r["operator"], TECH_CLASS[r["technology"]]))
            if offset is not None and r["eirp_dbm"] is not None:
                r["eirp_dbm"] = float(r["eirp_dbm"]) + offset
    return records

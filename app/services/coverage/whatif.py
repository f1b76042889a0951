"""What-if: the effect of an unsaved site on coverage, computed against the stored rasters
of the latest run and written nowhere."""

import time
from functools import lru_cache

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidParameter
from app.schemas import WhatIfRequest
from app.services.coverage.calibration import in_force
from app.services.coverage.inputs import HamletIndex, calibrate, load_hamlets, load_operators
from app.services.coverage.runs import coverage_params, province_blocks
from app.services.region import region_on
from gis.block_analysis import decode_raster, hamlet_counts
from gis.coverage import CLASSES, TECH_CLASS, CellArrays, CoverageParams, best_signal
from gis.crs import to_metric
from gis.site_rules import VALID_BANDS


@lru_cache(maxsize=2)
def _hamlets(run_id: int, crs: str, bind) -> HamletIndex:
    # Hamlets only change with a new run; keep their metric polygons between requests.
    with bind.connect() as conn:
        return load_hamlets(conn, CoverageParams(crs=crs))


def _validate(session: Session, req: WhatIfRequest, operators: list[str]) -> dict:
    for i, cell in enumerate(req.cells, start=1):
        if cell.operator not in operators:
            raise InvalidParameter(
                f"cells[{i}].operator: '{cell.operator}' is not a mobile operator "
                f"(known: {', '.join(operators)})"
            )
        if cell.band_mhz not in VALID_BANDS[cell.technology]:
            raise InvalidParameter(
                f"cells[{i}].band_mhz: {cell.band_mhz} MHz is not a {cell.technology} band "
                f"(valid: {', '.join(map(str, sorted(VALID_BANDS[cell.technology])))})"
            )
    place = session.execute(
        text(
            "SELECT h.code AS hamlet_code, h.name AS hamlet_name, c.code AS commune_code, d.code AS district_code "
            "FROM admin_units h JOIN admin_units c ON c.id = h.parent_id JOIN admin_units d ON d.id = c.parent_id "
            "WHERE h.level = 'hamlet' AND h.valid_to IS NULL "
            "AND ST_Intersects(h.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) LIMIT 1"
        ),
        {"lon": req.site.lon, "lat": req.site.lat},
    ).first()
    if place is None:
        hint = (
            " (latitude and longitude swapped?)" if 100 < req.site.lat < 110 and 8 < req.site.lon < 12 else ""
        )
        raise InvalidParameter(f"site ({req.site.lon}, {req.site.lat}) is outside the province{hint}")
    return dict(place._mapping)


def what_if(session: Session, req: WhatIfRequest) -> dict:
    t0 = time.perf_counter()
    run = session.execute(
        text(
            "SELECT id, card FROM coverage_runs WHERE status = 'done' AND kind <> 'dated' ORDER BY id DESC LIMIT 1"
        )
    ).first()
    if run is None:
        raise Conflict("no coverage has been computed yet: run `make compute` first")
    params = coverage_params()
    operators, _ = load_operators(session.connection())
    place = _validate(session, req, operators)
    hamlets = _hamlets(run.id, params.crs, session.get_bind())
    records = [dict(c.model_dump(), lon=req.site.lon, lat=req.site.lat) for c in req.cells]
    # As a run would: the accepted offset of each cell's operator and class enters its EIRP.
    calibration = in_force(session.connection())
    calibrate(records, calibration)
    cells = CellArrays.from_records(records, operators, crs=params.crs)
    x, y = to_metric([req.site.lon], [req.site.lat], params.crs)
    reach = float(cells.max_range_m(params).max())
    blocks = province_blocks(hamlets, params, (x[0] - reach, y[0] - reach, x[0] + reach, y[0] + reach))
    stored = {
        r.block_key: r
        for r in session.execute(
            text("SELECT block_key, operators, ny, nx, data FROM coverage_rasters WHERE block_key = ANY(:k)"),
            {"k": [b.key for b in blocks]},
        )
    }
    thr = params.outdoor_threshold_dbm
    delta: dict[int, int] = {}
    new_cells_km2 = 0.0
    for block in blocks:
        if block.key not in stored:
            continue
        r = stored[block.key]
        if list(r.operators) != operators:
            raise Conflict("operators changed since the last coverage run: recompute first")
        before = decode_raster(r.data, (len(operators), 2, r.ny, r.nx))
        bh = hamlets.hamlets_for(block)
        zones, clutter = bh.rasters(block)
        after = np.maximum(before, best_signal(block, cells, params, len(operators), clutter=clutter))
        n = len(bh.ids)
        _, _, m_before = hamlet_counts(before, zones, n, thr)
        _, _, m_after = hamlet_counts(after, zones, n, thr)
        gained = m_after["mbb_any"] & ~m_before["mbb_any"]
        new_cells_km2 += gained.sum() * (params.cell_m**2) / 1e6
        per_zone = np.bincount(zones[gained], minlength=n) if gained.any() else np.zeros(n, int)
        for i in np.nonzero(per_zone)[0]:
            delta[bh.ids[i]] = delta.get(bh.ids[i], 0) + int(per_zone[i])
    changed = _hamlet_changes(session, delta, params)
    return {
        "site": {"lon": req.site.lon, "lat": req.site.lat, **place},
        "newly_covered_area_km2": round(new_cells_km2, 4),
        "population_newly_covered": int(round(sum(h["population_gain"] for h in changed))),
        "hamlets_improved": changed,
        "hamlets_changing_status": [h for h in changed if h["covered_after"] and not h["covered_before"]],
        "ratios": _ratios(session, place, changed, req, operators),
        "calibration": _applied(records, calibration),
        "coverage_run_id": run.id,
        "blocks": len(blocks),
        "elapsed_ms": round((time.perf_counter() - t0) * 1000, 1),
    }


def _applied(records: list[dict], calibration: list[dict]) -> list[dict]:
    """Each calibration in force that touched a cell of the site, with the cells' EIRP after it."""
    out = []
    for c in calibration:
        eirps = [
            r["eirp_dbm"]
            for r in records
            if (r["operator"], TECH_CLASS[r["technology"]]) == (c["operator"], CLASSES.index(c["tech_class"]))
        ]
        if eirps:
            out.append(
                {
                    "operator": c["operator"],
                    "tech_class": c["tech_class"],
                    "offset_db": float(c["offset_db"]),
                    "eirp_dbm": eirps,
                }
            )
    return out


def _hamlet_changes(session: Session, delta: dict[int, int], params: CoverageParams) -> list[dict]:
    if not delta:
        return []
    rows = session.execute(
        text(
            "SELECT h.id, h.code, h.name, h.population, sum(x.cells_total) AS total, sum(x.cells_mbb_any) AS mbb "
            "FROM admin_units h JOIN hamlet_cover_cells x ON x.hamlet_id = h.id WHERE h.id = ANY(:ids) "
            "GROUP BY h.id ORDER BY h.code"
        ),
        {"ids": list(delta)},
    ).all()
    level = params.mbb_covered_share
    out = []
    for r in rows:
        before, after = r.mbb / r.total, (r.mbb + delta[r.id]) / r.total
        out.append(
            {
                "code": r.code,
                "name": r.name,
                "population": r.population,
                "mbb_share_before": round(before, 4),
                "mbb_share_after": round(min(after, 1.0), 4),
                "covered_before": before >= level,
                "covered_after": after >= level,
                # Population spread evenly over the hamlet's area (the model card says so).
                "population_gain": round((r.population or 0) * (min(after, 1.0) - before), 1),
            }
        )
    return sorted(out, key=lambda h: -h["population_gain"])


def _ratios(session: Session, place: dict, changed: list[dict], req: WhatIfRequest, operators) -> list[dict]:
    """Hamlet MBB coverage and BTS site sharing, before and after, for the district and province."""
    newly = {h["code"] for h in changed if h["covered_after"] and not h["covered_before"]}
    shared = len({c.operator for c in req.cells}) >= 2
    out = []
    for level, code in (("district", place["district_code"]), ("province", None)):
        unit = "AND d.code = :code" if code else ""
        hc = session.execute(
            text(
                "SELECT count(*) AS n, count(*) FILTER (WHERE hc.mbb_covered) AS covered, "
                "count(*) FILTER (WHERE h.code = ANY(:newly)) AS gained "
                "FROM admin_units h JOIN admin_units c ON c.id = h.parent_id JOIN admin_units d ON d.id = c.parent_id "
                f"JOIN hamlet_coverage hc ON hc.hamlet_id = h.id WHERE h.level = 'hamlet' {unit}"
            ),
            {"code": code, "newly": sorted(newly)},
        ).one()
        sites = session.execute(
            text(
                "SELECT count(*) AS n, count(*) FILTER (WHERE (SELECT count(*) FROM site_tenancies t "
                "WHERE t.site_id = s.id) >= 2) AS shared FROM sites s "
                + (
                    "JOIN admin_units d ON d.level = 'district' AND d.code = :code AND ST_Intersects(d.geom, s.geom) "
                    if code
                    else ""
                )
                + "WHERE s.status = 'active'"
            ),
            {"code": code},
        ).one()
        # The region-wide ratio is named by the region's code(s) in force today.
        unit_code = code or ",".join(region_on(session.connection()).codes)
        out.append(
            _ratio(
                level, unit_code, "mobile_bb_hamlet_coverage", hc.covered, hc.covered + hc.gained, hc.n, hc.n
            )
        )
        out.append(
            _ratio(
                level,
                unit_code,
                "bts_site_sharing",
                sites.shared,
                sites.shared + shared,
                sites.n,
                sites.n + 1,
            )
        )
    return out


def _ratio(level, code, indicator, num_before, num_after, den_before, den_after) -> dict:
    pct = lambda n, d: round(100 * n / d, 2) if d else None  # noqa: E731
    return {
        "level": level,
        "code": code,
        "indicator": indicator,
        "before": pct(num_before, den_before),
        "after": pct(num_after, den_after),
    }

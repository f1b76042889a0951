"""What serves one spot (GET /api/point): per operator and class the signal the coverage run stored
at the spot's grid cell, its band and words, the serving and next-best cells, the speed tests nearby,
and the hamlet, commune and dead-zone kind of the spot.

The run: today's live run; for a past ``day`` the fresh dated run of that day when one is stored
(else the live run, and the answer says so). Dated runs keep no rasters: their block is read from the
live raster when its input digest is the same, else computed here for that block's grid cell with the
engine's own functions (``signal_source`` says which).

Who sees what (app/services/scope.py): only active sites radiate, so no unapproved site or cell is ever
a server. Anonymous visitors get what the public map shows — coverage, dead zones, places — plus the
operator, technology and distance of the servers, never their codes or bearing (together with the
distance they would place the site), and the speed tests as counts and medians, never one test. A
district-limited official may ask about points in the district only (403) and sees no code or bearing
of a server in another district, nor its tests.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import IN_FORCE
from app.errors import NotFound, Unprocessable
from app.layer_types import IN_FORCE_ON
from app.services.clock import today
from app.services.coverage import asof
from app.services.coverage.inputs import CELLS_SQL, LIVE_SITES, SITES_ON
from app.services.scope import Scope, check_point
from app.services.site_checks import in_region, place_of
from gis.block_analysis import decode_raster
from gis.coverage import CLASSES, NO_SIGNAL, CellArrays, CoverageParams, Grid
from gis.crs import to_lonlat, to_metric
from gis.point import (
    PLACE_WORDS,
    PLACES,
    band_name,
    cell_levels,
    dead_zone_kind,
    distance_bearing,
    grid_cell,
    ranked_servers,
)
from gis.problems import Problem
from gis.propagation import CLUTTER

RADIUS_DEFAULT_M = 500.0
RADIUS_RANGE_M = (10.0, 5000.0)
MOBILE = ("2G", "3G", "4G", "5G")
_DAY = "CAST(:day AS date)"
# The cells the engine reads, with what the answer names: site and cell codes, the site's position.
_CELLS = CELLS_SQL.replace(
    "SELECT ST_X(s.geom)", "SELECT s.code AS site_code, c.code AS cell_code, ST_X(s.geom)"
)
# The clutter of the hamlet holding a grid cell's centre (inputs.load_hamlets' rule; rural outside).
_CLUTTER = (
    "SELECT coalesce(h.clutter, CASE c.kind WHEN 'Phường' THEN 'suburban' WHEN 'Thị trấn' THEN 'suburban' "
    "ELSE 'rural' END) FROM admin_units h JOIN admin_units c ON c.id = h.parent_id WHERE h.level = 'hamlet' "
    "AND {in_force} AND ST_Intersects(h.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) ORDER BY h.id LIMIT 1"
)
_SAMPLES = (
    "SELECT t.measured_at, o.short_name AS operator, t.technology::text AS technology, t.download_mbps, "
    "t.upload_mbps, ST_Distance(t.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) "
    "AS distance_m FROM speed_tests t LEFT JOIN operators o ON o.id = t.operator_id "
    # the box first (the GiST index on geom), then the exact distance on the ellipsoid
    "WHERE t.geom && ST_Expand(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :deg) "
    "AND ST_DWithin(t.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :r) "
    "AND (CAST(:until AS date) IS NULL OR t.measured_at < CAST(:until AS date)) AND {inside} "
    "ORDER BY t.measured_at DESC, t.code"
)


@dataclass(frozen=True)
class _Run:
    ref: asof.RunRef
    params: CoverageParams
    live_instead: bool  # a past day was asked for, no dated run of it is stored


# (run id, finished) → the parameters of its model card (a run's card never changes once done).
_PARAMS: dict[tuple, CoverageParams] = {}


def _run(session: Session, day: date | None) -> _Run:
    conn = session.connection()
    ref = asof.dated_run(conn, day) if day is not None and day < today() else None
    live_instead = day is not None and day < today() and ref is None
    ref = ref or asof.live_run(conn)
    if ref is None:
        raise NotFound("no coverage has been computed yet: run `make compute`")
    key = (ref.id, ref.finished_at)
    if key not in _PARAMS:
        card = session.execute(
            text("SELECT card FROM coverage_runs WHERE id = :id"), {"id": ref.id}
        ).scalar_one()
        if len(_PARAMS) > 16:
            _PARAMS.clear()
        _PARAMS[key] = asof.run_params(card)
    return _Run(ref, _PARAMS[key], live_instead)


# (block key, input digest) → the decoded raster: a digest names one block's results for good.
_RASTERS: dict[tuple[str, str], np.ndarray] = {}
_RASTERS_KEPT = 48  # ≈ 0.8 MB each for 6 operators


def _raster_at(
    session: Session, run: _Run, key: str, row: int, col: int
) -> tuple[list[str], np.ndarray] | None:
    """(operators, (n_ops, 2) levels) the run stored at the grid cell; None when it kept no raster
    of these inputs (a dated run's block computed from other inputs) or no block there."""
    found = session.execute(
        text(
            "SELECT r.operators, r.ny, r.nx, r.input_hash, b.input_hash AS run_digest FROM coverage_rasters r "
            "LEFT JOIN coverage_run_blocks b ON b.run_id = :r AND b.block_key = r.block_key WHERE r.block_key = :k"
        ),
        {"k": key, "r": run.ref.id},
    ).first()
    if found is None or (
        run.ref.dated and (found.run_digest is None or found.run_digest != found.input_hash)
    ):
        return None
    cached = (key, found.input_hash)
    raster = _RASTERS.get(cached) if found.input_hash else None
    if raster is None:
        data = session.execute(  # the results read above, not a newer run's written meanwhile
            text(
                "SELECT data FROM coverage_rasters WHERE block_key = :k "
                "AND input_hash IS NOT DISTINCT FROM CAST(:h AS text)"
            ),
            {"k": key, "h": found.input_hash},
        ).scalar()
        if data is None:
            return None
        raster = decode_raster(bytes(data), (len(found.operators), 2, found.ny, found.nx))
        if found.input_hash:
            while len(_RASTERS) >= _RASTERS_KEPT:
                _RASTERS.pop(next(iter(_RASTERS)))
            _RASTERS[cached] = raster
    return list(found.operators), raster[:, :, row, col]


# (run id, finished, operators) → the run's network: every cell of the sites active on its day, read once per
# run (a new live run comes with every change the worker applies) and evaluated whole at each spot —
# a few thousand cells cost less than a millisecond, less than finding the near ones in SQL.
_NETWORKS: dict[tuple, tuple[CellArrays, list[dict]]] = {}
_NETWORKS_KEPT = 4


def _cells(session: Session, run: _Run, operators: list[str]) -> tuple[CellArrays, list[dict]]:
    key = (run.ref.id, run.ref.finished_at, tuple(operators))  # finished_at: a run id again after a reset
    if key not in _NETWORKS:
        day = run.ref.as_of if run.ref.dated else None
        sql = _CELLS.format(active=LIVE_SITES if day is None else SITES_ON)
        rows = [dict(r._mapping) for r in session.execute(text(sql), {"as_of": day})]
        rows = [r for r in rows if r["operator"] in operators]
        while len(_NETWORKS) >= _NETWORKS_KEPT:
            _NETWORKS.pop(next(iter(_NETWORKS)))
        _NETWORKS[key] = (CellArrays.from_records(rows, operators, run.params.crs), rows)
    return _NETWORKS[key]


def _clutter(session: Session, run: _Run, lon: float, lat: float) -> int:
    in_force = IN_FORCE.format(a="h") if not run.ref.dated else IN_FORCE_ON.format(a="h", day=_DAY)
    name = session.execute(
        text(_CLUTTER.format(in_force=in_force)), {"lon": lon, "lat": lat, "day": run.ref.as_of}
    ).scalar()
    return CLUTTER[name or "rural"]


def _server(server, row: dict, lon: float, lat: float, shown: bool) -> dict:
    distance_m, bearing = distance_bearing(lon, lat, row["lon"], row["lat"])
    out = {
        "operator": row["operator"],
        "technology": row["technology"],
        "band_mhz": row["band_mhz"],
        "level_dbm": round(server.level_dbm, 1),
        "distance_m": round(distance_m),
    }
    if shown:
        out |= {
            "site_code": row["site_code"],
            "cell_code": row["cell_code"],
            "bearing_deg": round(bearing, 1),
        }
    return out


def _summary(tests: list[dict], with_items: bool) -> dict:
    out = {
        "count": len(tests),
        "median_download_mbps": round(median(t["download_mbps"] for t in tests), 2) if tests else None,
        "median_upload_mbps": round(median(t["upload_mbps"] for t in tests), 2) if tests else None,
        "first": min(t["measured_at"] for t in tests).date() if tests else None,
        "last": max(t["measured_at"] for t in tests).date() if tests else None,
    }
    if with_items:
        out["items"] = [
            {
                "measured_on": t["measured_at"].date(),
                "technology": t["technology"],
                "download_mbps": t["download_mbps"],
                "upload_mbps": t["upload_mbps"],
                "distance_m": round(t["distance_m"]),
            }
            for t in tests
        ]
    return out


def _degrees(radius_m: float, lat: float) -> float:
    """Degrees that hold ``radius_m`` in longitude and latitude at ``lat`` (a box for the index; generous:
    a degree is ≥ 110.5 km of latitude and cos(lat) · 111.3 km of longitude)."""
    return radius_m / 110_000.0 / max(float(np.cos(np.radians(lat))), 0.1)


def _samples(
    session: Session, scope: Scope, lon: float, lat: float, radius_m: float, day: date | None
) -> list[dict]:
    inside, params = scope.in_district("t.geom")
    until = day + timedelta(days=1) if day is not None else None
    rows = session.execute(
        text(_SAMPLES.format(inside=inside)),
        {**params, "lon": lon, "lat": lat, "r": radius_m, "until": until, "deg": _degrees(radius_m, lat)},
    )
    return [dict(r._mapping) for r in rows]


def _codes_inside(session: Session, scope: Scope, codes: set[str]) -> set[str]:
    """The site codes the caller may name: all, or those in a limited official's district."""
    if scope.district_code is None:
        return codes
    inside, params = scope.in_district("x.geom")
    return set(
        session.execute(
            text(f"SELECT x.code FROM sites x WHERE x.code = ANY(:codes) AND {inside}"),
            {**params, "codes": sorted(codes)},
        ).scalars()
    )


def point(
    session: Session,
    scope: Scope,
    lon: float,
    lat: float,
    day: date | None = None,
    radius_m: float = RADIUS_DEFAULT_M,
    anonymous: bool = False,
) -> dict:
    conn = session.connection()
    on = day or today()
    place = place_of(conn, lon, lat, on)
    if place is None and not in_region(conn, lon, lat, on):
        raise Unprocessable(
            reasons=[
                Problem("point.outside_region", "lon", params={"lon": round(lon, 6), "lat": round(lat, 6)})
            ]
        )
    check_point(conn, scope, place, lon, lat)
    run = _run(session, day)
    params = run.params
    x, y = to_metric(lon, lat, params.crs)
    key, row, col, cx, cy = grid_cell(x, y, Grid.for_params(params))
    centre_lon, centre_lat = to_lonlat(cx, cy, params.crs)
    stored = _raster_at(session, run, key, row, col)
    operators = (
        stored[0]
        if stored
        else list(
            session.execute(
                text("SELECT short_name FROM operators WHERE kind = 'mobile' ORDER BY id")
            ).scalars()
        )
    )
    cells, rows = _cells(session, run, operators)
    levels = cell_levels(cells, params, cx, cy, _clutter(session, run, centre_lon, centre_lat))
    ranked = ranked_servers(levels, cells.operator, cells.tech_class, len(operators))
    raster = stored[1] if stored else _best(ranked, len(operators))
    named = set() if anonymous else _codes_inside(session, scope, {r["site_code"] for r in rows})
    tests = _samples(session, scope, lon, lat, radius_m, day)
    answer_operators = []
    for o, name in enumerate(operators):
        classes = []
        for c, class_name in enumerate(CLASSES):
            value = float(raster[o, c])
            level = None if value <= NO_SIGNAL else round(value, 1)
            band = band_name(level, params)
            servers = [
                _server(s, rows[s.index], lon, lat, rows[s.index]["site_code"] in named)
                for s in ranked[(o, class_name)]
            ]
            technologies = {}
            for i in np.flatnonzero((cells.operator == o) & (cells.tech_class == c) & (levels > NO_SIGNAL)):
                tech = str(cells.technology[i])
                technologies[tech] = round(max(float(levels[i]), technologies.get(tech, NO_SIGNAL)), 1)
            classes.append(
                {
                    "class": class_name,
                    "level_dbm": level,
                    "band": band,
                    "places": list(PLACES[band]),
                    "words": {lang: [w[p] for p in PLACES[band]] for lang, w in PLACE_WORDS.items()},
                    "technologies": dict(sorted(technologies.items())),
                    "serving": servers[0] if servers else None,
                    "next_best": servers[1] if len(servers) > 1 else None,
                }
            )
        mine = [t for t in tests if t["operator"] == name and t["technology"] in MOBILE]
        answer_operators.append(
            {"operator": name, "classes": classes, "samples": _summary(mine, not anonymous)}
        )
    in_hamlet = bool(place and place.get("hamlet_code"))
    return {
        "lon": lon,
        "lat": lat,
        "date": on,
        "run": {
            "id": run.ref.id,
            "as_of": run.ref.as_of if run.ref.dated else None,
            "dated": run.ref.dated,
            "live_instead": run.live_instead,
            "finished_at": run.ref.finished_at,
        },
        "signal_source": "raster" if stored else "computed",
        "grid": {
            "block_key": key,
            "row": row,
            "col": col,
            "cell_m": params.cell_m,
            "centre": [round(centre_lon, 7), round(centre_lat, 7)],
        },
        "thresholds": {
            "outdoor_dbm": params.outdoor_threshold_dbm,
            "indoor_dbm": params.indoor_threshold_dbm,
            "bands_dbm": dict(zip(("good", "fair", "weak"), params.band_edges_dbm, strict=True)),
        },
        "place": _place(place),
        "dead_zone": dead_zone_kind(raster[:, 0], raster[:, 1], params.outdoor_threshold_dbm)
        if in_hamlet
        else None,
        "operators": answer_operators,
        "samples": {"radius_m": radius_m, **_summary(tests, False)},
    }


def _best(ranked: dict, n_operators: int) -> np.ndarray:
    """(n_ops, 2) best level per operator and class from the computed servers (a block with no raster)."""
    out = np.full((n_operators, 2), NO_SIGNAL, np.float32)
    for (o, class_name), servers in ranked.items():
        if servers:
            out[o, CLASSES.index(class_name)] = round(servers[0].level_dbm, 1)
    return out


def _place(place: dict | None) -> dict | None:
    if place is None:
        return None
    keys = ("hamlet_code", "hamlet_name", "commune_code", "commune_name", "district_code", "district_name")
    return {k: place.get(k) for k in keys}

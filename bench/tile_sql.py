"""Database time per vector tile, interleaved: the layers' sources now (migration 0029's side tables)
against the per-request joins they replaced and against a TiPg-like query of the raw table.

Throughput through HTTP on a shared 2-core machine swings with the other processes' load; timing the
three queries of the same tile one after the other, in rotating order, over the same random tiles
compares them under the same load. Each figure is the median and p95 of the wall-clock time of the
tile's SQL (PostGIS builds the MVT), over `--tiles` tiles per zoom, with the load average printed.

    python -m bench.tile_sql [--tiles 120]

DATABASE_URL: as bench.run reads it.
"""

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import replace

from sqlalchemy import text

from app.collections import COLLECTIONS
from app.db import new_engine
from app.services import tiles
from app.services.scope import EVERYTHING
from bench.tiles import LAYERS, ZOOMS
from bench.tiles import tiles as random_tiles

_TENANTS = """LEFT JOIN LATERAL (
    SELECT string_agg(op.short_name, ',' ORDER BY op.short_name) AS operators, count(*) AS n
    FROM {table} x JOIN operators op ON op.id = x.operator_id WHERE x.{key} = {owner}.id) t ON true"""

# The sources before migration 0029 (every property joined per request; tests/app/test_tiles_attributes.py
# checks the side tables show the same).
JOINED = {
    "sites": "SELECT s.code AS fid, s.code, s.structure_type, s.height_m, o.short_name AS owner, "
    "s.status, s.permit_no, s.commissioned_on, s.accepts_tenants, s.rent_vnd_month, "
    "t.operators, coalesce(t.n, 0) AS tenant_count, coalesce(t.n, 0) >= 2 AS shared, "
    "tech.technologies, s.geom FROM sites s JOIN operators o ON o.id = s.owner_id "
    + _TENANTS.format(table="site_tenancies", key="site_id", owner="s")
    + " LEFT JOIN LATERAL (SELECT string_agg(DISTINCT technology, ',' ORDER BY technology)"
    " AS technologies FROM cells WHERE cells.site_id = s.id) tech ON true",
    "poles": "SELECT p.code AS fid, p.code, o.short_name AS owner, p.material, p.height_m, "
    "t.operators, coalesce(t.n, 0) AS attachment_count, coalesce(t.n, 0) >= 2 AS shared, "
    "t.cables, p.geom FROM poles p JOIN operators o ON o.id = p.owner_id "
    "LEFT JOIN LATERAL (SELECT string_agg(op.short_name, ',' ORDER BY op.short_name) AS operators, "
    "count(*) AS n, string_agg(op.short_name || ':' || x.cable_count, ';' ORDER BY op.short_name) "
    "AS cables FROM pole_attachments x JOIN operators op ON op.id = x.operator_id "
    "WHERE x.pole_id = p.id) t ON true",
    "ducts": "SELECT r.code AS fid, r.code, r.name, o.short_name AS owner, r.duct_count, r.free_duct_count, "
    "r.duct_count - r.free_duct_count AS used_duct_count, r.subduct_count, "
    "round(r.length_m::numeric, 1)::float8 AS length_m, r.stated_length_m, t.operators, "
    "coalesce(t.n, 0) AS occupant_count, coalesce(t.n, 0) >= 2 AS shared, r.geom FROM duct_routes r "
    "JOIN operators o ON o.id = r.owner_id "
    + _TENANTS.format(table="duct_occupancy", key="duct_route_id", owner="r"),
}
# The hamlets layer before migration 0033: commune, district, label point, the hamlet_coverage view
# and the per-operator shares computed per request (tests/app/test_hamlet_features.py checks the side
# table shows the same).
JOINED["hamlets"] = (
    "SELECT a.code AS fid, a.code, a.name, a.kind, a.population, a.households, "
    "round(a.area_km2::numeric, 3)::float8 AS area_km2, "
    "round(ST_X(ST_PointOnSurface(a.geom))::numeric, 5)::float8 AS label_lon, "
    "round(ST_Y(ST_PointOnSurface(a.geom))::numeric, 5)::float8 AS label_lat, "
    "c.code AS commune_code, c.name AS commune_name, d.code AS district_code, "
    "round(hc.mbb_share::numeric, 4)::float8 AS mbb_share, hc.mbb_covered, "
    "round(hc.ftth_share::numeric, 4)::float8 AS ftth_share, hc.ftth_covered, hc.dead_zone_population, "
    "round(hc.no_signal_share::numeric, 4)::float8 AS no_signal_share, "
    "round(hc.legacy_only_share::numeric, 4)::float8 AS legacy_only_share, "
    "round(hc.single_operator_share::numeric, 4)::float8 AS single_operator_share, "
    "(SELECT jsonb_object_agg(o.short_name, round(x.cells::numeric / nullif(hc.cells_total, 0), 4)::float8) "
    " FROM (SELECT operator_id, sum(cells_mbb) AS cells FROM hamlet_operator_cells "
    "       WHERE hamlet_id = a.id GROUP BY operator_id) x JOIN operators o ON o.id = x.operator_id) "
    "AS mbb_share_by_operator, a.geom FROM admin_units a "
    "JOIN admin_units c ON c.id = a.parent_id JOIN admin_units d ON d.id = c.parent_id "
    "LEFT JOIN hamlet_coverage hc ON hc.hamlet_id = a.id "
    "WHERE a.level = 'hamlet' AND a.valid_from <= CURRENT_DATE AND (a.valid_to IS NULL OR a.valid_to > CURRENT_DATE)"
)
# What TiPg serves: every column of the raw table, ids and all, no join.
RAW_TABLE = {"sites": "sites", "poles": "poles"}


def _raw_columns(session_conn, layer: str) -> list[str]:
    columns = [
        c
        for (c,) in session_conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t AND column_name <> 'geom' "
                "ORDER BY ordinal_position"
            ),
            {"t": RAW_TABLE[layer]},
        )
    ]
    return columns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=120, help="tiles per zoom")
    parser.add_argument(
        "--layers", default=",".join(LAYERS), help="comma-separated; TiPg-like raw only for sites and poles"
    )
    args = parser.parse_args()
    names = args.layers.split(",")
    engine = new_engine(os.environ["DATABASE_URL"])
    rng = random.Random(2023)
    kinds = ("side table", "joins", "raw (TiPg-like)")
    if not all(layer in RAW_TABLE for layer in names):
        kinds = kinds[:2]
    with engine.connect() as conn:
        layers = {}
        for layer in names:
            layers[layer] = {
                "side table": COLLECTIONS[layer],
                "joins": replace(COLLECTIONS[layer], source=JOINED[layer]),
            }
            if layer in RAW_TABLE:
                raw = _raw_columns(conn, layer)
                layers[layer]["raw (TiPg-like)"] = replace(
                    COLLECTIONS[layer],
                    source=f"SELECT {', '.join(raw)}, geom FROM {RAW_TABLE[layer]}",
                    properties=dict.fromkeys(raw, "string"),
                )
        print(f"database time per tile (ms), {args.tiles} random tiles per zoom; load {os.getloadavg()}")
        ratios_head = " ".join(f"{k.split()[0]}/side" for k in kinds[1:])
        print(f"{'zoom':>4} | " + " | ".join(f"{k:>15} p50   p95" for k in kinds) + f" | {ratios_head}")
        for z in ZOOMS:
            times: dict[str, list[float]] = {k: [] for k in kinds}
            for i, (_, _, x, y) in enumerate(random_tiles(z, args.tiles, rng)):
                layer = names[i % len(names)]
                order = kinds[i % len(kinds) :] + kinds[: i % len(kinds)]
                for kind in order:
                    sql, params = tiles.tile_query([layers[layer][kind]], z, x, y, {}, EVERYTHING)
                    t0 = time.perf_counter()
                    conn.execute(text(sql), params).scalar_one()
                    times[kind].append((time.perf_counter() - t0) * 1000)
            stats = {k: (statistics.median(v), sorted(v)[int(0.95 * (len(v) - 1))]) for k, v in times.items()}
            cells = " | ".join(f"{'':>9}{stats[k][0]:6.1f} {stats[k][1]:6.1f}" for k in kinds)
            ratios = " ".join(f"{sum(times[k]) / sum(times[kinds[0]]):7.2f}" for k in kinds[1:])
            print(f"{z:>4} | {cells} | {ratios}   load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

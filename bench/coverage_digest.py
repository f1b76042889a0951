"""Digests of everything a live coverage run stores (rasters, counts, polygons, dead zones, FTTH
reach), row by row in a fixed order: two runs over the same data must print the same lines. Used
to check that a faster engine stores the very same results (`python -m bench.coverage_digest`)."""

import hashlib
import sys

from sqlalchemy import Connection, text

# table → ordered SELECT of its stored values; geometries as WKB, the bytes stored.
QUERIES = {
    "coverage_rasters": "SELECT block_key, operators::text, ny, nx, md5(data), input_hash FROM coverage_rasters "
    "ORDER BY block_key",
    "hamlet_cover_cells": "SELECT block_key, hamlet_id, cells_total, cells_mbb_any, cells_legacy_only, "
    "cells_no_signal, cells_single_operator FROM hamlet_cover_cells ORDER BY block_key, hamlet_id",
    "hamlet_operator_cells": "SELECT block_key, hamlet_id, operator_id, cells_mbb FROM hamlet_operator_cells "
    "ORDER BY block_key, hamlet_id, operator_id",
    "coverage_parts": "SELECT block_key, operator_id, tech_class, band, md5(ST_AsEWKB(geom)) AS g "
    "FROM coverage_parts ORDER BY block_key, operator_id NULLS FIRST, tech_class, band, g",
    "dead_zone_parts": "SELECT block_key, hamlet_id, kind, md5(ST_AsEWKB(geom)) AS g FROM dead_zone_parts "
    "ORDER BY block_key, hamlet_id, kind, g",
    "dead_zones": "SELECT hamlet_id, kind, area_km2, population, md5(ST_AsEWKB(geom)) FROM dead_zones "
    "ORDER BY hamlet_id, kind",
    "hamlet_ftth": "SELECT hamlet_id, share, md5(ST_AsEWKB(geom)) FROM hamlet_ftth ORDER BY hamlet_id",
    "coverage_block_counts": "SELECT input_hash, hamlet_id, cells_total, cells_mbb_any, cells_legacy_only, "
    "cells_no_signal, cells_single_operator FROM coverage_block_counts ORDER BY input_hash, hamlet_id",
}


def digests(conn: Connection) -> dict[str, tuple[int, str]]:
    """Table → (rows, sha256 of its rows in order)."""
    out = {}
    for table, sql in QUERIES.items():
        h, n = hashlib.sha256(), 0
        for row in conn.execute(text(sql)):
            h.update(repr(tuple(row)).encode())
            n += 1
        out[table] = (n, h.hexdigest())
    return out


def main() -> int:
    from app.db import get_engine

    with get_engine().connect() as conn:
        for table, (n, digest) in digests(conn).items():
            print(f"{table:<24} {n:>8} {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

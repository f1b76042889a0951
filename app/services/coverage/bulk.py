"""Bulk writes of a run's rows with COPY: the thousands of polygons of a full run go in one
stream each, as hex EWKB made in the worker processes, instead of an INSERT's bound parameters
(which geoalchemy turns into WKT, parsed again by the server)."""

import io

import shapely
from sqlalchemy import Connection

SRID = 4326


def ewkb_hex(geom) -> str:
    """The hex EWKB (SRID 4326) of a WGS 84 geometry (or of each of an array of them, in one call):
    PostGIS's text input for a geometry."""
    return shapely.to_wkb(shapely.set_srid(geom, SRID), hex=True, include_srid=True)


def _field(value) -> str:
    if value is None:
        return r"\N"
    text = str(value)
    if any(c in text for c in "\t\n\r\\"):  # only plain keys and names go this way
        raise ValueError(f"COPY field needs escaping: {text!r}")
    return text


def copy_rows(conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY ``rows`` (tuples in ``columns`` order: ints, plain strings, None, hex EWKB) into ``table``."""
    if not rows:
        return
    buf = io.StringIO("".join("\t".join(map(_field, row)) + "\n" for row in rows))
    with conn.connection.dbapi_connection.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)

"""VN-2000 zones: our own SRIDs for every VN-2000 projection, and each top-level unit's TM-3 zone

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-08

Migration 0007 gave two VN-2000 projections (TM-3 105°, UTM 48N) rows of our own with the official
7 parameters of Decision 05/2007/QĐ-BTNMT only, so that ST_Transform applies exactly them. Every
province has its own TM-3 central meridian (Circular 973/2001/TCĐC-CT): the other projections EPSG
defines get the same rows, numbered as 0007's (920 000 + the EPSG code). Which zone a deployment reads
easting/northing in is its region's data: ``admin_units.vn2000_crs`` (set on top-level units).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# EPSG code → central meridian in degrees of the TM-3 zones 0007 did not add (k 0.9999, FE 500 km).
TM3_MERIDIANS = {
    5896: 102.0,  # TM-3 zone 481
    5898: 108.0,  # TM-3 zone 491
    5899: 107.75,  # TM-3 107-45
    9205: 103.0,
    9206: 104.0,
    9207: 104.5,
    9208: 104.75,
    9209: 105.5,
    9210: 105.75,
    9211: 106.0,
    9212: 106.25,
    9213: 106.5,
    9214: 107.0,
    9215: 107.25,
    9216: 107.5,
    9217: 108.25,
    9218: 108.5,
}
# As 0007 (its copy, not an import: a migration stays as it was written).
TOWGS84 = "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
ROWS = {
    **{
        920_000 + code: f"+proj=tmerc +lat_0=0 +lon_0={lon_0:g} +k=0.9999 +x_0=500000 +y_0=0 "
        f"+ellps=WGS84 {TOWGS84} +units=m +no_defs"
        for code, lon_0 in TM3_MERIDIANS.items()
    },
    923406: f"+proj=utm +zone=49 +ellps=WGS84 {TOWGS84} +units=m +no_defs",
}


def upgrade() -> None:
    # No authority to look up and no WKT, as 0007's: ST_Transform then applies exactly this +towgs84.
    rows = ", ".join(f"({srid}, 'HGTELECOM', {srid}, NULL, '{proj4}')" for srid, proj4 in ROWS.items())
    op.execute(
        f"INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) VALUES {rows} "
        "ON CONFLICT (srid) DO UPDATE SET proj4text = EXCLUDED.proj4text, srtext = NULL"
    )
    # "EPSG:9209": the projection easting/northing typed without a CRS are read in (app/services/region.py).
    op.add_column("admin_units", sa.Column("vn2000_crs", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("admin_units", "vn2000_crs")
    op.execute(f"DELETE FROM spatial_ref_sys WHERE srid IN ({', '.join(map(str, ROWS))})")

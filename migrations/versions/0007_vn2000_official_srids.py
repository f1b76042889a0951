"""VN-2000 output through the official 7-parameter shift in PostGIS

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

PostGIS looks EPSG:5897 and EPSG:3405 up in PROJ's database, which picks "VN-2000 to WGS 84 (1)";
the Decision 05/2007/QĐ-BTNMT parameters are EPSG's "(2)", about 0.8 m away in Hậu Giang. Two
rows of our own carry the same projections with the official `+towgs84` only (no authority to
look up, no WKT), so ST_Transform to them uses exactly those parameters (app/services/crs_output.py).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Decision 05/2007/QĐ-BTNMT in PROJ's position-vector form (rotations negated from the decision's
# coordinate-frame arc-seconds): the same numbers as gis/importers/crs.py VN2000_HELMERT.
TOWGS84 = "+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
ROWS = {
    925897: f"+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 {TOWGS84} +units=m +no_defs",
    923405: f"+proj=utm +zone=48 +ellps=WGS84 {TOWGS84} +units=m +no_defs",
}


def upgrade() -> None:
    for srid, proj4 in ROWS.items():
        op.execute(
            "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
            f"VALUES ({srid}, 'HGTELECOM', {srid}, NULL, '{proj4}') ON CONFLICT (srid) DO UPDATE "
            "SET proj4text = EXCLUDED.proj4text, srtext = NULL"
        )


def downgrade() -> None:
    op.execute(f"DELETE FROM spatial_ref_sys WHERE srid IN ({', '.join(map(str, ROWS))})")

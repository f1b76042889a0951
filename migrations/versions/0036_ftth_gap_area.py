"""ftth gap area: the geodesic area of each hamlet's FTTH gap kept beside its polygon

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07

The ftth_gaps layer computed ``ST_Area(geom::geography)`` of every gap twice per request (its area,
and its people's share of the hamlet's): a geodesic area over each polygon's vertices, most of a
tile's database time after encoding. A stored generated column computes it once, when a run writes
the polygon, whoever writes it; the layer reads it (app/collections_results.py). The expression is
the one the layer evaluated, so its values are the same to the bit.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE hamlet_ftth ADD COLUMN area_km2 double precision "
        "GENERATED ALWAYS AS (ST_Area(geom::geography) / 1e6) STORED"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE hamlet_ftth DROP COLUMN area_km2")

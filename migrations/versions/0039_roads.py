"""roads: the main roads drawn on the offline map's background

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07

``roads``: a deployment's main roads (motorway … tertiary in OpenStreetMap's vocabulary, its
``highway`` tag) with their ``ref`` (QL61) and ``name`` (Quốc lộ 61), in EPSG:4326, and whom the map must name for them (``attribution``:
OpenStreetMap's licence asks for its contributors). Background
data, not a network layer: the seed loads the sample's generated roads, `app.cli import-roads`
replaces them with a deployment's own file (an OpenStreetMap extract, a survey), and
``GET /basemap/roads.json`` serves them to the map when OpenStreetMap's tiles cannot load.
Audited like every table (a replacement is one TRUNCATE, audited per statement).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "roads"
HIGHWAYS = ("motorway", "trunk", "primary", "secondary", "tertiary")


def upgrade() -> None:
    op.create_geospatial_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "highway",
            sa.Enum(*HIGHWAYS, name="road_highway", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("attribution", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="GEOMETRY",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "GeometryType(geom) IN ('LINESTRING', 'MULTILINESTRING')", name="roads_geom_lines"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        f"idx_{TABLE}_geom", TABLE, ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_audit AFTER UPDATE OR DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION audit_record()"
    )
    op.execute(  # inserts are audited per statement (migration 0008)
        f"CREATE TRIGGER {TABLE}_audit_insert AFTER INSERT ON {TABLE} "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted()"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_audit_truncate AFTER TRUNCATE ON {TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_truncate()"
    )


def downgrade() -> None:
    op.drop_geospatial_index(
        f"idx_{TABLE}_geom", table_name=TABLE, postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table(TABLE)

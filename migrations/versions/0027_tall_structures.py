"""tall structures: water towers, tall buildings, power-line and church or pagoda towers

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-07

``tall_structures``: a place to hang antennas before raising a new mast (the site proposals'
preference order puts them after other operators' shareable towers). Each has a name, a kind, a
height, its owner and address as the commune's or the power company's file gives them (free text:
a parish or a commune's water plant is no organisation of the register), a point and the valid
time of the other infrastructure records (in service over [in_service_from, in_service_to)).
Audited like every table, and versioned for the tile cache (migration 0024).

A site may also be a ``draft``: a site proposal turned, in one click, into a record its operator
keeps and edits before submitting it as a registration (draft → proposed). Like a proposal it is
the company's plan (hidden from other operators); it carries no cell into coverage or indicators.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0027"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "tall_structures"
SITE_STATUSES = ("proposed", "approved", "rejected", "active", "decommissioned")
KINDS = ("water_tower", "building", "power_tower", "church_tower", "pagoda_tower", "chimney", "other")


def _site_statuses(statuses: tuple[str, ...]) -> None:
    op.drop_constraint("site_status", "sites", type_="check")
    op.create_check_constraint("site_status", "sites", f"status IN ({', '.join(repr(s) for s in statuses)})")


def upgrade() -> None:
    _site_statuses((*SITE_STATUSES, "draft"))
    op.create_geospatial_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="tall_structure_kind", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("height_m", sa.Float(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("in_service_from", sa.Date(), nullable=True),
        sa.Column("in_service_to", sa.Date(), nullable=True),
        sa.CheckConstraint("height_m > 0 AND height_m <= 300", name="tall_structures_height"),
        sa.CheckConstraint("ST_IsValid(geom)", name="tall_structures_geom_valid"),
        sa.CheckConstraint(
            "in_service_to IS NULL OR in_service_from IS NULL OR in_service_to > in_service_from",
            name="tall_structures_in_service",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        f"idx_{TABLE}_geom", TABLE, ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(op.f(f"ix_{TABLE}_kind"), TABLE, ["kind"], unique=False)
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
    op.execute(f"INSERT INTO data_versions (table_name) VALUES ('{TABLE}')")
    op.execute(
        f"CREATE TRIGGER data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION note_data_version()"
    )


def downgrade() -> None:
    op.execute("DELETE FROM sites WHERE status = 'draft'")
    _site_statuses(SITE_STATUSES)
    op.execute(f"DELETE FROM data_versions WHERE table_name = '{TABLE}'")
    op.drop_index(op.f(f"ix_{TABLE}_kind"), table_name=TABLE)
    op.drop_geospatial_index(
        f"idx_{TABLE}_geom", table_name=TABLE, postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table(TABLE)

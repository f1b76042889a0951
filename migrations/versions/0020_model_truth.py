"""model truth: speed tests carry the measured signal; planners accept a calibration of the model

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

``speed_tests.rsrp_dbm``: the reference-signal received power the phone reported with the test
(LTE RSRP, or NR SS-RSRP for a 5G test), in dBm, when the app exports it. Its range is the
reporting range of 3GPP TS 38.133 (SS-RSRP −156 … −31 dBm), which contains LTE's (TS 36.133,
−140 … −44 dBm); a fixed-line test has none.

``coverage_calibrations``: an offset (dB) added to every cell of one mobile operator and class
(mbb = 4G/5G, legacy = 2G/3G) before propagation, fitted to the measured signal and stored only when
a planner accepts it (who and when); withdrawing it keeps the row (who and when) and ends its use.
At most one calibration in force per operator and class. Every change is audited.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "coverage_calibrations"


def upgrade() -> None:
    op.add_column("speed_tests", sa.Column("rsrp_dbm", sa.Float))
    op.create_check_constraint(
        "speed_tests_rsrp", "speed_tests", "rsrp_dbm IS NULL OR (rsrp_dbm >= -156 AND rsrp_dbm <= -31)"
    )
    op.create_check_constraint(
        "speed_tests_rsrp_mobile", "speed_tests", "rsrp_dbm IS NULL OR technology <> 'fixed'"
    )
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "operator_id", sa.Integer, sa.ForeignKey("operators.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("tech_class", sa.String(8), nullable=False),
        sa.Column("offset_db", sa.Float, nullable=False),
        sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("agreement_before", sa.Float),
        sa.Column("agreement_after", sa.Float),
        sa.Column("median_error_before_db", sa.Float),
        sa.Column("accepted_by", sa.Text, nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("withdrawn_by", sa.Text),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("tech_class IN ('mbb', 'legacy')", name="coverage_calibrations_class"),
        sa.CheckConstraint("offset_db >= -40 AND offset_db <= 40", name="coverage_calibrations_offset"),
        sa.CheckConstraint("samples > 0", name="coverage_calibrations_samples"),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawn_by IS NULL)", name="coverage_calibrations_withdrawn"
        ),
    )
    op.create_index(
        "coverage_calibrations_in_force",
        TABLE,
        ["operator_id", "tech_class"],
        unique=True,
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )
    # Audited as the tables of migration 0015 (inserts per statement, migration 0008).
    op.execute(
        f"CREATE TRIGGER {TABLE}_audit AFTER UPDATE OR DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION audit_record()"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_audit_insert AFTER INSERT ON {TABLE} "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted()"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_audit_truncate AFTER TRUNCATE ON {TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_truncate()"
    )


def downgrade() -> None:
    op.drop_table(TABLE)
    op.drop_constraint("speed_tests_rsrp_mobile", "speed_tests", type_="check")
    op.drop_constraint("speed_tests_rsrp", "speed_tests", type_="check")
    op.drop_column("speed_tests", "rsrp_dbm")

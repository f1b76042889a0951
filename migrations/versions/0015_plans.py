"""plans: a plan is a record (title, decision, issuing body, period, the day whose admin units it is
judged on) with its own indicators' targets; the Hậu Giang 2023–2025 plan becomes the first one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Until now each indicator carried one target (migration 0003): the targets of one plan, written into
the measure. A second plan (the new Cần Thơ city's, 2026–2030) judges the same measures against
other targets, so the targets move into ``plan_targets`` and ``indicators`` keeps the measure (name,
unit, method). The history of target edits names its plan; frozen indicator records (closed
periods) name the plan they were judged against. Downgrade puts each indicator's target back (the
first plan's, else any plan's) and forgets the other plans.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST = "HG-2023-2025"
# The report's title until now (app/services/reports/report.py): "Báo cáo kết quả thực hiện " + this.
FIRST_TITLE = "Kế hoạch phát triển hạ tầng số trên địa bàn tỉnh Hậu Giang giai đoạn 2023 – 2025"
# The plan's order of its indicators (section II.2, as shared/plan/targets.md lists them).
ORDER = (
    "mobile_bb_hamlet_coverage",
    "ftth_hamlet_coverage",
    "bts_site_sharing",
    "pole_sharing",
    "duct_sharing",
    "commune_gov_network",
    "mobile_bb_subs_per_100",
    "smartphone_share_of_subs",
    "internet_users",
    "fixed_bb_subs_per_100",
    "households_fibre",
    "adults_smartphone",
    "households_internet",
    "mobile_4g_speed",
    "fixed_bb_speed",
    "iot_ready_infrastructure",
    "iot_industrial_zones",
    "cloud_provincial_systems",
    "cloud_enterprises_domestic",
    "digital_platforms_state",
    "digital_platforms_enterprises",
)


def _audit(table: str, keys: tuple[str, ...] = ()) -> None:
    args = ", ".join(f"'{k}'" for k in keys)
    op.execute(
        f"CREATE TRIGGER {table}_audit AFTER UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_record({args})"
    )
    op.execute(  # inserts are audited per statement (migration 0008)
        f"CREATE TRIGGER {table}_audit_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted({args})"
    )
    op.execute(
        f"CREATE TRIGGER {table}_audit_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_truncate()"
    )


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("decision", sa.Text),  # its number and symbol, e.g. "Kế hoạch số 123/KH-UBND"
        sa.Column("issued_on", sa.Date),
        sa.Column("issuer", sa.Text),  # the issuing body's name
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_to", sa.Date, nullable=False),
        sa.Column(
            "judged_on", sa.Date
        ),  # whose admin units its results are computed on; NULL: the report's day
        sa.Column("note", sa.Text),
        sa.CheckConstraint("period_to >= period_from", name="plans_period"),
        sa.CheckConstraint("code <> ''", name="plans_code_not_empty"),
    )
    op.create_table(
        "plan_targets",
        sa.Column(
            "plan_code",
            sa.String(32),
            sa.ForeignKey("plans.code", ondelete="CASCADE", onupdate="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "indicator_id",
            sa.String(64),
            sa.ForeignKey("indicators.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("target_value", sa.Numeric(12, 3), nullable=False),
        sa.Column("target_year", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("target_value >= 0", name="plan_targets_value_nonnegative"),
    )
    op.create_index("plan_targets_indicator_idx", "plan_targets", ["indicator_id"])
    _audit("plans")
    _audit("plan_targets", ("plan_code", "indicator_id"))
    op.execute(
        sa.text(
            "INSERT INTO plans (code, title, issuer, period_from, period_to, judged_on, note) "
            "VALUES (:code, :title, :issuer, DATE '2023-01-01', DATE '2025-12-31', DATE '2025-06-30', :note)"
        ).bindparams(
            code=FIRST,
            title=FIRST_TITLE,
            issuer="Ủy ban nhân dân tỉnh Hậu Giang",
            note="Chỉ tiêu mục II.2; kết quả tính trên địa giới huyện, xã trước ngày 01/7/2025.",
        )
    )
    op.execute(
        sa.text(
            "INSERT INTO plan_targets (plan_code, indicator_id, target_value, target_year, position) "
            "SELECT :code, id, target_value, target_year, "
            "coalesce(array_position(CAST(:order AS text[]), id::text), 1000) FROM indicators"
        ).bindparams(code=FIRST, order=list(ORDER))
    )
    op.add_column("indicator_target_history", sa.Column("plan_code", sa.String(32)))
    op.execute(sa.text("UPDATE indicator_target_history SET plan_code = :code").bindparams(code=FIRST))
    op.alter_column("indicator_target_history", "plan_code", nullable=False)
    op.create_foreign_key(
        "indicator_target_history_plan_fkey",
        "indicator_target_history",
        "plans",
        ["plan_code"],
        ["code"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    )
    # Records frozen so far were judged against this plan's targets.
    op.execute(
        sa.text(
            "UPDATE indicator_snapshots SET record = record || jsonb_build_object('plan', CAST(:code AS text))"
        ).bindparams(code=FIRST)
    )
    op.drop_column("indicators", "target_value")
    op.drop_column("indicators", "target_year")


def downgrade() -> None:
    op.add_column("indicators", sa.Column("target_value", sa.Numeric(12, 3)))
    op.add_column("indicators", sa.Column("target_year", sa.Integer, server_default=sa.text("2025")))
    op.execute(
        sa.text(
            "UPDATE indicators i SET target_value = t.target_value, target_year = t.target_year "
            "FROM (SELECT DISTINCT ON (indicator_id) indicator_id, target_value, target_year FROM plan_targets "
            "ORDER BY indicator_id, plan_code <> :code, plan_code) t WHERE t.indicator_id = i.id"
        ).bindparams(code=FIRST)
    )
    op.execute("UPDATE indicators SET target_value = 0 WHERE target_value IS NULL")
    op.execute("UPDATE indicators SET target_year = 2025 WHERE target_year IS NULL")
    op.alter_column("indicators", "target_value", nullable=False)
    op.alter_column("indicators", "target_year", nullable=False)
    op.execute("UPDATE indicator_snapshots SET record = record - 'plan'")
    op.execute(
        sa.text("DELETE FROM indicator_target_history WHERE plan_code <> :code").bindparams(code=FIRST)
    )
    op.drop_constraint("indicator_target_history_plan_fkey", "indicator_target_history", type_="foreignkey")
    op.drop_column("indicator_target_history", "plan_code")
    op.drop_table("plan_targets")  # their triggers go with them
    op.drop_table("plans")

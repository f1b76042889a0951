"""accounts, roles, registration workflow, sharing requests, optimistic locking, append-only audit

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

The web service runs as the role `hg_app` (app/db.py sets it on every connection). That role may
read the audit log but never write, change or delete it: audit rows are written only by the
SECURITY DEFINER trigger below, and a second trigger refuses UPDATE, DELETE and TRUNCATE on the
log for everyone, its owner included.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "hg_app"
ROLES = ("admin", "planner", "official", "operator")
# Tables whose every change is audited: (table, key columns when not `id`).
AUDITED = {
    "operators": (),
    "admin_units": (),
    "sites": (),
    "cells": (),
    "site_tenancies": ("site_id", "operator_id"),
    "poles": (),
    "pole_attachments": ("pole_id", "operator_id"),
    "duct_routes": (),
    "duct_occupancy": ("duct_route_id", "operator_id"),
    "manholes": (),
    "fibre_access_points": (),
    "commune_offices": (),
    "speed_tests": (),
    "statistics": (),
    "indicators": (),
    "users": (),
    "sharing_requests": (),
}
VERSIONED = ("sites", "poles", "duct_routes")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("full_name", sa.Text(), nullable=False, server_default=""),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        # The operator company by short name: users outlive a reload of the operators table.
        sa.Column("operator", sa.String(64)),
        sa.Column("district_code", sa.String(16)),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(f"role IN {ROLES}", name="users_role"),
        sa.CheckConstraint(
            "username = lower(username) AND username ~ '^[a-z0-9._-]{2,64}$'", name="users_username"
        ),
        sa.CheckConstraint("(role = 'operator') = (operator IS NOT NULL)", name="users_operator_role"),
        sa.CheckConstraint("district_code IS NULL OR role = 'official'", name="users_district_official"),
    )
    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("csrf_token", sa.String(64)),
        sa.Column("name", sa.Text()),
        sa.Column("client_ip", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('session', 'api')", name="auth_tokens_kind"),
        sa.CheckConstraint("(kind = 'session') = (csrf_token IS NOT NULL)", name="auth_tokens_csrf"),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("login_failures_username_at", "login_failures", ["username", "at"])
    op.create_index("login_failures_ip_at", "login_failures", ["client_ip", "at"])

    for table in VERSIONED:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("sites", sa.Column("status_reason", sa.Text()))
    op.add_column("sites", sa.Column("new_structure_reason", sa.Text()))
    op.add_column("sites", sa.Column("pending_change", sa.dialects.postgresql.JSONB()))
    op.add_column("sites", sa.Column("pending_by", sa.String(64)))
    op.add_column("sites", sa.Column("created_by", sa.String(64)))
    op.add_column(
        "poles", sa.Column("accepts_tenants", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column(
        "duct_routes", sa.Column("accepts_tenants", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.create_table(
        "sharing_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="CASCADE"), index=True),
        sa.Column("pole_id", sa.Integer(), sa.ForeignKey("poles.id", ondelete="CASCADE"), index=True),
        sa.Column(
            "duct_route_id", sa.Integer(), sa.ForeignKey("duct_routes.id", ondelete="CASCADE"), index=True
        ),
        sa.Column(
            "requester_id", sa.Integer(), sa.ForeignKey("operators.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("note", sa.Text()),
        sa.Column("decision_note", sa.Text()),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("asset IN ('site', 'pole', 'duct')", name="sharing_requests_asset"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'withdrawn')", name="sharing_requests_status"
        ),
        sa.CheckConstraint(
            "(asset = 'site') = (site_id IS NOT NULL) AND (asset = 'pole') = (pole_id IS NOT NULL) "
            "AND (asset = 'duct') = (duct_route_id IS NOT NULL)",
            name="sharing_requests_one_asset",
        ),
    )
    # One open request per operator and structure.
    op.execute(
        "CREATE UNIQUE INDEX sharing_requests_one_pending ON sharing_requests "
        "(asset, coalesce(site_id, pole_id, duct_route_id), requester_id) WHERE status = 'pending'"
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("clock_timestamp()")
        ),
        sa.Column("actor_id", sa.Integer()),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_role", sa.Text()),
        sa.Column("client_ip", sa.Text()),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("record_id", sa.Text()),
        sa.Column("record_code", sa.Text()),
        sa.Column("before", sa.dialects.postgresql.JSONB()),
        sa.Column("after", sa.dialects.postgresql.JSONB()),
        sa.CheckConstraint("action IN ('create', 'update', 'delete', 'truncate')", name="audit_log_action"),
    )
    op.create_index("audit_log_entity_record", "audit_log", ["entity", "record_id"])
    op.create_index("audit_log_at", "audit_log", ["at"])
    op.execute(_AUDIT_SQL)
    for table, keys in AUDITED.items():
        args = ", ".join(f"'{k}'" for k in keys)
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_record({args})"
        )
        op.execute(
            f"CREATE TRIGGER {table}_audit_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_truncate()"
        )
    for table in VERSIONED:
        op.execute(
            f"CREATE TRIGGER {table}_version BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION bump_version()"
        )
    op.execute(_GRANTS_SQL.format(role=APP_ROLE))


_AUDIT_SQL = """
-- Who acts: the app sets hg.actor* per transaction (app/services/audit.py); anything else
-- (psql, a script) is recorded under its database user.
CREATE FUNCTION audit_actor(OUT actor_id int, OUT actor text, OUT actor_role text, OUT client_ip text)
LANGUAGE sql STABLE AS $$
  SELECT nullif(current_setting('hg.actor_id', true), '')::int,
         coalesce(nullif(current_setting('hg.actor', true), ''), 'db:' || session_user),
         nullif(current_setting('hg.actor_role', true), ''),
         coalesce(nullif(current_setting('hg.client_ip', true), ''), host(inet_client_addr()))
$$;

-- Geometries read as GeoJSON, secrets never leave the row.
CREATE FUNCTION audit_values(r jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN r ? 'geom' AND jsonb_typeof(r->'geom') = 'string'
              THEN jsonb_set(r, '{geom}', ST_AsGeoJSON((r->>'geom')::geometry, 7)::jsonb)
              ELSE r END - 'password_hash'
$$;

CREATE FUNCTION audit_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN audit_values(to_jsonb(OLD)) END;
  n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN audit_values(to_jsonb(NEW)) END;
  r jsonb := coalesce(n, o);
  key text;
  who record := audit_actor();
BEGIN
  IF TG_OP = 'UPDATE' AND o = n THEN
    RETURN NULL;
  END IF;
  IF TG_NARGS = 0 THEN
    key := r->>'id';
  ELSE
    SELECT string_agg(k || '=' || (r->>k), ',') INTO key FROM unnest(TG_ARGV) AS k;
  END IF;
  INSERT INTO audit_log (actor_id, actor, actor_role, client_ip, action, entity, record_id, record_code,
                         before, after)
  VALUES (who.actor_id, who.actor, who.actor_role, who.client_ip,
          CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
          TG_TABLE_NAME, key, coalesce(r->>'code', r->>'username'), o, n);
  RETURN NULL;
END $$;

CREATE FUNCTION audit_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  who record := audit_actor();
BEGIN
  INSERT INTO audit_log (actor_id, actor, actor_role, client_ip, action, entity)
  VALUES (who.actor_id, who.actor, who.actor_role, who.client_ip, 'truncate', TG_TABLE_NAME);
  RETURN NULL;
END $$;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Every update of a versioned record is a new version, whoever writes it.
CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
"""

# The app's role: everything on the data, only SELECT on the audit log (triggers write it).
_GRANTS_SQL = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
    CREATE ROLE {role} NOLOGIN;
  END IF;
END $$;
GRANT {role} TO current_user;
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {role};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role};
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_log FROM {role};
REVOKE USAGE, UPDATE ON SEQUENCE audit_log_id_seq FROM {role};
REVOKE ALL ON alembic_version FROM {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role};
"""


def downgrade() -> None:
    role = APP_ROLE
    # The role is cluster-wide (other databases may use it): only this database's grants go.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {role}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")
    for table in VERSIONED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
    for table in AUDITED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_audit ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_audit_truncate ON {table}")
    op.drop_table("audit_log")
    for fn in (
        "audit_record()",
        "audit_truncate()",
        "audit_log_append_only()",
        "bump_version()",
        "audit_values(jsonb)",
        "audit_actor()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.execute("DROP INDEX IF EXISTS sharing_requests_one_pending")
    op.drop_table("sharing_requests")
    op.drop_column("duct_routes", "accepts_tenants")
    op.drop_column("poles", "accepts_tenants")
    for column in ("created_by", "pending_by", "pending_change", "new_structure_reason", "status_reason"):
        op.drop_column("sites", column)
    for table in VERSIONED:
        op.drop_column(table, "version")
    op.drop_index("login_failures_ip_at", table_name="login_failures")
    op.drop_index("login_failures_username_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_table("auth_tokens")
    op.drop_table("users")

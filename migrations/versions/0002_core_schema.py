"""core schema

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 14:39:08.827442
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table(
        "admin_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "province",
                "district",
                "commune",
                "hamlet",
                name="admin_level",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("official_code", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("urban", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("valid_from", sa.Date(), server_default=sa.text("'2020-01-01'"), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "area_km2",
            sa.Float(),
            sa.Computed("ST_Area(geom::geography) / 1e6", persisted=True),
            nullable=False,
        ),
        sa.CheckConstraint("(level = 'province') = (parent_id IS NULL)", name="admin_units_parent_by_level"),
        sa.CheckConstraint("ST_IsValid(geom)", name="admin_units_geom_valid"),
        sa.CheckConstraint("households IS NULL OR households >= 0", name="admin_units_households"),
        sa.CheckConstraint("population IS NULL OR population >= 0", name="admin_units_population"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="admin_units_period"),
        sa.ForeignKeyConstraint(["parent_id"], ["admin_units.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("level", "code", "valid_from", name="admin_units_level_code_from_key"),
    )
    op.create_index("admin_units_name_folded_idx", "admin_units", ["name_folded"], unique=False)
    op.create_index("admin_units_parent_idx", "admin_units", ["parent_id"], unique=False)
    op.create_geospatial_index(
        "idx_admin_units_geom",
        "admin_units",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name_vi", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "computed",
                "reported",
                name="indicator_method",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("target_value", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("target_year", sa.Integer(), server_default=sa.text("2025"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("short_name", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "mobile",
                "fixed",
                "infrastructure",
                "power_utility",
                name="operator_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("mcc", sa.String(length=3), nullable=True),
        sa.Column("mnc", sa.String(length=2), nullable=True),
        sa.CheckConstraint("mnc IS NULL OR mnc ~ '^[0-9]{2}$'", name="operators_mnc_format"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mcc", "mnc", name="operators_plmn_key"),
        sa.UniqueConstraint("short_name"),
    )
    op.create_geospatial_table(
        "commune_offices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("gov_network_connected", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("bandwidth_mbps", sa.Float(), nullable=True),
        sa.Column("connected_on", sa.Date(), nullable=True),
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
        sa.CheckConstraint("ST_IsValid(geom)", name="commune_offices_geom_valid"),
        sa.CheckConstraint("bandwidth_mbps IS NULL OR bandwidth_mbps > 0", name="commune_offices_bandwidth"),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["admin_units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_commune_offices_geom",
        "commune_offices",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_commune_offices_commune_id"), "commune_offices", ["commune_id"], unique=False)
    op.create_geospatial_table(
        "duct_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("duct_count", sa.Integer(), nullable=False),
        sa.Column("subduct_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="LINESTRING",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "length_m",
            sa.Float(),
            sa.Computed("ST_Length(geom::geography)", persisted=True),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="duct_routes_geom_valid"),
        sa.CheckConstraint("duct_count >= 1", name="duct_routes_duct_count"),
        sa.CheckConstraint("subduct_count >= 0", name="duct_routes_subduct_count"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_duct_routes_geom",
        "duct_routes",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_duct_routes_owner_id"), "duct_routes", ["owner_id"], unique=False)
    op.create_geospatial_table(
        "fibre_access_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "splitter",
                "odp",
                name="fap_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("ports_total", sa.Integer(), nullable=False),
        sa.Column("ports_used", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("service_radius_m", sa.Float(), server_default=sa.text("500"), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "planned",
                name="fap_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
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
        sa.CheckConstraint("ST_IsValid(geom)", name="fibre_access_points_geom_valid"),
        sa.CheckConstraint("ports_total > 0", name="fap_ports_total"),
        sa.CheckConstraint("ports_used >= 0 AND ports_used <= ports_total", name="fap_ports_used"),
        sa.CheckConstraint("service_radius_m > 0 AND service_radius_m <= 5000", name="fap_radius"),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_fibre_access_points_geom",
        "fibre_access_points",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_fibre_access_points_operator_id"),
        "fibre_access_points",
        ["operator_id"],
        unique=False,
    )
    op.create_index(op.f("ix_fibre_access_points_status"), "fibre_access_points", ["status"], unique=False)
    op.create_geospatial_table(
        "poles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column(
            "material",
            sa.Enum(
                "concrete",
                "steel",
                "wood",
                "composite",
                name="pole_material",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("height_m", sa.Float(), nullable=True),
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
        sa.CheckConstraint("ST_IsValid(geom)", name="poles_geom_valid"),
        sa.CheckConstraint("height_m IS NULL OR (height_m > 0 AND height_m <= 40)", name="poles_height"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_poles_geom",
        "poles",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_poles_owner_id"), "poles", ["owner_id"], unique=False)
    op.create_geospatial_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column(
            "structure_type",
            sa.Enum(
                "tower",
                "guyed_mast",
                "rooftop",
                "camouflaged",
                "small_cell",
                name="structure_type",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("height_m", sa.Float(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "approved",
                "rejected",
                "active",
                "decommissioned",
                name="site_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("permit_no", sa.String(length=64), nullable=True),
        sa.Column("proposed_on", sa.Date(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("commissioned_on", sa.Date(), nullable=True),
        sa.Column("decommissioned_on", sa.Date(), nullable=True),
        sa.Column("accepts_tenants", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("rent_vnd_month", sa.Integer(), nullable=True),
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
        sa.CheckConstraint("ST_IsValid(geom)", name="sites_geom_valid"),
        sa.CheckConstraint("height_m IS NULL OR (height_m > 0 AND height_m <= 200)", name="sites_height"),
        sa.CheckConstraint("rent_vnd_month IS NULL OR rent_vnd_month >= 0", name="sites_rent"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_sites_geom",
        "sites",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_sites_owner_id"), "sites", ["owner_id"], unique=False)
    op.create_index(op.f("ix_sites_status"), "sites", ["status"], unique=False)
    op.create_geospatial_table(
        "speed_tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column(
            "technology",
            sa.Enum(
                "4G",
                "5G",
                "fixed",
                name="speed_technology",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("download_mbps", sa.Float(), nullable=False),
        sa.Column("upload_mbps", sa.Float(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
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
        sa.CheckConstraint("ST_IsValid(geom)", name="speed_tests_geom_valid"),
        sa.CheckConstraint("download_mbps >= 0 AND upload_mbps >= 0", name="speed_tests_speeds"),
        sa.CheckConstraint("latency_ms IS NULL OR latency_ms >= 0", name="speed_tests_latency"),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_speed_tests_geom",
        "speed_tests",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_speed_tests_measured_at"), "speed_tests", ["measured_at"], unique=False)
    op.create_index(op.f("ix_speed_tests_operator_id"), "speed_tests", ["operator_id"], unique=False)
    op.create_table(
        "statistics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.CheckConstraint("period ~ '^[0-9]{4}-Q[1-4]$'", name="statistics_period_format"),
        sa.CheckConstraint("value >= 0", name="statistics_value_nonnegative"),
        sa.ForeignKeyConstraint(["admin_unit_id"], ["admin_units.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("admin_unit_id", "period", "metric", name="statistics_unit_period_metric_key"),
    )
    op.create_index(op.f("ix_statistics_admin_unit_id"), "statistics", ["admin_unit_id"], unique=False)
    op.create_table(
        "cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column(
            "technology",
            sa.Enum(
                "2G",
                "3G",
                "4G",
                "5G",
                name="technology",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("band_mhz", sa.Integer(), nullable=False),
        sa.Column("azimuth_deg", sa.Float(), nullable=True),
        sa.Column("beamwidth_deg", sa.Float(), server_default=sa.text("65"), nullable=False),
        sa.Column("tilt_mech_deg", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("tilt_elec_deg", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("antenna_height_m", sa.Float(), nullable=False),
        sa.Column("tx_power_dbm", sa.Float(), nullable=True),
        sa.Column("antenna_gain_dbi", sa.Float(), nullable=True),
        sa.Column("eirp_dbm", sa.Float(), nullable=True),
        sa.CheckConstraint("antenna_height_m > 0 AND antenna_height_m <= 200", name="cells_height"),
        sa.CheckConstraint(
            "azimuth_deg IS NULL OR (azimuth_deg >= 0 AND azimuth_deg < 360)", name="cells_azimuth"
        ),
        sa.CheckConstraint("band_mhz BETWEEN 400 AND 6000", name="cells_band"),
        sa.CheckConstraint("beamwidth_deg > 0 AND beamwidth_deg <= 360", name="cells_beamwidth"),
        sa.CheckConstraint(
            "eirp_dbm IS NOT NULL OR (tx_power_dbm IS NOT NULL AND antenna_gain_dbi IS NOT NULL)",
            name="cells_power_given",
        ),
        sa.CheckConstraint("tilt_elec_deg BETWEEN -20 AND 30", name="cells_tilt_elec"),
        sa.CheckConstraint("tilt_mech_deg BETWEEN -20 AND 30", name="cells_tilt_mech"),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(op.f("ix_cells_operator_id"), "cells", ["operator_id"], unique=False)
    op.create_index(op.f("ix_cells_site_id"), "cells", ["site_id"], unique=False)
    op.create_table(
        "duct_occupancy",
        sa.Column("duct_route_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["duct_route_id"], ["duct_routes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("duct_route_id", "operator_id"),
    )
    op.create_index(op.f("ix_duct_occupancy_operator_id"), "duct_occupancy", ["operator_id"], unique=False)
    op.create_geospatial_table(
        "manholes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("duct_route_id", sa.Integer(), nullable=True),
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
        sa.CheckConstraint("ST_IsValid(geom)", name="manholes_geom_valid"),
        sa.ForeignKeyConstraint(["duct_route_id"], ["duct_routes.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_manholes_geom",
        "manholes",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_manholes_duct_route_id"), "manholes", ["duct_route_id"], unique=False)
    op.create_index(op.f("ix_manholes_owner_id"), "manholes", ["owner_id"], unique=False)
    op.create_table(
        "pole_attachments",
        sa.Column("pole_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.ForeignKeyConstraint(["pole_id"], ["poles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pole_id", "operator_id"),
    )
    op.create_index(
        op.f("ix_pole_attachments_operator_id"), "pole_attachments", ["operator_id"], unique=False
    )
    op.create_table(
        "site_tenancies",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id", "operator_id"),
    )
    op.create_index(op.f("ix_site_tenancies_operator_id"), "site_tenancies", ["operator_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_site_tenancies_operator_id"), table_name="site_tenancies")
    op.drop_table("site_tenancies")
    op.drop_index(op.f("ix_pole_attachments_operator_id"), table_name="pole_attachments")
    op.drop_table("pole_attachments")
    op.drop_index(op.f("ix_manholes_owner_id"), table_name="manholes")
    op.drop_index(op.f("ix_manholes_duct_route_id"), table_name="manholes")
    op.drop_geospatial_index(
        "idx_manholes_geom", table_name="manholes", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("manholes")
    op.drop_index(op.f("ix_duct_occupancy_operator_id"), table_name="duct_occupancy")
    op.drop_table("duct_occupancy")
    op.drop_index(op.f("ix_cells_site_id"), table_name="cells")
    op.drop_index(op.f("ix_cells_operator_id"), table_name="cells")
    op.drop_table("cells")
    op.drop_index(op.f("ix_statistics_admin_unit_id"), table_name="statistics")
    op.drop_table("statistics")
    op.drop_index(op.f("ix_speed_tests_operator_id"), table_name="speed_tests")
    op.drop_index(op.f("ix_speed_tests_measured_at"), table_name="speed_tests")
    op.drop_geospatial_index(
        "idx_speed_tests_geom",
        table_name="speed_tests",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("speed_tests")
    op.drop_index(op.f("ix_sites_status"), table_name="sites")
    op.drop_index(op.f("ix_sites_owner_id"), table_name="sites")
    op.drop_geospatial_index(
        "idx_sites_geom", table_name="sites", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("sites")
    op.drop_index(op.f("ix_poles_owner_id"), table_name="poles")
    op.drop_geospatial_index(
        "idx_poles_geom", table_name="poles", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("poles")
    op.drop_index(op.f("ix_fibre_access_points_status"), table_name="fibre_access_points")
    op.drop_index(op.f("ix_fibre_access_points_operator_id"), table_name="fibre_access_points")
    op.drop_geospatial_index(
        "idx_fibre_access_points_geom",
        table_name="fibre_access_points",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("fibre_access_points")
    op.drop_index(op.f("ix_duct_routes_owner_id"), table_name="duct_routes")
    op.drop_geospatial_index(
        "idx_duct_routes_geom",
        table_name="duct_routes",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("duct_routes")
    op.drop_index(op.f("ix_commune_offices_commune_id"), table_name="commune_offices")
    op.drop_geospatial_index(
        "idx_commune_offices_geom",
        table_name="commune_offices",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("commune_offices")
    op.drop_table("operators")
    op.drop_table("indicators")
    op.drop_geospatial_index(
        "idx_admin_units_geom",
        table_name="admin_units",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_index("admin_units_parent_idx", table_name="admin_units")
    op.drop_index("admin_units_name_folded_idx", table_name="admin_units")
    op.drop_geospatial_table("admin_units")

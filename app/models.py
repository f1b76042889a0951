"""Database schema (SQLAlchemy 2 + GeoAlchemy2). Geometries are stored in EPSG:4326.

Codes are unique; every geometry has a type+SRID typmod, a GiST index and a validity check.
Enumerations are VARCHAR + CHECK (non-native) so migrations stay simple to move up and down.
"""

from datetime import date, datetime
from decimal import Decimal

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gis.roads import MAIN_HIGHWAYS  # one list, shared with the roads' importer
from gis.site_rules import STRUCTURE_TYPES, TECHNOLOGIES  # one list, shared with the site rules

SRID = 4326

ADMIN_LEVELS = ("province", "district", "commune", "hamlet")
OPERATOR_KINDS = ("mobile", "fixed", "infrastructure", "power_utility")
# "draft" (migration 0027): a proposal kept by its operator, not yet a registration (nor counted).
SITE_STATUSES = ("proposed", "approved", "rejected", "active", "decommissioned", "draft")
POLE_MATERIALS = ("concrete", "steel", "wood", "composite")
FAP_KINDS = ("splitter", "odp")
FAP_STATUSES = ("active", "planned")
SPEED_TECHNOLOGIES = ("4G", "5G", "fixed")
# Migration 0027: structures tall enough to carry antennas (sharing before a new mast).
TALL_STRUCTURE_KINDS = (
    "water_tower",
    "building",
    "power_tower",
    "church_tower",
    "pagoda_tower",
    "chimney",
    "other",
)
INDICATOR_METHODS = ("computed", "reported")
INDICATOR_UNITS = ("%", "per_100", "Mb/s")  # what the indicator pages and reports know how to show


def _enum(name: str, values: tuple[str, ...]) -> Enum:
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def _geom(kind: str) -> Geometry:
    return Geometry(kind, srid=SRID, spatial_index=True)


def _valid(table: str) -> CheckConstraint:
    return CheckConstraint("ST_IsValid(geom)", name=f"{table}_geom_valid")


class Base(DeclarativeBase):
    pass


class AdminUnit(Base):
    """Province, district, commune or hamlet (ấp / khu vực), valid over [valid_from, valid_to)."""

    __tablename__ = "admin_units"
    __table_args__ = (
        UniqueConstraint("level", "code", "valid_from", name="admin_units_level_code_from_key"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="admin_units_period"),
        CheckConstraint("population IS NULL OR population >= 0", name="admin_units_population"),
        CheckConstraint("households IS NULL OR households >= 0", name="admin_units_households"),
        CheckConstraint("(level = 'province') = (parent_id IS NULL)", name="admin_units_parent_by_level"),
        CheckConstraint(
            "clutter IS NULL OR clutter IN ('urban', 'suburban', 'rural')", name="admin_units_clutter"
        ),
        _valid("admin_units"),
        Index("admin_units_name_folded_idx", "name_folded"),
        Index("admin_units_parent_idx", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(_enum("admin_level", ADMIN_LEVELS))
    code: Mapped[str] = mapped_column(String(16))
    official_code: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    name: Mapped[str] = mapped_column(Text)
    name_folded: Mapped[str] = mapped_column(Text)  # lower-case, no diacritics: for search
    kind: Mapped[str | None] = mapped_column(String(32))  # Huyện, Xã, Phường, Ấp, Khu vực …
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id", ondelete="RESTRICT"))
    population: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int | None] = mapped_column(Integer)
    urban: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    clutter: Mapped[str | None] = mapped_column(String(10))  # radio clutter override (hamlets)
    # A top-level unit's VN-2000 projection ("EPSG:9209", gis.crs.VN2000_PROJECTED): its TM-3 zone, from
    # its data (migration 0040). Bare easting/northing are read in it (app/services/region.py).
    vn2000_crs: Mapped[str | None] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date, server_default=text("'2020-01-01'"))
    valid_to: Mapped[date | None] = mapped_column(Date)
    geom = mapped_column(_geom("MULTIPOLYGON"), nullable=False)
    # Geodesic area, kept by PostgreSQL itself so no writer can get it wrong.
    area_km2: Mapped[float] = mapped_column(Float, Computed("ST_Area(geom::geography) / 1e6", persisted=True))


class AdminLineage(Base):
    """Which old admin unit (wholly, or ``partial``-ly when it was split) went into which new one in a
    reform, with the share of its area (and, when known, population) in the new unit (migration 0014)."""

    __tablename__ = "admin_lineage"
    __table_args__ = (
        UniqueConstraint("old_unit_id", "new_unit_id", name="admin_lineage_old_new_key"),
        CheckConstraint("part IN ('full', 'partial')", name="admin_lineage_part"),
        CheckConstraint("area_share >= 0 AND area_share <= 1", name="admin_lineage_area_share"),
        CheckConstraint(
            "population_share IS NULL OR (population_share >= 0 AND population_share <= 1)",
            name="admin_lineage_population_share",
        ),
        CheckConstraint("old_unit_id <> new_unit_id", name="admin_lineage_not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    old_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"), index=True)
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"), index=True)
    part: Mapped[str] = mapped_column(String(8), server_default=text("'full'"))
    area_share: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    population_share: Mapped[Decimal | None] = mapped_column(Numeric(7, 6))
    reform: Mapped[str | None] = mapped_column(Text)  # the act, e.g. "NQ 1668/NQ-UBTVQH15"


class Operator(Base):
    __tablename__ = "operators"
    __table_args__ = (
        CheckConstraint("mnc IS NULL OR mnc ~ '^[0-9]{2}$'", name="operators_mnc_format"),
        UniqueConstraint("mcc", "mnc", name="operators_plmn_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    short_name: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(_enum("operator_kind", OPERATOR_KINDS))
    mcc: Mapped[str | None] = mapped_column(String(3))
    mnc: Mapped[str | None] = mapped_column(String(2))


class Site(Base):
    """A BTS structure (tower, mast, rooftop …) that carries cells of one or more operators."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("height_m IS NULL OR (height_m > 0 AND height_m <= 200)", name="sites_height"),
        CheckConstraint("rent_vnd_month IS NULL OR rent_vnd_month >= 0", name="sites_rent"),
        _valid("sites"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str | None] = mapped_column(Text)  # the operator's name for it (migration 0009)
    structure_type: Mapped[str] = mapped_column(_enum("structure_type", STRUCTURE_TYPES))
    height_m: Mapped[float | None] = mapped_column(Float)
    owner_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    status: Mapped[str] = mapped_column(_enum("site_status", SITE_STATUSES), index=True)
    permit_no: Mapped[str | None] = mapped_column(String(64))
    proposed_on: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    commissioned_on: Mapped[date | None] = mapped_column(Date)
    decommissioned_on: Mapped[date | None] = mapped_column(Date)
    accepts_tenants: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    rent_vnd_month: Mapped[int | None] = mapped_column(Integer)
    geom = mapped_column(_geom("POINT"), nullable=False)
    # Registration workflow (migration 0005): the planner's reason for a decision, the operator's
    # reason for a new structure beside a shareable one, an edit of an active site awaiting approval.
    status_reason: Mapped[str | None] = mapped_column(Text)
    new_structure_reason: Mapped[str | None] = mapped_column(Text)
    pending_change: Mapped[dict | None] = mapped_column(JSONB)
    pending_by: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))  # bumped by a trigger


class SiteTenancy(Base):
    """An operator using a site; a site is shared when it has two or more tenancies."""

    __tablename__ = "site_tenancies"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), primary_key=True, index=True)
    since: Mapped[date | None] = mapped_column(Date)


class Cell(Base):
    """A sector / transmitter on a site."""

    __tablename__ = "cells"
    __table_args__ = (
        CheckConstraint("band_mhz BETWEEN 400 AND 6000", name="cells_band"),
        CheckConstraint(
            "azimuth_deg IS NULL OR (azimuth_deg >= 0 AND azimuth_deg < 360)", name="cells_azimuth"
        ),
        CheckConstraint("beamwidth_deg > 0 AND beamwidth_deg <= 360", name="cells_beamwidth"),
        CheckConstraint("antenna_height_m > 0 AND antenna_height_m <= 200", name="cells_height"),
        CheckConstraint("tilt_mech_deg BETWEEN -20 AND 30", name="cells_tilt_mech"),
        CheckConstraint("tilt_elec_deg BETWEEN -20 AND 30", name="cells_tilt_elec"),
        CheckConstraint(
            "eirp_dbm IS NOT NULL OR (tx_power_dbm IS NOT NULL AND antenna_gain_dbi IS NOT NULL)",
            name="cells_power_given",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    technology: Mapped[str] = mapped_column(_enum("technology", TECHNOLOGIES))
    band_mhz: Mapped[int] = mapped_column(Integer)
    azimuth_deg: Mapped[float | None] = mapped_column(Float)  # NULL = omnidirectional
    beamwidth_deg: Mapped[float] = mapped_column(Float, server_default=text("65"))
    tilt_mech_deg: Mapped[float] = mapped_column(Float, server_default=text("0"))
    tilt_elec_deg: Mapped[float] = mapped_column(Float, server_default=text("0"))
    antenna_height_m: Mapped[float] = mapped_column(Float)
    tx_power_dbm: Mapped[float | None] = mapped_column(Float)
    antenna_gain_dbi: Mapped[float | None] = mapped_column(Float)
    eirp_dbm: Mapped[float | None] = mapped_column(Float)


def _in_service(table: str) -> CheckConstraint:
    """Migration 0016: in service over [in_service_from, in_service_to); NULL from = since before
    the records began, NULL to = still in service."""
    return CheckConstraint(
        "in_service_to IS NULL OR in_service_from IS NULL OR in_service_to > in_service_from",
        name=f"{table}_in_service",
    )


class Pole(Base):
    __tablename__ = "poles"
    __table_args__ = (
        CheckConstraint("height_m IS NULL OR (height_m > 0 AND height_m <= 40)", name="poles_height"),
        _valid("poles"),
        _in_service("poles"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    material: Mapped[str | None] = mapped_column(_enum("pole_material", POLE_MATERIALS))
    height_m: Mapped[float | None] = mapped_column(Float)
    geom = mapped_column(_geom("POINT"), nullable=False)
    accepts_tenants: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    in_service_from: Mapped[date | None] = mapped_column(Date)
    in_service_to: Mapped[date | None] = mapped_column(Date)


class PoleAttachment(Base):
    __tablename__ = "pole_attachments"
    __table_args__ = (CheckConstraint("cable_count > 0", name="pole_attachments_cable_count"),)

    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id", ondelete="CASCADE"), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), primary_key=True, index=True)
    cable_count: Mapped[int] = mapped_column(Integer, server_default=text("1"))  # migration 0008


class DuctRoute(Base):
    __tablename__ = "duct_routes"
    __table_args__ = (
        CheckConstraint("duct_count >= 1", name="duct_routes_duct_count"),
        CheckConstraint("subduct_count >= 0", name="duct_routes_subduct_count"),
        CheckConstraint(
            "free_duct_count IS NULL OR (free_duct_count >= 0 AND free_duct_count <= duct_count)",
            name="duct_routes_free_duct_count",
        ),
        CheckConstraint("stated_length_m IS NULL OR stated_length_m > 0", name="duct_routes_stated_length"),
        _valid("duct_routes"),
        _in_service("duct_routes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    duct_count: Mapped[int] = mapped_column(Integer)
    subduct_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    geom = mapped_column(_geom("LINESTRING"), nullable=False)
    accepts_tenants: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    length_m: Mapped[float] = mapped_column(Float, Computed("ST_Length(geom::geography)", persisted=True))
    # Migration 0008: what the owner's files say — the route's name, its free ducts, its length.
    name: Mapped[str | None] = mapped_column(Text)
    free_duct_count: Mapped[int | None] = mapped_column(Integer)
    stated_length_m: Mapped[float | None] = mapped_column(Float)
    in_service_from: Mapped[date | None] = mapped_column(Date)
    in_service_to: Mapped[date | None] = mapped_column(Date)


class DuctOccupancy(Base):
    __tablename__ = "duct_occupancy"

    duct_route_id: Mapped[int] = mapped_column(
        ForeignKey("duct_routes.id", ondelete="CASCADE"), primary_key=True
    )
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), primary_key=True, index=True)


class Manhole(Base):
    __tablename__ = "manholes"
    __table_args__ = (_valid("manholes"), _in_service("manholes"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    duct_route_id: Mapped[int | None] = mapped_column(
        ForeignKey("duct_routes.id", ondelete="SET NULL"), index=True
    )
    geom = mapped_column(_geom("POINT"), nullable=False)
    in_service_from: Mapped[date | None] = mapped_column(Date)
    in_service_to: Mapped[date | None] = mapped_column(Date)


class FibreAccessPoint(Base):
    """An FTTH splitter / ODP box; serves homes within service_radius_m."""

    __tablename__ = "fibre_access_points"
    __table_args__ = (
        CheckConstraint("ports_total > 0", name="fap_ports_total"),
        CheckConstraint("ports_used >= 0 AND ports_used <= ports_total", name="fap_ports_used"),
        CheckConstraint("service_radius_m > 0 AND service_radius_m <= 5000", name="fap_radius"),
        _valid("fibre_access_points"),
        _in_service("fibre_access_points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    kind: Mapped[str] = mapped_column(_enum("fap_kind", FAP_KINDS))
    ports_total: Mapped[int] = mapped_column(Integer)
    ports_used: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    service_radius_m: Mapped[float] = mapped_column(Float, server_default=text("500"))
    status: Mapped[str] = mapped_column(_enum("fap_status", FAP_STATUSES), index=True)
    geom = mapped_column(_geom("POINT"), nullable=False)
    in_service_from: Mapped[date | None] = mapped_column(Date)
    in_service_to: Mapped[date | None] = mapped_column(Date)


class CommuneOffice(Base):
    """A commune People's Committee office (UBND cấp xã)."""

    __tablename__ = "commune_offices"
    __table_args__ = (
        CheckConstraint("bandwidth_mbps IS NULL OR bandwidth_mbps > 0", name="commune_offices_bandwidth"),
        _valid("commune_offices"),
        CheckConstraint(
            "disconnected_on IS NULL OR connected_on IS NULL OR disconnected_on > connected_on",
            name="commune_offices_connection",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    commune_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    gov_network_connected: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    bandwidth_mbps: Mapped[float | None] = mapped_column(Float)
    connected_on: Mapped[date | None] = mapped_column(Date)
    geom = mapped_column(_geom("POINT"), nullable=False)
    disconnected_on: Mapped[date | None] = mapped_column(Date)  # migration 0016: first day off (exclusive)


class TallStructure(Base):
    """A water tower, tall building, power-line tower, church or pagoda tower … (migration 0027):
    a place to hang antennas before raising a mast; its owner is whoever the file names (a commune,
    a power company, a parish), not necessarily an organisation of the register."""

    __tablename__ = "tall_structures"
    __table_args__ = (
        CheckConstraint("height_m > 0 AND height_m <= 300", name="tall_structures_height"),
        _valid("tall_structures"),
        _in_service("tall_structures"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(_enum("tall_structure_kind", TALL_STRUCTURE_KINDS), index=True)
    height_m: Mapped[float] = mapped_column(Float)
    owner: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(_geom("POINT"), nullable=False)
    in_service_from: Mapped[date | None] = mapped_column(Date)
    in_service_to: Mapped[date | None] = mapped_column(Date)


class Road(Base):
    """A main road of the offline map's background (migration 0039): OpenStreetMap's ``highway``
    class, ``ref`` and ``name``; replaced whole by the seed or `app.cli import-roads`."""

    __tablename__ = "roads"
    __table_args__ = (
        CheckConstraint("GeometryType(geom) IN ('LINESTRING', 'MULTILINESTRING')", name="roads_geom_lines"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    highway: Mapped[str] = mapped_column(_enum("road_highway", MAIN_HIGHWAYS))
    attribution: Mapped[str | None] = mapped_column(Text)  # whom the map names for them (OSM: ODbL)
    geom = mapped_column(_geom("GEOMETRY"), nullable=False)


class SpeedTest(Base):
    __tablename__ = "speed_tests"
    __table_args__ = (
        CheckConstraint("download_mbps >= 0 AND upload_mbps >= 0", name="speed_tests_speeds"),
        CheckConstraint("latency_ms IS NULL OR latency_ms >= 0", name="speed_tests_latency"),
        CheckConstraint(
            "rsrp_dbm IS NULL OR (rsrp_dbm >= -156 AND rsrp_dbm <= -31)", name="speed_tests_rsrp"
        ),
        CheckConstraint("rsrp_dbm IS NULL OR technology <> 'fixed'", name="speed_tests_rsrp_mobile"),
        _valid("speed_tests"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    measured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)
    technology: Mapped[str] = mapped_column(_enum("speed_technology", SPEED_TECHNOLOGIES))
    download_mbps: Mapped[float] = mapped_column(Float)
    upload_mbps: Mapped[float] = mapped_column(Float)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    rsrp_dbm: Mapped[float | None] = mapped_column(Float)  # LTE RSRP / NR SS-RSRP the phone reported
    geom = mapped_column(_geom("POINT"), nullable=False)


class Indicator(Base):
    """A measure (ids as in shared/plan/targets.md): name, unit and how it is measured. Its targets
    are the plans' (``PlanTarget``)."""

    __tablename__ = "indicators"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16))  # one of INDICATOR_UNITS
    method: Mapped[str] = mapped_column(_enum("indicator_method", INDICATOR_METHODS))


class Plan(Base):
    """A plan as a record (migration 0015): its title, the decision that issued it (number and
    symbol, day, body), its period (inclusive days) and ``judged_on``, the day whose admin units its
    results are computed on (NULL: the report's own day)."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("period_to >= period_from", name="plans_period"),
        CheckConstraint("code <> ''", name="plans_code_not_empty"),
        CheckConstraint("area_code <> ''", name="plans_area_code_not_empty"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(Text)
    issued_on: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(Text)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    judged_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(16))  # migration 0025: the unit it covers


class PlanTarget(Base):
    """One indicator's target in one plan, in the plan's order (``position``)."""

    __tablename__ = "plan_targets"
    __table_args__ = (CheckConstraint("target_value >= 0", name="plan_targets_value_nonnegative"),)

    plan_code: Mapped[str] = mapped_column(
        ForeignKey("plans.code", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[str] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    target_value: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    target_year: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Statistic(Base):
    """A reported figure for an admin unit and a quarter (e.g. subscriptions in 2025-Q2)."""

    __tablename__ = "statistics"
    __table_args__ = (
        UniqueConstraint("admin_unit_id", "period", "metric", name="statistics_unit_period_metric_key"),
        CheckConstraint("period ~ '^[0-9]{4}-Q[1-4]$'", name="statistics_period_format"),
        CheckConstraint("value >= 0", name="statistics_value_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    metric: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal] = mapped_column(Numeric(18, 3))


class VocabularyTerm(Base):
    """A planner's term: in ``domain`` the text ``alias`` stands for ``canonical`` (gis/vocabulary.py).
    The files' terms (data/vocabulary/*.csv) are not stored; these win over them."""

    __tablename__ = "vocabulary_terms"
    __table_args__ = (
        UniqueConstraint("domain", "alias_key", name="vocabulary_terms_domain_alias_key"),
        CheckConstraint("alias_key <> ''", name="vocabulary_terms_alias_key_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(64))
    alias: Mapped[str] = mapped_column(Text)
    alias_key: Mapped[str] = mapped_column(Text)  # gis.vocabulary.fold_key(alias)
    canonical: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), server_default=text("''"))
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))


BODY_ROLES = ("issuer", "recipient")


class Body(Base):
    """Who issues the periodic report (``issuer``: the Department, with its superior, document
    symbol, place and region for the letterhead) and to whom it goes (``recipient``, in
    ``position`` order), each in force from ``valid_from`` to ``valid_to`` (inclusive; NULL: open),
    for the reports on province ``area_code`` (NULL: any; migration 0028)."""

    __tablename__ = "bodies"
    __table_args__ = (
        CheckConstraint("role IN ('issuer', 'recipient')", name="bodies_role"),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="bodies_period"
        ),
        CheckConstraint("area_code <> ''", name="bodies_area_code_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    parent: Mapped[str | None] = mapped_column(Text)
    symbol: Mapped[str | None] = mapped_column(String(32))
    place: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    area_code: Mapped[str | None] = mapped_column(String(16))  # the province served; NULL: any
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class ImportProfile(Base):
    """A planner's mapping of one shape of file, by name (app/services/imports/profiles.py): its
    columns (file column → field, "" to ignore), its values (field → {as written: code}) and the
    CRS, axis order and encoding its files come in."""

    __tablename__ = "import_profiles"
    __table_args__ = (
        UniqueConstraint("name_key", name="import_profiles_name_key"),
        CheckConstraint("name_key <> ''", name="import_profiles_name_key_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)  # gis.vocabulary.fold_key(name)
    target: Mapped[str] = mapped_column(String(32))
    columns: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    values: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    crs: Mapped[str | None] = mapped_column(Text)
    swap_axes: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    encoding: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))


class DataVersion(Base):
    """A table's data version: bumped when a transaction that wrote the table commits (migration
    0024's triggers); the tile cache's key (app/services/tile_cache.py)."""

    __tablename__ = "data_versions"

    table_name: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default=text("1"))


class DataVersionMark(Base):
    """A writing transaction while it runs (migration 0024): its commit bumps the versions."""

    __tablename__ = "data_version_marks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, server_default=text("txid_current()"))

"""Tables of coverage results (migrations 0004, 0017, 0020): runs, per-block rasters, parts, counts, and the
blocks of dated runs (results kept once per digest of their inputs, shared by the runs)."""

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models import SRID, Base


def _geom(kind: str, nullable: bool = False):
    return mapped_column(Geometry(kind, srid=SRID, spatial_index=False), nullable=nullable)


class CoverageRun(Base):
    __tablename__ = "coverage_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    data_snapshot_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocks: Mapped[int | None] = mapped_column(Integer)
    card: Mapped[dict] = mapped_column(JSONB)
    as_of: Mapped[date] = mapped_column(Date)  # the day of the network it computed (default: today)
    reused_blocks: Mapped[int | None] = mapped_column(Integer)


class CoverageRaster(Base):
    __tablename__ = "coverage_rasters"

    block_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("coverage_runs.id"))
    operators: Mapped[list[str]] = mapped_column(ARRAY(Text))
    ny: Mapped[int] = mapped_column(Integer)
    nx: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    input_hash: Mapped[str | None] = mapped_column(String(64))


class CoveragePart(Base):
    __tablename__ = "coverage_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    block_key: Mapped[str] = mapped_column(String(32))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    tech_class: Mapped[str] = mapped_column(String(8))
    band: Mapped[str] = mapped_column(String(8))
    geom = _geom("MULTIPOLYGON")


class DeadZonePart(Base):
    __tablename__ = "dead_zone_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    block_key: Mapped[str] = mapped_column(String(32))
    hamlet_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    geom = _geom("MULTIPOLYGON")


class DeadZone(Base):
    __tablename__ = "dead_zones"

    hamlet_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    area_km2: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer)
    geom = _geom("MULTIPOLYGON")


class HamletCoverCells(Base):
    __tablename__ = "hamlet_cover_cells"

    block_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"), primary_key=True)
    cells_total: Mapped[int] = mapped_column(Integer)
    cells_mbb_any: Mapped[int] = mapped_column(Integer)
    cells_legacy_only: Mapped[int] = mapped_column(Integer)
    cells_no_signal: Mapped[int] = mapped_column(Integer)
    cells_single_operator: Mapped[int] = mapped_column(Integer)


class HamletOperatorCells(Base):
    __tablename__ = "hamlet_operator_cells"

    block_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id", ondelete="CASCADE"), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True)
    cells_mbb: Mapped[int] = mapped_column(Integer)


class CoverageDirty(Base):
    __tablename__ = "coverage_dirty"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geom = _geom("GEOMETRY")


class CoverageBlock(Base):
    """The results of one block computed from inputs with this digest (whatever the run)."""

    __tablename__ = "coverage_blocks"

    input_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    block_key: Mapped[str] = mapped_column(String(32))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoverageBlockCounts(Base):
    __tablename__ = "coverage_block_counts"

    input_hash: Mapped[str] = mapped_column(
        ForeignKey("coverage_blocks.input_hash", ondelete="CASCADE"), primary_key=True
    )
    hamlet_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cells_total: Mapped[int] = mapped_column(Integer)
    cells_mbb_any: Mapped[int] = mapped_column(Integer)
    cells_legacy_only: Mapped[int] = mapped_column(Integer)
    cells_no_signal: Mapped[int] = mapped_column(Integer)
    cells_single_operator: Mapped[int] = mapped_column(Integer)


class CoverageRunBlock(Base):
    """A block of a dated run: the digest of its inputs, and whether an earlier run had it already."""

    __tablename__ = "coverage_run_blocks"

    run_id: Mapped[int] = mapped_column(ForeignKey("coverage_runs.id", ondelete="CASCADE"), primary_key=True)
    block_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    input_hash: Mapped[str] = mapped_column(ForeignKey("coverage_blocks.input_hash"))
    reused: Mapped[bool] = mapped_column(Boolean)


class CoverageCalibration(Base):
    """An offset (dB) a planner accepted for one mobile operator and class (migration 0020)."""

    __tablename__ = "coverage_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    tech_class: Mapped[str] = mapped_column(String(8))
    offset_db: Mapped[float] = mapped_column(Float)
    samples: Mapped[int] = mapped_column(Integer)
    agreement_before: Mapped[float | None] = mapped_column(Float)
    agreement_after: Mapped[float | None] = mapped_column(Float)
    median_error_before_db: Mapped[float | None] = mapped_column(Float)
    accepted_by: Mapped[str] = mapped_column(Text)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

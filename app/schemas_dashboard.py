"""Answers of the coverage, dashboard, indicator and search routes: exactly what their services
(app/services/coverage/, reports/, statistics.py, search.py) return, so /openapi.json documents
them and nothing undeclared rides along.

Units are in the field names (``_m``, ``_km2``, ``_mbps``, ``_ms``, ``_s``); a ``share`` is a ratio
0–1, a ``pct`` or an indicator's value in unit ``%`` a percentage 0–100."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.schemas_truth import ModelTruth

BBox = list[float]
BBOX = "[xmin, ymin, xmax, ymax] in CRS84 (lon/lat)"
Status = Literal["met", "on_track", "behind", "no_data"]


# ------------------------------------------------------------------ coverage


class CoverageRun(BaseModel):
    id: int
    finished_at: datetime | None


class RunOut(BaseModel):
    id: int
    kind: str = Field(description="full or incremental")
    started_at: datetime
    finished_at: datetime | None
    data_snapshot_at: datetime | None = Field(description="when the infrastructure it read was taken")
    blocks: int | None = Field(description="grid blocks computed")
    duration_s: float = Field(description="seconds from start to finish")


class ModelCard(BaseModel):
    run: RunOut
    card: dict[str, Any] = Field(
        description="the run's model card as stored: model, propagation models, grid and parameters, "
        "thresholds (dBm), coverage shares (0–1), validity notes and citations"
    )
    truth: ModelTruth = Field(description="the live coverage against the speed-test samples (So với đo đạc)")


class DeadZone(BaseModel):
    kind: str = Field(description="no_signal, no_mbb (2G/3G only) or single_operator")
    area_km2: float
    population: int | None = Field(description="people living there (population spread over the area)")


class OperatorShare(BaseModel):
    operator: str
    mbb_share: float | None = Field(description="ratio 0–1 of the hamlet's grid cells this operator covers")


class NearestSite(BaseModel):
    operator: str
    site_code: str | None = Field(
        None,
        description="absent for anonymous visitors; null when the site lies outside a limited official's district",
    )
    distance_m: int = Field(description="from the site to the hamlet's polygon (0: inside)")


class NearestSiteTech(NearestSite):
    technologies: str | None = Field(description="the operator's technologies on the site, comma-separated")


class HamletCoverage(BaseModel):
    code: str
    name: str
    commune_name: str
    district_name: str
    population: int | None
    mbb_share: float | None = Field(
        description="ratio 0–1 of the hamlet covered by 4G/5G; null: never computed"
    )
    mbb_covered: bool | None = Field(description="mbb_share at or above the model card's mbb_covered_share")
    ftth_share: float | None = Field(description="ratio 0–1 of the hamlet within reach of fibre")
    ftth_covered: bool | None
    dead_zone_population: int | None = Field(description="people without mobile broadband")
    dead_zones: list[DeadZone]
    operators: list[OperatorShare]
    nearest_sites: list[NearestSiteTech] = Field(description="each mobile operator's nearest active site")


class WhatIfPlace(BaseModel):
    lon: float
    lat: float
    hamlet_code: str
    hamlet_name: str
    commune_code: str
    district_code: str


class HamletChange(BaseModel):
    code: str
    name: str
    population: int | None
    mbb_share_before: float = Field(description="ratio 0–1")
    mbb_share_after: float = Field(description="ratio 0–1")
    covered_before: bool
    covered_after: bool
    population_gain: float = Field(
        description="people newly covered (population spread evenly over the area)"
    )


class RatioChange(BaseModel):
    level: Literal["district", "province"]
    code: str
    indicator: str
    before: float | None = Field(description="percentage 0–100")
    after: float | None = Field(description="percentage 0–100")


class WhatIfCalibration(BaseModel):
    operator: str
    tech_class: Literal["mbb", "legacy"]
    offset_db: float = Field(description="the accepted offset in force, added to the EIRP as runs do")
    eirp_dbm: list[float] = Field(description="the EIRP of the site's cells it applied to, offset included")


class WhatIf(BaseModel):
    site: WhatIfPlace
    newly_covered_area_km2: float
    population_newly_covered: int
    hamlets_improved: list[HamletChange] = Field(description="by population gained, most first")
    hamlets_changing_status: list[HamletChange] = Field(description="hamlets the site would make covered")
    ratios: list[RatioChange]
    calibration: list[WhatIfCalibration] = Field(
        description="the accepted calibrations (model truth) applied to the site's cells, as a run would"
    )
    coverage_run_id: int = Field(description="the run whose rasters it was computed against")
    blocks: int = Field(description="grid blocks within the site's reach")
    elapsed_ms: float


# ------------------------------------------------------------------ periods


class PeriodState(BaseModel):
    period: str = Field(description="quarter YYYY-Qn")
    closed: bool
    closed_at: datetime | None
    has_statistics: bool
    current: bool = Field(description="the quarter of today (on the region's clock, the setting TIMEZONE)")


class Periods(BaseModel):
    periods: list[PeriodState]


class FrozenCounts(BaseModel):
    indicator_records: int
    hamlets: int
    offices: int
    maps: int


class ClosedPeriod(BaseModel):
    period: str
    as_of: date = Field(description="the day its figures describe: the quarter's last day")
    closed_at: datetime
    closed_by: str | None
    coverage_run: CoverageRun | None = Field(description="the coverage run frozen with the quarter")
    counts: FrozenCounts = Field(description="records frozen")


# ------------------------------------------------------------------ statistics


class ReportingUnit(BaseModel):
    code: str
    name: str
    level: str
    population: int | None
    households: int | None


class Metric(BaseModel):
    key: str
    kind: str = Field(description="count (an integer ≥ 0) or pct (a percentage 0–100)")
    label_vi: str
    label_en: str


class DerivedFigure(BaseModel):
    value: int | float
    derived: Literal["lineage", "sum"] = Field(
        description="lineage: the new communes' figures by the lineage's shares; sum: of the units below"
    )
    from_: list[str] = Field(alias="from", description="the codes of the units it was derived from")

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class UnitFigures(BaseModel):
    unit: ReportingUnit
    period: str
    units_on: date = Field(
        description="the day of the unit: the quarter's, or the last of a unit a reform replaced"
    )
    replaced: bool = Field(description="a reform replaced the unit before the quarter's day: read-only here")
    closed: bool
    figures: dict[str, int | float | None] = Field(description="metric → value; null: not reported")
    derived: dict[str, DerivedFigure] = Field(
        default_factory=dict,
        description="metric → a count carried back to a unit a reform replaced (read-only: entered on the new units)",
    )
    metrics: list[Metric]


class ImportCounts(BaseModel):
    rows: int
    figures: int


class StatisticsWarning(BaseModel):
    code: str
    field: str | None
    row: int | None
    source: str | None
    label: str | None
    params: dict[str, Any]
    message: str = Field(description="the warning as a sentence in the reader's language")


class StatisticsImport(BaseModel):
    file: str
    format: str
    counts: ImportCounts = Field(
        description="rows read and figures written (or, in a dry run, that would be)"
    )
    periods: list[str]
    warnings: list[StatisticsWarning]
    dry_run: bool


# ------------------------------------------------------------------ drill-down


class DrilldownUnit(BaseModel):
    code: str
    name: str
    level: str


class InCommune(BaseModel):
    """A hamlet or an office, and the commune and district in force it lies in."""

    code: str
    name: str
    commune_code: str
    commune_name: str
    district_code: str
    district_name: str


class HamletGap(InCommune):
    population: int | None
    households: int | None
    mbb_share: float | None = Field(description="ratio 0–1; null: coverage never computed")
    mbb_covered: bool | None
    ftth_share: float | None = Field(description="ratio 0–1")
    ftth_covered: bool | None
    dead_zone_population: int | None
    dead_zone_area_km2: float | None = Field(
        description="ground without mobile broadband (none, or 2G/3G only)"
    )
    bbox: BBox = Field(description=BBOX)
    nearest_sites: list[NearestSite]


class OfficeGap(InCommune):
    gov_network_connected: bool
    bandwidth_mbps: float | None
    lon: float
    lat: float


class HamletGaps(BaseModel):
    unit: DrilldownUnit
    period: str | None = Field(description="the quarter asked for; null: now")
    as_of: date = Field(
        description="the day the coverage, FTTH reach and office connections are those of: today, a past "
        "open quarter's last day, the day asked for, or a closed quarter's frozen day"
    )
    closed: bool = Field(description="read from the quarter's snapshot")
    hamlets: list[HamletGap] = Field(description="hamlets short of mobile broadband or FTTH")
    offices: list[OfficeGap] = Field(description="commune offices not on the government data network")


# ------------------------------------------------------------------ indicators, targets, search


class TrendPoint(BaseModel):
    period: str
    closed: bool
    value: float | None = Field(description="in the indicator's unit (% is 0–100)")
    target: float
    status: Status
    expected: float | None = Field(description="the trajectory's value for the quarter")
    detail: dict | None


class TrendSeries(BaseModel):
    id: str
    name_vi: str
    name_en: str
    unit: str
    method: Literal["computed", "reported"]
    points: list[TrendPoint]
    target: float = Field(description="the latest quarter's target")
    target_year: int | None


class TrendPeriod(BaseModel):
    period: str
    closed: bool = Field(description="read from the quarter's snapshot; else computed live")


class Trends(BaseModel):
    unit: DrilldownUnit
    periods: list[TrendPeriod]
    indicators: list[TrendSeries]


class PlanRef(BaseModel):
    code: str
    title: str


class PlanRecord(PlanRef):
    """A plan as a record (app/services/plans.py)."""

    decision: str | None = Field(description='its number and symbol, e.g. "Kế hoạch số 123/KH-UBND"')
    issued_on: date | None
    issuer: str | None = Field(description="the issuing body")
    period_from: date = Field(description="first day of its period")
    period_to: date = Field(description="last day of its period")
    judged_on: date | None = Field(
        description="the day whose admin units its results are computed on; null: the report's own day"
    )
    note: str | None
    area_code: str | None = Field(
        default=None,
        description="the admin unit it covers (e.g. a former province of a merged city); null: the whole region",
    )


class PlanSummary(PlanRecord):
    indicators: int = Field(description="how many indicators it sets targets for")
    default: bool = Field(description="the plan in force today (else the latest): what pages show unasked")


class Plans(BaseModel):
    plans: list[PlanSummary] = Field(description="latest period first")


class TargetChange(BaseModel):
    old_value: float
    new_value: float
    old_year: int
    new_year: int
    changed_at: datetime
    changed_by: str | None
    note: str | None


class TargetHistory(BaseModel):
    id: str
    changes: list[TargetChange] = Field(description="newest first")


class Found(BaseModel):
    level: Literal["district", "commune", "hamlet", "site", "position", "tall_structure"]
    code: str
    name: str
    parent_name: str | None = Field(description="the commune or district it lies in; null for a district")
    district_name: str | None
    bbox: BBox = Field(description=BBOX)
    formerly: str | None = Field(
        None, description="found by the name of a former unit that became part of this one: that name"
    )
    until: date | None = Field(
        None, description="a former district (abolished by a reform) found by its name: its last day"
    )
    # A typed position, a site or a tall structure (app/services/search.py): the point to fly to.
    lon: float | None = None
    lat: float | None = None
    crs: str | None = Field(None, description="the VN-2000 zone an X/Y position was read in")
    address: str | None = Field(None, description="a tall structure's address, as its file gave it")


class SearchResults(BaseModel):
    query: str
    results: list[Found]

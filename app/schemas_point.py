"""The answer of GET /api/point (app/services/point.py)."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PointRun(_Out):
    id: int
    as_of: date | None = Field(description="the day of the dated run used; null for the live run")
    dated: bool
    live_instead: bool = Field(
        description="a past day was asked for and no run of it is stored: the live run"
    )
    finished_at: datetime | None


class PointGrid(_Out):
    block_key: str
    row: int
    col: int
    cell_m: float
    centre: list[float] = Field(description="lon, lat of the grid cell's centre the signal is for")


class PointThresholds(_Out):
    outdoor_dbm: float
    indoor_dbm: float
    bands_dbm: dict[str, float] = Field(description="lower edge of good, fair, weak (the run's)")


class PointPlace(_Out):
    hamlet_code: str | None
    hamlet_name: str | None
    commune_code: str | None
    commune_name: str | None
    district_code: str | None
    district_name: str | None


class Server(_Out):
    operator: str
    technology: str
    band_mhz: float
    level_dbm: float
    distance_m: int
    site_code: str | None = Field(None, description="left out for anonymous visitors and sites out of scope")
    cell_code: str | None = None
    bearing_deg: float | None = Field(None, description="from the spot to the site, clockwise from north")


class PointClass(_Out):
    class_: str = Field(alias="class", description="mbb (4G/5G) or legacy (2G/3G)")
    level_dbm: float | None = Field(description="the run's stored level at the grid cell; null: no signal")
    band: str = Field(description="good / fair / weak / none")
    places: list[str] = Field(description="indoor / in_car / outdoor: where the level serves")
    words: dict[str, list[str]] = Field(description="the places in words, per language")
    technologies: dict[str, float] = Field(description="best computed level per technology")
    serving: Server | None
    next_best: Server | None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SampleItem(_Out):
    measured_on: date
    technology: str
    download_mbps: float
    upload_mbps: float
    distance_m: int


class Samples(_Out):
    count: int
    median_download_mbps: float | None
    median_upload_mbps: float | None
    first: date | None
    last: date | None
    items: list[SampleItem] | None = Field(None, description="each test: logged-in users only")


class AllSamples(Samples):
    radius_m: float


class PointOperator(_Out):
    operator: str
    classes: list[PointClass]
    samples: Samples


class PointAnswer(_Out):
    lon: float
    lat: float
    date: date
    run: PointRun
    signal_source: str = Field(description="raster: the run's stored raster; computed: evaluated here")
    grid: PointGrid
    thresholds: PointThresholds
    place: PointPlace | None
    dead_zone: str | None = Field(description="no_signal / no_mbb / single_operator, or null")
    operators: list[PointOperator]
    samples: AllSamples

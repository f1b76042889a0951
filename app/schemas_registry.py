"""Request bodies and answers of the registration workflow: sites with cells, poles, ducts,
sharing requests.

Types and hard limits of the bodies live here (a wrong type is a 400 naming the field);
plausibility rules that the bulk import shares live in gis/site_rules.py (a 422 naming the field).
The answers (from `Place` on) say what the services return and leave out whatever else they carry.
"""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.models import OPERATOR_KINDS, POLE_MATERIALS, SITE_STATUSES, STRUCTURE_TYPES, TECHNOLOGIES
from gis.crs import VN2000_PROJECTED, vn2000_projected


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("request.text_nul", "must not contain NUL characters")
    return value.strip()


Text = Annotated[str, AfterValidator(_no_nul)]
Code = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", description="letters, digits, . _ -")
]
Finite = Annotated[float, Field(allow_inf_nan=False)]


def _vn2000(value: str) -> str:
    try:
        return vn2000_projected(value)
    except ValueError:
        raise PydanticCustomError(
            "position.crs_unknown",
            "not a VN-2000 projection: {supported}",
            {"supported": ", ".join(VN2000_PROJECTED)},
        ) from None


Vn2000Crs = Annotated[str, AfterValidator(_vn2000)]

# As the services write it (isoformat): an answer keeps its offset as the database gave it.
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"}, description="ISO 8601")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Position(Strict):
    """One of: WGS 84 `lon`+`lat` (decimal degrees); `dms` text; VN-2000 `easting`+`northing`."""

    lon: Finite | None = None
    lat: Finite | None = None
    dms: Text | None = Field(default=None, max_length=80)  # example: the region's (app/openapi.py)
    easting: Finite | None = Field(default=None, description="VN-2000 easting, metres")
    northing: Finite | None = Field(default=None, description="VN-2000 northing, metres")
    crs: Vn2000Crs | None = Field(
        default=None,
        description="for easting/northing: a VN-2000 projection (EPSG:5896 … EPSG:9218, EPSG:3405, EPSG:3406); "
        "default: the region's zone",
    )

    @model_validator(mode="after")
    def _one_form(self) -> "Position":
        forms = [
            self.lon is not None or self.lat is not None,
            self.dms is not None,
            self.easting is not None or self.northing is not None,
        ]
        if sum(forms) != 1:
            raise PydanticCustomError(
                "position.one_form", "give exactly one of lon+lat, dms, or easting+northing"
            )
        if forms[0] and (self.lon is None or self.lat is None):
            raise PydanticCustomError("position.both_lonlat", "give both lon and lat")
        if forms[2] and (self.easting is None or self.northing is None):
            raise PydanticCustomError("position.both_xy", "give both easting and northing")
        return self


class CellIn(Strict):
    code: Code | None = None
    operator: Text | None = Field(default=None, max_length=64, description="default: the site's owner")
    technology: Literal["2G", "3G", "4G", "5G"]
    band_mhz: int = Field(ge=1, le=100_000)
    azimuth_deg: Finite | None = None
    beamwidth_deg: Finite = 65.0
    tilt_mech_deg: Finite = 0.0
    tilt_elec_deg: Finite = 0.0
    antenna_height_m: Finite
    tx_power_dbm: Finite | None = None
    antenna_gain_dbi: Finite | None = None
    eirp_dbm: Finite | None = None


class SiteFields(Strict):
    position: Position | None = None
    name: Text | None = Field(default=None, max_length=200, examples=["Trạm Trung tâm 3"])
    structure_type: Literal[STRUCTURE_TYPES] | None = None
    height_m: Finite | None = None
    accepts_tenants: bool | None = None
    rent_vnd_month: int | None = Field(default=None, ge=0, le=10**12)
    permit_no: Text | None = Field(default=None, max_length=64)
    cells: list[CellIn] | None = Field(default=None, max_length=48)
    new_structure_reason: Text | None = Field(default=None, max_length=2000)


class SiteIn(SiteFields):
    code: Code
    owner: Text | None = Field(
        default=None, max_length=64, description="operator company; operators: their own"
    )
    position: Position
    structure_type: Literal[STRUCTURE_TYPES]
    cells: list[CellIn] = Field(min_length=1, max_length=48)


class SitePatch(SiteFields):
    """Only the fields given change; `cells`, when given, replaces the site's cells."""


class TransitionIn(Strict):
    to: Literal["proposed", "approved", "rejected", "active", "decommissioned"]
    reason: Text | None = Field(default=None, max_length=2000)


class DecisionIn(Strict):
    approve: bool
    reason: Text | None = Field(default=None, max_length=2000)


class SharingRequestIn(Strict):
    asset: Literal["site", "pole", "duct"]
    code: Code
    note: Text | None = Field(default=None, max_length=2000)
    operator: Text | None = Field(
        default=None,
        max_length=64,
        description="the requesting operator: the Department names it; an operator company may name only itself",
    )


class SharingDecisionIn(Strict):
    accept: bool
    note: Text | None = Field(default=None, max_length=2000)


class PoleIn(Strict):
    code: Code
    owner: Text | None = Field(default=None, max_length=64)
    position: Position
    material: Literal["concrete", "steel", "wood", "composite"] | None = None
    height_m: Finite | None = None
    accepts_tenants: bool = True
    in_service_from: date | None = Field(default=None, description="first day in service; default today")


class PolePatch(Strict):
    position: Position | None = None
    material: Literal["concrete", "steel", "wood", "composite"] | None = None
    height_m: Finite | None = None
    accepts_tenants: bool | None = None


class LineGeometry(Strict):
    type: Literal["LineString"]
    coordinates: list[Annotated[list[Finite], Field(min_length=2, max_length=3)]] = Field(
        min_length=2, max_length=5000
    )


class DuctIn(Strict):
    code: Code
    name: Text | None = Field(default=None, max_length=200, examples=["Tuyến cống Quốc lộ – Trung tâm"])
    owner: Text | None = Field(default=None, max_length=64)
    geometry: LineGeometry
    duct_count: int = Field(default=1, ge=1, le=100)
    free_duct_count: int | None = Field(default=None, ge=0, le=100, description="at most duct_count")
    subduct_count: int = Field(default=0, ge=0, le=1000)
    stated_length_m: float | None = Field(default=None, gt=0, description="the length the owner states")
    accepts_tenants: bool = True
    in_service_from: date | None = Field(default=None, description="first day in service; default today")


class DuctPatch(Strict):
    geometry: LineGeometry | None = None
    name: Text | None = Field(default=None, max_length=200)
    duct_count: int | None = Field(default=None, ge=1, le=100)
    free_duct_count: int | None = Field(default=None, ge=0, le=100)
    subduct_count: int | None = Field(default=None, ge=0, le=1000)
    stated_length_m: float | None = Field(default=None, gt=0)
    accepts_tenants: bool | None = None


# Answers: what the services (registration, assets, sharing, audit, site_checks) return, as sent.


class Place(BaseModel):
    """The hamlet, commune and district at a point; `urban`: a town ward (phường / thị trấn)."""

    hamlet_code: str | None
    hamlet_name: str | None
    commune_code: str
    commune_name: str
    urban: bool
    district_code: str
    district_name: str


class OperatorOut(BaseModel):
    short_name: str
    name: str
    kind: Literal[OPERATOR_KINDS]


class Operators(BaseModel):
    operators: list[OperatorOut]


class ResolvedPosition(BaseModel):
    """A typed position as WGS 84, its place and the radius within which sharing is looked for."""

    lon: float
    lat: float
    place: Place | None = Field(description="None outside the province")
    share_radius_m: float


class SharingCandidate(BaseModel):
    code: str
    owner: str
    structure_type: Literal[STRUCTURE_TYPES]
    height_m: float | None
    rent_vnd_month: int | None
    status: Literal["approved", "active"]
    distance_m: float
    lon: float
    lat: float
    tenants: str | None = Field(description="the operators on it, comma-separated")


class SharingCandidates(BaseModel):
    place: Place | None
    radius_m: float
    candidates: list[SharingCandidate] = Field(description="nearest first")


class Registration(BaseModel):
    """A site awaiting a decision or commissioning, or with a change awaiting approval."""

    code: str
    name: str | None
    owner: str
    status: Literal[SITE_STATUSES]
    structure_type: Literal[STRUCTURE_TYPES]
    height_m: float | None
    created_by: str | None
    proposed_on: date | None
    has_pending_change: bool
    pending_by: str | None
    new_structure_reason: str | None
    status_reason: str | None
    version: int
    lon: float
    lat: float
    commune: str | None = Field(description="the commune in force where it stands")
    district: str | None = Field(description="its district, where districts are in force")


class Registrations(BaseModel):
    registrations: list[Registration]


class CellOut(BaseModel):
    code: str
    operator: str
    technology: Literal[TECHNOLOGIES]
    band_mhz: int
    azimuth_deg: float | None = Field(description="None = omnidirectional")
    beamwidth_deg: float
    tilt_mech_deg: float
    tilt_elec_deg: float
    antenna_height_m: float
    tx_power_dbm: float | None
    antenna_gain_dbi: float | None
    eirp_dbm: float | None


class SiteChange(SiteFields):
    """An edit awaiting the Department's approval, as it was sent: only the fields it gives."""

    model_config = ConfigDict(extra="ignore")


class SiteOut(BaseModel):
    """A site with its cells, tenants and place; `version` is its ETag. Another company's pending
    change and who sent it read null."""

    code: str
    name: str | None
    owner: str
    status: Literal[SITE_STATUSES]
    structure_type: Literal[STRUCTURE_TYPES]
    height_m: float | None
    accepts_tenants: bool
    rent_vnd_month: int | None
    permit_no: str | None
    new_structure_reason: str | None
    status_reason: str | None
    pending_change: SiteChange | None
    pending_by: str | None
    created_by: str | None
    version: int
    lon: float
    lat: float
    proposed_on: date | None
    approved_on: date | None
    commissioned_on: date | None
    decommissioned_on: date | None
    cells: list[CellOut]
    tenants: list[str] = Field(description="every operator on the structure, its owner too")
    shared: bool = Field(description="two or more tenants")
    place: Place | None = Field(description="None outside the province")


class PointOut(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=3)


class LineStringOut(BaseModel):
    type: Literal["LineString"]
    coordinates: list[Annotated[list[float], Field(min_length=2, max_length=3)]] = Field(min_length=2)


class AssetOut(BaseModel):
    code: str
    owner: str
    version: int = Field(description="the ETag")
    accepts_tenants: bool
    users: list[str] = Field(description="the operators attached to it or occupying it")
    shared: bool = Field(description="two or more users")


class PoleOut(AssetOut):
    material: Literal[POLE_MATERIALS] | None
    height_m: float | None
    geometry: PointOut


class DuctOut(AssetOut):
    name: str | None
    duct_count: int
    free_duct_count: int | None
    subduct_count: int
    stated_length_m: float | None
    geometry: LineStringOut


class SharingRequestOut(BaseModel):
    id: int
    asset: Literal["site", "pole", "duct"]
    code: str
    owner: str = Field(description="the structure's owner, who decides")
    requester: str
    status: Literal["pending", "accepted", "declined", "withdrawn"]
    note: str | None
    decision_note: str | None
    requested_by: str
    by_department: bool = Field(
        description="filed by the Department (a planner or admin) for the requester: the Department may withdraw it"
    )
    requested_at: Timestamp
    decided_by: str | None
    decided_at: Timestamp | None


class SharingRequests(BaseModel):
    requests: list[SharingRequestOut]


class HistoryEntry(BaseModel):
    """One audited change. `before` and `after` are the whole row as the table holds it (a site's, a
    cell's, a tenancy's …): their keys are that table's columns."""

    id: int
    at: Timestamp
    actor: str
    actor_role: str | None
    client_ip: str | None
    action: Literal["create", "update", "delete", "truncate"]
    entity: str = Field(description="the table, e.g. sites, cells")
    record_id: str | None
    record_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed: list[str] = Field(description="the columns whose values differ between before and after")


class History(BaseModel):
    kind: Literal["site", "pole", "duct"]
    code: str
    entries: list[HistoryEntry] = Field(description="oldest first")

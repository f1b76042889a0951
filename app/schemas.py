"""Request bodies, validated with the ranges a real transmitter can have; the import's report; the region."""

from datetime import date as date_
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError


class WhatIfCell(BaseModel):
    operator: str = Field(min_length=1, max_length=64, description="mobile operator short name")
    technology: Literal["2G", "3G", "4G", "5G"]
    band_mhz: int = Field(ge=400, le=6000)
    azimuth_deg: float | None = Field(default=None, ge=0, lt=360, description="None = omnidirectional")
    beamwidth_deg: float = Field(default=65, gt=0, le=360)
    antenna_height_m: float = Field(gt=0, le=200)
    eirp_dbm: float = Field(ge=0, le=90)


class WhatIfSite(BaseModel):
    lon: float = Field(ge=-180, le=180)
    lat: float
    height_m: float | None = Field(default=None, gt=0, le=200)

    @model_validator(mode="after")
    def _latitude(self) -> "WhatIfSite":
        if not -90 <= self.lat <= 90:
            swapped = -90 <= self.lon <= 90
            code = "position.not_a_latitude_swapped" if swapped else "position.not_a_latitude"
            raise PydanticCustomError(code, "lat {lat} is not a latitude (−90..90)", {"lat": self.lat})
        return self


class WhatIfRequest(BaseModel):
    site: WhatIfSite
    cells: list[WhatIfCell] = Field(min_length=1, max_length=24)


class RegionUnitOut(BaseModel):
    code: str
    name: str = Field(description="as stored, with its kind: 'Tỉnh A'")
    kind: str | None


class RegionOut(BaseModel):
    """The region in force on a day: the top-level admin units (one province, or several)."""

    date: date_
    codes: list[str]
    units: list[RegionUnitOut]
    name: str = Field(description="the units' names joined: 'Tỉnh A, Tỉnh B và Thành phố C'")
    display_vi: str = Field(description="for titles in Vietnamese: 'tỉnh A'")
    display_en: str = Field(description="for titles in English: 'A province'")
    bbox: list[float] = Field(description="lon/lat: min x, min y, max x, max y")
    centre: list[float] = Field(description="lon, lat: a point inside the region")
    outline: dict | None = Field(None, description="the simplified outline (GeoJSON), when asked for")
    timezone: str = Field(
        description="the region's clock (setting TIMEZONE, IANA): the zone times are shown in"
    )

"""Answers of OGC API – Features and Tiles (/ogc) and of TileJSON (/tiles/…/tilejson.json).

GDAL, QGIS and web maps read these documents, so the models say member for member what the routers
build and forbid anything else (a member added without its model is an error, not a silent drop).
A member the router may leave out (a link's title, the extent of a collection the caller sees no
feature of) is `omittable`: absent or a value, never null, in the answer as in the schema.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

# Options of the routes answering omittable members: what the router left out stays out.
OMITTED_STAY_ABSENT = {"response_model_exclude_unset": True}

Absent = SkipJsonSchema[None]


def _without_default(schema: dict) -> None:
    schema.pop("default", None)


def omittable(description: str | None = None):
    """An optional member whose schema shows neither null nor a default (`X | Absent = omittable()`)."""
    return Field(default=None, description=description, json_schema_extra=_without_default)


Bbox = list[float]  # min x, min y, max x, max y (CRS84: lon/lat)
Point2 = list[float]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Link(Answer):
    href: str
    rel: str
    type: str = Field(description="media type of the target")
    title: str | Absent = omittable()
    templated: bool | Absent = omittable("href is a URI template ({tileMatrix} …)")


# OGC API – Common / Features


class LandingPage(Answer):
    title: str
    description: str
    links: list[Link]


class Conformance(Answer):
    conformsTo: list[str]


class SpatialExtent(Answer):
    bbox: list[Bbox] = Field(description="one box of four numbers")
    crs: str


class TemporalExtent(Answer):
    interval: list[list[str | None]] = Field(description="[first, last]; null: an open end")
    trs: str


class Extent(Answer):
    spatial: SpatialExtent | Absent = omittable()
    temporal: TemporalExtent | Absent = omittable("absent when the collection has no time or no times")


class CollectionInfo(Answer):
    id: str
    title: str
    description: str
    itemType: Literal["feature"]
    crs: list[str]
    storageCrs: str
    geometryType: str
    links: list[Link]
    extent: Extent | Absent = omittable("absent when the caller sees no feature")


class Collections(Answer):
    links: list[Link]
    collections: list[CollectionInfo]


# OGC 2D Tile Matrix Set 2.0 (with the 1.0 members older GDAL reads) and OGC API – Tiles


class TileMatrixSetRef(Answer):
    id: str
    title: str
    uri: str
    crs: str
    links: list[Link]


class TileMatrixSets(Answer):
    links: list[Link]
    tileMatrixSets: list[TileMatrixSetRef]


class TileMatrix(Answer):
    id: str
    scaleDenominator: float
    cellSize: float
    cornerOfOrigin: Literal["topLeft"]
    pointOfOrigin: Point2
    tileWidth: int
    tileHeight: int
    matrixWidth: int
    matrixHeight: int


class TileMatrixV1(Answer):
    type: Literal["TileMatrixType"]
    identifier: str
    scaleDenominator: float
    topLeftCorner: Point2
    tileWidth: int
    tileHeight: int
    matrixWidth: int
    matrixHeight: int


class TileMatrixSetDefinition(Answer):
    id: str
    title: str
    uri: str
    crs: str
    orderedAxes: list[str]
    wellKnownScaleSet: str
    tileMatrices: list[TileMatrix]
    type: Literal["TileMatrixSetType"] = Field(description="2D-TMS 1.0")
    identifier: str = Field(description="2D-TMS 1.0: the id")
    supportedCRS: str = Field(description="2D-TMS 1.0: the crs")
    tileMatrix: list[TileMatrixV1] = Field(description="2D-TMS 1.0: the tile matrices")


class TilesetSummary(Answer):
    title: str
    dataType: Literal["vector"]
    crs: str
    tileMatrixSetURI: str
    links: list[Link]


class Tilesets(Answer):
    links: list[Link]
    tilesets: list[TilesetSummary]


class PropertyType(Answer):
    type: Literal["string", "number", "boolean"]


class PropertiesSchema(Answer):
    type: Literal["object"]
    properties: dict[str, PropertyType]


class TilesetLayer(Answer):
    id: str
    title: str
    dataType: Literal["vector"]
    geometryDimension: int = Field(ge=0, le=2)
    minTileMatrix: str
    maxTileMatrix: str
    propertiesSchema: PropertiesSchema


class BoundingBox(Answer):
    lowerLeft: Point2
    upperRight: Point2
    crs: str


class Tileset(Answer):
    title: str
    description: str
    dataType: Literal["vector"]
    crs: str
    tileMatrixSetURI: str
    layers: list[TilesetLayer]
    links: list[Link]
    boundingBox: BoundingBox | Absent = omittable("absent when the caller sees no feature")


# TileJSON 3.0.0

MvtType = Literal["String", "Number", "Boolean"]


class VectorLayer(Answer):
    id: str
    description: str
    minzoom: int
    maxzoom: int
    fields: dict[str, MvtType]


class TileJson(Answer):
    tilejson: Literal["3.0.0"]
    name: str
    scheme: Literal["xyz"]
    tiles: list[str]
    minzoom: int
    maxzoom: int
    bounds: Bbox
    center: list[float | int] = Field(description="longitude, latitude and an integer zoom")
    vector_layers: list[VectorLayer]

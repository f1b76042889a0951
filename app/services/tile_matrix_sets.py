"""The tile matrix sets the vector tiles are served in (OGC 2D Tile Matrix Set 2.0, registered sets).

WebMercatorQuad is what web maps and the XYZ URLs use. WorldCRS84Quad (two tiles of 180° at zoom 0)
is there for the clients that compute tile ranges from a collection's CRS84 extent, as GDAL's OGCAPI
driver does for vector tiles (it prefers this set when it is offered).
"""

import math
from dataclasses import dataclass

from app.errors import TileOutOfRange, not_found

__all__ = [
    "TILE_MATRIX_SETS",
    "WEB_MERCATOR_QUAD",
    "WORLD_CRS84_QUAD",
    "TileMatrixSet",
    "get_tile_matrix_set",
]

_TILE_PX = 256
_RENDERING_PIXEL_M = 0.28e-3  # scale denominator = cell size (m) / 0.28 mm, by definition
_EARTH_RADIUS_M = 6378137.0
_TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/"


@dataclass(frozen=True)
class TileMatrixSet:
    id: str
    title: str
    crs: str  # OGC CRS URI
    srid: int  # of the tile space in PostGIS
    ordered_axes: tuple[str, str]
    half_width: float  # the matrix spans x from -half_width to +half_width (CRS units) …
    top: float  # … and y from +top down
    columns_at_zoom_0: int
    metres_per_unit: float
    well_known_scale_set: str

    @property
    def uri(self) -> str:
        return _TMS_URI + self.id

    def tile_size(self, z: int) -> float:
        """A tile's width and height at zoom z, in CRS units."""
        return 2 * self.half_width / self.columns_at_zoom_0 / (1 << z)

    def matrix_size(self, z: int) -> tuple[int, int]:
        """(columns, rows) at zoom z."""
        return self.columns_at_zoom_0 << z, 1 << z

    def check(self, z: int, col: int, row: int, max_zoom: int) -> None:
        if not 0 <= z <= max_zoom:
            raise TileOutOfRange(f"zoom {z} is out of range 0–{max_zoom}")
        cols, rows = self.matrix_size(z)
        if not (0 <= col < cols and 0 <= row < rows):
            ranges = f"0–{cols - 1}" if cols == rows else f"x 0–{cols - 1}, y 0–{rows - 1}"
            raise TileOutOfRange(f"tile x={col}, y={row} is out of range {ranges} at zoom {z}")

    def envelope(self, z: int, col: int, row: int) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of a tile in the CRS."""
        size = self.tile_size(z)
        minx, maxy = -self.half_width + col * size, self.top - row * size
        return minx, maxy - size, minx + size, maxy

    def definition(self, max_zoom: int) -> dict:
        """The JSON encoding of 2D-TMS 2.0, with the 1.0 members that GDAL before 3.7 reads."""
        matrices = []
        for z in range(max_zoom + 1):
            cols, rows = self.matrix_size(z)
            cell = self.tile_size(z) / _TILE_PX
            matrices.append(
                {
                    "id": str(z),
                    "scaleDenominator": cell * self.metres_per_unit / _RENDERING_PIXEL_M,
                    "cellSize": cell,
                    "cornerOfOrigin": "topLeft",
                    "pointOfOrigin": [-self.half_width, self.top],
                    "tileWidth": _TILE_PX,
                    "tileHeight": _TILE_PX,
                    "matrixWidth": cols,
                    "matrixHeight": rows,
                }
            )
        version_1 = {
            "type": "TileMatrixSetType",
            "identifier": self.id,
            "supportedCRS": self.crs,
            "tileMatrix": [
                {
                    "type": "TileMatrixType",
                    "identifier": m["id"],
                    "scaleDenominator": m["scaleDenominator"],
                    "topLeftCorner": m["pointOfOrigin"],
                    **{k: m[k] for k in ("tileWidth", "tileHeight", "matrixWidth", "matrixHeight")},
                }
                for m in matrices
            ],
        }
        return {
            "id": self.id,
            "title": self.title,
            "uri": self.uri,
            "crs": self.crs,
            "orderedAxes": list(self.ordered_axes),
            "wellKnownScaleSet": self.well_known_scale_set,
            "tileMatrices": matrices,
            **version_1,
        }


WEB_MERCATOR_HALF_M = _EARTH_RADIUS_M * math.pi
WEB_MERCATOR_QUAD = TileMatrixSet(
    "WebMercatorQuad",
    "Google Maps Compatible for the World",
    "http://www.opengis.net/def/crs/EPSG/0/3857",
    3857,
    ("E", "N"),
    WEB_MERCATOR_HALF_M,
    WEB_MERCATOR_HALF_M,
    1,
    1.0,
    "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
)
WORLD_CRS84_QUAD = TileMatrixSet(
    "WorldCRS84Quad",
    "CRS84 for the World",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    4326,
    ("Lon", "Lat"),
    180.0,
    90.0,
    2,
    _EARTH_RADIUS_M * math.pi / 180,
    "http://www.opengis.net/def/wkss/OGC/1.0/GoogleCRS84Quad",
)
TILE_MATRIX_SETS = {t.id: t for t in (WEB_MERCATOR_QUAD, WORLD_CRS84_QUAD)}


def get_tile_matrix_set(tms_id: str) -> TileMatrixSet:
    tms = TILE_MATRIX_SETS.get(tms_id)
    if tms is None:
        raise not_found("notfound.tile_matrix_set", id=tms_id, served=list(TILE_MATRIX_SETS))
    return tms

"""Reading the field's files: GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV, XLSX, OpenCelliD.

Pure: no web or database imports. ``read_table`` returns features in EPSG:4326 with project
attribute names, or raises ``ImportRefused`` listing every problem with its row/feature number.
"""

from gis.importers.errors import ImportRefused
from gis.importers.table import (
    ImportedFeature,
    ImportedTable,
    outside_problems,
    read_table,
)

__all__ = [
    "ImportRefused",
    "ImportedFeature",
    "ImportedTable",
    "read_table",
    "outside_problems",
]

"""CQL2 filters (text and JSON) → SQL on a collection's source, with bound values only.

pygeofilter parses; this module walks its AST. Property names are checked against the collection
(and only ever written from the collection's own declaration), every comparison against the
queryables' types, geometry literals for shape, validity and range in their CRS, and every literal
becomes a bound parameter, so a filter the database would choke on is refused first (400).
What is supported: Basic CQL2 (comparisons, AND/OR/NOT, IS NULL), LIKE/BETWEEN/IN, CASEI,
property-to-property comparisons and the S_* spatial predicates with geometry or BBOX literals in
CRS84 (or `filter-crs`).
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import orjson
import shapely
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text
from shapely.geometry import shape
from shapely.validation import explain_validity

from app.errors import InvalidParameter
from app.layer_types import Collection
from app.services.crs_output import OutputCrs, on_earth, parse_crs

__all__ = ["GEOMETRY_NAMES", "LANGS", "InvalidFilter", "SqlFilter", "compile_filter", "queryable_types"]

LANGS = ("cql2-text", "cql2-json")
GEOMETRY_NAMES = ("geometry", "geom")  # how a filter names the feature's geometry

_COMPARISONS = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}
_SPATIAL = {
    ast.GeometryIntersects: "ST_Intersects",
    ast.GeometryDisjoint: "ST_Disjoint",
    ast.GeometryContains: "ST_Contains",
    ast.GeometryWithin: "ST_Within",
    ast.GeometryTouches: "ST_Touches",
    ast.GeometryCrosses: "ST_Crosses",
    ast.GeometryOverlaps: "ST_Overlaps",
    ast.GeometryEquals: "ST_Equals",
}
# Types that compare with one another.
_FAMILY = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "date-time": "date-time",
}


class InvalidFilter(InvalidParameter):
    pass


@dataclass
class SqlFilter:
    sql: str
    params: dict[str, object] = field(default_factory=dict)
    properties: set[str] = field(default_factory=set)  # the property names it reads


def queryable_types(collection: Collection) -> dict[str, str]:
    """Properties a filter may name (JSON objects are not comparable)."""
    return {k: v for k, v in collection.all_properties.items() if v in _FAMILY}


def compile_filter(
    collection: Collection,
    raw: str,
    lang: str | None = None,
    filter_crs: str | None = None,
    prefix: str = "q",
) -> SqlFilter:
    lang = (lang or "cql2-text").lower()
    if lang not in LANGS:
        raise InvalidFilter(f"unsupported filter-lang '{lang}'; supported: {', '.join(LANGS)}")
    tree = _parse(raw, lang)
    return _Compiler(collection, parse_crs(filter_crs, "filter-crs"), prefix).compile(tree)


def _parse(raw: str, lang: str) -> ast.Node:
    if not raw.strip():
        raise InvalidFilter("filter is empty")
    try:
        if lang == "cql2-json":
            return parse_json(_for_pygeofilter(orjson.loads(raw)))
        return parse_text(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidFilter(f"filter is not valid JSON: {exc}") from None
    except Exception as exc:  # lark and pygeofilter raise many kinds; the first line says where
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidFilter(f"filter is not valid {lang}: {first}") from None


def _for_pygeofilter(node: Any) -> Any:
    """CQL2 1.0 JSON in the shapes pygeofilter 0.4 reads: `{"bbox": […]}` as a polygon (it misreads
    its order) and `between` with three arguments (it expects the bounds in a list)."""
    if isinstance(node, list):
        return [_for_pygeofilter(n) for n in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"bbox"} and isinstance(node["bbox"], list) and len(node["bbox"]) in (4, 6):
        b = node["bbox"]
        minx, miny, maxx, maxy = (b[0], b[1], b[2], b[3]) if len(b) == 4 else (b[0], b[1], b[3], b[4])
        ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
        return {"type": "Polygon", "coordinates": [ring]}
    args = node.get("args")
    if node.get("op") == "between" and isinstance(args, list) and len(args) == 3:
        node = {**node, "args": [args[0], [args[1], args[2]]]}
    return {k: _for_pygeofilter(v) for k, v in node.items()}


def _ring_problem(ring: Any) -> str | None:
    positions = [tuple(p) for p in ring]
    if len(positions) < 4:
        return f"a polygon ring needs at least 4 positions, got {len(positions)}"
    if positions[0] != positions[-1]:
        return "a polygon ring must end where it starts"
    return None


def _shape_problem(geometry: dict) -> str | None:
    """What is wrong with the rings of a GeoJSON geometry (shapely closes open rings silently)."""
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        return next(filter(None, (_shape_problem(g) for g in geometry.get("geometries") or [])), None)
    polygons = {"Polygon": [geometry.get("coordinates")], "MultiPolygon": geometry.get("coordinates")}.get(
        kind
    )
    for polygon in polygons or []:
        for ring in polygon:
            problem = _ring_problem(ring)
            if problem:
                return problem
    return None


class _Compiler:
    def __init__(self, collection: Collection, crs: OutputCrs, prefix: str):
        self.collection = collection
        self.types = queryable_types(collection)
        self.crs = crs
        self.prefix = prefix
        self.out = SqlFilter("")

    def compile(self, tree: ast.Node) -> SqlFilter:
        self.out.sql = self._condition(tree)
        return self.out

    # -- pieces ------------------------------------------------------------------------------

    def _bind(self, value: object) -> str:
        key = f"{self.prefix}{len(self.out.params)}"
        self.out.params[key] = value
        return f":{key}"

    def _property(self, node: ast.Attribute) -> tuple[str, str]:
        name = node.name
        if not isinstance(name, str):
            raise InvalidFilter(f"a property name must be a string, got {name!r}")
        if name in GEOMETRY_NAMES:
            raise InvalidFilter(
                f"'{name}' is the geometry: use it in a spatial predicate such as S_INTERSECTS"
            )
        if name not in self.types:
            known = ", ".join(sorted(self.types))
            raise InvalidFilter(
                f"unknown property '{name}' in filter for collection '{self.collection.id}'; queryables: {known}"
            )
        self.out.properties.add(name)
        return f'f."{name}"', self.types[name]

    def _literal(self, value: object, want: str | None) -> tuple[str, str]:
        """A bound literal and its type; `want` (the other side's type) converts ISO strings."""
        if isinstance(value, bool):
            return self._bind(value), "boolean"
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise InvalidFilter(f"{value} is not a finite number")
            return self._bind(value), "number"
        if isinstance(value, datetime):
            return self._bind(value), "date-time"
        if isinstance(value, date):
            return self._bind(value), "date"
        if isinstance(value, str):
            if "\x00" in value:
                raise InvalidFilter("a text literal cannot hold a NUL character")
            if want in ("date", "date-time"):
                try:
                    parsed = date.fromisoformat(value) if want == "date" else datetime.fromisoformat(value)
                except ValueError:
                    raise InvalidFilter(f"'{value}' is not an ISO {want}") from None
                return self._bind(parsed), want
            return self._bind(value), "string"
        if isinstance(value, values.Interval | values.Geometry | values.Envelope):
            raise InvalidFilter(f"a {type(value).__name__.lower()} cannot be compared here")
        raise InvalidFilter(f"unsupported expression in filter: {value!r}")

    def _operands(self, lhs: object, rhs: object) -> tuple[str, str]:
        left, lt = self._operand(lhs, self._type_of(rhs))
        right, rt = self._operand(rhs, self._type_of(lhs))
        self._check_types(lhs, lt, rt)
        return left, right

    def _type_of(self, node: object) -> str | None:
        """A property's type, to read the other side's ISO text as a date (None otherwise)."""
        name = node.name if isinstance(node, ast.Attribute) else None
        return self.types.get(name) if isinstance(name, str) else None

    def _operand(self, node: object, want: str | None) -> tuple[str, str]:
        if isinstance(node, ast.Attribute):
            return self._property(node)
        if isinstance(node, ast.Function) and node.name == "lower":  # CASEI(…), as pygeofilter names it
            if len(node.arguments) != 1:
                raise InvalidFilter("CASEI takes one argument")
            inner, kind = self._operand(node.arguments[0], "string")
            if kind != "string":
                raise InvalidFilter(f"CASEI applies to text, not to a {kind}")
            return f"lower({inner})", "string"
        if isinstance(node, ast.Node):
            raise InvalidFilter(
                f"unsupported expression in filter: {node!r} (arithmetic and functions other than CASEI "
                "are not supported)"
            )
        return self._literal(node, want)

    @staticmethod
    def _check_types(lhs: object, left: str, right: str) -> None:
        lf, rf = _FAMILY.get(left, left), _FAMILY.get(right, right)
        if {lf, rf} == {"date", "date-time"}:
            return
        if lf != rf:
            what = f"property '{lhs.name}'" if isinstance(lhs, ast.Attribute) else "the left side"
            raise InvalidFilter(f"{what} is a {left} and cannot be compared with a {right}")

    def _pattern(self, node: ast.Like) -> str:
        pattern = node.pattern
        casei = isinstance(pattern, ast.Function) and pattern.name == "lower" and len(pattern.arguments) == 1
        if casei:
            pattern = pattern.arguments[0]
        if not isinstance(pattern, str):
            raise InvalidFilter(f"LIKE needs a text pattern, got {pattern!r}")
        if "\x00" in pattern:
            raise InvalidFilter("a text literal cannot hold a NUL character")
        # CQL2's wildcards (%, _) and escape (\) are PostgreSQL's: the pattern goes as it is.
        if (len(pattern) - len(pattern.rstrip("\\"))) % 2:
            raise InvalidFilter(f"LIKE pattern '{pattern}' ends with a lone escape character '\\'")
        return f"lower({self._bind(pattern)})" if casei else self._bind(pattern)

    # -- geometry literals ---------------------------------------------------------------------

    def _geometry(self, node: object) -> str:
        if isinstance(node, ast.Attribute):
            if node.name not in GEOMETRY_NAMES:
                raise InvalidFilter(f"'{node.name}' is not a geometry; the geometry is called 'geometry'")
            return "f.geom"
        if isinstance(node, ast.Function) and node.name.lower() == "bbox":
            args = node.arguments
            if len(args) not in (4, 6) or not all(isinstance(a, int | float) for a in args):
                raise InvalidFilter("BBOX takes 4 (or 6) numbers")
            return self._envelope(*(args if len(args) == 4 else (args[0], args[1], args[3], args[4])))
        if isinstance(node, values.Envelope):
            return self._envelope(node.x1, node.y1, node.x2, node.y2)
        if isinstance(node, values.Geometry):
            geometry = {k: v for k, v in node.geometry.items() if k != "crs"}
            self._check_geometry(geometry)
            text = orjson.dumps(geometry).decode()
            return self._in_storage_crs(
                f"ST_SetSRID(ST_GeomFromGeoJSON({self._bind(text)}), {self.crs.srid})"
            )
        raise InvalidFilter(f"a spatial predicate needs the geometry and a geometry literal, got {node!r}")

    def _envelope(self, minx: float, miny: float, maxx: float, maxy: float) -> str:
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (minx, miny, maxx, maxy)):
            raise InvalidFilter("a bounding box takes numbers")
        if minx > maxx or miny > maxy:
            raise InvalidFilter(
                f"bounding box minimum is greater than its maximum: {minx}, {miny}, {maxx}, {maxy}"
            )
        self._check_range(np.array([[minx, miny], [maxx, maxy]], dtype=float))
        corners = ", ".join(self._bind(float(v)) for v in (minx, miny, maxx, maxy))
        return self._in_storage_crs(f"ST_MakeEnvelope({corners}, {self.crs.srid})")

    def _check_geometry(self, geometry: dict) -> None:
        kind = geometry.get("type")
        try:
            problem = _shape_problem(geometry)
            geom = None if problem else shape(geometry)
        except Exception as exc:  # shapely and GEOS say what is wrong in their own words
            problem = str(exc) or type(exc).__name__
        if problem is None and geom.is_empty:
            problem = "it is empty"
        if problem:
            raise InvalidFilter(f"invalid {kind} literal in filter: {problem}")
        self._check_range(shapely.get_coordinates(geom))
        if not geom.is_valid:
            raise InvalidFilter(f"invalid {kind} literal in filter: {explain_validity(geom)}")

    def _check_range(self, xy: np.ndarray) -> None:
        """Coordinates (in the filter CRS's axis order) that lie on the Earth in that CRS."""
        if not on_earth(self.crs, xy):
            raise InvalidFilter(f"coordinates outside the range of {self.crs.uri} in filter")

    def _in_storage_crs(self, sql: str) -> str:
        if self.crs.lat_lon:
            sql = f"ST_FlipCoordinates({sql})"
        return sql if self.crs.srid == 4326 else f"ST_Transform({sql}, 4326)"

    # -- conditions ----------------------------------------------------------------------------

    def _condition(self, node: object) -> str:
        if isinstance(node, ast.And | ast.Or):
            op = "AND" if isinstance(node, ast.And) else "OR"
            return f"({self._condition(node.lhs)} {op} {self._condition(node.rhs)})"
        if isinstance(node, ast.Not):
            return f"(NOT {self._condition(node.sub_node)})"
        if isinstance(node, ast.Include):
            return "false" if node.not_ else "true"
        if isinstance(node, bool):
            return "true" if node else "false"
        if isinstance(node, ast.Attribute):
            column, kind = self._property(node)
            if kind != "boolean":
                raise InvalidFilter(f"property '{node.name}' is a {kind}, not a condition")
            return f"({column} IS TRUE)"
        if type(node) in _COMPARISONS:
            left, right = self._operands(node.lhs, node.rhs)
            return f"({left} {_COMPARISONS[type(node)]} {right})"
        if isinstance(node, ast.IsNull):
            column, _ = self._operand(node.lhs, None)
            return f"({column} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.Between):
            value, low = self._operands(node.lhs, node.low)
            _, high = self._operands(node.lhs, node.high)
            return f"({value} {'NOT ' if node.not_ else ''}BETWEEN {low} AND {high})"
        if isinstance(node, ast.In):
            if not isinstance(node.sub_nodes, list) or not node.sub_nodes:
                raise InvalidFilter("IN needs a list of at least one value")
            items = [self._operands(node.lhs, item)[1] for item in node.sub_nodes]
            value, _ = self._operand(node.lhs, None)
            return f"({value} {'NOT ' if node.not_ else ''}IN ({', '.join(items)}))"
        if isinstance(node, ast.Like):
            value, kind = self._operand(node.lhs, None)
            if kind != "string":
                raise InvalidFilter(f"LIKE applies to text properties only, not to a {kind}")
            op = "ILIKE" if node.nocase else "LIKE"
            return f"({value} {'NOT ' if node.not_ else ''}{op} {self._pattern(node)})"
        if type(node) in _SPATIAL:
            return f"{_SPATIAL[type(node)]}({self._geometry(node.lhs)}, {self._geometry(node.rhs)})"
        name = type(node).__name__
        raise InvalidFilter(
            f"'{name}' is not supported in filters (basic CQL2, LIKE/BETWEEN/IN, CASEI and S_* only)"
        )

"""Small named SQL pieces shared by the feature and tile services (always with bound values)."""

from dataclasses import replace

from app.collections import IN_FORCE, Collection, Filter
from app.errors import InvalidParameter, UnknownFilter
from app.services.cql2 import compile_filter
from app.services.scope import Scope
from app.services.temporal import DATETIME, in_force_day, parse_datetime, temporal_clause

# CQL2 and `datetime` travel with the property filters (so every service that takes filters
# understands them); every collection takes them.
CQL_PARAMS = ("filter", "filter-lang", "filter-crs")
COMMON_PARAMS = (*CQL_PARAMS, DATETIME)
LOCATION_COLUMNS = frozenset({"commune_code", "district_code"})

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def with_location(source: str) -> str:
    """Add the commune and district (in force) each feature of `source` lies in."""
    return (
        f"SELECT src.*, loc.commune_code, loc.district_code FROM ({source}) AS src "
        "LEFT JOIN LATERAL (SELECT cm.code AS commune_code, d.code AS district_code "
        "FROM admin_units cm JOIN admin_units d ON d.id = cm.parent_id "
        f"WHERE cm.level = 'commune' AND {IN_FORCE.format(a='cm')} "
        "AND ST_Intersects(cm.geom, ST_PointOnSurface(src.geom)) LIMIT 1) AS loc ON true"
    )


def located_source(collection: Collection) -> str:
    """The collection's source, with its location columns when it has them."""
    return with_location(collection.source) if collection.located else collection.source


def dated(
    collection: Collection, filters: dict[str, str] | None, prefix: str = "s"
) -> tuple[Collection, dict]:
    """The collection as `datetime` among `filters` asks: admin units in force on its day (bound as
    :<prefix>day); any other collection, or no `datetime`, as it is."""
    if collection.dated_source is None or not filters or DATETIME not in filters:
        return collection, {}
    key = f"{prefix}day"
    source = collection.dated_source.replace("{day}", f"CAST(:{key} AS date)")
    return replace(collection, source=source), {key: in_force_day(filters[DATETIME])}


def scoped_source(
    collection: Collection,
    scope: Scope,
    *,
    located: bool = False,
    filters: dict[str, str] | None = None,
    prefix: str = "s",
) -> tuple[str, dict[str, object]]:
    """The rows of `collection` that `scope` may see (with the location columns when `located`;
    admin units as in force on the day `filters` name), and the values its conditions bind: every
    reader of a collection starts from here."""
    collection, day = dated(collection, filters, prefix)
    source = located_source(collection) if located else collection.source
    clauses, params = scope.clauses(collection, "sc")
    params = {**params, **day}
    if not clauses:
        return source, params
    return f"SELECT * FROM ({source}) AS sc WHERE {' AND '.join(clauses)}", params


def parse_filter_value(name: str, flt: Filter, raw: str) -> object:
    if flt.kind == "boolean":
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise InvalidParameter(f"filter '{name}' expects true or false, got '{raw}'")
    if flt.kind == "integer":
        try:
            return int(raw)
        except ValueError:
            raise InvalidParameter(f"filter '{name}' expects an integer, got '{raw}'") from None
    if not raw.strip():
        raise InvalidParameter(f"filter '{name}' is empty")
    if "\x00" in raw:
        raise InvalidParameter(f"filter '{name}' holds a NUL character")
    return raw


def filter_clauses(
    collection: Collection, filters: dict[str, str], prefix: str = "f"
) -> tuple[list[str], dict[str, object]]:
    """SQL conditions (on the source's columns) and their bound values for `name=value` filters."""
    clauses: list[str] = []
    params: dict[str, object] = {}
    cql = cql_filter(collection, filters, prefix=f"{prefix}q")
    if cql is not None:
        clauses.append(cql.sql)
        params.update(cql.params)
    if DATETIME in filters:
        when, when_params = temporal_clause(collection, parse_datetime(filters[DATETIME]), f"{prefix}t")
        clauses.append(when)
        params.update(when_params)
    plain = {k: v for k, v in filters.items() if k not in COMMON_PARAMS}
    for i, (name, raw) in enumerate(sorted(plain.items())):
        flt = collection.filters.get(name)
        if flt is None:
            known = ", ".join(sorted(collection.filters)) or "none"
            raise UnknownFilter(
                f"unknown filter '{name}' for collection '{collection.id}'; known filters: {known}"
            )
        key = f"{prefix}{i}"
        clauses.append("(" + flt.sql.replace(":v", f":{key}") + ")")
        params[key] = parse_filter_value(name, flt, raw)
    return clauses, params


def cql_filter(collection: Collection, filters: dict[str, str], prefix: str = "q"):
    """The CQL2 `filter` among `filters` compiled for `collection`, or None."""
    if "filter" not in filters:
        for name in ("filter-lang", "filter-crs"):
            if name in filters:
                raise InvalidParameter(f"'{name}' is given without a 'filter'")
        return None
    return compile_filter(
        collection, filters["filter"], filters.get("filter-lang"), filters.get("filter-crs"), prefix=prefix
    )


def needs_location(
    collection: Collection, filters: dict[str, str], columns: set[str] | frozenset = frozenset()
) -> bool:
    """Whether the location columns are needed before filtering/sorting (by filters or `columns`)."""
    if not collection.located:
        return False
    if {"district", "commune"} & set(filters) or LOCATION_COLUMNS & set(columns):
        return True
    cql = cql_filter(collection, filters)
    return cql is not None and bool(LOCATION_COLUMNS & cql.properties)

"""Small named SQL pieces shared by the feature and tile services (always with bound values)."""

from app.collections import IN_FORCE, Collection, Filter
from app.errors import InvalidParameter, UnknownFilter

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
    return raw


def filter_clauses(
    collection: Collection, filters: dict[str, str], prefix: str = "f"
) -> tuple[list[str], dict[str, object]]:
    """SQL conditions (on the source's columns) and their bound values for `name=value` filters."""
    clauses: list[str] = []
    params: dict[str, object] = {}
    for i, (name, raw) in enumerate(sorted(filters.items())):
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


def needs_location(collection: Collection, filters: dict[str, str]) -> bool:
    return collection.located and bool({"district", "commune"} & set(filters))

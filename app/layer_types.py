"""The shape of a published layer: its SQL source, properties and query filters."""

from dataclasses import dataclass, field

# Admin units in force today; older versions stay in the table for past reports.
IN_FORCE = "{a}.valid_from <= CURRENT_DATE AND ({a}.valid_to IS NULL OR {a}.valid_to > CURRENT_DATE)"


@dataclass(frozen=True)
class Filter:
    """A query parameter: `sql` uses the bound name :v; `kind` parses the raw text."""

    sql: str
    kind: str = "string"  # string | integer | boolean
    description: str = ""


@dataclass(frozen=True)
class Collection:
    id: str
    title_vi: str
    title_en: str
    geometry_type: str
    source: str
    properties: dict[str, str]  # name -> JSON type (string, integer, number, boolean, date, date-time)
    filters: dict[str, Filter] = field(default_factory=dict)
    located: bool = False
    tile_minzoom: int = 0
    temporal: str | None = None  # the property holding each feature's time (OGC `datetime` reads it)

    @property
    def all_properties(self) -> dict[str, str]:
        extra = {"commune_code": "string", "district_code": "string"} if self.located else {}
        return {**self.properties, **extra}


def eq(column: str, kind: str = "string", description: str = "") -> Filter:
    return Filter(f"{column} = :v", kind, description)


def in_list(column: str, description: str = "") -> Filter:
    return Filter(f":v = ANY(string_to_array({column}, ','))", "string", description)


LOCATION_FILTERS = {
    "district": eq("district_code", description="district code (930–937)"),
    "commune": eq("commune_code", description="commune code"),
}

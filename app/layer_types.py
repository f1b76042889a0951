"""The shape of a published layer: its SQL source, properties and query filters."""

from dataclasses import dataclass, field

# Admin units in force on a day (an SQL expression: a bound parameter such as ":on", or CURRENT_DATE);
# a unit is valid over [valid_from, valid_to), older versions stay in the table for past reports.
IN_FORCE_ON = "{a}.valid_from <= {day} AND ({a}.valid_to IS NULL OR {a}.valid_to > {day})"
# In force today.
IN_FORCE = IN_FORCE_ON.replace("{day}", "CURRENT_DATE")

# A site not yet approved (a draft, a proposal, a rejected one): a company's plan, secret from the
# other operators (app/services/scope.py).
UNAPPROVED = ("draft", "proposed", "rejected")
UNAPPROVED_SQL = "(" + ", ".join(f"'{status}'" for status in UNAPPROVED) + ")"
# Of those, a draft is the company's private work: hidden from officials as well (app/services/scope.py).
DRAFT = "draft"

# Where a row lies, for the scope of a district-limited official (bound :scope_district). A record
# lies in the district holding a point of it (ST_PointOnSurface, as the location columns say). The
# district is its version in force, or its last one when a reform abolished it: an official of a
# former district keeps that area.
DISTRICT_GEOM = (
    "(SELECT d.geom FROM admin_units d WHERE d.level = 'district' AND d.code = :scope_district "
    "AND d.valid_from <= CURRENT_DATE ORDER BY d.valid_from DESC LIMIT 1)"
)
IN_DISTRICT_POINT = "ST_Intersects(" + DISTRICT_GEOM + ", ST_PointOnSurface({geom}))"
IN_DISTRICT_AREA = "ST_Intersects(" + DISTRICT_GEOM + ", {geom})"
# Since a reform abolished the district, units hang from the city: a unit of the official's former
# district is one with a point in it.
ABOLISHED_DISTRICT = (
    "NOT EXISTS (SELECT 1 FROM admin_units d WHERE d.level = 'district' AND d.code = :scope_district AND "
    + IN_FORCE.format(a="d")
    + ")"
)
IN_DISTRICT_COLUMN = (
    "({a}.district_code = :scope_district OR ("
    + ABOLISHED_DISTRICT
    + " AND "
    + IN_DISTRICT_POINT.format(geom="{a}.geom")
    + "))"
)


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
    # Scope (app/services/scope.py), SQL on the source's alias {a}: the row lies in :scope_district
    # (None: derived, see `in_district`) …
    district_sql: str | None = None
    # … and the owner (short name) of the unapproved site the row belongs to, NULL when approved.
    unapproved_owner_sql: str | None = None
    # … and the owner of the draft site the row belongs to, NULL when not a draft; whether the row
    # is a draft at all, on a column the planner keeps statistics for (a scope that sees no draft).
    draft_owner_sql: str | None = None
    is_draft_sql: str | None = None

    def in_district(self, a: str) -> str:
        """SQL: the row (alias ``a``) lies in district :scope_district."""
        if self.district_sql is not None:
            return self.district_sql.format(a=a, geom=f"{a}.geom")
        if self.located:
            return IN_DISTRICT_POINT.format(geom=f"{a}.geom")
        if "district_code" in self.properties:
            return IN_DISTRICT_COLUMN.format(a=a)
        raise ValueError(f"collection {self.id} does not say how it lies in a district")

    temporal: str | None = None  # the property holding each feature's time (OGC `datetime` reads it)
    # Admin units: the source with `{day}` (an SQL expression) where `source` says CURRENT_DATE;
    # OGC `datetime` (one day) selects the units in force then (app/services/sql.py, scoped_source).
    dated_source: str | None = None
    # Computed coverage: with `datetime` on a past day, `dated_source` reads that day's dated run,
    # whose polygons must be built first (app/services/coverage/dated_layers.prepare).
    from_dated_runs: bool = False

    @property
    def description(self) -> str:
        if self.dated_source is None:
            return self.title_en
        if self.from_dated_runs:
            return (
                f"{self.title_en}, as computed for today's network by default, or for the network of the "
                "day `datetime` names (a date, or a date-time's day in Vietnam; an interval is refused)"
            )
        return (
            f"{self.title_en} in force on a day: today by default, or the day `datetime` names (a date, "
            "or a date-time's day in Vietnam); an interval is refused, since a unit may have changed in it"
        )

    @property
    def all_properties(self) -> dict[str, str]:
        extra = {"commune_code": "string", "district_code": "string"} if self.located else {}
        return {**self.properties, **extra}


def eq(column: str, kind: str = "string", description: str = "") -> Filter:
    return Filter(f"{column} = :v", kind, description)


def in_list(column: str, description: str = "") -> Filter:
    return Filter(f":v = ANY(string_to_array({column}, ','))", "string", description)


LOCATION_FILTERS = {
    "district": eq("district_code", description="district code"),
    "commune": eq("commune_code", description="commune code"),
}

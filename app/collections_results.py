"""Published layers of computed results: coverage, dead zones, FTTH gaps, hamlet coverage columns."""

from app.layer_types import IN_DISTRICT_AREA, Collection, eq
from app.services.clock import TIMEZONE
from app.services.coverage.asof import POLYGON_RUN, day_is_live

# A measured dead zone: a challenge of no or weak signal the Department confirmed by measurements
# (POST /api/challenges/{code}/measured) and the operator has not fixed since, drawn as the disc of
# this radius around the reported spot — what one person's report and a drive test stand for, not a
# modelled area. Its people: the hamlet's, in the share of the hamlet's area the disc covers.
# `{unfixed}`: the challenge's condition (live: by its status; a past day: by its steps' times).
MEASURED_ZONE_RADIUS_M = 300
_MEASURED = (
    "SELECT x.code AS fid, x.code, 'measured' AS source, h.code AS hamlet_code, h.name AS hamlet_name, "
    "c.code AS commune_code, d.code AS district_code, x.kind, round((ST_Area(x.geom::geography) / 1e6)"
    "::numeric, 4)::float8 AS area_km2, round(coalesce(h.population, 0) * least(ST_Area(x.geom::geography) "
    "/ 1e6 / nullif(h.area_km2, 0), 1))::int AS population, x.geom FROM (SELECT ch.code, ch.kind, ch.hamlet_id, "
    f"ST_Multi(ST_Buffer(ch.geom::geography, {MEASURED_ZONE_RADIUS_M}, 'quad_segs=8')::geometry) AS geom "
    "FROM challenges ch WHERE ch.measured AND ch.kind IN ('no_signal', 'weak_signal') AND @unfixed@) x "
    "LEFT JOIN admin_units h ON h.id = x.hamlet_id "
    "LEFT JOIN admin_units c ON c.id = h.parent_id LEFT JOIN admin_units d ON d.id = c.parent_id"
)
MEASURED_DEAD_ZONES = _MEASURED.replace("@unfixed@", "ch.status NOT IN ('rejected', 'fixed')")
# As of the end of `{day}` (an SQL date) in the country's time zone: confirmed by measurements
# (its step `measured`) by then, and some operator it was sent to had not fixed it by then (an
# operator's `fixed` is final: it answers only while the challenge awaits it, and a review only
# reopens a dispute). Steps are timestamps; a day ends at midnight in Vietnam, not in UTC.
_END_OF_DAY = f"((({{day}}) + 1)::timestamp AT TIME ZONE '{TIMEZONE}')"
MEASURED_DEAD_ZONES_ON_DAY = _MEASURED.replace(
    "@unfixed@",
    "EXISTS (SELECT 1 FROM challenge_steps s WHERE s.challenge_id = ch.id AND s.step = 'measured' "
    f"AND s.at < {_END_OF_DAY}) AND EXISTS (SELECT 1 FROM challenge_operators co "
    "WHERE co.challenge_id = ch.id AND NOT EXISTS (SELECT 1 FROM challenge_steps f WHERE f.challenge_id = ch.id "
    f"AND f.operator_id = co.operator_id AND f.step = 'fixed' AND f.at < {_END_OF_DAY}))",
)

# Coverage polygons of the parts in {parts}: the live run's, or (DATED_PARTS) the day's.
COVERAGE = (
    "SELECT p.block_key || '-' || coalesce(o.short_name, 'all') || '-' || p.tech_class || '-' || p.band "
    "AS fid, p.block_key || '-' || coalesce(o.short_name, 'all') || '-' || p.tech_class || '-' || p.band "
    "AS code, coalesce(o.short_name, 'all') AS operator, p.tech_class, p.band, p.block_key, p.geom "
    "FROM {parts} p LEFT JOIN operators o ON o.id = p.operator_id"
)
# The parts as of `{day}` (an SQL date): the live run's from the network's last change on, else
# those of the day's dated run (built beforehand by app/services/coverage/dated_layers.prepare).
_LIVE_ON_DAY = day_is_live("{day}")
DATED_PARTS = (
    "(SELECT block_key, operator_id, tech_class, band, geom FROM coverage_parts WHERE "
    + _LIVE_ON_DAY
    + " UNION ALL SELECT block_key, operator_id, tech_class, band, geom FROM coverage_run_parts WHERE NOT "
    + _LIVE_ON_DAY
    + " AND run_id = "
    + POLYGON_RUN
    + ")"
)
DATED_DEAD_ZONES = (
    "(SELECT hamlet_id, kind, area_km2, population, geom FROM dead_zones WHERE "
    + _LIVE_ON_DAY
    + " UNION ALL SELECT hamlet_id, kind, area_km2, population, geom FROM coverage_run_dead_zones WHERE NOT "
    + _LIVE_ON_DAY
    + " AND run_id = "
    + POLYGON_RUN
    + ")"
)
# Modelled dead zones of {zones} (the live run's, or DATED_DEAD_ZONES); the measured ones follow.
MODELLED_DEAD_ZONES = (
    "SELECT h.code || '-' || z.kind AS fid, h.code || '-' || z.kind AS code, 'modelled' AS source, "
    "h.code AS hamlet_code, h.name AS hamlet_name, c.code AS commune_code, d.code AS district_code, z.kind, "
    "round(z.area_km2::numeric, 4)::float8 AS area_km2, z.population, z.geom FROM {zones} z "
    "JOIN admin_units h ON h.id = z.hamlet_id JOIN admin_units c ON c.id = h.parent_id "
    "JOIN admin_units d ON d.id = c.parent_id"
)

# Columns the hamlets layer gains from the hamlet_coverage view (NULL until a run has computed them);
# kept per hamlet by migration 0033 (hamlet_features).
HAMLET_COVERAGE_PROPERTIES = {
    "mbb_share": "number",
    "mbb_covered": "boolean",
    "ftth_share": "number",
    "ftth_covered": "boolean",
    "dead_zone_population": "integer",
    "no_signal_share": "number",
    "legacy_only_share": "number",
    "single_operator_share": "number",
    "mbb_share_by_operator": "object",
}

RESULT_COLLECTIONS = [
    Collection(
        "coverage",
        "Vùng phủ sóng di động",
        "Mobile coverage (per operator, technology class and signal band)",
        "MultiPolygon",
        COVERAGE.format(parts="coverage_parts"),
        {
            "code": "string",
            "operator": "string",
            "tech_class": "string",
            "band": "string",
            "block_key": "string",
        },
        {
            "operator": eq("operator", description="operator short name, or 'all' for any operator"),
            "tech_class": eq("tech_class", description="mbb (4G/5G) or legacy (2G/3G)"),
            "band": eq("band", description="good, fair or weak"),
        },
        district_sql=IN_DISTRICT_AREA,
        dated_source=COVERAGE.format(parts=DATED_PARTS),
        from_dated_runs=True,
    ),
    Collection(
        "dead_zones",
        "Vùng lõm sóng",
        "Dead zones: no signal, no mobile broadband (2G/3G only), or a single operator — modelled by the "
        "coverage run, or measured (a public challenge the Department confirmed by measurements)",
        "MultiPolygon",
        MODELLED_DEAD_ZONES.format(zones="dead_zones") + f" UNION ALL {MEASURED_DEAD_ZONES}",
        {
            "code": "string",
            "source": "string",
            "hamlet_code": "string",
            "hamlet_name": "string",
            "commune_code": "string",
            "district_code": "string",
            "kind": "string",
            "area_km2": "number",
            "population": "integer",
        },
        {
            "kind": eq(
                "kind", description="no_signal, no_mbb or single_operator; measured: also weak_signal"
            ),
            "source": eq(
                "source", description="modelled (the coverage run) or measured (a confirmed challenge)"
            ),
            "district": eq("district_code"),
            "commune": eq("commune_code"),
        },
        dated_source=MODELLED_DEAD_ZONES.format(zones=DATED_DEAD_ZONES)
        + f" UNION ALL {MEASURED_DEAD_ZONES_ON_DAY}",
        from_dated_runs=True,
    ),
    Collection(
        "ftth_gaps",
        "Vùng chưa có cáp quang (FTTH)",
        "Hamlet area out of reach of every active fibre access point",
        "MultiPolygon",
        "SELECT h.code AS fid, h.code, h.code AS hamlet_code, h.name AS hamlet_name, d.code AS district_code, "
        "round(f.share::numeric, 4)::float8 AS ftth_share, round(f.area_km2::numeric, 4)::float8 AS area_km2, "
        "round(coalesce(h.population, 0) * least(f.area_km2 / nullif(h.area_km2, 0), 1))::int AS population, "
        "f.geom FROM hamlet_ftth f "
        "JOIN admin_units h ON h.id = f.hamlet_id JOIN admin_units c ON c.id = h.parent_id "
        "JOIN admin_units d ON d.id = c.parent_id WHERE f.geom IS NOT NULL",
        {
            "code": "string",
            "hamlet_code": "string",
            "hamlet_name": "string",
            "district_code": "string",
            "ftth_share": "number",
            "area_km2": "number",
            "population": "integer",
        },
        {"district": eq("district_code")},
    ),
]

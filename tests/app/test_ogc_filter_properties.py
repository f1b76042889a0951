"""Property-based tests (hypothesis) of CQL2 filters on every collection, on items and on both tile
routes: an ill-typed comparison or a broken geometry literal is a 400 naming the filter, a
well-typed one is answered (200), and nothing is ever a 5xx."""

from datetime import UTC, date, datetime

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.collections import COLLECTIONS
from app.services.cql2 import queryable_types

PROPERTIES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# A tile of the sample province (z10 around Vị Thanh) in both path orders.
ROUTES = (
    "/ogc/collections/{id}/items?limit=1",
    "/ogc/collections/{id}/tiles/WebMercatorQuad/10/483/812",
    "/tiles/{id}/10/812/483.mvt",
)
FAMILY = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "date": "time",
    "date-time": "time",
}
COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
# Text pygeofilter can quote (no quote, no line break) and PostgreSQL can store (no NUL).
TEXT = st.text(st.characters(blacklist_characters="'\n\r\x00\\", blacklist_categories=("Cs",)), max_size=12)
WORD = st.from_regex(r"[a-zA-Z][a-zA-Z ]{0,10}", fullmatch=True)  # never an ISO date

literals = {
    "string": TEXT,
    "number": st.one_of(st.integers(-(10**15), 10**15), st.floats(allow_nan=False, allow_infinity=False)),
    "boolean": st.booleans(),
    "time": st.one_of(
        st.dates(date(1900, 1, 1), date(2100, 1, 1)),
        st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)),
    ),
}


def _text(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP('{value.strftime('%Y-%m-%dT%H:%M:%SZ')}')"
    if isinstance(value, date):
        return f"DATE('{value.isoformat()}')"
    return f"'{value}'"


def _json(value):
    if isinstance(value, datetime):
        return {"timestamp": value.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


@st.composite
def comparisons(draw, well_typed: bool):
    """(collection id, filter query parameters) comparing a queryable with a literal of its own
    family (well_typed) or of another one."""
    cid = draw(st.sampled_from(sorted(COLLECTIONS)))
    name, kind = draw(st.sampled_from(sorted(queryable_types(COLLECTIONS[cid]).items())))
    family = FAMILY[kind]
    if well_typed:
        other = family
    else:
        other = draw(st.sampled_from(sorted({"string", "number", "boolean", "time"} - {family})))
    value = draw(WORD if other == "string" and not well_typed else literals[other])
    # LIKE takes a text pattern on text: ill-typed, a pattern of another type or a non-text property
    shape = draw(
        st.sampled_from(
            ["compare", "between", "in"] + (["like"] if family == "string" or not well_typed else [])
        )
    )
    op = draw(st.sampled_from(COMPARISONS))
    if draw(st.booleans()):
        text = {
            "compare": f"{name} {op} {_text(value)}",
            "between": f"{name} BETWEEN {_text(value)} AND {_text(value)}",
            "in": f"{name} IN ({_text(value)}, {_text(value)})",
            "like": f"{name} LIKE {_text(value)}",
        }[shape]
        return cid, {"filter": text}
    prop = {"property": name}
    flt = {
        "compare": {"op": op, "args": [prop, _json(value)]},
        "between": {"op": "between", "args": [prop, _json(value), _json(value)]},
        "in": {"op": "in", "args": [prop, [_json(value), _json(value)]]},
        "like": {"op": "like", "args": [prop, _json(value)]},
    }[shape]
    return cid, {"filter": orjson.dumps(flt).decode(), "filter-lang": "cql2-json"}


positions = st.lists(st.tuples(st.floats(104, 107), st.floats(8, 11)), min_size=1, max_size=6)


@st.composite
def broken_geometries(draw):
    """A polygon literal with too few positions or an open ring, or a point off the Earth."""
    cid = draw(st.sampled_from(sorted(COLLECTIONS)))
    kind = draw(st.sampled_from(["short", "open", "far"]))
    if kind == "short":
        ring = draw(positions.filter(lambda p: len(p) < 3))
        ring = [*ring, ring[0]]
    elif kind == "open":
        ring = draw(
            st.lists(st.tuples(st.floats(104, 107), st.floats(8, 11)), min_size=4, max_size=6, unique=True)
        )
    else:
        lon = draw(st.one_of(st.floats(180.001, 1e12), st.floats(-1e12, -180.001)))
        return cid, {"filter": f"S_INTERSECTS(geometry, POINT({lon!r} 9.8))"}
    wkt = ", ".join(f"{x!r} {y!r}" for x, y in ring)
    return cid, {"filter": f"S_INTERSECTS(geometry, POLYGON(({wkt})))"}


def _answers(client, cid: str, params: dict) -> list:
    return [client.get(route.format(id=cid), params=params) for route in ROUTES]


@PROPERTIES
@given(case=st.one_of(comparisons(well_typed=False), broken_geometries()))
def test_ill_typed_comparisons_and_broken_geometries_are_400_everywhere(client, case):
    cid, params = case
    for r in _answers(client, cid, params):
        assert r.status_code == 400, (r.url, r.text)
        assert r.json()["code"] == "InvalidFilter" and r.json()["description"], r.text


@PROPERTIES
@given(case=comparisons(well_typed=True))
def test_well_typed_comparisons_are_answered(client, case):
    cid, params = case
    for r in _answers(client, cid, params):
        assert r.status_code == 200, (r.url, r.text)


@PROPERTIES
@given(
    cid=st.sampled_from(sorted(COLLECTIONS)),
    flt=st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda v: orjson.dumps(v).decode(),
            st.recursive(
                st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8),
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["op", "args", "property"]), inner)
                ),
                max_leaves=8,
            ),
        ),
    ),
    lang=st.sampled_from(["cql2-text", "cql2-json"]),
)
def test_any_filter_text_is_never_a_5xx(client, cid, flt, lang):
    for r in _answers(client, cid, {"filter": flt, "filter-lang": lang}):
        assert r.status_code in (200, 400), (r.url, r.text)

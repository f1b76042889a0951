"""Search: positions typed as coordinates (decimal, DMS, VN-2000 X/Y: gis.point_search), site codes,
and admin units by name ignoring diacritics ("ap tan loi" finds "Ấp Tân Lợi"), among the units in
force on a day (default today); an old unit's name finds the unit it became part of, marked with
the old name ("xa <old name>" → the new commune, formerly Xã <old name>), through admin_lineage; a
district a reform abolished is found as itself, with its last day ("huyen <name>"); and, for
logged-in users, tall structures in service by address or name the same way ("ap tan loi" finds a
water tower at "Ấp Tân Lợi, xã …"). Sites and commune offices carry no address (app/models.py)."""

import re
from dataclasses import replace
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Unprocessable
from app.layer_types import DRAFT, IN_FORCE_ON, UNAPPROVED_SQL
from app.services.clock import today
from app.services.region import vn2000_crs
from app.services.scope import Scope
from app.services.site_checks import in_region, place_of
from gis.coordinates import PositionError
from gis.crs import vn2000_label
from gis.point_search import read_position
from gis.problems import Problem
from gis.text import fold_vi

_LEVELS = ("district", "commune", "hamlet")


def _escape_like(typed: str) -> str:
    """``typed`` with LIKE's wildcards and escape character taken literally."""
    return typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _every_word(tokens: list[str], folded: str, params: dict[str, object]) -> str:
    """SQL: the folded text ``folded`` holds each of ``tokens`` anywhere (their values into ``params``)."""
    for i, token in enumerate(tokens):
        params[f"t{i}"] = f"%{_escape_like(token)}%"
    return " AND ".join(f"{folded} LIKE :t{i}" for i in range(len(tokens)))


# The units a name may lead to: a unit of that name (formerly NULL), or the unit in force that an
# ended unit of that name went into.
_NAMED = (
    f"SELECT a.id, NULL::text AS formerly FROM admin_units a WHERE {{words}} AND {IN_FORCE_ON.format(a='a', day=':on')} "
    "UNION ALL "
    "SELECT l.new_unit_id, a.name FROM admin_units a JOIN admin_lineage l ON l.old_unit_id = a.id "
    "WHERE {words} AND a.valid_to IS NOT NULL AND a.valid_to <= :on "
    # A district that a reform abolished (no unit took its place): found as itself, until its end.
    "UNION ALL "
    "SELECT a.id, a.name FROM admin_units a WHERE {words} AND a.level = 'district' AND a.valid_to <= :on "
    "AND NOT EXISTS (SELECT 1 FROM admin_units s WHERE s.level = 'district' AND s.code = a.code "
    f"AND {IN_FORCE_ON.format(a='s', day=':on')}) "
    "AND NOT EXISTS (SELECT 1 FROM admin_units s WHERE s.level = 'district' AND s.code = a.code "
    "AND s.valid_from > a.valid_from AND s.valid_to <= :on)"
)
# The unit found, in force on :on — or a former district found by its own name (see above).
_SHOWN = (
    f"({IN_FORCE_ON.format(a='a', day=':on')} OR (a.level = 'district' AND a.valid_to <= :on "
    "AND f.formerly = a.name))"
)


def search_admin_units(
    session: Session, query: str, limit: int, district_code: str | None = None, on: date | None = None
) -> list[dict]:
    """Units whose name (or a former unit's name) holds every word of ``query``, in force on ``on``
    (default today); within district ``district_code`` when given."""
    tokens = fold_vi(query).split()
    if not tokens:
        return []
    params: dict[str, object] = {"limit": limit, "phrase": " ".join(tokens), "district": district_code}
    params["on"] = on or today()
    named = _NAMED.format(words=_every_word(tokens, "a.name_folded", params))
    rows = session.execute(
        text(
            "SELECT a.level, a.code, a.name, p.name AS parent_name, "
            "CASE a.level WHEN 'district' THEN NULL WHEN 'commune' THEN "
            "CASE p.level WHEN 'district' THEN p.name END ELSE CASE pp.level WHEN 'district' THEN pp.name END END "
            "AS district_name, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), f.formerly, "
            "CASE WHEN a.valid_to <= :on THEN a.valid_to - 1 END AS until "
            # A unit found by its own name is not repeated through its predecessors.
            f"FROM (SELECT DISTINCT ON (id) id, formerly FROM ({named}) n ORDER BY id, formerly NULLS FIRST) f "
            "JOIN admin_units a ON a.id = f.id "
            "LEFT JOIN admin_units p ON p.id = a.parent_id "
            "LEFT JOIN admin_units pp ON pp.id = p.parent_id, "
            "LATERAL (SELECT a.geom::box2d AS e) b "
            f"WHERE a.level IN ('district', 'commune', 'hamlet') AND {_SHOWN} AND "
            "(CAST(:district AS text) IS NULL OR :district = CASE a.level WHEN 'district' THEN a.code "
            "WHEN 'commune' THEN p.code ELSE pp.code END) "
            "ORDER BY (f.formerly IS NULL) DESC, (a.name_folded = :phrase) DESC, "
            "(a.name_folded LIKE :phrase || '%' OR a.name_folded LIKE '% ' || :phrase || '%') DESC, "
            "array_position(ARRAY['district','commune','hamlet']::text[], a.level::text), "
            "length(a.name), a.code LIMIT :limit"
        ),
        params,
    ).all()
    return [
        {
            "level": r.level,
            "code": r.code,
            "name": r.name,
            "parent_name": r.parent_name if r.level != "district" else None,
            "district_name": r.district_name,
            "bbox": [round(v, 7) for v in r[5:9]],
            "formerly": r.formerly,
            **({"until": r.until} if r.until is not None else {}),
        }
        for r in rows
    ]


def _point_result(
    level: str, code: str, name: str, lon: float, lat: float, place: dict | None, **extra
) -> dict:
    return {
        "level": level,
        "code": code,
        "name": name,
        "parent_name": place["commune_name"] if place else None,
        "district_name": place["district_name"] if place else None,
        "bbox": [round(lon, 7), round(lat, 7), round(lon, 7), round(lat, 7)],
        "formerly": None,
        "lon": round(lon, 7),
        "lat": round(lat, 7),
        **extra,
    }


def search_position(session: Session, query: str, on: date | None = None) -> list[dict] | None:
    """The places a typed position means inside the region (None: the text is no position); a 422
    when it looks like one but cannot be read, or lies outside the region."""
    conn = session.connection()
    try:
        found = read_position(query, vn2000_crs(conn, on))
    except PositionError as exc:
        raise Unprocessable(reasons=[replace(exc.problem, field="q")]) from None
    if found is None:
        return None
    out = []
    for c in found:
        if not in_region(conn, c.lon, c.lat, on):
            continue
        label = f"{c.lat:.6f}, {c.lon:.6f}"
        name = f"{vn2000_label(c.crs)}: {label}" if c.crs else label
        out.append(
            _point_result("position", label, name, c.lon, c.lat, place_of(conn, c.lon, c.lat, on), crs=c.crs)
        )
    if not out:
        first = found[0]
        params = {"text": query, "lon": round(first.lon, 6), "lat": round(first.lat, 6)}
        raise Unprocessable(reasons=[Problem("search.coordinates_outside", "q", params=params)])
    return out


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{2,31}")


def search_sites(session: Session, query: str, scope: Scope, limit: int) -> list[dict]:
    """Sites whose code starts with ``query`` (any case) that ``scope`` may see: none for anonymous
    visitors (sites are not on the public map), never another company's unapproved site."""
    query = query.strip()
    if not _CODE.fullmatch(query) or not any(ch.isdigit() for ch in query):
        return []
    inside, params = scope.in_district("s.geom")
    plans = (
        "true" if scope.every_company else f"(s.status NOT IN {UNAPPROVED_SQL} OR o.short_name = :company)"
    )
    if not scope.every_draft:  # an official: no draft (an operator's own passed above)
        plans += f" AND (s.status <> '{DRAFT}' OR o.short_name = :company)"
    prefix = _escape_like(query.upper()) + "%"
    rows = session.execute(
        text(
            "SELECT s.code, s.name, o.short_name AS owner, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat FROM sites s "
            f"JOIN operators o ON o.id = s.owner_id WHERE upper(s.code) LIKE :prefix AND {plans} AND {inside} "
            "ORDER BY length(s.code), s.code LIMIT :limit"
        ),
        {**params, "prefix": prefix, "company": scope.company, "limit": limit},
    ).all()
    conn = session.connection()
    return [
        _point_result("site", r.code, f"{r.code} ({r.owner})", r.lon, r.lat, place_of(conn, r.lon, r.lat))
        for r in rows
    ]


# fold_vi in SQL (the database has no unaccent): decomposed (NFD), the combining marks Vietnamese
# writes — grave, acute, circumflex, tilde, breve, hook above, horn, dot below — dropped, đ/Đ to d,
# lowercased. One pass of translate() over a short list: 5,000 structures are folded in ~0.1 s, where
# a translate() of every precomposed letter took 4 s.
_FOLD_FROM = "đĐ\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323"


def _folded(column: str) -> str:
    return f"lower(translate(normalize(coalesce({column}, ''), NFD), :fold_from, 'dd'))"


# The structures in service on :on within the scope, address and name folded once each.
_PLACES = (
    "WITH f AS MATERIALIZED (SELECT t.code, t.name, t.address, t.geom, "
    f"{_folded('t.address')} AS address_folded, {_folded('t.name')} AS name_folded FROM tall_structures t "
    "WHERE (t.in_service_from IS NULL OR t.in_service_from <= :on) "
    "AND (t.in_service_to IS NULL OR t.in_service_to > :on) AND {inside}) "
    "SELECT f.code, f.name, f.address, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat FROM f WHERE {words} "
    "ORDER BY (f.address_folded LIKE '%' || :phrase || '%') DESC, length(f.name), f.code LIMIT :limit"
)


def search_places(
    session: Session, query: str, scope: Scope, limit: int, on: date | None = None
) -> list[dict]:
    """Tall structures in service on ``on`` (default today) whose address and name hold every word
    of ``query``, diacritics ignored, within ``scope``'s district: the address holding the whole
    phrase first. Not for anonymous visitors (the structures are not on the public map)."""
    tokens = fold_vi(query).split()
    if not tokens or limit < 1:
        return []
    inside, params = scope.in_district("t.geom")
    params.update({"fold_from": _FOLD_FROM, "on": on or today(), "limit": limit, "phrase": " ".join(tokens)})
    words = _every_word(tokens, "(f.address_folded || ' ' || f.name_folded)", params)
    rows = session.execute(text(_PLACES.format(inside=inside, words=words)), params).all()
    conn = session.connection()
    return [
        _point_result(
            "tall_structure",
            r.code,
            f"{r.name} ({r.address})" if r.address else r.name,
            r.lon,
            r.lat,
            place_of(conn, r.lon, r.lat, on),
            address=r.address,
        )
        for r in rows
    ]

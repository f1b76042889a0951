"""Admin-unit search that ignores diacritics ("ap tan loi" finds "Ấp Tân Lợi"), among the units in
force on a day (default today); an old unit's name finds the unit it became part of, marked with
the old name ("xa hoa luu" → the new commune, formerly Xã Hỏa Lựu), through admin_lineage."""

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.layer_types import IN_FORCE_ON
from gis.text import fold_vi

_LEVELS = ("district", "commune", "hamlet")
# The units a name may lead to: a unit of that name (formerly NULL), or the unit in force that an
# ended unit of that name went into.
_NAMED = (
    "SELECT a.id, NULL::text AS formerly FROM admin_units a WHERE {words} "
    "UNION ALL "
    "SELECT l.new_unit_id, a.name FROM admin_units a JOIN admin_lineage l ON l.old_unit_id = a.id "
    "WHERE {words} AND a.valid_to IS NOT NULL AND a.valid_to <= :on"
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
    params["on"] = on or date.today()
    conds = []
    for i, token in enumerate(tokens):
        # Escape LIKE wildcards typed by the user; match each word anywhere in the name.
        params[f"t{i}"] = "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(f"a.name_folded LIKE :t{i}")
    named = _NAMED.format(words=" AND ".join(conds))
    rows = session.execute(
        text(
            "SELECT a.level, a.code, a.name, p.name AS parent_name, "
            "CASE a.level WHEN 'district' THEN NULL WHEN 'commune' THEN "
            "CASE p.level WHEN 'district' THEN p.name END ELSE CASE pp.level WHEN 'district' THEN pp.name END END "
            "AS district_name, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), f.formerly "
            # A unit found by its own name is not repeated through its predecessors.
            f"FROM (SELECT DISTINCT ON (id) id, formerly FROM ({named}) n ORDER BY id, formerly NULLS FIRST) f "
            "JOIN admin_units a ON a.id = f.id "
            "LEFT JOIN admin_units p ON p.id = a.parent_id "
            "LEFT JOIN admin_units pp ON pp.id = p.parent_id, "
            "LATERAL (SELECT a.geom::box2d AS e) b "
            f"WHERE a.level IN ('district', 'commune', 'hamlet') AND {IN_FORCE_ON.format(a='a', day=':on')} AND "
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
        }
        for r in rows
    ]

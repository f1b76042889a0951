"""Admin-unit search that ignores diacritics ("ap tan loi" finds "Ấp Tân Lợi")."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.collections import IN_FORCE
from gis.text import fold_vi

_LEVELS = ("district", "commune", "hamlet")


def search_admin_units(
    session: Session, query: str, limit: int, district_code: str | None = None
) -> list[dict]:
    """Units whose name holds every word of ``query``; within district ``district_code`` when given."""
    tokens = fold_vi(query).split()
    if not tokens:
        return []
    params: dict[str, object] = {"limit": limit, "phrase": " ".join(tokens), "district": district_code}
    conds = []
    for i, token in enumerate(tokens):
        # Escape LIKE wildcards typed by the user; match each word anywhere in the name.
        params[f"t{i}"] = "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(f"a.name_folded LIKE :t{i}")
    rows = session.execute(
        text(
            "SELECT a.level, a.code, a.name, p.name AS parent_name, "
            "CASE a.level WHEN 'district' THEN NULL WHEN 'commune' THEN p.name ELSE pp.name END "
            "AS district_name, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM admin_units a LEFT JOIN admin_units p ON p.id = a.parent_id "
            "LEFT JOIN admin_units pp ON pp.id = p.parent_id, "
            "LATERAL (SELECT a.geom::box2d AS e) b "
            f"WHERE a.level IN ('district', 'commune', 'hamlet') AND {IN_FORCE.format(a='a')} AND "
            "(CAST(:district AS text) IS NULL OR :district = CASE a.level WHEN 'district' THEN a.code "
            "WHEN 'commune' THEN p.code ELSE pp.code END) AND "
            + " AND ".join(conds)
            + " ORDER BY (a.name_folded = :phrase) DESC, "
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
        }
        for r in rows
    ]

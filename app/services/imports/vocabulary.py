"""The vocabulary in force: the files' terms (data/vocabulary/*.csv) and the planners' (table
``vocabulary_terms``, migration 0010), the planners' winning — what the importer reads headers,
coded values and company names with (gis/vocabulary.py).

A planner's term is checked before anything is written: its domain must be one we read (``column``
for headers, ``organisation`` for company names, or a coded field such as ``structure_type``) and
its canonical something that domain can mean (a project attribute, an allowed code, an operator's
short name). Many terms are one transaction: all are refused, with every problem, or all are kept.
An alias that already means something else is replaced only when the planner says so (``replace``).
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from app import models as m
from app.errors import not_found
from app.services.audit import Actor
from gis.importers.columns import default_vocabulary
from gis.problems import Problem, ProblemsFound
from gis.vocabulary import Term, Vocabulary, fold_key

__all__ = [
    "COLUMN",
    "ORGANISATION",
    "CODED",
    "AddResult",
    "current",
    "file_vocabulary",
    "targets",
    "list_terms",
    "add_terms",
    "parse_csv",
    "remove_term",
]

COLUMN, ORGANISATION = "column", "organisation"
# The coded fields of the importer and the codes each may hold (app/models.py).
CODED: dict[str, tuple[str, ...]] = {
    "structure_type": m.STRUCTURE_TYPES,
    "technology": tuple(dict.fromkeys(m.TECHNOLOGIES + m.SPEED_TECHNOLOGIES)),
    "status": tuple(dict.fromkeys(m.SITE_STATUSES + m.FAP_STATUSES)),
    "material": m.POLE_MATERIALS,
    "kind": m.FAP_KINDS + m.OPERATOR_KINDS + m.TALL_STRUCTURE_KINDS,  # an access point's, an organisation's …
    "role": m.BODY_ROLES,
    "method": m.INDICATOR_METHODS,  # an indicator's (the plans import)
    "indicator_unit": m.INDICATOR_UNITS,
}
LANGS = ("", "vi", "en")
MAX_ALIAS = 200
MAX_TERMS = 5000  # in one request or file
CSV_COLUMNS = ("domain", "alias", "canonical", "lang")
_T = m.VocabularyTerm.__table__


@dataclass
class AddResult:
    """What an add did: the terms written, the aliases that meant something else before, and the
    terms that were already in force as given."""

    added: list[dict]
    replaced: list[dict]
    unchanged: int

    def as_dict(self) -> dict:
        return {"added": self.added, "replaced": self.replaced, "unchanged": self.unchanged}


def file_vocabulary() -> Vocabulary:
    """The terms of data/vocabulary/*.csv (shared, cached: never mutate it)."""
    return default_vocabulary()


def _planner_terms(conn: Connection) -> list[Term]:
    rows = conn.execute(select(_T.c.domain, _T.c.alias, _T.c.canonical, _T.c.lang).order_by(_T.c.id))
    return [Term(*row) for row in rows]


def current(conn: Connection) -> Vocabulary:
    """The files' terms, then the planners' (which win over a file's for the same alias)."""
    return Vocabulary(file_vocabulary().terms).add(_planner_terms(conn))


def _column_targets(files: Vocabulary) -> set[str]:

    # The attribute names the importer reads: the files' header terms.
    return set(files.canonicals(COLUMN))


def targets(conn: Connection) -> dict[str, list[str]]:
    """Every domain a term may have, with what its canonical may be."""
    files = file_vocabulary()
    known: dict[str, set[str]] = {d: set(files.canonicals(d)) for d in files.domains()}
    known[COLUMN] = _column_targets(files)
    short_names = conn.execute(select(m.Operator.__table__.c.short_name)).scalars()
    known[ORGANISATION] = set(short_names)
    for domain, codes in CODED.items():
        known[domain] = known.get(domain, set()) | set(codes)
    return {domain: sorted(values) for domain, values in sorted(known.items())}


def list_terms(conn: Connection, domain: str | None = None) -> list[dict]:
    """The files' terms then the planners', each with its source (``file`` or ``planner``); a
    file's term that a planner's replaces is ``overridden``."""
    rows = conn.execute(select(_T).order_by(_T.c.domain, _T.c.alias_key)).mappings().all()
    mine = {(r["domain"], r["alias_key"]): r["canonical"] for r in rows}
    out = []
    for t in file_vocabulary().terms:
        if domain is None or t.domain == domain:
            changed = mine.get((t.domain, fold_key(t.alias)), t.canonical) != t.canonical
            out.append(_term(None, t.domain, t.alias, t.canonical, t.lang, "file", overridden=changed))
    for r in rows:
        if domain is None or r["domain"] == domain:
            out.append(_stored(r))
    return out


def _stored(row) -> dict:
    return _term(
        row["id"],
        row["domain"],
        row["alias"],
        row["canonical"],
        row["lang"],
        "planner",
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def _term(
    term_id, domain, alias, canonical, lang, source, *, overridden=False, created_by=None, created_at=None
):
    return {
        "id": term_id,
        "domain": domain,
        "alias": alias,
        "canonical": canonical,
        "lang": lang or "",
        "source": source,
        "overridden": overridden,
        "created_by": created_by,
        "created_at": created_at.isoformat() if created_at else None,
    }


def add_terms(
    conn: Connection,
    terms: Sequence[Term],
    actor: Actor,
    *,
    replace: bool = False,
    rows: Sequence[int] | None = None,
    source: str | None = None,
) -> AddResult:
    """Check every term, then write them all (or raise ProblemsFound with every problem, writing
    nothing). ``rows`` numbers the terms in their file (``source``); by default 1, 2, 3 …"""
    rows = list(rows) if rows is not None else list(range(1, len(terms) + 1))
    vocabulary, known = current(conn), targets(conn)
    problems: list[Problem] = []
    if not terms:
        problems.append(Problem("vocabulary.no_terms", field="alias", source=source))
    checked: dict[tuple[str, str], tuple[int, Term]] = {}
    for row, raw in zip(rows, terms, strict=True):
        found: list[Problem] = []
        term = _checked(raw, known, vocabulary, found)
        if term is not None:
            key = (term.domain, fold_key(term.alias))
            first = checked.get(key)
            if first is not None and first[1].canonical != term.canonical:
                found.append(
                    Problem(
                        "vocabulary.duplicate_alias",
                        field="alias",
                        params={"alias": term.alias, "domain": term.domain, "first": first[0]},
                    )
                )
            elif first is None:
                checked[key] = (row, term)
        problems += [p.at(row=row, source=source) for p in found]
    writes, replaced, unchanged = [], [], 0
    for (domain, key), (row, term) in checked.items():
        was = vocabulary.resolve(domain, term.alias)
        if was == term.canonical:
            unchanged += 1
            continue
        if was is not None:
            if not replace:
                problems.append(
                    Problem(
                        "vocabulary.alias_taken",
                        field="alias",
                        row=row,
                        source=source,
                        params={
                            "alias": term.alias,
                            "domain": domain,
                            "current": was,
                            "canonical": term.canonical,
                        },
                    )
                )
                continue
            replaced.append({"domain": domain, "alias": term.alias, "was": was, "canonical": term.canonical})
        writes.append((key, term))
    if problems:
        raise ProblemsFound(problems)
    actor.apply(conn)
    added = [_write(conn, key, term, actor) for key, term in writes]
    return AddResult(added, replaced, unchanged)


def _checked(
    raw: Term, known: dict[str, list[str]], vocabulary: Vocabulary, found: list[Problem]
) -> Term | None:
    domain, alias = (raw.domain or "").strip(), (raw.alias or "").strip()
    canonical, lang = (raw.canonical or "").strip(), (raw.lang or "").strip().lower()
    for name, value in (("domain", domain), ("alias", alias), ("canonical", canonical)):
        if not value:
            found.append(Problem("vocabulary.required", field=name))
    if lang not in LANGS:
        found.append(Problem("vocabulary.unknown_lang", field="lang", params={"lang": raw.lang}))
    if alias and len(alias) > MAX_ALIAS:
        found.append(Problem("vocabulary.too_long", field="alias", params={"max": MAX_ALIAS}))
    elif alias and (not fold_key(alias) or "\x00" in alias):
        found.append(Problem("vocabulary.alias_unreadable", field="alias", params={"alias": alias}))
    if domain and domain not in known:
        found.append(
            Problem(
                "vocabulary.unknown_domain", field="domain", params={"domain": domain, "known": list(known)}
            )
        )
        return None
    if found or not domain:
        return None
    allowed = {fold_key(v): v for v in known[domain]}
    exact = allowed.get(fold_key(canonical))
    if exact is None:
        found.append(_unknown_canonical(domain, canonical, allowed, vocabulary))
        return None
    own = allowed.get(fold_key(alias))
    if own is not None and own != exact:
        found.append(
            Problem("vocabulary.alias_is_canonical", field="alias", params={"alias": alias, "domain": domain})
        )
        return None
    return Term(domain, alias, exact, lang)


def _unknown_canonical(
    domain: str, canonical: str, allowed: dict[str, str], vocabulary: Vocabulary
) -> Problem:
    # "Did you mean": what the vocabulary reads the word as, else the nearest allowed value.
    suggestion = vocabulary.resolve(domain, canonical)
    if suggestion not in allowed.values():
        near = difflib.get_close_matches(fold_key(canonical), list(allowed), n=1, cutoff=0.6)
        suggestion = allowed[near[0]] if near else None
    if suggestion is None:
        return Problem(
            "vocabulary.unknown_canonical_no_suggestion",
            field="canonical",
            params={"canonical": canonical, "domain": domain, "known": sorted(allowed.values())},
        )
    return Problem(
        "vocabulary.unknown_canonical",
        field="canonical",
        params={"canonical": canonical, "domain": domain, "suggestion": suggestion},
    )


def _write(conn: Connection, key: str, term: Term, actor: Actor) -> dict:
    values = {
        "alias": term.alias,
        "canonical": term.canonical,
        "lang": term.lang,
        "created_by": actor.username,
    }
    where = (_T.c.domain == term.domain) & (_T.c.alias_key == key)
    row = conn.execute(update(_T).where(where).values(**values).returning(_T)).mappings().first()
    if row is None:
        stmt = insert(_T).values(domain=term.domain, alias_key=key, **values).returning(_T)
        row = conn.execute(stmt).mappings().one()
    return _stored(row)


def parse_csv(data: bytes, source: str) -> tuple[list[Term], list[int]]:
    """A planner's ``domain,alias,canonical[,lang]`` CSV (UTF-8, a BOM and CRLF welcome) as terms
    and their row numbers (the header is row 1); raises ProblemsFound when it cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProblemsFound([Problem("vocabulary.file_not_utf8", field="alias", source=source)]) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # a field over the csv module's limit, say
        problem = Problem(
            "vocabulary.file_unreadable", field="alias", source=source, params={"reason": str(exc)}
        )
        raise ProblemsFound([problem]) from None
    header = [fold_key(h) for h in (records[0] if records else [])]
    missing = [c for c in CSV_COLUMNS[:3] if c not in header]
    if missing:
        params = {"missing": missing, "columns": list(CSV_COLUMNS)}
        raise ProblemsFound(
            [Problem("vocabulary.file_columns", field=missing[0], source=source, params=params)]
        )
    at = {c: header.index(c) for c in CSV_COLUMNS if c in header}
    terms, rows = [], []
    for number, values in enumerate(records[1:], start=2):
        if not any(v.strip() for v in values):
            continue  # blank lines (and Excel's trailing ones)
        cell = {name: values[i] if i < len(values) else "" for name, i in at.items()}
        terms.append(Term(cell["domain"], cell["alias"], cell["canonical"], cell.get("lang", "")))
        rows.append(number)
    if len(terms) > MAX_TERMS:
        raise ProblemsFound(
            [Problem("vocabulary.too_many", field="alias", source=source, params={"max": MAX_TERMS})]
        )
    return terms, rows


def remove_term(conn: Connection, term_id: int, actor: Actor) -> dict:
    """Remove a planner's term (the files' terms are changed in the files)."""
    actor.apply(conn)
    row = conn.execute(delete(_T).where(_T.c.id == term_id).returning(_T)).mappings().first()
    if row is None:
        raise not_found("notfound.record", kind="vocabulary_term", code=str(term_id))
    return _stored(row)

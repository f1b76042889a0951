"""Vocabulary as data: the words users write for our fields and coded values, and what they mean.

A :class:`Term` says that in ``domain`` (``column`` for file headers, ``structure_type``,
``technology``, ``organisation`` …) the text ``alias`` stands for ``canonical`` (a project attribute
or code). Matching ignores case, diacritics, punctuation and spacing (``fold_key``), so "Cột tự
đứng", "COT TU DUNG" and "cot-tu-dung" are one key. The terms come from files
(``data/vocabulary/*.csv``: ``domain,alias,canonical,lang``) and from what planners add; this module
only answers questions about a given set of them.

Example
-------
>>> v = Vocabulary([Term("structure_type", "Cột tự đứng", "tower")])
>>> v.resolve("structure_type", "COT TU DUNG"), v.resolve("structure_type", "tower")
('tower', 'tower')
>>> v.closest("structure_type", "cot tu dun")
'tower'
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gis.text import fold_vi

__all__ = ["Term", "Vocabulary", "fold_key", "read_terms"]

CLOSE_ENOUGH = 0.75  # difflib ratio under which no "did you mean" is offered


def fold_key(text: object) -> str:
    """'Độ cao (m)' → 'do_cao_m': diacritics folded, lowercase, non-alphanumerics collapsed to '_'."""
    return _fold_key(str(text))


@functools.lru_cache(maxsize=1 << 16)  # a file repeats its few coded values and names on every row
def _fold_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold_vi(text)).strip("_")


@dataclass(frozen=True)
class Term:
    domain: str
    alias: str
    canonical: str
    lang: str = ""  # "vi", "en" or "" (a code, a brand name …)


class Vocabulary:
    """Terms by domain. Later terms win over earlier ones with the same key (a planner's over a file's)."""

    def __init__(self, terms: Iterable[Term] = ()):
        self._terms: list[Term] = []
        self._by_domain: dict[str, dict[str, str]] = defaultdict(dict)
        self.add(terms)

    def add(self, terms: Iterable[Term]) -> Vocabulary:
        for term in terms:
            self._terms.append(term)
            self._by_domain[term.domain][fold_key(term.alias)] = term.canonical
            # A canonical value always stands for itself.
            self._by_domain[term.domain].setdefault(fold_key(term.canonical), term.canonical)
        return self

    @property
    def terms(self) -> list[Term]:
        return list(self._terms)

    def domains(self) -> list[str]:
        return sorted(self._by_domain)

    def canonicals(self, domain: str) -> list[str]:
        return sorted(set(self._by_domain.get(domain, {}).values()))

    def resolve(self, domain: str, raw: object) -> str | None:
        """What ``raw`` stands for in ``domain``, or None when the vocabulary does not know it."""
        if raw is None:
            return None
        return self._by_domain.get(domain, {}).get(fold_key(raw))

    def closest(self, domain: str, raw: object) -> str | None:
        """The canonical value whose alias is nearest to ``raw`` (for "did you mean …"), or None."""
        keys = self._by_domain.get(domain, {})
        match = difflib.get_close_matches(fold_key(raw), list(keys), n=1, cutoff=CLOSE_ENOUGH)
        return keys[match[0]] if match else None


def read_terms(path: str | Path) -> list[Term]:
    """Terms from a UTF-8 CSV with the columns ``domain,alias,canonical[,lang]``."""
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        return [
            Term(
                row["domain"].strip(),
                row["alias"].strip(),
                row["canonical"].strip(),
                (row.get("lang") or "").strip(),
            )
            for row in csv.DictReader(fh)
            if (row.get("domain") or "").strip() and (row.get("alias") or "").strip()
        ]

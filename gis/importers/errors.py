"""The one error the importers raise: a file refused, with every problem found (placed in its file)."""

from __future__ import annotations

from gis.problems import Problem, render

__all__ = ["ImportRefused"]


class ImportRefused(ValueError):
    """A file that cannot be imported: ``problems`` lists every :class:`Problem` found (its source,
    row or feature number and params); the sentences are the catalogues' (app/i18n.py). A plain
    sentence is kept as code ``row.text`` (callers outside the importers may still give one)."""

    def __init__(self, problems: Problem | str | list[Problem | str]):
        items = [problems] if isinstance(problems, Problem | str) else list(problems)
        self.problems = [
            p if isinstance(p, Problem) else Problem("row.text", params={"text": p}) for p in items
        ]
        super().__init__("; ".join(render(p, {"row.text": "{text}"}) for p in self.problems))

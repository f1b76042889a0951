"""The one error the importers raise: a file refused, with every problem found (row numbers inside)."""

from __future__ import annotations

from gis.problems import Problem, render

__all__ = ["ImportRefused"]


class ImportRefused(ValueError):
    """A file that cannot be imported. ``problems`` lists one message per problem (the structured
    ones rendered plainly); ``details`` holds the structured :class:`Problem` s themselves."""

    def __init__(self, problems: str | list[str | Problem]):
        items = [problems] if isinstance(problems, str) else list(problems)
        self.items = items  # in the order found, strings and Problems
        self.details = [p for p in items if isinstance(p, Problem)]
        self.problems = [p if isinstance(p, str) else render(p, {}) for p in items]
        super().__init__("; ".join(self.problems))

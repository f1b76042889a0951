"""The one error the importers raise: a file refused, with every problem found (row numbers inside)."""

from __future__ import annotations

__all__ = ["ImportRefused"]


class ImportRefused(ValueError):
    """A file that cannot be imported. ``problems`` lists one message per problem."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))

"""Structured problems: what is wrong with a row, a field or a file, as data.

Every check in ``gis/`` and ``app/services`` reports a :class:`Problem` — a stable ``code``, the
``field`` (a project attribute name), the ``row`` (1-based row or feature number in its file), the
``source`` (file or layer name) and ``params`` (the values a sentence needs) — never a sentence. The
sentences live once, in the message catalogues (``frontend/src/locales/problems/*.{vi,en}.json``,
code → template with ``{param}`` placeholders) and the field labels in
``frontend/src/locales/fields.{vi,en}.json``; the browser, the CLI and the reports render them with
:func:`render` in the reader's language.

Example
-------
>>> p = Problem("value.out_of_range", field="height_m", row=4, source="tram.csv",
...             params={"value": 720, "min": 0, "max": 200, "unit": "m"})
>>> render(p, {"value.out_of_range": "{value} {unit} is outside {min}–{max} {unit}"},
...        {"height_m": "height"}, {"row": "row"})
'tram.csv row 4: height: 720 m is outside 0–200 m'
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["Problem", "ProblemsFound", "render", "sort_key"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong. ``code`` names the rule (``value.out_of_range``, ``coords.swapped`` …)."""

    code: str
    field: str | None = None
    row: int | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    source: str | None = None
    label: str = "row"  # how the file counts: "row" (tables) or "feature" (GIS layers)

    def at(self, *, row: int | None = None, source: str | None = None, label: str | None = None) -> Problem:
        """The same problem placed in a file (checks of one record do not know where it came from)."""
        return Problem(
            self.code,
            self.field,
            self.row if row is None else row,
            self.params,
            self.source if source is None else source,
            self.label if label is None else label,
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON form answered by the API: ``{code, field, row, source, label, params}``."""
        return {
            "code": self.code,
            "field": self.field,
            "row": self.row,
            "source": self.source,
            "label": self.label,
            "params": {k: _json_safe(v) for k, v in self.params.items()},
        }


def _json_safe(value: Any) -> Any:
    """A parameter as JSON can carry it: a non-finite number (a file's "inf") as its text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


class ProblemsFound(ValueError):
    """Raised with every problem found at once (a refused file or form: nothing was written)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=sort_key)
        super().__init__(f"{len(self.problems)} problem(s): " + ", ".join(p.code for p in self.problems[:5]))


def sort_key(problem: Problem) -> tuple:
    """File order: by source, then row (file-level problems first), then field and code."""
    return (problem.source or "", problem.row or 0, problem.field or "", problem.code)


def render(
    problem: Problem,
    catalogue: Mapping[str, str],
    field_labels: Mapping[str, str] | None = None,
    words: Mapping[str, str] | None = None,
) -> str:
    """One problem as a sentence: ``"<source> <row|feature> <n>: <field label>: <template>"``.

    ``catalogue`` maps codes to templates (an unknown code renders as the code and its params, so
    nothing is ever lost); ``field_labels`` maps attribute names to labels, and coded values to
    theirs (``enum.<domain>.<code>``, used by a placeholder ``{name:domain}``); ``words`` translates
    "row" and "feature". Template placeholders a problem lacks are left as written.
    """
    template = catalogue.get(problem.code)
    if template is None:
        shown = ", ".join(f"{k}={v}" for k, v in problem.params.items())
        text = f"{problem.code} ({shown})" if shown else problem.code
    else:
        text = _fill(template, problem.params, field_labels or {})
    if problem.field:
        text = f"{(field_labels or {}).get(problem.field, problem.field)}: {text}"
    where = problem.source or ""
    if problem.row is not None:
        where = f"{where} {(words or {}).get(problem.label, problem.label)} {problem.row}".strip()
    return f"{where}: {text}" if where else text


# {name} or {name:domain}: a parameter, or a coded value shown by its label (e.g. {status:status}).
_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _fill(template: str, params: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    def one(match: re.Match) -> str:
        name, domain = match.groups()
        if name not in params:
            return match.group(0)
        value = params[name]
        if domain:
            values = value if isinstance(value, (list, tuple)) else [value]
            value = [labels.get(f"enum.{domain}.{v}", v) for v in values]
            value = value if isinstance(params[name], (list, tuple)) else value[0]
        return str(_shown(value))

    return _PLACEHOLDER.sub(one, template)


def _shown(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_shown(v)) for v in value)
    return value

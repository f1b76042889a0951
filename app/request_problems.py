"""A request the schemas refuse (FastAPI's RequestValidationError), as structured problems.

Pydantic says what is wrong in English sentences ("Input should be less than or equal to 90");
each of its error types becomes a catalogue code (``request.*``, frontend/src/locales/problems/
core.*.json) with the limit or the value as parameters, so the refusal reads in the reader's
language like every other. A validator of ours raises ``PydanticCustomError`` whose type is
already a catalogue code (e.g. ``position.one_form``) and passes through unchanged.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from gis.problems import Problem

# Pydantic error type → (code, which context keys become which parameters).
_BY_TYPE: dict[str, tuple[str, dict[str, str]]] = {
    "missing": ("request.missing", {}),
    "greater_than": ("request.greater_than", {"gt": "limit"}),
    "greater_than_equal": ("request.at_least", {"ge": "limit"}),
    "less_than": ("request.less_than", {"lt": "limit"}),
    "less_than_equal": ("request.at_most", {"le": "limit"}),
    "finite_number": ("request.not_finite", {}),
    "int_parsing": ("request.not_an_integer", {}),
    "int_from_float": ("request.not_an_integer", {}),
    "int_type": ("request.not_an_integer", {}),
    "float_parsing": ("value.not_a_number", {}),
    "float_type": ("value.not_a_number", {}),
    "decimal_parsing": ("value.not_a_number", {}),
    "decimal_type": ("value.not_a_number", {}),
    "bool_parsing": ("request.not_a_boolean", {}),
    "bool_type": ("request.not_a_boolean", {}),
    "date_parsing": ("request.not_a_date", {}),
    "date_type": ("request.not_a_date", {}),
    "date_from_datetime_parsing": ("request.not_a_date", {}),
    "date_from_datetime_inexact": ("request.not_a_date", {}),
    "datetime_parsing": ("request.not_a_datetime", {}),
    "datetime_type": ("request.not_a_datetime", {}),
    "datetime_from_date_parsing": ("request.not_a_datetime", {}),
    "string_type": ("request.not_text", {}),
    "string_too_long": ("request.text_too_long", {"max_length": "max"}),
    "string_too_short": ("request.text_too_short", {"min_length": "min"}),
    "string_pattern_mismatch": ("request.pattern", {"pattern": "pattern"}),
    "too_long": ("request.list_too_long", {"max_length": "max"}),
    "too_short": ("request.list_too_short", {"min_length": "min"}),
    "list_type": ("request.not_a_list", {}),
    "literal_error": ("request.one_of", {"expected": "expected"}),
    "enum": ("request.one_of", {"expected": "expected"}),
    "extra_forbidden": ("request.unknown_field", {}),
    "json_invalid": ("request.invalid_json", {"error": "reason"}),
    "model_type": ("request.not_an_object", {}),
    "model_attributes_type": ("request.not_an_object", {}),
    "dict_type": ("request.not_an_object", {}),
}
# Every code this module can answer (the catalogue test checks each has its sentences).
CODES = frozenset(code for code, _ in _BY_TYPE.values()) | {"request.invalid"}
_WHERE = ("query", "path", "body", "header", "cookie")
_SHOWN_MAX = 60  # characters of a refused value repeated in the sentence


def _shown(value: Any) -> Any:
    """A refused scalar as the sentence may repeat it (a number as it is, long text cut), else None."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, int | float):
        return value  # the catalogue shows 360.0 as 360 (gis/problems.py)
    text = str(value)
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"


def _place(loc: Iterable[Any]) -> tuple[str | None, str | None, int | None]:
    """(source, field, item) of an error's location: ``body.cells.2.azimuth`` → ("cells", "azimuth", 3)."""
    parts = [p for p in loc if p not in _WHERE]
    item_at = max((i for i, p in enumerate(parts) if isinstance(p, int)), default=None)
    if item_at is None:
        names = [str(p) for p in parts]
        return None, ".".join(names) or None, None
    source = ".".join(str(p) for p in parts[:item_at] if not isinstance(p, int)) or None
    field = ".".join(str(p) for p in parts[item_at + 1 :]) or None
    return source, field, parts[item_at] + 1


def problem_of(error: Mapping[str, Any]) -> Problem:
    """One pydantic error (an item of ``RequestValidationError.errors()``) as a Problem."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    # A body that is not JSON at all is placed at a character, not at an item of a list.
    source, field, item = (None, None, None) if kind == "json_invalid" else _place(error.get("loc", ()))
    params: dict[str, Any] = {}
    if (value := _shown(error.get("input"))) is not None and kind != "missing":
        params["value"] = value
    if "." in kind:  # our own validator's code, its parameters in ctx
        code = kind
        params.update({k: v for k, v in ctx.items() if k != "error"})
    elif kind in _BY_TYPE:
        code, keys = _BY_TYPE[kind]
        params.update({name: _shown(ctx[key]) for key, name in keys.items() if key in ctx})
    else:
        code, params["text"] = "request.invalid", str(error.get("msg", kind))
    return Problem(code, field=field, row=item, source=source, params=params, label="item")


def problems_of(errors: Iterable[Mapping[str, Any]]) -> list[Problem]:
    return [problem_of(e) for e in errors]

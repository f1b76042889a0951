"""The official Open Fibre Data Standard schema (as shipped by PyPI's libcoveofds) and a validator."""

import json
from functools import cache
from importlib.resources import files

from jsonschema import Draft202012Validator, FormatChecker

from gis.ofds import OFDS_VERSION


@cache
def package_schema() -> dict:
    """The OFDS network-package schema of the version we publish (0.3 → schema-0-3-0.json)."""
    name = f"schema-{OFDS_VERSION.replace('.', '-')}-0.json"
    return json.loads((files("libcoveofds") / "data" / name).read_text(encoding="utf-8"))


def ofds_errors(package: dict) -> list[str]:
    """Every schema violation of ``package`` as 'path: message' (formats checked too)."""
    validator = Draft202012Validator(package_schema(), format_checker=FormatChecker())
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in sorted(validator.iter_errors(package), key=lambda e: list(map(str, e.absolute_path)))
    ]

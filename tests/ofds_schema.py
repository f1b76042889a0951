"""The official Open Fibre Data Standard schema (as shipped by PyPI's libcoveofds), a validator and
libcoveofds's own checks (those its CoVE and CLI run) against the version we publish."""

from functools import cache
from importlib.resources import files

from jsonschema import Draft202012Validator, FormatChecker
from libcoveofds.additionalfields import AdditionalFields
from libcoveofds.python_validate import PythonValidate
from libcoveofds.schema import OFDSSchema

from gis.ofds import OFDS_VERSION


class PublishedSchema(OFDSSchema):
    """libcoveofds's schema class (its newest version by default) on the version we publish."""

    schema_version = OFDS_VERSION
    package_schema_url = str(
        files("libcoveofds") / "data" / f"schema-{OFDS_VERSION.replace('.', '-')}-0.json"
    )


@cache
def package_schema() -> dict:
    """The OFDS network-package schema of the version we publish (0.3 → schema-0-3-0.json)."""
    return PublishedSchema().get_package_schema()


def ofds_checks(package: dict) -> list[dict]:
    """libcoveofds's additional checks (`libcoveofds pv`): name mismatches, unknown ids, unused nodes…"""
    return PythonValidate(PublishedSchema()).validate(package)


def ofds_additional_fields(package: dict) -> dict:
    """Fields the schema does not define (`libcoveofds af`), by path."""
    return AdditionalFields(PublishedSchema()).process(package)


def ofds_errors(package: dict) -> list[str]:
    """Every schema violation of ``package`` as 'path: message' (formats checked too)."""
    validator = Draft202012Validator(package_schema(), format_checker=FormatChecker())
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in sorted(validator.iter_errors(package), key=lambda e: list(map(str, e.absolute_path)))
    ]

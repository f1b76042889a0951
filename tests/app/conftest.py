"""Fixtures of the import tests: a scratch database of their own per test module."""

import pytest

from tests.conftest import sample_database


@pytest.fixture(scope="module")
def db():
    """A scratch database with the sample province loaded (operators, province, communes)."""
    with sample_database("imp") as engine:
        yield engine

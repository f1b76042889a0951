"""Fixtures of the database tests: the tiny hand-made province (tests/app/test_indicators.py) and a
scratch database of their own per import test module."""

import pytest

from app.db import new_engine
from tests.app.test_indicators import _build
from tests.conftest import sample_database


@pytest.fixture
def tiny(scratch_url):
    """A scratch database holding the tiny province of test_indicators."""
    engine = new_engine(scratch_url)
    with engine.begin() as conn:
        _build(conn)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def db():
    """A scratch database with the sample province loaded (operators, province, communes)."""
    with sample_database("imp") as engine:
        yield engine


@pytest.fixture(scope="module")
def reformed(reformed_url):
    """An engine on the reformed sample (tests/conftest.py ``reformed_url``)."""
    engine = new_engine(reformed_url)
    yield engine
    engine.dispose()

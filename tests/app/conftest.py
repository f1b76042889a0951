"""Fixtures of the database tests: the tiny hand-made province (tests/app/test_indicators.py)."""

import pytest
from sqlalchemy import create_engine

from tests.app.test_indicators import _build


@pytest.fixture
def tiny(scratch_url):
    """A scratch database holding the tiny province of test_indicators."""
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        _build(conn)
    yield engine
    engine.dispose()

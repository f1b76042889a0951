"""Tests that register, edit and share infrastructure in the shared test database. They live
here, and so run after tests/app and tests/browser, whose counts and maps assume the sample
province exactly as loaded."""

from tests.browser.conftest import anon_page, chromium, map_page  # noqa: F401 - fixtures for the UI test

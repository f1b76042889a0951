"""Schemathesis generates requests for every operation of /openapi.json (valid ones and invalid
ones), as an anonymous visitor and as a planner, against the real app on a scratch copy of the
sample province: no answer is a 5xx, and every answer's status code, content type and error body are
the ones the document declares.

A few examples per operation here (FUZZ_EXAMPLES, default 3, derandomized so the suite is stable);
`make fuzz` runs the same test with a long, random budget.
"""

import os
from contextlib import contextmanager

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import TEST_USERS, _serve, bearer, issue_tokens, sample_database

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
RANDOM = os.environ.get("FUZZ_RANDOM", "") == "1"  # make fuzz: new examples on every run
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed_server():
    """The real app (no coverage worker) on a scratch database of its own: whatever the fuzzer
    writes, closes or deletes there, the shared test database never sees it."""
    with sample_database("fuzz") as engine:
        url = engine.url.render_as_string(hide_password=False)
        token = issue_tokens(url, {"planner1": TEST_USERS["planner1"]})["planner1"]
        with contextmanager(_serve)(url, False) as base_url:
            yield base_url, token


def _strategy(operation):
    """Valid requests, and requests the schema says are invalid (where the schema can be negated)."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    try:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    except Exception:  # noqa: BLE001 - an operation with nothing to make invalid
        pass
    return st.one_of(strategies)


@pytest.mark.parametrize("who", ["anonymous", "planner"])
def test_no_operation_answers_a_5xx_or_off_its_schema(fuzzed_server, who):
    base_url, token = fuzzed_server
    headers = bearer(token) if who == "planner" else {}
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            derandomize=not RANDOM,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # report every failure; no time spent shrinking
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_strategy(operation))
        def run(case):
            response = case.call(base_url=base_url, headers=headers, timeout=60)
            try:
                case.validate_response(response, checks=CHECKS)
            except BaseException as exc:  # noqa: BLE001 - one failure (or a group of them) to report
                failures.append(f"{case.as_curl_command(headers)}\n  → {response.status_code}: {exc}"[:2000])

        run()
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)

"""Schemathesis against the served API with a valid key: a small budget on every run.

`python -m benchmarks.api_contract` is the long run (500 examples per operation). Both start
a real `kontera serve` and fail on any server error or any response that does not match the
OpenAPI document it publishes.
"""

from __future__ import annotations

import pytest
from benchmarks._harness import running_service
from benchmarks.api_contract import run
from benchmarks.api_contract import seed_document

pytestmark = pytest.mark.live


def test_the_served_api_keeps_its_openapi_contract() -> None:
    with running_service() as service:
        seed_document(service.base_url, service.api_key)
        outcome = run(service.base_url, service.api_key, examples=10, seed=20261204)
    assert outcome.rows, outcome.output[-4000:]
    assert outcome.generated > 200, "the run must actually have sent requests"
    assert outcome.failures == [], "\n".join(outcome.failures) + outcome.output[-6000:]
    assert outcome.exit_code == 0, outcome.output[-6000:]

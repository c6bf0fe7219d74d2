"""The HTTP layer: what is retried, what is not, and how long it waits."""

from __future__ import annotations

import random

import httpx
import pytest

from kontera.domain.errors import PermanentError
from kontera.domain.errors import TransientError
from kontera.post.http import ApiClient
from kontera.post.http import CredentialsRejected
from kontera.post.http import RetryPolicy
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import retry_failed
from kontera.post.ratelimit import RateLimiter
from tests.fakes.common import FakeClock


def api(answers: list[httpx.Response | Exception], clock: FakeClock) -> tuple[ApiClient, list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = httpx.Client(transport=httpx.MockTransport(handler))
    policy = RetryPolicy(attempts=4, sleep=clock.sleep, rng=random.Random(0))
    return ApiClient(client, system="Testsys", retry=policy), seen


def test_get_is_retried_through_timeouts_and_500s() -> None:
    clock = FakeClock()
    client, seen = api(
        [httpx.ReadTimeout("slow"), httpx.Response(502), httpx.Response(200, json={})], clock
    )
    assert client.request("GET", "https://x.test/a").status_code == 200
    assert seen == ["GET"] * 3


def test_post_that_may_have_arrived_is_not_sent_again() -> None:
    """A POST that timed out may have created the voucher: hand it back, do not resend."""
    clock = FakeClock()
    client, seen = api([httpx.ReadTimeout("slow"), httpx.Response(201, json={})], clock)
    with pytest.raises(TransientError, match="did not answer in time"):
        client.request("POST", "https://x.test/vouchers")
    assert seen == ["POST"]


def test_post_refused_with_429_or_unreachable_is_resent_after_the_wait() -> None:
    clock = FakeClock()
    answers: list[httpx.Response | Exception] = [
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.ConnectError("refused"),
        httpx.Response(201, json={}),
    ]
    client, seen = api(answers, clock)
    assert client.request("POST", "https://x.test/vouchers").status_code == 201
    assert seen == ["POST"] * 3 and clock.now >= 1007


def test_validation_error_is_permanent_and_readable() -> None:
    clock = FakeClock()
    client, _ = api([httpx.Response(422, text="Konto mangler")], clock)
    with pytest.raises(PermanentError, match=r"^Testsys: Konto mangler$"):
        client.request("POST", "https://x.test/vouchers")


def test_refused_credentials_are_their_own_error() -> None:
    client, _ = api([httpx.Response(401, text="expired")], FakeClock())
    with pytest.raises(CredentialsRejected):
        client.request("GET", "https://x.test/a")


def test_transient_error_after_the_last_attempt_carries_retry_after() -> None:
    clock = FakeClock()
    client, seen = api([httpx.Response(503, headers={"Retry-After": "30"})] * 4, clock)
    with pytest.raises(TransientError) as caught:
        client.request("GET", "https://x.test/a")
    assert caught.value.retry_after == 30.0 and len(seen) == 4


def test_secrets_are_masked_in_urls() -> None:
    client, _ = api([], FakeClock())
    client.add_secret("s3cr3t")
    masked = client.mask("https://x.test/t?consumerToken=abc&x=s3cr3t&code=zz")
    assert masked == "https://x.test/t?consumerToken=***&x=***&code=***"


def test_rate_limiter_spaces_calls_over_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(25, 5.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(100):
        limiter.acquire()
        stamps.append(clock.now)
    for i in range(25, 100):
        assert stamps[i] - stamps[i - 25] >= 5.0  # never 26 calls within 5 s
    assert stamps[-1] - stamps[0] < 16.0  # and no slower than it must be


def test_job_state_survives_a_round_trip_and_a_retry_resumes_after_the_voucher() -> None:
    job = PostingJob("k", "tripletex", Step.FAILED, external_id="1001", attempts=3, last_error="x")
    again = PostingJob.from_json(job.to_json())
    assert again == job
    assert retry_failed(again).step is Step.VOUCHER_CREATED

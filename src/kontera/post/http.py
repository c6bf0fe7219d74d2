"""Outbound HTTP for the connectors: retries, rate limits, error classification, logging.

Every connector takes an injected `httpx.Client`; `ApiClient` wraps it. Failures become
`TransientError` (worth retrying later: timeouts, 429, 5xx, dropped connections) or
`PermanentError` (the system refused the data; its message in plain words).

Exactly-once rule: a request that *may* have reached the server (a timeout or a 5xx after
sending) is retried here only when it is idempotent (GET/PUT/DELETE). A POST in that state is
handed back as `TransientError`, and the posting job looks the voucher up by its idempotency
key before trying again, so a voucher is never created twice. A 429 or a refused connection
is safe to retry for any method: the server did nothing.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

import httpx

from kontera import telemetry
from kontera.domain.errors import PermanentError
from kontera.domain.errors import TransientError
from kontera.domain.messages import msg
from kontera.post.ratelimit import Limiter

log = logging.getLogger("kontera.post.http")

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_SECRET_PARAMS = re.compile(
    r"((?:consumerToken|employeeToken|client_secret|code|refresh_token|access_token|token)=)"
    r"[^&\s]+",
    re.IGNORECASE,
)


class CredentialsRejected(PermanentError):
    """The accounting system refused Kontera's credentials; reconnect the integration."""

    code = "credentials_rejected"


class RemoteNotFound(PermanentError):
    """The accounting system has no such object (404)."""

    code = "remote_not_found"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter, never shorter than the server asked for."""
        backoff = min(self.max_delay, self.base_delay * 2.0**attempt) * self.rng.uniform(0.5, 1.0)
        return max(backoff, retry_after or 0.0)


ErrorReader = Callable[[httpx.Response], str]


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One outbound HTTP attempt, secrets masked: for the audit trail."""

    system: str
    method: str
    url: str
    outcome: str  # the status code, or the transport error's name
    elapsed_ms: float
    attempt: int


CallObserver = Callable[[CallRecord], None]


def default_error_reader(response: httpx.Response) -> str:
    return response.text[:300] or response.reason_phrase


class ApiClient:
    """One accounting system for one tenant, over an injected httpx.Client."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        system: str,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        error_reader: ErrorReader = default_error_reader,
        secrets: Sequence[str] = (),
        observer: CallObserver | None = None,
    ) -> None:
        self.client = client
        self.observer = observer
        self.system = system
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.error_reader = error_reader
        self.secrets = [s for s in secrets if s]

    def add_secret(self, secret: str) -> None:
        """Mask this value in logs from now on (a freshly issued token)."""
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def request(
        self, method: str, url: str, *, attempts: int | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send with retries; return a 2xx response or raise Transient/PermanentError.

        `attempts` overrides the policy for one call (1: never resend, even when safe)."""
        method = method.upper()
        limit = attempts or self.retry.attempts
        attempt = 0
        while True:
            try:
                return self._once(method, url, attempt, kwargs)
            except _Retryable as e:
                attempt += 1
                if attempt >= limit or not (e.safe or method in _IDEMPOTENT):
                    raise TransientError(e.message, retry_after=e.retry_after) from None
                self.retry.sleep(self.retry.delay(attempt, e.retry_after))

    def _once(self, method: str, url: str, attempt: int, kwargs: dict[str, Any]) -> httpx.Response:
        if self.limiter is not None:
            self.limiter.acquire()
        started = time.perf_counter()
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as e:
            self._log(method, url, attempt, started, type(e).__name__)
            raise _from_exception(self.system, e) from e
        self._log(method, url, attempt, started, str(response.status_code))
        self._note_rate_headers(response)
        return self._classify(response)

    def _classify(self, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 400:
            return response
        if status == 429:
            wait = _retry_after(response.headers)
            raise _Retryable(f"{self.system} asked us to slow down.", wait, safe=True)
        if status >= 500 or status == 408:
            wait = _retry_after(response.headers)
            raise _Retryable(f"{self.system} had a temporary problem ({status}).", wait)
        message = self.error_reader(response)
        if status in (401, 403):
            raise CredentialsRejected(
                msg(
                    "{system} refused the credentials: {message}",
                    system=self.system,
                    message=message,
                )
            )
        if status == 404:
            raise RemoteNotFound(msg("{system}: {message}", system=self.system, message=message))
        raise PermanentError(msg("{system}: {message}", system=self.system, message=message))

    def _note_rate_headers(self, response: httpx.Response) -> None:
        remaining = response.headers.get("X-Rate-Limit-Remaining")
        if self.limiter is not None and remaining is not None and remaining.strip() == "0":
            self.limiter.pause(_retry_after(response.headers) or 1.0)

    def _log(self, method: str, url: str, attempt: int, started: float, outcome: str) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        telemetry.ledger_call(self.system, outcome, elapsed_ms / 1000)
        masked = self.mask(url)
        log.info(
            "%s %s %s -> %s in %.0f ms (attempt %d)",
            self.system,
            method,
            masked,
            outcome,
            elapsed_ms,
            attempt + 1,
        )
        if self.observer is not None:
            self.observer(CallRecord(self.system, method, masked, outcome, elapsed_ms, attempt + 1))

    def mask(self, text: str) -> str:
        masked = _SECRET_PARAMS.sub(r"\1***", text)
        for secret in self.secrets:
            masked = masked.replace(secret, "***")
        return masked


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None, *, safe: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.safe = safe  # True when the server certainly did not act on the request


def _from_exception(system: str, error: httpx.HTTPError) -> _Retryable:
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return _Retryable(f"Could not reach {system}.", None, safe=True)
    if isinstance(error, httpx.TimeoutException):
        return _Retryable(f"{system} did not answer in time.", None)
    if isinstance(error, httpx.TransportError):
        return _Retryable(f"The connection to {system} was interrupted.", None)
    return _Retryable(f"Calling {system} failed: {error}", None)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from Retry-After (seconds) or X-Rate-Limit-Reset (seconds to reset)."""
    for name in ("Retry-After", "X-Rate-Limit-Reset"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            continue  # an HTTP date: fall back to our own backoff
    return None


def json_amount(value: Decimal) -> float:
    """An amount as a JSON number. Amounts have ≤ 15 significant digits, and for those the
    float's shortest repr is the same decimal text, so nothing is lost on the wire."""
    return float(value)

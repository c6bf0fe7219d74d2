"""What Kontera counts and times for Prometheus, readable from every layer (like `logs`).

Counters and histograms live in this process (prometheus-client's default registry); each
process — `kontera serve` and every `kontera worker` — serves its own at `/metrics`, and
Prometheus adds them up across processes and hosts (`sum by (…)`). Figures that describe
shared state (documents by status, queue depth and age) are not counted here: the web
process computes them from the database and the queue at scrape time
(`kontera.api.metrics`), so they are right however many processes run. No
`PROMETHEUS_MULTIPROC_DIR` is needed: nothing is shared through local disk.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter
from prometheus_client import Histogram

# Seconds: from a born-digital e-invoice (milliseconds) to a long scan or a slow ledger.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

STAGE_SECONDS = Histogram(
    "kontera_stage_duration_seconds",
    "Time one document spends in a stage: interpret, ocr_page (each page read by "
    "Tesseract), suggest, post (one posting attempt).",
    ["stage"],
    buckets=_BUCKETS,
)
POSTINGS = Counter(
    "kontera_postings_total",
    "Posting attempts by accounting system and outcome: posted, retry (a temporary "
    "failure, tried again later), failed (back to a person), handed_back (a worker stopping).",
    ["system", "outcome"],
)
LEDGER_SECONDS = Histogram(
    "kontera_ledger_request_duration_seconds",
    "Time of each HTTP request to an accounting system (every attempt).",
    ["system"],
    buckets=_BUCKETS,
)
LEDGER_RESPONSES = Counter(
    "kontera_ledger_responses_total",
    "Responses of accounting systems by status code (or the transport error's name).",
    ["system", "code"],
)
LEDGER_RATE_LIMITED = Counter(
    "kontera_ledger_rate_limited_total",
    "429 Too Many Requests answers from accounting systems.",
    ["system"],
)
MAIL_MESSAGES = Counter(
    "kontera_mail_messages_total",
    "Supplier mail stored, by outcome: accepted (its documents were queued), quarantined "
    "(held: unknown sender), nothing_usable (no attachment Kontera could take).",
    ["outcome"],
)
HANDED_BACK = Counter(
    "kontera_worker_handed_back_total",
    "Tasks a stopping worker put back in the queue instead of finishing them.",
    ["task"],
)

STAGES = ("interpret", "ocr_page", "suggest", "post")
MAIL_OUTCOMES = ("accepted", "quarantined", "nothing_usable")
LEDGERS = ("Tripletex", "Fortnox", "PowerOffice Go")
for _stage in STAGES:
    STAGE_SECONDS.labels(_stage)  # every stage appears from the start, with count 0
for _outcome in MAIL_OUTCOMES:
    MAIL_MESSAGES.labels(_outcome)
for _system in LEDGERS:
    LEDGER_RATE_LIMITED.labels(_system)


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Observe the block's wall-clock time as one `stage` (also when it raises)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage).observe(time.perf_counter() - started)


def ledger_call(system: str, outcome: str, seconds: float) -> None:
    LEDGER_SECONDS.labels(system).observe(seconds)
    LEDGER_RESPONSES.labels(system, outcome).inc()
    if outcome == "429":
        LEDGER_RATE_LIMITED.labels(system).inc()

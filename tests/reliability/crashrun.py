"""A crash campaign: real `kontera serve` and `kontera worker` processes, killed with SIGKILL
at random moments while documents flow in and are approved, then restarted.

Used by `tests/reliability/test_crash.py` (about 60 documents) and `benchmarks/crash.py`
(500). The client behaves like a scanning tool: when a request fails because the service is
down, it sends the same bytes again once the service is back. Afterwards the database,
the originals and the audit trail are counted (see `verify`).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import create_engine
from sqlalchemy import text

from tests.conftest import TEST_SECRET_KEY
from tests.fakes.common import Quota
from tests.fakes.tripletex import FakeTripletex
from tests.reliability.crashchecks import OWED
from tests.reliability.crashchecks import OWED_WHEN_POSTING
from tests.reliability.crashchecks import Tally
from tests.reliability.crashchecks import check_posted
from tests.reliability.crashchecks import verify
from tests.reliability.crashchecks import wait_settled
from tests.reliability.invoices import invoice_batch
from tests.servers import free_port
from tests.servers import wait_for_port

KONTERA = str(Path(sys.executable).parent / "kontera")
APPROVABLE = ("suggested", "needs_review")


def payloads(count: int, seed: int) -> list[bytes]:
    """Mostly distinct invoices; ~5 % garbage (→ failed), ~5 % re-sent invoices (→ duplicate)."""
    rng = random.Random(seed)
    documents = invoice_batch(count, prefix=f"C{seed}-")
    for index in rng.sample(range(count), max(1, count // 20)):
        documents[index] = b"%PDF-1.4 not really a pdf " + rng.randbytes(200)
    for index in rng.sample(range(count), max(1, count // 20)):
        source = documents[rng.randrange(count)]
        if source.startswith(b"<?xml"):
            documents[index] = source + b"\n<!-- sent again by the supplier -->"
    return documents


class Stack:
    """`kontera serve` (no in-process consumer) and one `kontera worker`, restartable."""

    def __init__(self, data_dir: Path, log_dir: Path, extra_env: dict[str, str] | None = None):
        base = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
        self.env = {
            **base,
            "KONTERA_DATA_DIR": str(data_dir),
            "KONTERA_IN_PROCESS_WORKER": "false",
            "KONTERA_LOG_LEVEL": "WARNING",
            "KONTERA_SECRET_KEY": TEST_SECRET_KEY,
            "KONTERA_API_RATE_LIMIT_PER_MINUTE": "0",  # hundreds of uploads in seconds
            **(extra_env or {}),
        }
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.starts: Counter[str] = Counter()

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [KONTERA, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return done.stdout

    def start(self, role: str) -> None:
        args = ["serve", "--port", str(self.port)] if role == "web" else ["worker"]
        self.starts[role] += 1
        log = (self.log_dir / f"{role}-{self.starts[role]}.log").open("wb")
        self.procs[role] = subprocess.Popen(
            [KONTERA, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        if role == "web":
            self.wait_healthy()

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs["web"].poll() is not None:
                raise RuntimeError("the web process exited; see its log in " + str(self.log_dir))
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError("the web process did not become healthy")

    def kill(self, role: str) -> None:
        proc = self.procs[role]
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()


@contextmanager
def fake_tripletex(**tokens: str) -> Iterator[tuple[FakeTripletex, str]]:
    """The fake Tripletex on a loopback port, with a quota no campaign reaches."""
    fake = FakeTripletex(quota=Quota(calls=1_000_000, period=60.0), **tokens)  # type: ignore[arg-type]
    port = free_port()
    config = uvicorn.Config(fake, host="127.0.0.1", port=port, log_config=None, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    try:
        yield fake, f"http://127.0.0.1:{port}/v2"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def running_stack(data_dir: Path, log_dir: Path, **extra_env: str) -> Iterator[Stack]:
    stack = Stack(data_dir, log_dir, extra_env)
    try:
        yield stack
    finally:
        stack.stop()


def send_all(stack: Stack, key: str, documents: list[bytes], tally: Tally) -> None:
    """Upload every document; when the service is down, send the same bytes again."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=stack.base, headers=headers, timeout=20) as client:
        for index, data in enumerate(documents):
            tally.sent += 1
            while True:
                try:
                    response = client.post("/v1/documents", files={"file": (f"{index}.xml", data)})
                except httpx.TransportError:
                    tally.retried += 1
                    time.sleep(0.2)
                    continue
                if response.status_code >= 500:
                    tally.server_errors.append(f"upload {index}: {response.status_code}")
                    time.sleep(0.2)
                    continue
                break
            if response.status_code in (200, 202):
                tally.accepted += 1
                tally.ids_by_payload.setdefault(index, set()).add(response.json()["id"])


def approve_some(stack: Stack, key: str, database_url: str, tally: Tally, stop: threading.Event):
    """Like a bookkeeper: approve every third waiting document while crashes happen."""
    headers = {"Authorization": f"Bearer {key}"}
    engine = create_engine(database_url)
    body = {"postings": [{"account": "6540", "vat_code": "1"}]}
    with httpx.Client(base_url=stack.base, headers=headers, timeout=20) as client:
        while not stop.is_set():
            with engine.connect() as connection:
                waiting = connection.execute(
                    text("SELECT id FROM document WHERE status IN ('suggested', 'needs_review')")
                ).scalars()
                candidates = [i for i in waiting if int(i, 16) % 3 == 0 and i not in tally.approved]
            for document_id in candidates:
                try:
                    response = client.post(f"/v1/documents/{document_id}/approve", json=body)
                except httpx.TransportError:
                    continue
                if response.status_code >= 500:
                    tally.server_errors.append(f"approve {document_id}: {response.status_code}")
                elif response.status_code in (200, 409):
                    tally.approved.add(document_id)
            stop.wait(0.5)
    engine.dispose()


def kill_randomly(
    stack: Stack,
    rng: random.Random,
    tally: Tally,
    stop: threading.Event,
    pause: tuple[float, float],
) -> None:
    while not stop.wait(rng.uniform(*pause)):
        role = rng.choice(["web", "worker"])
        stack.kill(role)
        tally.kills[role] += 1
        time.sleep(rng.uniform(0.05, 0.5))
        stack.start(role)


@dataclass
class Outcome:
    tally: Tally
    statuses: dict[str, int]
    problems: list[str]
    seconds: float


def run_campaign(
    workdir: Path,
    *,
    count: int,
    seed: int,
    pause: tuple[float, float] = (0.5, 2.5),
    settle_timeout: float = 120,
    extra_env: dict[str, str] | None = None,
    post: bool = True,
    min_kills: int = 0,
) -> Outcome:
    """Send `count` documents through a stack that is SIGKILLed at random; then count.

    With `post`, the company is connected to a fake Tripletex, so approved documents are
    posted (and kills also hit the posting outbox); each must become one voucher there.
    """
    rng, tally = random.Random(seed), Tally()
    data_dir, logs = workdir / "data", workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    documents = payloads(count, seed)
    tally.distinct_files = len(set(documents))
    with ExitStack() as resources:
        tripletex = resources.enter_context(fake_tripletex()) if post else None
        stack = resources.enter_context(running_stack(data_dir, logs, **(extra_env or {})))
        database_url = stack.env.get(
            "KONTERA_DATABASE_URL", f"sqlite:///{(data_dir / 'kontera.db').resolve()}"
        )
        stack.cli("company", "create", "Krasj AS", "--org-number", "923609016")
        key = stack.cli("apikey", "create", "--company", "Krasj AS").strip()
        if tripletex is not None:
            fake, url = tripletex
            stack.cli(
                "connect",
                "Krasj AS",
                "tripletex",
                "--base-url",
                url,
                "--consumer-token",
                fake.consumer_token,
                "--employee-token",
                fake.employee_token,
            )
        stack.start("web")
        stack.start("worker")
        started = time.monotonic()
        stop = threading.Event()
        helpers = [
            threading.Thread(target=kill_randomly, args=(stack, rng, tally, stop, pause)),
            threading.Thread(target=approve_some, args=(stack, key, database_url, tally, stop)),
        ]
        for helper in helpers:
            helper.start()
        try:
            send_all(stack, key, documents, tally)
            # Uploads can finish before the first kill on a fast machine: keep killing while
            # the workers process the backlog, until the campaign has really crashed things.
            deadline = time.monotonic() + 60
            while sum(tally.kills.values()) < min_kills and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            for helper in helpers:
                helper.join()
        owed = OWED_WHEN_POSTING if post else OWED
        statuses = wait_settled(database_url, settle_timeout, owed)
        seconds = time.monotonic() - started
        problems = verify(database_url, data_dir / "originals", tally, owed)
        if tripletex is not None:
            problems += check_posted(database_url, tripletex[0])
    problems += [f"server error: {e}" for e in tally.server_errors[:10]]
    return Outcome(tally, statuses, problems, seconds)

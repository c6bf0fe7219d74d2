"""Shared helpers for benchmarks: start `kontera serve` on a free port, make a key, time things."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

KONTERA = str(Path(sys.executable).parent / "kontera")
REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# `kontera serve` refuses to start without a secret key; a throwaway one for benchmarks.
BENCH_SECRET_KEY = "benchmark-only-secret-key-not-for-production"
# The per-key rate limit still counts each request (its cost is measured), but cannot refuse.
BENCH_RATE_LIMIT = "100000000"


@dataclass
class Service:
    base_url: str
    api_key: str
    env: dict[str, str]


def cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [KONTERA, *args], env=env, check=True, capture_output=True, text=True
    ).stdout


@contextmanager
def running_service(**env_overrides: str) -> Iterator[Service]:
    with tempfile.TemporaryDirectory(prefix="kontera-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
        env.update({"KONTERA_DATA_DIR": tmp, "KONTERA_LOG_LEVEL": "WARNING", **env_overrides})
        env.setdefault("KONTERA_SECRET_KEY", BENCH_SECRET_KEY)
        # Count every request per key as in production, but never refuse: we measure speed.
        env.setdefault("KONTERA_API_RATE_LIMIT_PER_MINUTE", BENCH_RATE_LIMIT)
        cli(env, "company", "create", "Bench AS", "--org-number", "923609016")
        key = cli(env, "apikey", "create", "--company", "Bench AS").strip()
        port = free_port()
        proc = subprocess.Popen(
            [KONTERA, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base)
            yield Service(base, key, env)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _wait(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("service did not start")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.3f}  p99 {percentile(values, 99):.3f}"
        if values
        else "no samples"
    )


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [headers, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)

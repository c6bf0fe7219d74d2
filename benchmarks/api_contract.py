"""Schemathesis against the served API: property-based tests generated from /openapi.json.

    python -m benchmarks.api_contract                 # the long run (500 examples/operation)
    python -m benchmarks.api_contract --examples 10   # the budget tests/api runs in CI

Starts `kontera serve` with a fresh data directory and a valid API key, sends one real
document first (so stateful sequences have something to read, approve and reject), then runs
every Schemathesis phase (coverage, fuzzing, stateful) with every check: no 5xx, status codes,
content types, headers and bodies as declared, valid input accepted, invalid input refused,
authentication enforced. `tests/api/schemathesis.toml` holds the two contract rules a schema
cannot express. Prints one row per operation from the JUnit report and exits 1 on a failure.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks._harness import REPO
from benchmarks._harness import running_service

CONFIG = REPO / "tests" / "api" / "schemathesis.toml"
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")


@dataclass
class Outcome:
    exit_code: int
    generated: int
    failures: list[str]
    rows: list[tuple[str, str]]
    seconds: float
    output: str


def run(base_url: str, api_key: str, *, examples: int, seed: int | None) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="kontera-st-") as tmp:
        junit = Path(tmp) / "junit.xml"
        command = [
            SCHEMATHESIS, "--config-file", str(CONFIG), "run", f"{base_url}/openapi.json",
            "--header", f"Authorization: Bearer {api_key}",
            "--max-examples", str(examples), "--workers", "1",
            "--report", "junit", "--report-junit-path", str(junit),
        ]  # fmt: skip
        if seed is not None:
            command += ["--seed", str(seed)]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        rows, failures = _junit(junit) if junit.exists() else ([], ["no report"])
    generated = re.search(r"(\d+) generated", done.stdout)
    return Outcome(
        done.returncode,
        int(generated.group(1)) if generated else 0,
        failures,
        rows,
        seconds,
        done.stdout + done.stderr,
    )


def _junit(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    rows, failures = [], []
    for case in ET.parse(path).getroot().iter("testcase"):
        problems = [f.get("message") or f.text or "" for f in case if f.tag in ("failure", "error")]
        name = case.get("name") or "?"
        rows.append((name, "ok" if not problems else f"{len(problems)} failing"))
        failures += [f"{name}: {p.strip().splitlines()[0] if p.strip() else '?'}" for p in problems]
    return rows, failures


def seed_document(base_url: str, api_key: str) -> None:
    data = (REPO / "fixtures" / "demo" / "ehf-01.xml").read_bytes()
    httpx.post(
        f"{base_url}/v1/documents",
        headers={"Authorization": f"Bearer {api_key}"},
        files={"file": ("ehf-01.xml", data)},
        data={"external_id": "contract-seed-1"},
        timeout=60,
    ).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="examples per operation")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    with running_service() as service:
        seed_document(service.base_url, service.api_key)
        outcome = run(service.base_url, service.api_key, examples=args.examples, seed=args.seed)
    print("| operation | result |\n|---|---|")
    for name, result in outcome.rows:
        print(f"| {name} | {result} |")
    print(
        f"\n{outcome.generated} test cases, {len(outcome.failures)} failures, "
        f"{outcome.seconds:.0f} s ({args.examples} examples per operation)"
    )
    for failure in outcome.failures:
        print("FAIL", failure)
    if outcome.exit_code != 0:
        print(outcome.output[-6000:])
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Crash campaign: 500 documents while `serve` and `worker` are killed with SIGKILL.

    .venv/bin/python -m benchmarks.crash [--documents 500] [--seed 1] [--pause 0.5 3]
                                        [--postgres]

Real processes on SQLite (or PostgreSQL + Redis with `--postgres`); the web and worker
processes are killed at random moments (uniform pause between kills) and restarted; the
client re-sends whatever got no answer, a bookkeeper approves every third waiting document.
Afterwards it counts documents, originals, interpretations, suggestions, vouchers and each
document's audit chain (`tests/reliability/crashrun.py: verify`) and prints a table.
Exit status 1 when anything was lost or doubled.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from tests import servers
from tests.reliability.crashrun import run_campaign

from benchmarks._harness import table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pause", type=float, nargs=2, default=(0.5, 3.0))
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis stack")
    args = parser.parse_args()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="kontera-crash-") as tmp:
        env: dict[str, str] = {}
        if args.postgres:
            env["KONTERA_DATABASE_URL"] = _required(stack.enter_context(servers.postgres_server()))
            env["KONTERA_REDIS_URL"] = _required(stack.enter_context(servers.redis_server()))
        outcome = run_campaign(
            Path(tmp),
            count=args.documents,
            seed=args.seed,
            pause=tuple(args.pause),  # type: ignore[arg-type]
            # Well past a killed worker's posting lease (90 s) plus the stale-work sweep (1 min).
            settle_timeout=600,
            extra_env=env,
        )
    tally = outcome.tally
    database = "PostgreSQL + Redis" if args.postgres else "SQLite"
    rows = [
        ["database", database],
        ["documents sent", tally.sent],
        ["upload retries after a kill", tally.retried],
        ["kills (web / worker)", f"{tally.kills['web']} / {tally.kills['worker']}"],
        ["approved during the campaign", len(tally.approved)],
        ["final statuses", ", ".join(f"{k} {v}" for k, v in sorted(outcome.statuses.items()))],
        ["seconds until all settled", f"{outcome.seconds:.0f}"],
        ["5xx responses", len(tally.server_errors)],
        ["lost / doubled / broken chains", "none" if not outcome.problems else "SEE BELOW"],
    ]
    print(table(["crash campaign", "result"], rows))
    for problem in outcome.problems:
        print("PROBLEM:", problem)
    return 1 if outcome.problems else 0


def _required(url: str | None) -> str:
    if url is None:
        raise SystemExit("PostgreSQL or Redis binaries are not installed")
    return url


if __name__ == "__main__":
    sys.exit(main())

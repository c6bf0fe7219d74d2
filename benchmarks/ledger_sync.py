"""Ledger sync speed: lines per second and calls per 1 000 lines, per system.

For each of Tripletex, PowerOffice Go and Fortnox: books generated from the corpus's real
posting history (`tests.fakes.books`: Harrogate → Tripletex, Calderdale → PowerOffice Go,
Örebro → Fortnox; three years, every line by default, ≥ 50 000 each), served by the
system's fake with a realistic delay per call (50 ms by default), read by `sync_company`
into a fresh SQLite database with the production limiter (in the database, the systems'
quotas). Then 100 new postings and a renamed account, and the incremental sync.

    python -m benchmarks.ledger_sync                       # full size, 50 ms per call
    python -m benchmarks.ledger_sync --lines 3000 --delay 0.01 --systems tripletex
    python -m benchmarks.ledger_sync --train               # also time the model's training

Times are wall-clock on this machine, the fake answering in the same process: "full sync"
includes the simulated network (delay × calls) and the fake's own work building its answers;
"Kontera's own time" is what is left — reading the answers, storing the lines, cursors and
registers. On a shared machine wall-clock times grow with the load, so the CPU time is
printed too: the process's CPU time less the fake's (measured by the fake itself, which
answers in the caller's thread) is Kontera's CPU for the sync, which the load does not
inflate. The call budgets of the issue are printed beside the counts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fakes.books import BookSpec  # noqa: E402
from tests.fakes.books import generate_books  # noqa: E402
from tests.fakes.books_sources import available  # noqa: E402
from tests.fakes.ledger_rig import SOURCES  # noqa: E402
from tests.fakes.ledger_rig import connect_rig  # noqa: E402
from tests.fakes.ledger_rig import rig_settings  # noqa: E402

from benchmarks._harness import BENCH_SECRET_KEY  # noqa: E402
from kontera.services.admin import companies  # noqa: E402
from kontera.services.context import build_context  # noqa: E402
from kontera.services.suggest.suggestions import train_company  # noqa: E402
from kontera.services.sync.ledger_sync import sync_company  # noqa: E402

ORG = {"NO": "923609016", "SE": "5560360793"}


@dataclass
class Row:
    system: str
    lines: int
    postings: int
    calls: int
    seconds: float
    budget: str
    new_lines: int
    incremental_calls: int
    incremental_seconds: float
    train_seconds: float | None
    fake_seconds: float  # the fake's own work answering the full sync's calls
    delay: float
    cpu_seconds: float  # the process's CPU time during the full sync (fake included)
    fake_cpu_seconds: float  # of which the fake's, building its answers
    incremental_cpu_seconds: float

    @property
    def own_cpu_seconds(self) -> float:
        """Kontera's CPU time for the full sync: what a loaded machine cannot inflate."""
        return max(0.0, self.cpu_seconds - self.fake_cpu_seconds)

    @property
    def own_seconds(self) -> float:
        """The full sync's time less the fake's work and the simulated network."""
        return max(0.0, self.seconds - self.fake_seconds - self.calls * self.delay)

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    @property
    def calls_per_1000(self) -> float:
        return self.calls / self.lines * 1000 if self.lines else 0.0


def measure(system: str, lines: int | None, delay: float, train: bool, spec: bool) -> Row:
    books = generate_books(BookSpec(source=SOURCES[system], max_lines=lines, seed=0))
    with tempfile.TemporaryDirectory(prefix="kontera-sync-bench-") as tmp:
        settings = rig_settings(Path(tmp), immediate_jobs=False, secret_key=BENCH_SECRET_KEY)
        ctx = build_context(settings)
        company = companies.create_company(
            ctx, name="Bench", org_number=ORG[books.country], country=books.country
        )
        rig = connect_rig(ctx, company.id, system, books, delay=delay, check_spec=spec)
        try:
            started, cpu = time.perf_counter(), time.process_time()
            first = sync_company(
                ctx, company_id=company.id, client=rig.client,
                today=books.end + timedelta(days=1),
            )  # fmt: skip
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
            assert first.state == "succeeded", first.error
            assert first.counts["history_new"] == books.cost_lines
            calls = rig.calls
            fake_seconds, fake_cpu = float(rig.served.busy), float(rig.served.busy_cpu)
            trained = None
            if train:
                began = time.perf_counter()
                train_company(ctx, company.id)
                trained = time.perf_counter() - began
            books.rename_account(next(n for n, a in books.accounts.items() if a.active), "Nytt")
            books.add_vouchers(100)
            began, cpu = time.perf_counter(), time.process_time()
            second = sync_company(
                ctx, company_id=company.id, client=rig.client,
                today=books.end + timedelta(days=1),
            )  # fmt: skip
            incremental, incremental_cpu = time.perf_counter() - began, time.process_time() - cpu
            assert second.state == "succeeded", second.error
        finally:
            rig.close()
            ctx.engine.dispose()
    return Row(
        system,
        books.cost_lines,
        _postings(system, rig),
        calls,
        seconds,
        _budget(system, books, rig),
        second.counts["history_new"],
        rig.calls - calls,
        incremental,
        trained,
        fake_seconds,
        delay,
        cpu_seconds,
        fake_cpu,
        incremental_cpu,
    )


def _postings(system: str, rig: object) -> int:
    served = getattr(rig, "served")  # noqa: B009
    if system == "tripletex":
        return len(served.postings)
    if system == "poweroffice":
        return len(served.transactions)
    return 0


def _budget(system: str, books: object, rig: object) -> str:
    if system == "tripletex":
        postings = _postings(system, rig)
        return f"≤ {postings / 1000 + 20:.0f} (postings/1000 + 20)"
    if system == "fortnox":
        return f"≤ {len(books.years()) + 20} (years + 20)"  # type: ignore[attr-defined]
    return "within 10 requests/s"


def table(rows: list[Row], delay: float) -> str:
    out = [
        f"delay per call: {delay * 1000:.0f} ms",
        "",
        "| system | cost lines | postings read | calls | budget | calls per 1 000 lines | "
        "full sync | lines/s | Kontera's own time (lines/s) | incremental: new lines, calls, "
        "time (CPU) | Kontera's CPU (lines per CPU-second) | training |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        trained = f"{r.train_seconds:.0f} s" if r.train_seconds is not None else "—"
        postings = _n(r.postings) if r.postings else "(SIE files)"
        out.append(
            f"| {r.system} | {_n(r.lines)} | {postings} | {r.calls} | {r.budget} | "
            f"{r.calls_per_1000:.2f} | {r.seconds:.1f} s | {_n(round(r.lines_per_second))} | "
            f"{r.own_seconds:.1f} s ({_n(round(r.lines / max(r.own_seconds, 1e-9)))}) | "
            f"{r.new_lines}, {r.incremental_calls}, {r.incremental_seconds:.1f} s "
            f"({r.incremental_cpu_seconds:.1f} s) | {r.own_cpu_seconds:.1f} s "
            f"({_n(round(r.lines / max(r.own_cpu_seconds, 1e-9)))}) | {trained} |"
        )
    return "\n".join(out)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", nargs="+", default=["tripletex", "poweroffice", "fortnox"])
    parser.add_argument("--lines", type=int, default=None, help="cost lines (default: all)")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per call")
    parser.add_argument("--train", action="store_true", help="also time the model's training")
    parser.add_argument("--spec", action="store_true", help="check every request's spec too")
    args = parser.parse_args()
    rows = []
    for system in args.systems:
        if not available(SOURCES[system]):
            print(f"{system}: the corpus's posting history is not present; skipped")
            continue
        rows.append(measure(system, args.lines, args.delay, args.train, args.spec))
        print(f"{system}: done", flush=True)
    print(table(rows, args.delay))


if __name__ == "__main__":
    main()

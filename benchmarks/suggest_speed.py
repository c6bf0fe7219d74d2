"""Training time, suggestion latency and peak memory of the company model.

    .venv/bin/python benchmarks/suggest_speed.py [--sizes 100000 1000000] [--source synthetic]

Each size runs in its own process with one OpenMP thread (OMP_NUM_THREADS=1), so "peak
memory" is that run's and the timing is one core's. Training data:
- `calderdale` (default when the corpus is present and the size fits): the newest N lines of
  Calderdale's real accounts-payable history (482 k lines);
- `synthetic`: generated lines with a Zipf-like spread of suppliers, accounts per supplier and
  words, for sizes beyond the real data (1 M). Same code path, so speed is comparable.
Latency is `CompanyModel.suggest` on 1 000 invoices of 1–5 lines (p50/p99 per invoice), as
CPU time of the thread (`suggest_*_ms`) and as wall time (`suggest_wall_p99_ms`): on a shared
machine the wall time mostly measures the wait for a core. Training is reported both ways too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

CALDERDALE = (
    Path(__file__).resolve().parents[1].parent
    / "shared/corpus/posting-history/calderdale-council/calderdale_ap_2010_2022.csv.gz"
)
WORDS = [
    "repair",
    "maintenance",
    "gas",
    "electricity",
    "water",
    "rent",
    "licence",
    "software",
    "support",
    "cleaning",
    "consultancy",
    "training",
    "catering",
    "fuel",
    "postage",
    "printing",
    "stationery",
    "insurance",
    "legal",
    "audit",
    "agency",
    "staff",
    "transport",
    "hire",
    "equipment",
    "furniture",
    "security",
    "waste",
    "grounds",
    "telephone",
]


def synthetic(n: int, seed: int = 0) -> list:
    from kontera.suggest.history import HistoryLine

    rng = np.random.default_rng(seed)
    n_suppliers = max(50, n // 40)
    accounts = [str(4000 + i) for i in range(400)]
    supplier = np.minimum(rng.zipf(1.3, n), n_suppliers) - 1
    home = rng.integers(0, len(accounts), n_suppliers)
    spread = rng.integers(0, 6, n)  # most lines go to the supplier's usual account
    start = date(2015, 1, 1)
    lines = []
    for i in range(n):
        s = int(supplier[i])
        account = accounts[(home[s] + (spread[i] if spread[i] > 3 else 0)) % len(accounts)]
        words = " ".join(WORDS[(s + k) % len(WORDS)] for k in range(int(rng.integers(0, 4))))
        lines.append(
            HistoryLine(
                account=account,
                date=start + timedelta(days=int(i * 3000 / n)),
                supplier_id=f"S{s}",
                supplier_name=f"Supplier {s} Ltd",
                description=words,
                amount=Decimal(int(rng.lognormal(6, 1.5) * 100)) / 100,
            )
        )
    return lines


def real(n: int) -> list:
    from kontera.suggest.csv_history import parse_mapping
    from kontera.suggest.importers import read_history
    from kontera.suggest.model import time_order

    mapping = parse_mapping(
        ["account=account", "supplier_id=supplier_id", "supplier_name=supplier_name",
         "description=extended_description"]
    )  # fmt: skip
    lines = sorted(read_history(CALDERDALE, "csv", mapping), key=time_order)
    return lines[-n:]


def one_run(n: int, source: str) -> dict[str, object]:
    from kontera.suggest.evaluate import invoices_from_history
    from kontera.suggest.model import CompanyModel

    lines = real(n) if source == "calderdale" else synthetic(n)
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    model = CompanyModel.train(lines)
    train_wall = time.perf_counter() - wall_started
    train_cpu = time.process_time() - cpu_started
    invoices = [i for i in invoices_from_history(lines[-20000:]) if 1 <= len(i.lines) <= 5]
    invoices = invoices[:1000]
    timings, walls = [], []
    for invoice in invoices:
        started, wall_started = time.thread_time(), time.perf_counter()
        model.suggest(invoice, "unknown")
        timings.append((time.thread_time() - started) * 1000)
        walls.append((time.perf_counter() - wall_started) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "lines": len(lines), "source": source, "train_wall_s": round(train_wall, 1),
        "train_cpu_s": round(train_cpu, 1),
        "suggest_p50_ms": round(float(np.percentile(timings, 50)), 2),
        "suggest_p99_ms": round(float(np.percentile(timings, 99)), 2),
        "suggest_wall_p99_ms": round(float(np.percentile(walls, 99)), 2),
        "invoices_timed": len(timings), "peak_mb": round(peak_mb),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--source", choices=["auto", "calderdale", "synthetic"], default="auto")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.sizes[0], args.source)))
        return 0
    rows = []
    for n in args.sizes:
        source = args.source
        if source == "auto":
            source = "calderdale" if CALDERDALE.exists() and n <= 450_000 else "synthetic"
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        command = [sys.executable, __file__, "--child", "--sizes", str(n), "--source", source]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        rows.append(json.loads(output.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    keys = list(rows[0])
    print("\n" + " | ".join(keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

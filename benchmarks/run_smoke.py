"""CI's short benchmark run: every benchmark with small bounds, so each stays runnable.

The figures these print are smoke readings on a busy CI machine, not the ones reported in
the README; run the scripts with their defaults for those.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SMOKE = [
    ["ingest.py", "--clients", "1", "4", "--requests", "40"],
    ["einvoice.py", "--runs", "200"],
    ["queue_pages.py", "--documents", "2000", "--requests", "35"],
    ["post_faults.py", "--count", "30", "--rates", "0.3"],
    ["email_in.py", "--clients", "1", "--messages", "30"],
    ["security_overhead.py", "--calls", "200"],
    ["suggest_speed.py", "--sizes", "20000", "--source", "synthetic"],
    ["suggest_accuracy.py", "--limit", "20000", "--only", "orebro"],
    [
        "suggest_accuracy.py",
        "--limit",
        "4000",
        "--only",
        "greater-london-authority",
        "--dimensions-only",
    ],
    ["pdf_accuracy.py", "--limit", "8", "--scan-limit", "2"],
    # A small leave-one-family-out run: four layout families, three invoices each, one scan.
    [
        "pdf_accuracy.py",
        "--leave-family-out",
        "--per-family",
        "3",
        "--scans-per-family",
        "1",
        "--family",
        "nordic_block",
        "--family",
        "grid_above",
        "--family",
        "boxed",
        "--family",
        "receipt",
    ],
    ["line_items.py", "--limit", "6", "--per-family", "1"],
    ["vat_accuracy.py", "--limit", "30"],
    ["pdf_speed.py", "--pages", "2"],
    ["load.py", "--seconds", "5", "--clients", "4", "--preload", "50", "--databases", "sqlite"],
    ["scale_out.py", "--documents", "20", "--workers", "2", "--storage", "shared", "s3"],
    ["ledger_sync.py", "--lines", "2000", "--delay", "0.01"],
    # One small client end to end (ledger sync, EHF/PDF/mail, a copy, a bank-account change):
    # the public histories' size needs minutes just to be read, which CI cannot spare.
    [
        "bureau_month.py",
        "--history",
        "../shared/corpus/saft-no/Example Files/"
        "ExampleFile SAF-T Financial_888888888_20180228235959.xml",
        "--name",
        "SAF-T 888888888",
        "--ledger",
        "poweroffice",
        "--plot",
        "",
    ],
]


def main() -> None:
    failed = []
    for script, *args in SMOKE:
        if not (HERE / script).exists():
            continue
        print(f"== benchmarks/{script} {' '.join(args)}", flush=True)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{script[:-3]}", *args],
            cwd=HERE.parent,
            timeout=900,
            check=False,
        )
        print(
            f"== {script}: exit {done.returncode} in {time.monotonic() - started:.0f} s", flush=True
        )
        if done.returncode != 0:
            failed.append(script)
    if failed:
        sys.exit(f"benchmark smoke run failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()

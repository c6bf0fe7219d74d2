"""Train the learned field reader and save it to `models/field_reader` (the model Kontera ships).

    .venv/bin/python -m benchmarks.train_reader                 # the shipped model (≈ 12 CPU min)
    .venv/bin/python -m benchmarks.train_reader --per-family 6 --scans-per-family 0 --out /tmp/r

Everything it reads is made by the project: the layout families of
`fixtures/families` (seeded, so every run makes the same invoices) as text layers and as
200 dpi degraded scans read by Tesseract (OCR output cached in benchmarks/out/ocr-cache).
It first runs leave-one-family-out — a model per family trained on all the others — and
fits the confidence calibration on those held-out predictions only; then it trains the
model on every family and saves model, calibration and a card (data hash, figures, command).
The ZUGFeRD corpus PDFs are never read here: they are evaluation data
(`benchmarks/pdf_accuracy.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # on a shared machine, OpenMP spinning costs more
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _lofo import build
from _lofo import fit_all
from _lofo import leave_family_out
from _lofo import report

from kontera.interpret.fields import reader_training as rt
from kontera.interpret.fields.reader_files import MODEL_DIR

PER_FAMILY = 30
SCANS_PER_FAMILY = 6
SEED = 7


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-family", type=int, default=PER_FAMILY)
    parser.add_argument("--scans-per-family", type=int, default=SCANS_PER_FAMILY)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--misses", type=Path, help="write the held-out misses to this file")
    parser.add_argument(
        "--samples", type=Path, help="write the held-out (family, group, raw, right) as JSON"
    )
    args = parser.parse_args()
    run = build(args.per_family, args.seed, args.scans_per_family)
    leave_family_out(run)
    fit_all(run)
    report(run)
    if args.misses:
        args.misses.write_text("\n".join(run.held_out.misses) + "\n", "utf-8")
    if args.samples:
        args.samples.write_text(json.dumps(run.samples) + "\n", "utf-8")
    examples = [item for _, item in run.examples]
    card = {
        "what": "Ranks candidate values per invoice field (reader_features.FEATURES); "
        "see models/README.md",
        "command": "python -m benchmarks.train_reader "
        f"--per-family {args.per_family} --scans-per-family {args.scans_per_family} "
        f"--seed {args.seed}",
        "data": {
            "generator": "fixtures/families (seeded)",
            "families": run.families,
            "documents": sum(1 for item in examples if item.source == "text"),
            "scans": sum(1 for item in examples if item.source == "scan"),
            "rows": sum(len(item.labels) for item in examples),
            "positives": sum(sum(item.labels) for item in examples),
        },
        "data_hash": rt.data_hash(examples),
        "floor": 0.2,
        "metrics": {
            "held_out": run.held_out.summary(),
            "in_sample": run.in_sample.summary(),
            "rules": run.rules.summary(),
        },
    }
    rt.save_reader(args.out, run.model, run.calibration, card)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()

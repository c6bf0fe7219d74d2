"""CI's short benchmark run: each benchmark with small bounds, so it stays honest and quick."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SMOKE = [
    ["ingest.py", "--clients", "1", "4", "--requests", "40"],
]


def main() -> None:
    for script, *args in SMOKE:
        if not (HERE / script).exists():
            continue
        print(f"== benchmarks/{script} {' '.join(args)}", flush=True)
        subprocess.run(
            [sys.executable, "-m", f"benchmarks.{script[:-3]}", *args], check=True, cwd=HERE.parent
        )


if __name__ == "__main__":
    main()

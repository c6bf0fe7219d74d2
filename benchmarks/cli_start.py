"""How long a `kontera` command takes as a whole process, beside a bare `python -c pass`.

    python benchmarks/cli_start.py [--runs 7] [--src OTHER_CHECKOUT/src]

Each command runs `--runs` times as a fresh process (the `kontera` script of this virtualenv,
as an operator runs it); the table gives the median and the fastest wall time and the median
CPU time (user + system) of the process. Wall time depends on how busy the machine is, CPU
time much less: on a shared machine read the CPU column beside the wall one. `--src` runs
another checkout's code with this virtualenv (e.g. the commit before a change, for a
before/after table). Targets (issue 21): `kontera --help` ≤ 0.5 s, `kontera interpret` of an
EHF ≤ 1 s. The peer figure is invoice2data reading a text PDF as a whole process, 0.13 s as
reported in issue 21 (not measured here: invoice2data is not a dependency).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS_EHF = ROOT.parent / "shared/corpus/ehf/peppol-bis3/examples/base-example.xml"
FIXTURE_EHF = ROOT / "fixtures/demo/ehf-02.xml"
KONTERA = str(Path(sys.executable).parent / "kontera")
PEER_SECONDS = 0.13


@dataclass(frozen=True)
class Timing:
    wall: list[float]
    cpu: list[float]


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(command: list[str], runs: int, env: dict[str, str]) -> Timing:
    run_once(command, env)  # warm the file cache; not counted
    pairs = [run_once(command, env) for _ in range(runs)]
    return Timing([w for w, _ in pairs], [c for _, c in pairs])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--src", type=Path, help="run another checkout's src with this venv")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.src is not None:
        env["PYTHONPATH"] = str(args.src.resolve())
    ehf = CORPUS_EHF if CORPUS_EHF.exists() else FIXTURE_EHF
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ("kontera --help", [KONTERA, "--help"], 0.5),
        (f"kontera interpret {ehf.name}", [KONTERA, "interpret", str(ehf)], 1.0),
    ]
    load = os.getloadavg()[0]
    print(f"{args.runs} runs each; load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"code: {args.src or ROOT / 'src'}\n")
    print("| command | wall median (s) | wall fastest (s) | CPU median (s) | target (s) |")
    print("|---|---:|---:|---:|---:|")
    for name, command, target in cases:
        timing = measure(command, args.runs, env)
        print(
            f"| `{name}` | {statistics.median(timing.wall):.2f} | {min(timing.wall):.2f} "
            f"| {statistics.median(timing.cpu):.2f} | {'' if target is None else target} |"
        )
    print(f"| invoice2data, a text PDF (peer, quoted from issue 21) | {PEER_SECONDS} | | | |")


if __name__ == "__main__":
    main()

"""E-invoice interpretation speed against bare lxml parsing, and rule-set coverage.

    python benchmarks/einvoice.py [--runs 2000] [--rules]

Times one EHF (Peppol BIS 3 `base-example.xml`) and one CII (XRechnung `EN16931_Einfach`)
invoice, single-threaded:

* `lxml parse`     – `etree.fromstring` of the bytes: the floor;
* `interpret`      – safe parse + reading every business term + all checks + document kind;
* `interpret+pdf`  – the same plus drawing the PDF view (what `interpret_bytes` does for an
  e-invoice without an embedded PDF).

Target (issue 3): `interpret` within 20× the bare parse, i.e. ≥ 500 invoices/s/core.
`--rules` prints how many rule ids of the official test sets Kontera implements and how
often it agrees with them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable

from lxml import etree

from benchmarks._harness import CORPUS
from benchmarks._harness import REPO
from benchmarks._harness import percentile
from benchmarks._harness import table
from kontera.interpret.base import InterpretContext
from kontera.interpret.einvoice.cii import CiiInterpreter
from kontera.interpret.einvoice.ubl import UblInterpreter

SAMPLES = {
    "EHF (base-example.xml)": ("ehf/peppol-bis3/examples/base-example.xml", UblInterpreter),
    "CII (EN16931_Einfach)": (
        "pdf/zugferd/XML-Rechnung/CII/EN16931_Einfach.cii.xml",
        CiiInterpreter,
    ),
}


def paired_timings(
    floor: Callable[[], object], action: Callable[[], object], runs: int
) -> tuple[list[float], list[float]]:
    """Time the floor and the action alternately, so load from other processes hits both."""
    for _ in range(min(50, runs)):  # warm caches and imports
        floor()
        action()
    floors, actions = [], []
    for _ in range(runs):
        start = time.perf_counter()
        floor()
        middle = time.perf_counter()
        action()
        end = time.perf_counter()
        floors.append((middle - start) * 1000)
        actions.append((end - middle) * 1000)
    return floors, actions


def speed(runs: int) -> None:
    ctx = InterpretContext()
    rows = []
    for label, (relative, backend) in SAMPLES.items():
        data = (CORPUS / relative).read_bytes()
        fast, full = backend(render_missing=False), backend()

        def parse(d: bytes = data) -> object:
            return etree.fromstring(d)

        floor, read = paired_timings(parse, lambda d=data, b=fast: b.interpret(d, ctx), runs)
        _, drawn = paired_timings(
            parse, lambda d=data, b=full: b.interpret(d, ctx), max(20, runs // 20)
        )
        base = statistics.median(floor)
        for name, values in (("lxml parse", floor), ("interpret", read), ("interpret+pdf", drawn)):
            median = statistics.median(values)
            rows.append(
                [
                    label,
                    name,
                    f"{median:.3f}",
                    f"{percentile(values, 99):.3f}",
                    f"{median / base:.1f}×",
                    f"{1000 / median:,.0f}",
                ]
            )
    print(table(["invoice", "step", "median ms", "p99 ms", "vs parse", "per s"], rows))


def rules() -> None:
    sys.path.insert(0, str(REPO))
    from tests.interpret.rule_sets import agrees
    from tests.interpret.rule_sets import expectations

    from kontera.interpret.checks.invoice import RULES

    # per family: rule ids, implemented, expectations checked, agreeing
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    seen: dict[str, bool] = {}
    totals = [0, 0]
    for item in expectations():
        family = item.rule_id.rsplit("-", 1)[0] if item.rule_id[-1].isdigit() else item.rule_id
        if item.rule_id not in seen:
            seen[item.rule_id] = item.rule_id in RULES
            by_family[family][0] += 1
            by_family[family][1] += item.rule_id in RULES
        if item.rule_id in RULES:
            totals[0] += 1
            totals[1] += agrees(item)
            by_family[family][2] += 1
            by_family[family][3] += agrees(item)
    rows = [
        [f, ids, done, f"{agree}/{checked}"]
        for f, (ids, done, checked, agree) in sorted(by_family.items())
    ]
    print(table(["family", "rule ids in sets", "implemented", "agreeing expectations"], rows))
    implemented = sum(seen.values())
    print(
        f"\n{implemented} of {len(seen)} rule ids implemented; "
        f"{totals[1]}/{totals[0]} expectations agree ({100 * totals[1] / totals[0]:.2f} %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--rules", action="store_true", help="print rule-set coverage too")
    args = parser.parse_args()
    speed(args.runs)
    if args.rules:
        print()
        rules()


if __name__ == "__main__":
    main()

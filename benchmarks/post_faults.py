"""Exactly-once posting under faults: N invoices per system, failing calls, crashing workers.

Run from the repository root:

    .venv/bin/python benchmarks/post_faults.py            # 200 invoices, 0/10/30/50 % faults
    .venv/bin/python benchmarks/post_faults.py --count 500 --rates 0.3 --crash 0.05

Every row must say `yes` under "exactly once": as many vouchers as invoices, each with one
attachment, no idempotency key twice. Times are wall-clock for the in-process fakes; a fake
clock absorbs back-off and rate-limit waits, so they do not count.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

from tests.post.harness import fortnox_campaign  # noqa: E402
from tests.post.harness import poweroffice_campaign  # noqa: E402
from tests.post.harness import tripletex_campaign  # noqa: E402

from kontera.post.fortnox import FortnoxMode  # noqa: E402

CAMPAIGNS = {
    "tripletex": tripletex_campaign,
    "fortnox-voucher": lambda n, r, c, s: fortnox_campaign(n, r, c, s, FortnoxMode.VOUCHER),
    "fortnox-supplierinv": lambda n, r, c, s: fortnox_campaign(
        n, r, c, s, FortnoxMode.SUPPLIER_INVOICE
    ),
    "poweroffice": poweroffice_campaign,
}


WIDTHS = [20, 6, 8, 8, 8, 7, 8, 8, 6, 7, 12]


def _row(cells: Sequence[object]) -> str:
    parts = [f"{cells[0]!s:<{WIDTHS[0]}}"]
    parts += [f"{c!s:>{w}}" for c, w in zip(cells[1:], WIDTHS[1:], strict=True)]
    return " ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.0, 0.1, 0.3, 0.5])
    parser.add_argument(
        "--crash", type=float, default=0.03, help="share of calls that kill the worker"
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    columns = ["system", "faults", "invoices", "vouchers", "1 attach", "crashes", "requests",
               "injected", "rounds", "wall s", "exactly once"]  # fmt: skip
    print(_row(columns))
    print("-" * (sum(WIDTHS) + len(WIDTHS) - 1))
    ok = True
    for name, campaign in CAMPAIGNS.items():
        for rate in args.rates:
            o = campaign(args.count, rate, args.crash, args.seed)
            once = o.exactly_once and not o.failed
            ok &= once
            injected = sum(o.faults.values())
            print(_row([name, f"{rate:.0%}", o.invoices, o.vouchers, o.attachments.get(1, 0),
                        o.crashes, o.requests, injected, o.rounds, f"{o.seconds:.2f}",
                        "yes" if once else "NO"]))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

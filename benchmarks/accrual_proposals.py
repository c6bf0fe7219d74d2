"""How often the public e-invoices name a period, and what Kontera proposes for their lines.

    python -m benchmarks.accrual_proposals

Every e-invoice of the shared corpus is read; each line is given the suggestion a person
would accept for a cost (account 6900, the line's net) and the accrual proposal is made as
the suggestion step makes it. The table counts the lines by where their period came from and
whether they are proposed (more than one month, not yet over on the invoice's date). There is
no truth to score against (no public history says which lines a bookkeeper accrued), so
these are counts, not an accuracy: how often each source applies on real documents.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from kontera.domain.errors import KonteraError
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.interpret.registry import interpret_bytes
from kontera.suggest.accruals import line_period
from kontera.suggest.accruals import propose_accruals

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
GLOBS = [
    "ehf/peppol-bis3/examples/*.xml",
    "ehf/peppol-bis3/national-examples/*/*.xml",
    "ehf/ehf-g3/docs/billing-3.0/norway/files/*.xml",
    "ehf/ehf-g2/rules/*/example/*.xml",
    "en16931/ubl/examples/*",
    "en16931/cii/examples/*",
]


def count(paths: list[Path]) -> tuple[Counter[tuple[str, str]], int, int]:
    lines: Counter[tuple[str, str]] = Counter()
    read = invoices_proposed = 0
    for path in paths:
        try:
            invoice = interpret_bytes(path.read_bytes()).invoice
        except (KonteraError, ValueError):
            continue
        read += 1
        suggested = [
            LineSuggestion(i, "6900", None, 1.0, line.net, line.description)
            for i, line in enumerate(invoice.lines)
            if line.net is not None
        ]
        propose_accruals(Suggestion(suggested, "benchmark"), invoice, "1700")
        any_proposed = False
        for line in suggested:
            period = line_period(invoice, line.line_index, line.description)
            source = period.source if period else "none"
            outcome = "proposed" if line.accrual else "not proposed"
            any_proposed |= bool(line.accrual)
            lines[(source, outcome)] += 1
        invoices_proposed += any_proposed
    return lines, read, invoices_proposed


def main() -> int:
    if not CORPUS.is_dir():
        print("the shared corpus is absent: nothing to count")
        return 0
    paths = sorted(p for g in GLOBS for p in CORPUS.glob(g) if p.is_file())
    lines, read, proposed = count(paths)
    print(f"e-invoices read: {read} of {len(paths)}; with an accrual proposed: {proposed}")
    print()
    print("| period from | lines proposed | lines not proposed |")
    print("|---|---|---|")
    for source in ("line_period", "invoice_period", "text", "none"):
        yes, no = lines[(source, "proposed")], lines[(source, "not proposed")]
        print(f"| {source} | {yes} | {no} |")
    total = sum(lines.values())
    print(f"| all lines | {sum(v for (_, o), v in lines.items() if o == 'proposed')} | "
          f"{sum(v for (_, o), v in lines.items() if o != 'proposed')} (of {total}) |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

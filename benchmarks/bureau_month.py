"""A bureau's month, end to end: how many invoices post themselves, and how right they are.

    .venv/bin/python -m benchmarks.bureau_month                       # the public histories
    .venv/bin/python -m benchmarks.bureau_month --held-out            # histories never tuned on
    .venv/bin/python -m benchmarks.bureau_month --history FILE --map account=Konto \\
        [--country SE] [--ledger fortnox] [--history FILE2 …] [--invoices 300] [--seed 1]
        [--postgres] [--plot out.png]

Each history file is a client company (`--map`, `--country`, `--ledger`, `--name` apply to
the `--history` before them; canonical column names need no map; SAF-T and SIE files are
read as Kontera imports them). Its past becomes the company's books in a ledger fake
(Tripletex, Fortnox or PowerOffice Go, holding the company's chart) and is imported into
Kontera through a history file; its newest month becomes the month's invoices, each drawn
from the truth: EHF for about half, PDFs in several layouts and scans for the rest, some by
e-mail, with copies sent twice, credit notes, a fraudulent bank-account change, foreign
currency and new suppliers. A real `kontera serve` and `kontera worker` (SQLite, or
PostgreSQL + Redis with `--postgres`) receive them over HTTP and SMTP; the service's own
auto-approval policy acts; then a bookkeeper works the queue through the API, day by day.

Prints a table per company and in total, the threshold curve (and a PNG of it), and as its
last line a JSON object with `invoices`, `touchless_share`, `touchless_precision`,
`corrections_per_reviewed`, `ledger_refusals`, `lost`, `doubled`, `duplicates_caught`,
`fraud_caught` (shares as fractions). Exit status 1 when anything was lost or doubled.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.fakes.books import Books as LedgerBooks

from benchmarks._harness import table
from benchmarks.month import ceiling as ceil
from benchmarks.month import history as hist
from benchmarks.month import ledgers
from benchmarks.month import report
from benchmarks.month import service
from benchmarks.month.books import Books
from benchmarks.month.books import add_accounts
from benchmarks.month.books import build_books
from benchmarks.month.books import seeded
from benchmarks.month.books import write_import_file
from benchmarks.month.fixtures import no_org_number
from benchmarks.month.fixtures import se_org_number
from benchmarks.month.ledger_books import ledger_books
from benchmarks.month.office import Office
from benchmarks.month.office import by_day
from benchmarks.month.render import Buyer
from benchmarks.month.truth import Noise
from benchmarks.month.truth import TruthInvoice
from benchmarks.month.truth import plan_company
from kontera.services.admin.company_settings import DEFAULT_AUTO_APPROVAL

FOREIGN_SHARE = 0.03
DEFAULT_PLOT = Path(__file__).resolve().parent / "out" / "bureau_month.png"


@dataclass
class HistoryArg:
    path: Path
    maps: list[str] = field(default_factory=list)
    country: str | None = None
    ledger: str | None = None
    name: str | None = None


class _History(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        namespace.histories.append(HistoryArg(Path(values)))


class _Option(argparse.Action):
    """--map/--country/--ledger/--name belong to the --history given before them."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        if not namespace.histories:
            parser.error(f"{option} must follow the --history it belongs to")
        last = namespace.histories[-1]
        if self.dest == "maps":
            last.maps.append(values)
        else:
            setattr(last, self.dest, values)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.set_defaults(histories=[])
    parser.add_argument(
        "--history", action=_History, metavar="FILE", help="a client company's posting history"
    )
    parser.add_argument("--map", dest="maps", action=_Option, metavar="COLUMN=NAME")
    parser.add_argument("--country", dest="country", action=_Option, choices=["NO", "SE"])
    parser.add_argument(
        "--ledger", dest="ledger", action=_Option, choices=["tripletex", "fortnox", "poweroffice"]
    )
    parser.add_argument("--name", dest="name", action=_Option)
    parser.add_argument(
        "--held-out", action="store_true", help="GLA and Calderdale, never tuned on"
    )
    parser.add_argument("--invoices", type=int, default=300, help="the month's size, all companies")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--sample", choices=["suppliers", "invoices"], default="suppliers",
        help="a bounded month as whole suppliers (a smaller client) or as invoices drawn one "
        "by one (a thinned client: suppliers rarely repeat)",
    )  # fmt: skip
    parser.add_argument(
        "--books-years", type=int, default=3, help="years of books before the month"
    )
    parser.add_argument(
        "--books-limit", type=int, default=0, help="only the newest N lines of books (smoke runs)"
    )
    parser.add_argument(
        "--month", default=None, help="YYYY-MM the month is moved to (default: the last one)"
    )
    parser.add_argument(
        "--load", choices=["sync", "import"], default="sync",
        help="books into Kontera by the ledger sync (default) or a history-file import",
    )  # fmt: skip
    parser.add_argument(
        "--warmup", type=int, default=1,
        help="months the bureau works before the measured one (its track record)",
    )  # fmt: skip
    parser.add_argument("--duplicates", type=float, default=0.03, help="share sent twice")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis, two workers")
    parser.add_argument(
        "--workers", type=int, default=0, help="worker processes (default 1, 2 with --postgres)"
    )
    parser.add_argument(
        "--settle", type=float, default=600, help="seconds to wait for a day's work"
    )
    parser.add_argument(
        "--plot", type=_optional_path, default=DEFAULT_PLOT, help="PNG of the curve ('': none)"
    )
    parser.add_argument("--details", type=Path, default=None, help="one JSON line per document")
    parser.add_argument("--keep", type=Path, default=None, help="keep the data directory here")
    return parser.parse_args(argv)


def _optional_path(text: str) -> Path | None:
    return Path(text) if text else None


def specs(args: argparse.Namespace) -> list[hist.CompanySpec]:
    if not args.histories:
        return list(hist.HELD_OUT if args.held_out else hist.TUNED)
    chosen = []
    for n, h in enumerate(args.histories):
        country = h.country or "NO"
        ledger = h.ledger or ("fortnox" if country == "SE" else ("tripletex", "poweroffice")[n % 2])
        name = h.name or h.path.name.split(".")[0][:40]
        chosen.append(hist.CompanySpec(name, h.path, tuple(h.maps), country, ledger))
    return chosen


@dataclass
class Company:
    spec: hist.CompanySpec
    history: hist.CompanyHistory
    books: Books
    invoices: list[TruthInvoice]
    buyer: Buyer
    books_file: Path
    ledger_books: LedgerBooks
    known: set[str]  # suppliers the books know


def prepare(args: argparse.Namespace, workdir: Path) -> list[Company]:
    month = (
        date.fromisoformat(args.month + "-01") if args.month else hist.last_full_month(date.today())
    )
    histories = []
    for spec in specs(args):
        if not spec.path.exists():
            print(f"{spec.name}: {spec.path} not found; skipped", file=sys.stderr)
            continue
        started = time.monotonic()
        loaded = hist.load(spec, books_years=args.books_years, month=month, warmup=args.warmup)
        if args.books_limit:
            loaded.books = loaded.books[-args.books_limit :]
        say(
            f"{spec.name}: {len(loaded.books)} lines of books, {len(loaded.month)} invoices "
            f"in the month from {loaded.month_start} ({time.monotonic() - started:.0f} s)"
        )
        histories.append(loaded)
    budget = hist.share_budget({h.spec.name: len(h.month) for h in histories}, args.invoices)
    noise = Noise(duplicates=args.duplicates)
    companies = []
    for h in histories:
        rng = random.Random(f"{args.seed}|{h.spec.name}|sample")
        if args.sample == "suppliers":
            groups, warm = hist.sample_by_supplier(h.month, h.warmup, budget[h.spec.name], rng)
        else:
            groups = hist.sample_month(h.month, budget[h.spec.name], rng)
            warm = hist.sample_month(h.warmup, budget[h.spec.name], rng)
        known = {line.supplier_key for line in h.books}
        foreign = _foreign_suppliers(groups, known, args.seed, h.spec.name)
        books = build_books(h.spec.name, h.spec.country, h.books, foreign, args.seed)
        add_accounts(books, [line for g in warm + groups for line in g.lines])
        for group in warm + groups:
            if group.supplier_key not in books.suppliers:
                first = group.lines[0]
                books.suppliers[group.supplier_key] = _new_supplier(first, books, args.seed)
        quiet = Noise(duplicates=args.duplicates, fraud_per_company=0)
        invoices = plan_company(books, warm, known, args.seed, quiet, warmup=True)
        # After the warm-up its suppliers are in the ledger too (their vouchers were posted).
        seen = known | {g.supplier_key for g in warm}
        invoices += plan_company(books, groups, seen, args.seed, noise)
        path = workdir / f"books-{len(companies) + 1}.csv"
        write_import_file(books, h.books, path)
        first_book = min((x.date for x in h.books if x.date), default=h.month_start)
        end = hist.months_before(h.month_start, args.warmup) - timedelta(days=1)
        ledger = ledger_books(books, h.books, first_book, end, args.seed)
        buyer = _buyer(h.spec, args.seed)
        companies.append(Company(h.spec, h, books, invoices, buyer, path, ledger, known))
    return companies


def _foreign_suppliers(
    groups: list[hist.MonthGroup], known: set[str], seed: int, name: str
) -> set[str]:
    keys = sorted({g.supplier_key for g in groups if g.supplier_key in known})
    count = max(1, round(len(keys) * FOREIGN_SHARE)) if keys else 0
    return set(random.Random(f"{seed}|{name}|foreign").sample(keys, min(count, len(keys))))


def _new_supplier(line: Any, books: Books, seed: int) -> Any:
    from benchmarks.month.books import make_supplier

    return make_supplier(line, books.country, False, seed)


def _buyer(spec: hist.CompanySpec, seed: int) -> Buyer:
    rng = seeded(seed, "company", spec.name)
    org = no_org_number(rng) if spec.country == "NO" else se_org_number(rng)
    suffix = "AS" if spec.country == "NO" else "AB"
    return Buyer(f"{spec.name} {suffix}", org, spec.country)


def run(args: argparse.Namespace, companies: list[Company], workdir: Path) -> dict[str, Any]:
    days = [i.arrives for c in companies for i in c.invoices]
    span = (min(days), max(days))
    books = {c.buyer.name: (c.spec.ledger, c.ledger_books) for c in companies}
    with ledgers.running(books, span) as fakes, service.database(args.postgres) as db_env:
        env, ctx = service.context(workdir, {**fakes.env, **db_env})
        clients = {}
        setup_started = time.process_time()
        for c in companies:
            trusted = {s.email_domain for k, s in c.books.suppliers.items() if k in c.known}
            started = time.monotonic()
            clients[c.spec.name] = service.set_up_client(
                ctx,
                name=c.buyer.name,
                org_number=c.buyer.org_number,
                country=c.spec.country,
                books_file=c.books_file,
                ledger=fakes.ledgers[c.buyer.name],
                trusted_domains=trusted,
                load=args.load,
            )
            client = clients[c.spec.name]
            say(
                f"{c.spec.name}: {client.imported} lines imported, model on "
                f"{client.trained_lines} ({time.monotonic() - started:.0f} s)"
            )
        setup_cpu = time.process_time() - setup_started
        workers = args.workers or (2 if args.postgres else 1)
        with service.running(env, ctx, workdir, workers) as stack:
            office = Office(stack, clients, {c.spec.name: c.buyer for c in companies})
            every = [i for c in companies for i in c.invoices]
            started = time.monotonic()
            try:
                # The warm-up month first (its figures count nowhere), then the month itself.
                for phase in (True, False):
                    if not phase:
                        cpu_before, started = stack.cpu_seconds(), time.monotonic()
                    for day, batch in by_day(i for i in every if i.warmup is phase):
                        office.day(batch, settle_seconds=args.settle)
                        say(f"  {day}: {len(batch)} documents, {time.monotonic() - started:.0f} s")
                    office.finish(args.settle)
                cpu = stack.cpu_seconds() - cpu_before
            finally:
                office.close()
        wall = time.monotonic() - started
        ledgers_by_company = {c.spec.name: fakes.ledgers[c.buyer.name] for c in companies}
        return {
            "outcomes": [o for o in office.outcomes if not o.truth.warmup],
            "warmup": [o for o in office.outcomes if o.truth.warmup],
            "ledgers": ledgers_by_company,
            "cpu": cpu,
            "wall": wall,
            "setup_cpu": setup_cpu + _children_cpu(),
        }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with tempfile.TemporaryDirectory(prefix="kontera-month-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        companies = prepare(args, workdir)
        if not companies:
            print("no history found (is ../shared/corpus there?); nothing to measure")
            return 0
        result = run(args, companies, workdir)
    return print_report(args, companies, result)


def print_report(args: argparse.Namespace, companies: list[Company], result: dict[str, Any]) -> int:
    outcomes = result["outcomes"]
    parts = []
    for c in companies:
        mine = [o for o in outcomes if o.truth.company == c.spec.name]
        parts.append(report.figures(c.spec.name, mine, [result["ledgers"][c.spec.name]]))
    total = report.merge("total", parts)
    total.cpu_seconds = result["cpu"]
    for part in parts:
        part.cpu_seconds = 0.0
    columns = [*parts, total]
    database = "PostgreSQL + Redis" if args.postgres else "SQLite"
    print(
        f"\nA bureau's month: {len(companies)} companies, {total.sent} documents, "
        f"seed {args.seed}, {database}"
    )
    for c in companies:
        notes = f" ({'; '.join(c.history.notes)})" if c.history.notes else ""
        print(
            f"  {c.spec.name}: {c.spec.country}, {c.spec.ledger}, books "
            f"{len(c.history.books)} lines from {c.spec.path.name}; month from "
            f"{c.history.month_start}{notes}"
        )
    print(table(["", *[f.name for f in columns]], _rows(columns)))
    per_document = total.share(total.cpu_seconds, total.sent)  # type: ignore[arg-type]
    print(
        f"\nCPU: {per_document:.2f} s per document in the service ({total.cpu_seconds:.0f} s "
        f"for {total.sent}); setup (import, training) {result['setup_cpu']:.0f} s; "
        f"wall {result['wall']:.0f} s"
    )
    _print_failures(total)
    cuts = _print_cuts(companies, outcomes, result["warmup"], total)
    top = _print_ceiling(outcomes, total)
    policy = DEFAULT_AUTO_APPROVAL
    limit = Decimal(str(policy["max_amount"]))
    curves = {
        "policy as set (e-invoices only)": report.curve(
            outcomes, max_amount=limit, e_invoices_only=True
        ),
        "PDFs and scans too": report.curve(outcomes, max_amount=limit, e_invoices_only=False),
    }
    print("\nReliability of P(voucher entirely right) (month, out of sample):")
    rows = [
        [
            f"{r['low']:.3f}–{r['high']:.3f}",
            r["count"],
            f"{r['confidence']:.3f}",
            f"{r['accuracy']:.3f}",
        ]
        for r in report.decision_reliability(outcomes)
        if r["count"]
    ]
    print(table(["P bin", "vouchers", "mean P", "entirely right"], rows))
    for label, points in curves.items():
        print(f"\nThreshold moved ({label}; amount limit {limit}):")
        print(
            table(
                ["threshold", "touchless", "precision", "vouchers"],
                [
                    [f"{p.threshold:g}", f"{p.share:.1%}", f"{p.precision:.1%}", p.count]
                    for p in points
                ],
            )
        )
    if args.plot:
        report.plot(
            curves, args.plot, f"Bureau month ({', '.join(c.spec.name for c in companies)})"
        )
        print(f"plot written to {args.plot}")
    if args.details:
        with args.details.open("w", encoding="utf-8") as out:
            for outcome in outcomes:
                out.write(json.dumps(report.details(outcome), default=str) + "\n")
    summary = {**total.json(), **cuts, **top, "companies": {f.name: f.json() for f in parts}}
    print(json.dumps(summary))
    return 1 if total.lost or total.doubled else 0


def _rows(columns: list[report.Figures]) -> list[list[object]]:
    def each(render: Any) -> list[str]:
        return [render(f) for f in columns]

    return [
        [
            "documents (invoices + copies)",
            *each(lambda f: f"{f.sent} ({f.invoices} + {f.sent - f.invoices})"),
        ],
        [
            "touchless share",
            *each(lambda f: f"{f.share(f.touchless, f.to_post):.1%} ({f.touchless}/{f.to_post})"),
        ],
        [
            "touchless precision",
            *each(
                lambda f: (
                    f"{f.share(f.touchless_right, f.touchless):.1%} "
                    f"({f.touchless_right}/{f.touchless})"
                )
            ),
        ],
        ["reviewed by a person", *each(lambda f: str(f.reviewed))],
        [
            "corrections per reviewed",
            *each(lambda f: f"{f.share(f.corrections, f.reviewed):.2f} ({f.corrections})"),
        ],
        [
            "  fields / postings changed",
            *each(lambda f: f"{sum(f.field_fixes.values())} / {f.posting_fixes}"),
        ],
        ["released from mail quarantine", *each(lambda f: str(f.released))],
        ["duplicates caught", *each(lambda f: f"{f.duplicates_caught}/{f.duplicates}")],
        [
            "bank-account changes caught (held)",
            *each(lambda f: f"{f.fraud_caught}/{f.fraud} ({f.fraud_held})"),
        ],
        ["postings refused (ledger or Kontera)", *each(lambda f: str(f.ledger_refusals))],
        ["approved, not posted at the end", *each(lambda f: str(f.not_posted))],
        ["approvals refused by Kontera", *each(lambda f: str(f.approval_refusals))],
        ["unreadable (failed)", *each(lambda f: str(f.unreadable))],
        ["lost / doubled", *each(lambda f: f"{f.lost} / {f.doubled}")],
        [
            "arrival → posted p50 / p95 s",
            *each(lambda f: f"{report.pct(f.times, 50):.0f} / {report.pct(f.times, 95):.0f}"),
        ],
        [
            "  touchless p50 / p95 s",
            *each(
                lambda f: (
                    f"{report.pct(f.touchless_times, 50):.0f} / "
                    f"{report.pct(f.touchless_times, 95):.0f}"
                )
            ),
        ],
        [
            "touchless by channel",
            *each(
                lambda f: ", ".join(
                    f"{k} {f.touchless_by_channel[k]}/{n}" for k, n in sorted(f.by_channel.items())
                )
            ),
        ],
    ]


def _print_cuts(
    companies: list[Company], outcomes: list[Any], warmup: list[Any], total: report.Figures
) -> dict[str, Any]:
    """The month per input kind, and each company cold (its first month on Kontera, the
    warm-up: no supplier has a track record yet) against warm (the measured month)."""
    kinds = report.by_kind(outcomes)
    print("\nThe month by input kind (e-mailed documents with their kind):")
    print(table(report.SUMMARY_HEADER, [report.summary_row(f) for f in [*kinds, total]]))
    rows, cold_json = [], {}
    for c in companies:
        for label, chosen in (("cold", warmup), ("warm", outcomes)):
            mine = [o for o in chosen if o.truth.company == c.spec.name]
            if not mine:
                continue
            part = report.figures(f"{c.spec.name} {label}", mine, [])
            rows.append(report.summary_row(part))
            if label == "cold":
                cold_json[c.spec.name] = report.summary_json(part)
    if warmup:
        cold = report.figures("total cold", warmup, [])
        rows.append(report.summary_row(cold))
        cold_json["total"] = report.summary_json(cold)
    rows.append(report.summary_row(report.figures("total warm", outcomes, [])))
    print("\nCold (first month on Kontera, the warm-up) and warm (the measured month):")
    print(table(report.SUMMARY_HEADER, rows))
    return {
        "touchless_wrong_share": round(report.wrong_share(total), 4),
        "by_kind": {f.name: report.summary_json(f) for f in kinds},
        "cold": cold_json,
    }


def _print_ceiling(outcomes: list[Any], total: report.Figures) -> dict[str, Any]:
    """What a perfect judge of Kontera's own proposals would post, and where the rest went."""
    found = ceil.ceiling(outcomes)
    print(
        f"\nCeiling (proposals entirely right, whatever their confidence): "
        f"{found.share:.1%} ({found.right}/{found.to_post}); touchless "
        f"{total.share(total.touchless, total.to_post):.1%} ({total.touchless}), of them right "
        f"{found.touchless_right}"
    )
    print("Where the invoices that did not post themselves were lost (first cause):")
    print(table(["cause", "invoices", "of the month"], ceil.rows(found)))
    wrong = dict(found.wrong_parts.most_common()) or "none"
    print(f"  wrong parts of the proposals that were not entirely right: {wrong}")
    return found.json()


def _print_failures(total: report.Figures) -> None:
    print("\nWhat went wrong:")
    print(f"  wrong parts of touchless vouchers: {dict(total.wrong_parts.most_common()) or 'none'}")
    print(f"  fields corrected in review: {dict(total.field_fixes.most_common())}")
    print(f"  postings changed in review: {total.posting_fixes}")
    for reason, n in total.refusal_reasons.most_common(8):
        print(f"  refused {n}×: {reason}")


if __name__ == "__main__":
    raise SystemExit(main())

"""Realistic books for the ledger fakes, generated from real public posting history.

One call gives a company's books as an accounting system holds them: a chart of accounts
(NS 4102 or BAS numbers, some accounts closed), VAT codes, suppliers with org.nr, VAT id,
bank accounts and KID habits, departments and projects, and years of supplier-invoice
vouchers whose lines are the real lines of a public body's spend file, moved into the chosen
window and mapped onto the chart (`books_sources`). Tests and benchmarks use the same call:

    books = generate_books(BookSpec(source="harrogate", years=3, max_lines=3_000))
    books.cost_lines            # how many cost lines (what Kontera syncs as history)
    books.add_vouchers(100)     # new postings arrive in the ledger
    books.rename_account("6300", "Husleie")  /  books.deactivate_account("6300")

Sizes: `max_lines=None` keeps every line of the window (Harrogate, 3 years: ~80 000 cost
lines; Örebro: 68 000); a bound keeps whole suppliers, chosen at random with `seed`, so each
kept supplier has its full history. Everything is deterministic for a given spec.

Money is Decimal: a line's net amount is the source amount (UK figures × 10 as kroner), its
VAT the net times the account's VAT rate, rounded to øre.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal

from stdnum import luhn
from stdnum.no import kontonr
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from tests.fakes.books_sources import SOURCES
from tests.fakes.books_sources import SourceLine
from tests.fakes.books_sources import kind_of
from tests.fakes.books_sources import place_account
from tests.fakes.books_sources import source_lines

CENT = Decimal("0.01")
PAYABLE = {"NO": "2400", "SE": "2440"}
INPUT_VAT = {"NO": "2710", "SE": "2641"}
BANK = {"NO": "1920", "SE": "1930"}
VAT_RATES = {
    "NO": {"0": Decimal(0), "1": Decimal(25), "11": Decimal(15), "13": Decimal(12)},
    "SE": {"SE0": Decimal(0), "SE25": Decimal(25), "SE12": Decimal(12), "SE6": Decimal(6)},
}
VAT_NAMES = {
    "0": "Ingen mva-behandling",
    "1": "Fradrag inngående mva, alminnelig sats",
    "11": "Fradrag inngående mva, middels sats",
    "13": "Fradrag inngående mva, lav sats",
    "SE0": "Momsfritt",
    "SE25": "Ingående moms 25 %",
    "SE12": "Ingående moms 12 %",
    "SE6": "Ingående moms 6 %",
}
BALANCE_ACCOUNTS = {
    "NO": {"1920": "Bankinnskudd", "2400": "Leverandørgjeld", "2710": "Inngående mva"},
    "SE": {
        "1930": "Företagskonto",
        "2440": "Leverantörsskulder",
        "2641": "Debiterad ingående moms",
    },
}
# Suppliers whose invoices carry a KID / OCR reference on every invoice (utilities, telecoms).
KID_SHARE = 0.35
# An account no line used in the last year of the window has been closed in the ledger.
CLOSED_AFTER_UNUSED = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class BookSpec:
    source: str = "harrogate"  # harrogate / calderdale / gla (NO books), orebro (SE books)
    years: int = 3
    max_lines: int | None = None  # cost lines; None = all in the window
    end: date | None = None  # the last day with postings; default yesterday
    seed: int = 0


@dataclass(slots=True)
class BookAccount:
    number: str
    name: str
    vat_code: str  # the VAT code purchases on this account normally carry
    legal_vat_codes: tuple[str, ...]
    active: bool = True
    supplier_invoices: bool = True
    saft_code: str | None = None  # NO: the SAF-T grouping (2-digit standard account)
    sru: str | None = None  # SE: the tax-return (SRU) code
    changed: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=UTC))

    @property
    def vat_locked(self) -> bool:
        return len(self.legal_vat_codes) == 1


@dataclass(frozen=True, slots=True)
class BookVatCode:
    code: str
    name: str
    rate: Decimal


@dataclass(slots=True)
class BookSupplier:
    number: int
    name: str
    org_number: str
    vat_id: str
    bank_accounts: tuple[str, ...]
    kid_required: bool
    default_account: str | None
    active: bool = True
    changed: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class BookDimension:
    code: str
    name: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class BookLine:
    account: str
    vat_code: str
    net: Decimal
    vat: Decimal
    text: str
    department: str | None = None
    project: str | None = None

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True, slots=True)
class BookVoucher:
    number: int
    day: date
    supplier: int  # BookSupplier.number
    invoice_number: str
    kid: str | None
    lines: tuple[BookLine, ...]
    created: datetime

    @property
    def gross(self) -> Decimal:
        return sum((line.gross for line in self.lines), Decimal(0))

    @property
    def vat(self) -> Decimal:
        return sum((line.vat for line in self.lines), Decimal(0))


@dataclass(slots=True)
class Books:
    """A company's books as the ledger holds them; the fakes serve views of this."""

    country: str
    currency: str
    start: date
    end: date
    accounts: dict[str, BookAccount]
    vat_codes: dict[str, BookVatCode]
    suppliers: dict[int, BookSupplier]
    departments: dict[str, BookDimension]
    projects: dict[str, BookDimension]
    vouchers: list[BookVoucher]
    seed: int = 0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @property
    def payable_account(self) -> str:
        return PAYABLE[self.country]

    @property
    def vat_account(self) -> str:
        return INPUT_VAT[self.country]

    @property
    def cost_lines(self) -> int:
        return sum(len(v.lines) for v in self.vouchers)

    def lines_between(self, first: date, last: date) -> int:
        return sum(len(v.lines) for v in self.vouchers if first <= v.day <= last)

    def years(self) -> list[tuple[date, date]]:
        """Calendar financial years that hold the books' window."""
        return [(date(y, 1, 1), date(y, 12, 31)) for y in range(self.start.year, self.end.year + 1)]

    # -- what happens in the ledger after a sync ----------------------------------------

    def add_vouchers(self, lines: int, day: date | None = None) -> list[BookVoucher]:
        """New supplier invoices with exactly `lines` cost lines, like recent ones, on `day`.

        They are copies (new numbers, new invoice numbers, today's creation time) of random
        recent vouchers, so they come from known suppliers in the books' own patterns."""
        rng = random.Random(self.seed * 7919 + len(self.vouchers))
        day = day or self.end + timedelta(days=1)
        recent = [v for v in self.vouchers[-2000:] if self.suppliers[v.supplier].active]
        added: list[BookVoucher] = []
        left = lines
        number = max((v.number for v in self.vouchers), default=0)
        while left > 0:
            model = rng.choice(recent)
            kept = model.lines[:left]
            number += 1
            voucher = replace(
                model,
                number=number,
                day=day,
                invoice_number=f"{model.invoice_number}-{number}",
                kid=_kid(rng) if model.kid else None,
                lines=kept,
                created=self.clock(),
            )
            added.append(voucher)
            left -= len(kept)
        self.vouchers.extend(added)
        self.end = max(self.end, day)
        return added

    def rename_account(self, number: str, name: str) -> None:
        account = self.accounts[number]
        account.name, account.changed = name, self.clock()

    def deactivate_account(self, number: str) -> None:
        account = self.accounts[number]
        account.active, account.changed = False, self.clock()

    def most_used_account(self, supplier: int) -> str:
        counts = Counter(
            line.account for v in self.vouchers if v.supplier == supplier for line in v.lines
        )
        return counts.most_common(1)[0][0]


def generate_books(spec: BookSpec = BookSpec()) -> Books:
    """Books for one company, from `spec.source` in `../shared/corpus/posting-history`."""
    source = SOURCES[spec.source]
    end = spec.end or date.today() - timedelta(days=1)
    start = _years_before(end, spec.years) + timedelta(days=1)
    rows = _in_window(source_lines(spec.source, spec.years), start, end)
    rows = _bounded(rows, spec.max_lines, spec.seed)
    builder = _Builder(source.country, spec.seed, start, end)
    departments = builder.dimension("department", (row.department for row in rows))
    projects = builder.dimension("project", (row.project for row in rows))
    vouchers = builder.vouchers(rows)
    accounts = builder.chart(vouchers, end)
    return Books(
        country=source.country,
        currency="SEK" if source.country == "SE" else "NOK",
        start=start,
        end=end,
        accounts=accounts,
        vat_codes={
            code: BookVatCode(code, VAT_NAMES[code], rate)
            for code, rate in VAT_RATES[source.country].items()
        },
        suppliers=builder.supplier_register(vouchers),
        departments=departments,
        projects=projects,
        vouchers=vouchers,
        seed=spec.seed,
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# -- choosing the lines -------------------------------------------------------------------


def _in_window(lines: Iterable[SourceLine], start: date, end: date) -> list[SourceLine]:
    """The source's last `end - start` days moved to end on `end`; undated lines spread."""
    lines = list(lines)
    dated = [line for line in lines if line.day is not None]
    if not dated:
        return _spread(lines, start, end)
    shift = end - max(line.day for line in dated if line.day is not None)
    return [
        replace(line, day=line.day + shift)
        for line in dated
        if line.day is not None and start <= line.day + shift <= end
    ]


def _spread(lines: list[SourceLine], start: date, end: date) -> list[SourceLine]:
    """Undated history (Örebro's one month): invoices in number order, evenly over the window."""
    order = sorted({line.invoice for line in lines}, key=lambda n: (len(n), n))
    span = (end - start).days
    day_of = {
        n: start + timedelta(days=i * span // max(1, len(order) - 1)) for i, n in enumerate(order)
    }
    return [replace(line, day=day_of[line.invoice]) for line in lines]


def _bounded(lines: list[SourceLine], max_lines: int | None, seed: int) -> list[SourceLine]:
    """Whole suppliers in a random order until `max_lines` cost lines are reached."""
    if max_lines is None or len(lines) <= max_lines:
        return lines
    by_supplier: dict[str, list[SourceLine]] = defaultdict(list)
    for line in lines:
        by_supplier[line.supplier].append(line)
    names = sorted(by_supplier, key=lambda name: _hash(f"{seed}:{name}"))
    kept: list[SourceLine] = []
    for name in names:
        chunk = by_supplier[name]
        if len(kept) + len(chunk) <= max_lines:
            kept.extend(chunk)
        if len(kept) >= max_lines * 0.98:
            break
    return kept


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


# -- building the books -------------------------------------------------------------------


class _Builder:
    def __init__(self, country: str, seed: int, start: date, end: date) -> None:
        self.country = country
        self.rng = random.Random(seed)
        self.start, self.end = start, end
        self.taken: set[int] = {int(n) for n in BALANCE_ACCOUNTS[country]}
        self.account_of: dict[tuple[str, str], BookAccount] = {}
        self.suppliers: dict[str, BookSupplier] = {}
        self.orgs: set[str] = set()
        self.codes: dict[tuple[str, str], str] = {}

    def vouchers(self, rows: list[SourceLine]) -> list[BookVoucher]:
        invoices: dict[tuple[str, str], list[SourceLine]] = defaultdict(list)
        for row in rows:
            invoices[(row.supplier_org or row.supplier, row.invoice)].append(row)
        ordered = sorted(invoices.items(), key=lambda item: (item[1][0].day, item[0]))
        vouchers = []
        for number, ((_, invoice), lines) in enumerate(ordered, start=1):
            supplier = self._supplier(lines[0].supplier, lines[0].supplier_org)
            day = lines[0].day or self.start
            vouchers.append(
                BookVoucher(
                    number=number,
                    day=day,
                    supplier=supplier.number,
                    invoice_number=invoice,
                    kid=_kid(self.rng) if supplier.kid_required else None,
                    lines=tuple(self._line(row) for row in lines),
                    created=datetime.combine(day, time(12), tzinfo=UTC),
                )
            )
        return vouchers

    def _line(self, row: SourceLine) -> BookLine:
        account = self._account(row)
        rate = VAT_RATES[self.country][account.vat_code]
        vat = (row.amount * rate / 100).quantize(CENT, ROUND_HALF_UP)
        return BookLine(
            account.number,
            account.vat_code,
            row.amount,
            vat,
            row.text,
            self.codes.get(("department", row.department or "")),
            self.codes.get(("project", row.project or "")),
        )

    def _account(self, row: SourceLine) -> BookAccount:
        key = (row.account_code, row.account_name)
        if key not in self.account_of:
            kind = kind_of(row.group, row.account_name)
            number = str(place_account(kind, self.country, self.taken))
            vat = kind.se_vat if self.country == "SE" else kind.no_vat
            self.account_of[key] = BookAccount(
                number=number,
                name=row.account_name[:100] or f"Konto {number}",
                vat_code=vat,
                legal_vat_codes=_legal_codes(self.country, vat),
                saft_code=number[:2] if self.country == "NO" else None,
                sru=_sru(number) if self.country == "SE" else None,
            )
        return self.account_of[key]

    def _supplier(self, name: str, org: str | None) -> BookSupplier:
        key = org or name  # Örebro's file names some suppliers two ways; the org.nr is one
        if key not in self.suppliers:
            number = len(self.suppliers) + (20001 if self.country == "NO" else 1)
            org_number = self._org_number(name, org)
            kid = _hash(f"kid:{name}") % 100 < KID_SHARE * 100
            self.suppliers[key] = BookSupplier(
                number=number,
                name=name,
                org_number=org_number,
                vat_id=_vat_id(self.country, org_number),
                bank_accounts=(self._bank_account(name),),
                kid_required=kid,
                default_account=None,
            )
        return self.suppliers[key]

    def _org_number(self, name: str, given: str | None) -> str:
        if given and se_orgnr.is_valid(given) and given not in self.orgs:
            self.orgs.add(given)
            return given
        valid = se_orgnr.is_valid if self.country == "SE" else no_orgnr.is_valid
        seed = _hash(f"org:{name}")
        while True:
            prefix = ("55" if self.country == "SE" else "9") + str(seed)[:7]
            for digit in "0123456789":
                candidate = prefix + digit
                if valid(candidate) and candidate not in self.orgs:
                    self.orgs.add(candidate)
                    return candidate
            seed = _hash(f"org:{seed}")

    def _bank_account(self, name: str) -> str:
        seed = _hash(f"bank:{name}")
        if self.country == "SE":  # a bankgiro number: 7-8 digits, Luhn
            body = str(5000000 + seed % 4_000_000)[:7]
            return f"{body[:3]}-{body[3:]}{luhn.calc_check_digit(body)}"
        while True:
            base = str(1200_00_00000 + seed % 8_799_99_99999)[:10]
            for digit in "0123456789":
                if kontonr.is_valid(base + digit):
                    return base + digit
            seed = _hash(f"bank:{seed}")

    def supplier_register(self, vouchers: list[BookVoucher]) -> dict[int, BookSupplier]:
        """Suppliers with the account the ledger proposes for them: their most used one."""
        usage: dict[int, Counter[str]] = defaultdict(Counter)
        for voucher in vouchers:
            usage[voucher.supplier].update(line.account for line in voucher.lines)
        register = {}
        for supplier in self.suppliers.values():
            common = usage[supplier.number].most_common(1)
            supplier.default_account = common[0][0] if common else None
            register[supplier.number] = supplier
        return register

    def chart(self, vouchers: list[BookVoucher], end: date) -> dict[str, BookAccount]:
        last_used: dict[str, date] = {}
        for voucher in vouchers:
            for line in voucher.lines:
                last_used[line.account] = max(last_used.get(line.account, voucher.day), voucher.day)
        chart = {a.number: a for a in self.account_of.values()}
        for number, account in chart.items():
            account.active = end - last_used.get(number, end) <= CLOSED_AFTER_UNUSED
        for number, name in BALANCE_ACCOUNTS[self.country].items():
            chart[number] = BookAccount(
                number,
                name,
                "0",
                ("0",) if self.country == "NO" else ("SE0",),
                supplier_invoices=number != PAYABLE[self.country],
                saft_code=number[:2] if self.country == "NO" else None,
            )
        return dict(sorted(chart.items()))

    def dimension(self, kind: str, names: Iterable[str | None]) -> dict[str, BookDimension]:
        """Departments / projects numbered from 100, in name order; lines refer to the code."""
        found = sorted({name for name in names if name})
        register = {}
        for i, name in enumerate(found, start=100):
            self.codes[(kind, name)] = str(i)
            register[str(i)] = BookDimension(str(i), name[:60])
        return register


def _legal_codes(country: str, usual: str) -> tuple[str, ...]:
    """VAT-free purchases (insurance, grants, bank) only take the no-VAT code; the rest any."""
    if country == "SE":
        return (usual,) if usual == "SE0" else tuple(VAT_RATES["SE"])
    return ("0",) if usual == "0" else tuple(VAT_RATES["NO"])


def _sru(number: str) -> str:
    return {"1": "7214", "4": "7513", "5": "7515", "6": "7515", "7": "7516"}.get(number[0], "7515")


def _vat_id(country: str, org_number: str) -> str:
    return f"SE{org_number}01" if country == "SE" else f"NO{org_number}MVA"


def _kid(rng: random.Random) -> str:
    body = str(rng.randrange(10**9, 10**10))
    return body + luhn.calc_check_digit(body)

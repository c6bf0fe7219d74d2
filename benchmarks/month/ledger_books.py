"""The company's books as its ledger holds them (`tests.fakes.books.Books`), so that the
ledger fakes serve them to Kontera's ledger sync: chart with each account's VAT codes, the
VAT codes, the supplier register (org.nr, bank account, KID habit, default account) and the
past's supplier-invoice vouchers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from decimal import ROUND_HALF_UP
from decimal import Decimal

from tests.fakes.books import BookAccount
from tests.fakes.books import BookLine
from tests.fakes.books import Books as LedgerBooks
from tests.fakes.books import BookSupplier
from tests.fakes.books import BookVatCode
from tests.fakes.books import BookVoucher

from benchmarks.month.books import BALANCE
from benchmarks.month.books import Books
from benchmarks.month.books import Supplier
from benchmarks.month.books import seeded
from benchmarks.month.history import CENT
from benchmarks.month.truth import RATES
from kontera.domain import identifiers as ids
from kontera.suggest.history import HistoryLine

VAT_NAMES = {
    "0": "Ingen mva-behandling", "1": "Fradrag inngående mva, alminnelig sats",
    "11": "Fradrag inngående mva, middels sats", "13": "Fradrag inngående mva, lav sats",
    "86": "Tjenester kjøpt fra utlandet, fradrag",
    "SE0": "Momsfritt", "SE25": "Ingående moms 25 %", "SE12": "Ingående moms 12 %",
    "SE6": "Ingående moms 6 %", "SERC25": "Omvänd skattskyldighet 25 %",
}  # fmt: skip
CODES = {"NO": ("0", "1", "11", "13", "86"), "SE": ("SE0", "SE25", "SE12", "SE6", "SERC25")}
NO_VAT = {"NO": "0", "SE": "SE0"}
REVERSE_CHARGE = {"NO": "86", "SE": "SERC25"}
VOUCHER_LINES = 300


def ledger_books(
    books: Books, past: Sequence[HistoryLine], start: date, end: date, seed: int
) -> LedgerBooks:
    country = books.country
    # The ledger knows the suppliers it has vouchers from; the month's new ones it does not.
    known = sorted({line.supplier_key for line in past})
    numbers = {key: n for n, key in enumerate(known, start=_first(country))}
    vouchers = _vouchers(books, past, numbers, seed)
    return LedgerBooks(
        country=country,
        currency="SEK" if country == "SE" else "NOK",
        start=start,
        end=end,
        accounts=_accounts(books),
        vat_codes={c: BookVatCode(c, VAT_NAMES[c], Decimal(RATES[c])) for c in CODES[country]},
        suppliers=_suppliers(books, numbers, vouchers),
        departments={},
        projects={},
        vouchers=vouchers,
        seed=seed,
    )


def _first(country: str) -> int:
    return 20001 if country == "NO" else 1


def _accounts(books: Books) -> dict[str, BookAccount]:
    country = books.country
    chart = {}
    for number, name in sorted(books.chart.items()):
        if number in BALANCE[country]:
            chart[number] = BookAccount(
                number,
                name,
                NO_VAT[country],
                (NO_VAT[country],),
                supplier_invoices=number not in ("2400", "2440"),
            )
            continue
        usual = books.vat.get(number, NO_VAT[country])
        # Purchases free of VAT (rent, insurance, grants) take only the no-VAT code, and a
        # service bought abroad its reverse-charge code; everything else any code.
        legal = (
            (NO_VAT[country], REVERSE_CHARGE[country])
            if usual == NO_VAT[country]
            else CODES[country]
        )
        chart[number] = BookAccount(number, name[:100], usual, legal)
    return chart


def _vouchers(
    books: Books, past: Sequence[HistoryLine], numbers: dict[str, int], seed: int
) -> list[BookVoucher]:
    groups: dict[tuple[str, str], list[HistoryLine]] = {}
    for line in past:
        if line.date is None or not books.is_cost(books.account(line)):
            continue
        key = (line.supplier_key, (line.invoice_number or "").strip() or line.date.isoformat())
        groups.setdefault(key, []).append(line)
    ordered = sorted(groups.items(), key=lambda item: (item[1][0].date, item[0]))
    # Kontera's Tripletex sync cannot read a voucher larger than a page of postings (1 000);
    # Harrogate's consolidated maintenance invoices have up to 828 lines (~1 700 postings).
    # Such invoices are booked here as several vouchers of at most VOUCHER_LINES lines.
    chunks = [
        (key, lines[i : i + VOUCHER_LINES])
        for key, lines in ordered
        for i in range(0, len(lines), VOUCHER_LINES)
    ]
    vouchers = []
    for number, ((key, invoice), lines) in enumerate(chunks, start=1):
        day = lines[0].date
        assert day is not None
        supplier = books.suppliers[key]
        rng = seeded(seed, "kid", key, invoice)
        kid = _kid(rng.randrange(10**8, 10**9)) if supplier.uses_kid else None
        vouchers.append(
            BookVoucher(
                number=number,
                day=day,
                supplier=numbers[key],
                invoice_number=invoice,
                kid=kid,
                lines=tuple(_line(books, line) for line in lines),
                created=datetime.combine(day, time(12), tzinfo=UTC),
            )
        )
    return vouchers


def _line(books: Books, line: HistoryLine) -> BookLine:
    account, code = books.account(line), books.vat_code(line)
    net = (line.amount or Decimal(0)).quantize(CENT)
    vat = (net * Decimal(RATES[code]) / 100).quantize(CENT, ROUND_HALF_UP)
    return BookLine(account, code, net, vat, (line.description or "")[:200])


def _kid(body: int) -> str:
    from stdnum import luhn

    text = str(body)
    return text + luhn.calc_check_digit(text)


def _suppliers(
    books: Books, numbers: dict[str, int], vouchers: list[BookVoucher]
) -> dict[int, BookSupplier]:
    usage: dict[int, Counter[str]] = {}
    for voucher in vouchers:
        usage.setdefault(voucher.supplier, Counter()).update(x.account for x in voucher.lines)
    register = {}
    for key, number in numbers.items():
        s = books.suppliers[key]
        common = usage.get(number, Counter()).most_common(1)
        register[number] = BookSupplier(
            number=number,
            name=s.name,
            org_number=_org(s),
            vat_id=s.vat_id or "",
            bank_accounts=(s.pay_to,) if s.pay_to else (),
            kid_required=s.uses_kid,
            default_account=common[0][0] if common else None,
        )
    return register


def _org(supplier: Supplier) -> str:
    return ids.digits(supplier.org_number or supplier.vat_id or "")

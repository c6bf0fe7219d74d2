"""The month's invoices as they really are, and how each one reaches the bureau.

Every history line group of the month becomes one invoice whose lines are the truth: account
and VAT code from the company's books, amounts from the history. Each supplier sends the
way it always does (about half by EHF, the rest as PDFs in its own layout, or as scans,
some of them by e-mail). On top comes the noise a bureau lives with: the same invoice sent
twice by two channels, credit notes, a supplier whose bank account changes (the fraud the
bookkeeper must refuse), invoices in a foreign currency, new suppliers, many-line invoices.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from datetime import timedelta
from decimal import Decimal

from stdnum import luhn

from benchmarks.month.books import Books
from benchmarks.month.books import Supplier
from benchmarks.month.books import seeded
from benchmarks.month.fixtures import no_account
from benchmarks.month.history import CENT
from benchmarks.month.history import MonthGroup
from kontera.domain.money import round_cents
from kontera.suggest.history import HistoryLine

RATES = {
    "0": 0,
    "1": 25,
    "11": 15,
    "13": 12,
    "86": 0,
    "SE0": 0,
    "SE25": 25,
    "SE12": 12,
    "SE6": 6,
    "SERC25": 0,
}
PDF_LINES_MAX = 14  # more lines than fit a one-page layout: such suppliers send EHF
NO_LAYOUTS = ("left_labels", "labels_above", "english", "compact")
SE_LAYOUTS = ("swedish", "english", "compact")
NEUTRAL_ITEMS = {
    "NO": ("Varer og tjenester", "Levering iht. avtale", "Tjenester", "Leveranse", "Ordre"),
    "SE": ("Varor och tjänster", "Leverans enligt avtal", "Tjänster", "Leverans", "Order"),
}


@dataclass(frozen=True, slots=True)
class TruthLine:
    account: str
    vat_code: str
    net: Decimal  # signed as in the buyer's books (negative on a credit note)
    description: str

    @property
    def rate(self) -> Decimal:
        return Decimal(RATES.get(self.vat_code, 25))

    @property
    def category(self) -> str:
        if self.vat_code in ("86", "SERC25"):
            return "AE"
        return "S" if self.rate else "E"


@dataclass(frozen=True, slots=True)
class TruthInvoice:
    uid: str
    company: str
    supplier: Supplier
    number: str
    issue: date
    due: date
    arrives: date
    currency: str
    lines: tuple[TruthLine, ...]
    kid: str | None
    pay_to: str  # the bank account / bankgiro / IBAN printed on the invoice
    channel: str  # ehf | pdf | scan
    by_mail: bool
    layout: str | None
    due_shown: bool = True  # the terse layout leaves the due date out on some invoices
    warmup: bool = False  # a month before the measured one: it builds the track record
    new_supplier: bool = False
    fraud: bool = False  # the bank account is not the supplier's: must be refused
    copy_of: str | None = None  # a second copy of that invoice (another channel)

    @property
    def credit_note(self) -> bool:
        return self.net < 0

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal(0))

    def vat_rows(self) -> list[tuple[str, Decimal, Decimal, Decimal]]:
        """(category, rate, taxable, tax) per rate, as the supplier computes them."""
        rows = []
        for category, rate in sorted({(x.category, x.rate) for x in self.lines}, key=str):
            base = sum(
                (x.net for x in self.lines if (x.category, x.rate) == (category, rate)), Decimal(0)
            )
            rows.append((category, rate, base, round_cents(base * rate / 100)))
        return rows

    @property
    def vat(self) -> Decimal:
        return sum((row[3] for row in self.vat_rows()), Decimal(0))

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def filename(self) -> str:
        suffix = {"ehf": "xml", "pdf": "pdf", "scan": "jpg"}[self.channel]
        return f"{self.uid}.{suffix}"

    @property
    def expected(self) -> str:
        """What a right outcome is: posted, or refused (fraud), or caught as a duplicate."""
        if self.fraud:
            return "refused"
        if self.copy_of:
            return "duplicate"
        return "posted"


@dataclass(frozen=True, slots=True)
class Noise:
    duplicates: float = 0.03
    fraud_per_company: int = 1
    mail_share: float = 0.25  # of PDF and scan suppliers


def plan_company(
    books: Books,
    groups: list[MonthGroup],
    known_suppliers: set[str],
    seed: int,
    noise: Noise,
    warmup: bool = False,
) -> list[TruthInvoice]:
    """The invoices of a month; a warm-up month's are marked and counted in no figure."""
    rng = random.Random(f"{seed}|{books.company}|plan|{warmup}")
    invoices = [
        replace(_invoice(books, group, index, known_suppliers, seed, noise), warmup=warmup)
        for index, group in enumerate(groups)
    ]
    if warmup:
        invoices = [replace(i, uid="w-" + i.uid) for i in invoices]
    invoices = [i for i in invoices if i.lines and i.net != 0]
    invoices = _with_fraud(invoices, noise, rng, known_suppliers)
    return sorted(_with_copies(invoices, noise, rng), key=lambda i: (i.arrives, i.uid))


def _invoice(
    books: Books, group: MonthGroup, index: int, known: set[str], seed: int, noise: Noise
) -> TruthInvoice:
    supplier = books.suppliers[group.supplier_key]
    habits = seeded(seed, "habits", books.company, supplier.key)
    rng = seeded(
        seed, "invoice", books.company, group.supplier_key, group.number or "", str(group.issue)
    )
    lines = tuple(
        _line(books, line, rng) for line in group.lines if books.is_cost(books.account(line))
    )
    channel, layout, by_mail = _channel(habits, books.country, len(lines), supplier, noise)
    number = group.number or f"{group.issue:%y%m}{rng.randint(100, 9999)}"
    kid_base = f"{rng.randint(10**8, 10**9 - 1)}"
    return TruthInvoice(
        uid=f"{_slug(books.company)}-{index:04d}",
        company=books.company,
        supplier=supplier,
        number=number,
        issue=group.issue,
        due=group.issue + timedelta(days=habits.choice((10, 14, 20, 30))),
        arrives=group.issue + timedelta(days=rng.choice((0, 0, 1, 1, 2, 3))),
        currency="EUR" if supplier.foreign else ("NOK" if books.country == "NO" else "SEK"),
        lines=lines,
        kid=kid_base + luhn.calc_check_digit(kid_base) if supplier.uses_kid else None,
        pay_to=supplier.pay_to,
        channel=channel,
        by_mail=by_mail,
        layout=layout,
        due_shown=layout != "compact" or channel == "ehf" or rng.random() < 0.5,
        new_supplier=supplier.key not in known,
    )


def _line(books: Books, line: HistoryLine, rng: random.Random) -> TruthLine:
    text = (line.description or "").strip() or rng.choice(NEUTRAL_ITEMS[books.country])
    return TruthLine(
        account=books.account(line),
        vat_code=books.vat_code(line),
        net=(line.amount or Decimal(0)).quantize(CENT),
        description=text[:60],
    )


def _channel(
    habits: random.Random, country: str, lines: int, supplier: Supplier, noise: Noise
) -> tuple[str, str | None, bool]:
    """How this supplier sends: its habit, drawn once per supplier."""
    draw = habits.random()
    by_mail = habits.random() < noise.mail_share
    layout = habits.choice(NO_LAYOUTS if country == "NO" else SE_LAYOUTS)
    if supplier.foreign or lines > PDF_LINES_MAX or draw < 0.5:
        return "ehf", None, False
    if draw < 0.82:
        return "pdf", layout, by_mail
    return "scan", layout, by_mail


def _with_fraud(
    invoices: list[TruthInvoice], noise: Noise, rng: random.Random, known: set[str]
) -> list[TruthInvoice]:
    """An invoice in a known supplier's name asks to be paid into another bank account: a
    supplier the ledger knows (its bank account is on file), or else one seen earlier in
    the month."""
    counts = Counter(i.supplier.key for i in invoices if not i.credit_note)
    plain = {k for k in counts if not _foreign(invoices, k)}
    candidates = sorted(k for k in plain if k in known) or sorted(
        k for k in plain if counts[k] >= 2
    )
    out = list(invoices)
    for key in rng.sample(candidates, min(noise.fraud_per_company, len(candidates))):
        last = max(
            (i for i in out if i.supplier.key == key and not i.credit_note),
            key=lambda i: (i.issue, i.uid),
        )
        other = _other_account(last, rng)
        out[out.index(last)] = replace(last, pay_to=other, fraud=True, kid=None)
    return out


def _foreign(invoices: list[TruthInvoice], key: str) -> bool:
    return any(i.supplier.foreign for i in invoices if i.supplier.key == key)


def _other_account(invoice: TruthInvoice, rng: random.Random) -> str:
    if invoice.supplier.bankgiro:
        giro = f"{rng.randint(10**6, 10**7 - 1)}"
        giro += luhn.calc_check_digit(giro)
        return f"{giro[:4]}-{giro[4:]}"
    return no_account(rng)


def _with_copies(
    invoices: list[TruthInvoice], noise: Noise, rng: random.Random
) -> list[TruthInvoice]:
    """The same invoice again by another channel a day or two later (EHF and a mailed PDF)."""
    candidates = [
        i
        for i in invoices
        if not i.fraud and len(i.lines) <= PDF_LINES_MAX and not i.supplier.foreign
    ]
    count = max(1, round(len(invoices) * noise.duplicates)) if candidates else 0
    copies = []
    for original in rng.sample(candidates, min(count, len(candidates))):
        channel = "pdf" if original.channel == "ehf" else "ehf"
        layout = original.layout or rng.choice(
            NO_LAYOUTS if original.currency == "NOK" else SE_LAYOUTS
        )
        copies.append(
            replace(
                original,
                uid=original.uid + "-copy",
                channel=channel,
                layout=layout if channel == "pdf" else None,
                by_mail=channel == "pdf",
                arrives=original.arrives + timedelta(days=rng.choice((1, 2))),
                copy_of=original.uid,
            )
        )
    return invoices + copies


def _slug(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())[:12] or "company"

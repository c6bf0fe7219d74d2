"""A company's books in its ledger, made from its posting history.

Public histories name accounts in their own way ("Electrical Repairs & Maint", Kommun-Bas
"64400", GLA's "544075"); a Norwegian ledger has NS 4102 numbers, a Swedish one BAS. Each
history account gets one ledger account (its number kept where it already is a cost account
of that chart, otherwise the next free number in a range chosen from its name), so the truth
keeps every distinction the history makes. Each account has the VAT code the company uses on
it (from the history where it has one, from the account's name otherwise). Suppliers without
an organisation number get a valid one, and every supplier a bank account, from a generator
seeded by its name, so a run is reproducible.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path

from schwifty import IBAN
from stdnum.iso7064 import mod_11_10

from benchmarks.month.fixtures import luhn_number
from benchmarks.month.fixtures import no_account
from benchmarks.month.fixtures import no_org_number
from benchmarks.month.fixtures import se_org_number
from kontera.domain import identifiers as ids
from kontera.suggest.history import HistoryLine

# Balance and system accounts every chart of the country has (payable, VAT, bank, rounding).
BALANCE = {
    "NO": {
        "1920": "Bankinnskudd",
        "2400": "Leverandørgjeld",
        "2700": "Utgående mva",
        "2710": "Inngående mva",
        "7790": "Annen kostnad (øreavrunding)",
    },
    "SE": {
        "1930": "Företagskonto",
        "2440": "Leverantörsskulder",
        "2614": "Utgående moms omvänd",
        "2641": "Debiterad ingående moms",
        "2645": "Beräknad ingående moms",
        "3740": "Öres- och kronutjämning",
    },
}
RESERVED = {"7790", "3740", "2400", "2440"}
# (words in the account's name, first number of the range it is given) — NS 4102 and BAS
# put goods in 4xxx, premises in 63xx/50xx, vehicles and travel in 7xxx.
RANGES = {
    "NO": (
        (("material", "goods", "stock", "vare", "spares", "consumable", "chemical"), 4000),
        (("staff", "employee", "salary", "training", "personal", "lønn", "pension"), 5900),
        (("rent", "lease", "leie", "premises", "rates"), 6300),
        (("electric", "gas", "water", "energy", "heating", "strøm", "fuel", "el "), 6340),
        (("repair", "maint", "vedlikehold", "clean", "renhold", "works", "compliance"), 6600),
        (("equipment", "furniture", "computer", "software", "ict", "inventar", "hardware"), 6540),
        (("consult", "fees", "legal", "audit", "contractor", "professional", "honorar"), 6700),
        (("stationery", "print", "postage", "office", "kontor"), 6800),
        (("telephone", "phone", "mobile", "internet", "telefon"), 6900),
        (("vehicle", "transport", "car", "hire of", "travel", "reise", "plant"), 7000),
        (("advert", "marketing", "promotion", "reklame"), 7300),
        (("insurance", "forsikring", "subscription", "membership", "kontingent"), 7400),
        (("grant", "contribution", "payment to", "payments to", "bidrag", "third party"), 7500),
    ),
    "SE": (
        (("material", "goods", "vara", "varor", "förbruknings", "livsmedel", "inköp"), 4000),
        (("lokal", "hyra", "rent", "lease", "premises"), 5000),
        (("el ", "värme", "vatten", "energi", "electric", "gas", "water", "bränsle"), 5300),
        (("reparation", "underhåll", "repair", "maint", "städ", "clean"), 5500),
        (("inventarie", "dator", "programvara", "equipment", "möbler"), 5400),
        (("resa", "resor", "transport", "fordon", "bil", "travel", "logi", "vehicle"), 5800),
        (("reklam", "annons", "marketing", "advert"), 5900),
        (("kontor", "trycksak", "porto", "office", "stationery"), 6100),
        (("tele", "mobil", "internet", "telephone"), 6200),
        (("försäkring", "insurance", "avgift", "medlem", "subscription"), 6300),
        (("konsult", "arvode", "tjänst", "consult", "fees", "contractor", "bemanning"), 6500),
        (("personal", "utbildning", "staff", "training", "lön"), 7600),
        (("bidrag", "grant", "contribution", "ersättning"), 6900),
    ),
}
DEFAULT_RANGE = {"NO": 7700, "SE": 6900}
COST_RANGE = {"NO": ((4000, 8999), (1000, 1299)), "SE": ((4000, 7999), (1000, 1299))}

# VAT from the account's name where the history has no code: rent, insurance, grants, fees
# to public bodies and staff costs carry no VAT; food 15 % (NO) / 12 % (SE); passenger
# transport, hotels and culture 12 % (NO) / 6 % or 12 % (SE); everything else 25 %.
NO_VAT = (
    "rent",
    "lease of",
    "leie lokal",
    "hyra",
    "insurance",
    "forsikring",
    "försäkring",
    "grant",
    "contribution",
    "bidrag",
    "rates",
    "tax",
    "skatt",
    "staff",
    "salary",
    "pension",
    "bank charge",
    "payment to",
    "payments to",
    "third party",
    "fees to",
    "members allow",
    "lön",
    "ersättning",
    "medlemsavgift",
    "licence fee",
)
FOOD = ("food", "catering", "provisions", "refreshment", "mat ", "livsmedel", "kost", "meals")
LOW = (
    "hotel",
    "hotell",
    "logi",
    "passenger",
    "taxi",
    "bus fare",
    "rail",
    "travel",
    "reise",
    "resor",
    "museum",
    "cinema",
    "kino",
)
BOOKS = ("book", "newspaper", "tidning", "böcker", "journal", "publication")


@dataclass(frozen=True, slots=True)
class Supplier:
    key: str
    name: str
    org_number: str | None  # digits (NO) or NNNNNN-NNNN (SE); None for a foreign supplier
    vat_id: str | None
    country: str
    bank_account: str | None  # NO 11 digits
    iban: str | None
    bankgiro: str | None  # SE NNNN-NNNN
    uses_kid: bool
    email_domain: str

    @property
    def foreign(self) -> bool:
        return self.vat_id is not None and not self.vat_id.startswith(("NO", "SE"))

    @property
    def pay_to(self) -> str:
        return self.bank_account or self.bankgiro or self.iban or ""


@dataclass(slots=True)
class Books:
    company: str
    country: str
    accounts: dict[str, str] = field(default_factory=dict)  # history account → ledger number
    chart: dict[str, str] = field(default_factory=dict)  # ledger number → name
    vat: dict[str, str] = field(default_factory=dict)  # ledger number → VAT code
    suppliers: dict[str, Supplier] = field(default_factory=dict)  # history supplier key →

    def account(self, line: HistoryLine) -> str:
        return self.accounts[line.account]

    def is_cost(self, number: str) -> bool:
        return is_cost_account(number, self.country)

    def vat_code(self, line: HistoryLine) -> str:
        supplier = self.suppliers.get(line.supplier_key)
        if supplier is not None and supplier.foreign:
            return "86" if self.country == "NO" else "SERC25"
        return self.vat[self.account(line)]


def is_cost_account(number: str, country: str) -> bool:
    if not number.isdigit() or len(number) != 4:
        return False
    return any(low <= int(number) <= high for low, high in COST_RANGE[country])


def build_books(
    company: str, country: str, lines: Iterable[HistoryLine], foreign_keys: set[str], seed: int
) -> Books:
    lines = list(lines)
    books = Books(company, country, chart=dict(BALANCE[country]))
    names = _account_names(lines)
    by_use = Counter(line.account for line in lines)
    for account, _ in sorted(by_use.items(), key=lambda item: (-item[1], item[0])):
        number = _place(account, names.get(account, ""), country, books.chart)
        books.accounts[account] = number
        books.chart[number] = names.get(account) or account
    codes = _history_codes(lines, books)
    for account, number in books.accounts.items():
        books.vat[number] = codes.get(number) or vat_from_name(
            names.get(account) or account, country
        )
    for line in lines:
        if line.supplier_key not in books.suppliers:
            foreign = line.supplier_key in foreign_keys
            books.suppliers[line.supplier_key] = make_supplier(line, country, foreign, seed)
    return books


def add_accounts(books: Books, lines: Iterable[HistoryLine]) -> None:
    """Accounts first used in the month (the chart has them; the history did not yet)."""
    lines = list(lines)
    names = _account_names(lines)
    for line in lines:
        if line.account not in books.accounts:
            name = names.get(line.account, "")
            number = _place(line.account, name, books.country, books.chart)
            books.accounts[line.account] = number
            books.chart[number] = name or line.account
            books.vat[number] = vat_from_name(name or line.account, books.country)


def _account_names(lines: list[HistoryLine]) -> dict[str, str]:
    names: dict[str, str] = {}
    for line in lines:
        if line.account_name and line.account not in names:
            names[line.account] = line.account_name
    return names


def _history_codes(lines: list[HistoryLine], books: Books) -> dict[str, str]:
    """The VAT code the history itself uses most on each account (SAF-T, SIE with codes)."""
    counts: dict[str, Counter[str]] = {}
    for line in lines:
        number = books.accounts[line.account]
        counts.setdefault(number, Counter())[line.vat_code or "0"] += 1
    with_codes = {line.account for line in lines if line.vat_code}
    return {books.accounts[a]: counts[books.accounts[a]].most_common(1)[0][0] for a in with_codes}


def _place(account: str, name: str, country: str, chart: dict[str, str]) -> str:
    if account in BALANCE[country] or (is_cost_account(account, country) and account not in chart):
        return account  # already a number of this chart (SAF-T, SIE, a Nordic export)
    start = _range_start(account, name, country)
    number = start
    while (
        str(number) in chart or str(number) in RESERVED or not is_cost_account(str(number), country)
    ):
        number += 1
        if number > COST_RANGE[country][0][1]:
            number = COST_RANGE[country][0][0]
    return str(number)


def _range_start(account: str, name: str, country: str) -> int:
    if account.isdigit() and len(account) > 4 and 40 <= int(account[:2]) <= 79:
        return int(account[:2]) * 100  # Kommun-Bas 64400 → 64xx
    text = f" {name or account} ".lower()
    for words, start in RANGES[country]:
        if any(word in text for word in words):
            return start
    return DEFAULT_RANGE[country]


def vat_from_name(name: str, country: str) -> str:
    text = f" {name.lower()} "
    if any(word in text for word in NO_VAT):
        return "0" if country == "NO" else "SE0"
    if any(word in text for word in FOOD):
        return "11" if country == "NO" else "SE12"
    if country == "SE" and any(word in text for word in BOOKS):
        return "SE6"
    if any(word in text for word in LOW):
        return "13" if country == "NO" else "SE6"
    return "1" if country == "NO" else "SE25"


def seeded(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha256("|".join((str(seed), *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def make_supplier(line: HistoryLine, country: str, foreign: bool, seed: int) -> Supplier:
    rng = seeded(seed, "supplier", line.supplier_key)
    name = (line.supplier_name or line.supplier_id or "Leverandør").strip()
    domain = (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "supplier")[:40] + ".example"
    if foreign:
        body = "".join(str(rng.randint(0, 9)) for _ in range(8))
        body = str(rng.randint(1, 9)) + body[1:]
        vat_id = "DE" + body + mod_11_10.calc_check_digit(body)
        account = "".join(str(rng.randint(0, 9)) for _ in range(10))
        iban = str(IBAN.generate("DE", bank_code="37040044", account_code=account).compact)
        return Supplier(
            line.supplier_key, name, None, vat_id, "DE", None, iban, None, False, domain
        )
    uses_kid = rng.random() < 0.6
    if country == "NO":
        org = _given_org(line, "NO") or no_org_number(rng)
        account = no_account(rng)
        return Supplier(
            line.supplier_key, name, org, f"NO{org}MVA", "NO", account, None, None, uses_kid, domain
        )
    org = _given_org(line, "SE") or se_org_number(rng)
    giro = luhn_number(rng, 8)
    vat_id = f"SE{ids.digits(org)}01"
    return Supplier(
        line.supplier_key,
        name,
        org,
        vat_id,
        "SE",
        None,
        None,
        f"{giro[:4]}-{giro[4:]}",
        uses_kid,
        domain,
    )


def _given_org(line: HistoryLine, country: str) -> str | None:
    text = (line.supplier_org_number or "").strip()
    if not text or not ids.valid_org_number(text, country):
        return None
    value = ids.digits(text)
    return value if country == "NO" else f"{value[:6]}-{value[6:]}"


CSV_COLUMNS = (
    "date",
    "supplier_id",
    "supplier_name",
    "supplier_org_number",
    "description",
    "amount",
    "currency",
    "account",
    "vat_code",
    "invoice_number",
)


def write_import_file(books: Books, lines: Iterable[HistoryLine], path: Path) -> int:
    """The books as the canonical CSV `kontera import-history` reads without a mapping."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for line in lines:
            supplier = books.suppliers[line.supplier_key]
            number = books.account(line)
            writer.writerow(
                [
                    line.date.isoformat() if line.date else "",
                    line.supplier_id or "",
                    supplier.name,
                    supplier.org_number or supplier.vat_id or "",
                    line.description,
                    str(line.amount if line.amount is not None else Decimal(0)),
                    "EUR" if supplier.foreign else "",
                    number,
                    books.vat_code(line),
                    line.invoice_number or "",
                ]
            )
            count += 1
    return count

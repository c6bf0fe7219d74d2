"""The real public posting histories the generated books are made from, read as one shape.

Each reader streams `SourceLine`s from one folder of `../shared/corpus/posting-history`
(see its README): a UK council's spend file or Örebro kommun's supplier-invoice month. What a
column means differs per body; here every row becomes the same record: which invoice it
belongs to, the supplier, the body's own expense account (code, name, category), the amount,
the text and the dimensions the body posted it with (service area, cost centre, directorate).

The chart mapping (`place_account`) puts each body's expense account into the cost range of
NS 4102 (Norway) or BAS (Sweden) where an account of that kind lives, by keywords in its name
and category, and gives it the VAT code such purchases carry. The numbers are the standard
ranges; the names stay the body's own, as a real company's sub-accounts would.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation
from functools import cache
from pathlib import Path

from kontera.suggest.tables import read_rows

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "posting-history"


@dataclass(frozen=True, slots=True)
class SourceLine:
    day: date | None  # None: the source has no dates (Örebro), spread by invoice order
    invoice: str
    supplier: str
    supplier_org: str | None
    account_code: str
    account_name: str
    group: str
    amount: Decimal
    text: str
    department: str | None
    project: str | None


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    country: str  # the chart the books are mapped onto: NO (NS 4102) or SE (BAS)
    path: str
    scale: Decimal  # source currency to the books' currency (GBP → NOK ≈ 10)


SOURCES = {
    "harrogate": Source(
        "harrogate", "NO", "harrogate-council/harrogate_spend_2015_2022.csv.gz", Decimal(10)
    ),
    "calderdale": Source(
        "calderdale", "NO", "calderdale-council/calderdale_ap_2010_2022.csv.gz", Decimal(10)
    ),
    "gla": Source("gla", "NO", "greater-london-authority/gla_spend_2013_2023.csv.gz", Decimal(10)),
    "orebro": Source("orebro", "SE", "orebro-kommun-sambruk/Orebro.2016-03.xlsx", Decimal(1)),
}


def available(source: str) -> bool:
    return (CORPUS / SOURCES[source].path).exists()


@cache
def source_lines(source: str, years: int | None = None) -> tuple[SourceLine, ...]:
    """The source's usable rows; with `years`, only its last `years` years (cached: the books
    of one process share them). Reading only what the window needs keeps small books fast."""
    spec = SOURCES[source]
    path = CORPUS / spec.path
    since = _since(path, years) if years is not None and path.suffix == ".gz" else ""
    reader = _READERS[source]
    return tuple(line for line in reader(path, spec.scale, since) if line.amount != 0)


def _since(path: Path, years: int) -> str:
    """The first date (ISO text) of the file's last `years` years, from a pass over its dates."""
    last = max(row[0] for row in _rows(path) if row and row[0][:1].isdigit())
    return f"{int(last[:4]) - years}{last[4:]}"


def _rows(path: Path) -> Iterator[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows, None)
        yield from rows


def _csv(path: Path, since: str) -> Iterator[dict[str, str]]:
    """Rows as dicts, skipping (cheaply, before building the dict) those dated before `since`."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        for row in rows:
            if row and row[0] >= since:
                yield dict(zip(header, row, strict=False))


def _amount(text: str, scale: Decimal) -> Decimal:
    try:
        return (Decimal(text.replace(",", "").strip() or "0") * scale).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal(0)


def _harrogate(path: Path, scale: Decimal, since: str) -> Iterator[SourceLine]:
    for row in _csv(path, since):
        service = row["service_code"].strip() or None
        yield SourceLine(
            day=date.fromisoformat(row["date"]),
            invoice=f"{row['transaction_no']}",
            supplier=row["supplier_name"].strip(),
            supplier_org=None,
            account_code=row["expenditure_code"].strip(),
            account_name=row["expenditure_code"].strip(),
            group=row["expenditure_category"].strip(),
            amount=_amount(row["amount"], scale),
            text=row["narrative"].strip(),
            department=service,
            # Capital spending is booked against a programme: the body's projects.
            project=service if row["capital_revenue"] == "C" else None,
        )


def _calderdale(path: Path, scale: Decimal, since: str) -> Iterator[SourceLine]:
    for row in _csv(path, since):
        yield SourceLine(
            day=date.fromisoformat(row["date"]),
            invoice=row["transaction_number"],
            supplier=row["supplier_name"].strip(),
            supplier_org=None,
            account_code=row["account"].strip() or row["expense_code"].strip(),
            account_name=row["expense_type"].strip(),
            group=row["expense_type"].strip(),
            amount=_amount(row["amount"], scale),
            text=row["extended_description"].strip(),
            department=row["expense_area"].strip() or None,
            project=None,
        )


def _gla(path: Path, scale: Decimal, since: str) -> Iterator[SourceLine]:
    for row in _csv(path, since):
        yield SourceLine(
            day=date.fromisoformat(row["date"]),
            invoice=row["document_no"],
            supplier=row["vendor_name"].strip(),
            supplier_org=None,
            account_code=row["cost_element"].strip(),
            account_name=row["expenditure_account_code_description"].strip(),
            group=row["expenditure_account_code_description"].strip(),
            amount=_amount(row["amount"], scale),
            text="",
            department=row["directorate"].strip() or None,
            project=None,
        )


def _orebro(path: Path, scale: Decimal, since: str) -> Iterator[SourceLine]:
    for row in read_rows(path):
        code, _, name = row["KONTO"].strip().partition(" ")
        org = "".join(ch for ch in row["ORGANISATIO"] if ch.isdigit()) or None
        yield SourceLine(
            day=None,
            invoice=row["FAKT NR"].strip(),
            supplier=row["LEVERANTÖR"].strip(),
            supplier_org=org,
            account_code=code,
            account_name=name.strip() or code,
            group=code[:1],
            amount=_amount(row["UTFALL"], scale),
            text="",
            department=row["RN1/FÖRVALTNING"].strip() or None,
            project=None,
        )


_READERS = {"harrogate": _harrogate, "calderdale": _calderdale, "gla": _gla, "orebro": _orebro}


# -- the chart --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of purchase: where it sits in NS 4102 and BAS, and its VAT in each country."""

    words: tuple[str, ...]
    no_base: int
    se_base: int
    no_vat: str
    se_vat: str


# First match wins. A keyword of four letters or more matches the start of a word of the
# account's category or name ("repair" in "Repairs"), a shorter one only the whole word.
KINDS = (
    Kind(("insurance", "försäkr"), 7500, 6310, "0", "SE0"),
    Kind(
        ("grant", "bidrag", "benefit", "transfer payment", "contribution"), 7700, 6980, "0", "SE0"
    ),
    Kind(("bank", "interest", "ränt"), 7770, 6570, "0", "SE0"),
    Kind(("rent", "lease", "hyr", "leasing", "rates"), 6300, 5010, "0", "SE25"),
    Kind(
        ("gas", "electric", "energy", "heating", "water", "värme", "energi", "el"),
        6340,
        5020,
        "1",
        "SE25",
    ),
    Kind(("clean", "städ", "refuse", "waste", "avfall"), 6360, 5060, "1", "SE25"),
    Kind(("repair", "maint", "underhåll", "reparation"), 6600, 5170, "1", "SE25"),
    Kind(
        ("food", "catering", "provision", "livsmedel", "kost", "måltid"), 4300, 4010, "11", "SE12"
    ),
    Kind(
        ("travel", "taxi", "rail", "passenger", "fare", "resa", "resor", "skjuts"),
        7140,
        5800,
        "13",
        "SE6",
    ),
    Kind(
        ("vehicle", "fleet", "fuel", "transport", "fordon", "bil", "drivmedel"),
        7000,
        5600,
        "1",
        "SE25",
    ),
    Kind(
        ("book", "newspaper", "subscription", "tidning", "böcker", "litteratur"),
        6840,
        6970,
        "0",
        "SE6",
    ),
    Kind(("postage", "porto"), 6940, 6250, "0", "SE0"),
    Kind(("telephone", "mobile", "communication", "tele"), 6900, 6210, "1", "SE25"),
    Kind(("computer", "software", "ict", "it", "licen", "data"), 6550, 5420, "1", "SE25"),
    Kind(("stationery", "printing", "office", "kontor", "tryck"), 6800, 6110, "1", "SE25"),
    Kind(("advert", "marketing", "publicity", "reklam", "annons"), 7320, 5910, "1", "SE25"),
    Kind(
        ("consult", "professional", "legal", "fees", "konsult", "advokat", "revision", "tjänst"),
        6700,
        6550,
        "1",
        "SE25",
    ),
    Kind(
        ("training", "staff", "employee", "recruit", "utbildning", "personal", "kurs"),
        6860,
        7610,
        "1",
        "SE25",
    ),
    Kind(
        ("equipment", "furniture", "tools", "inventar", "utrustning", "material"),
        6540,
        5410,
        "1",
        "SE25",
    ),
    Kind(("capital", "construction", "building works", "bygg"), 1200, 1110, "1", "SE25"),
    Kind(("premises",), 6390, 5090, "1", "SE25"),
    Kind(("supplies", "services"), 6790, 6990, "1", "SE25"),
)
OTHER = Kind((), 7790, 6990, "1", "SE25")


def kind_of(category: str, name: str) -> Kind:
    words = re.findall(r"\w+", f"{category} {name}".casefold())
    text = " ".join(words)
    for kind in KINDS:
        for keyword in kind.words:
            if " " in keyword and keyword in text:
                return kind
            if any(_matches(keyword, word) for word in words):
                return kind
    return OTHER


def _matches(keyword: str, word: str) -> bool:
    return word.startswith(keyword) if len(keyword) >= 4 else word == keyword


def place_account(kind: Kind, country: str, taken: set[int]) -> int:
    """The next free account number at or above the kind's base in the country's chart."""
    number = kind.se_base if country == "SE" else kind.no_base
    while number in taken:
        number += 1
    taken.add(number)
    return number

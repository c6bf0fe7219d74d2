"""A ledger's SIE 4 export (Fortnox's `/3/sie/4`) as posting history, through the SIE importer.

The same reading as an uploaded SIE file (`kontera.suggest.sie`: balanced #VER, supplier
invoices recognised by a credit on 244x, cost lines everything but payables, VAT and bank),
plus what a ledger's own export lets Kontera keep:

- each line's id — `<key>:<series>:<number>:<row>` — so a year read twice is stored once;
- credit notes (a debit on 244x) as well as invoices;
- the supplier from the payable row's dimension 9 (SIE 4's "Leverantör") and its #OBJEKT name,
  falling back to the voucher text like any SIE file;
- cost centre (dimension 1) and project (dimension 6) per row;
- the VAT code, read off the voucher: its 264x VAT over its cost is 25, 12 or 6 % (or none).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from kontera.domain.ledger import kid_in_text
from kontera.suggest.history import HistoryItem
from kontera.suggest.history import HistoryLine
from kontera.suggest.sie import SieAccount
from kontera.suggest.sie import SieTransaction
from kontera.suggest.sie import SieVoucher
from kontera.suggest.sie import iter_sie
from kontera.suggest.sie import tokens

_PAYABLE = "244"
_VAT = "264"
_NOT_COST = ("244", "264", "19", "26")
_SWEDISH_RATES = {Decimal(25): "SE25", Decimal(12): "SE12", Decimal(6): "SE6"}
_RATE_SLACK = Decimal("0.2")  # percentage points: rounding per line, öre per voucher


def ledger_history(text: str, key: str) -> Iterator[HistoryItem]:
    """Cost lines of the supplier invoices in one SIE 4 export, with ids and dimensions."""
    lines = text.splitlines()
    objects = _object_names(lines)
    names: dict[str, str] = {}
    for record in iter_sie(lines, key):
        if isinstance(record, SieAccount):
            names[record.account] = record.name
        elif isinstance(record, SieVoucher):
            yield from _cost_lines(record, key, names, objects)
        else:
            yield record


def _object_names(lines: list[str]) -> dict[tuple[str, str], str]:
    found = {}
    for line in lines:
        if line.startswith("#OBJEKT"):
            fields = tokens(line)
            if len(fields) >= 4:
                found[(fields[1], fields[2])] = fields[3]
    return found


def _cost_lines(
    voucher: SieVoucher,
    key: str,
    names: dict[str, str],
    objects: dict[tuple[str, str], str],
) -> Iterator[HistoryLine]:
    # A credit note debits the payable: it is history too (its cost lines are negative).
    payable = next((t for t in voucher.transactions if t.account.startswith(_PAYABLE)), None)
    if payable is None:
        return
    supplier = dict(payable.objects).get("9")
    supplier_name = objects.get(("9", supplier)) if supplier else None
    costs = [t for t in voucher.transactions if not t.account.startswith(_NOT_COST)]
    vat_code = _vat_code(voucher, costs)
    for row, t in enumerate(voucher.transactions):
        if t.account.startswith(_NOT_COST):
            continue
        dims = dict(t.objects)
        yield HistoryLine(
            account=t.account,
            account_name=names.get(t.account),
            date=t.date or voucher.date,
            supplier_id=supplier,
            supplier_name=supplier_name or voucher.text or None,
            description=t.text or voucher.text,
            amount=t.amount,
            currency="SEK",
            vat_code=vat_code,
            invoice_number=f"{voucher.series}{voucher.number}",
            external_id=f"{key}:{voucher.series}:{voucher.number}:{row}",
            kid=kid_in_text(payable.text),
            cost_centre=dims.get("1"),
            project=dims.get("6"),
        )


def _vat_code(voucher: SieVoucher, costs: list[SieTransaction]) -> str | None:
    net = sum((t.amount for t in costs), Decimal(0))
    vat = sum((t.amount for t in voucher.transactions if t.account.startswith(_VAT)), Decimal(0))
    if not net:
        return None
    if not vat:
        return "SE0"
    rate = vat / net * 100
    for known, code in _SWEDISH_RATES.items():
        if abs(rate - known) <= _RATE_SLACK:
            return code
    return None  # mixed rates on one invoice: the line's own rate is not in the file

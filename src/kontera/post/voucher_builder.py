"""From an approved invoice and its approved postings to a balanced voucher.

The voucher carries gross amounts (the domain convention): each cost posting holds its net,
its VAT and their sum; the payable posting credits the supplier with the invoice total. Signs
follow the invoice (credit notes are negative), so a credit note's voucher mirrors an invoice's.

VAT is computed per line, then reconciled with the document's VAT per rate: the document's
VAT is what the supplier charged and what may be deducted, so small per-line rounding
differences are moved onto the largest line of that rate. What then remains between the
postings and the document's total (öresavrundning, BT-114) goes to a rounding account.

Document-level allowances and charges (BG-20/BG-21, BT-107/BT-108) become postings of their
own when the approved lines are the invoice lines (they sum to BT-106): each on the account
of the largest line with its VAT rate. VAT the supplier charged at a rate no approved code
deducts (foreign VAT) is part of the cost of the line without VAT. A prepaid amount (BT-113)
is credited to the prepayment account, so the payable posting is what is still owed (BT-115).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from kontera.domain import identifiers as ids
from kontera.domain.errors import InvalidInput
from kontera.domain.invoice import AllowanceCharge
from kontera.domain.invoice import Invoice
from kontera.domain.messages import msg
from kontera.domain.money import ZERO
from kontera.domain.money import home_currency
from kontera.domain.money import round_cents
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.vat_rules import no_vat_code
from kontera.domain.vat_rules import rule_for_line
from kontera.domain.voucher import Payee
from kontera.domain.voucher import Posting
from kontera.domain.voucher import Voucher
from kontera.post.vat import DEFAULT_VAT_TABLE
from kontera.post.vat import VatCode
from kontera.post.vat import VatTable

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class ApprovedPosting:
    """One posting a person (or the auto-approval policy) accepted: net amount, signed."""

    account: str
    vat_code: str | None
    amount: Decimal
    description: str | None = None
    line_index: int | None = None
    dimensions: tuple[tuple[str, str], ...] = ()
    # An accrued line: the prepaid-expenses account its net amount is moved to.
    accrual_account: str | None = None


@dataclass(frozen=True, slots=True)
class VoucherOptions:
    """Per-company choices. Defaults follow NS 4102 (NO); `for_country("SE")` gives BAS."""

    payable_account: str = "2400"
    rounding_account: str = "7790"
    prepaid_account: str = "1749"
    # Largest difference (document currency) booked as rounding rather than refused.
    rounding_tolerance: Decimal = Decimal("1.00")
    country: str = "NO"

    @classmethod
    def for_country(cls, country: str) -> VoucherOptions:
        if country.upper() == "SE":
            return cls(
                payable_account="2440",
                rounding_account="3740",
                prepaid_account="1480",
                country="SE",
            )
        return cls()


def approved_from_suggestions(lines: Iterable[LineSuggestion]) -> list[ApprovedPosting]:
    """Approved postings from accepted suggestion lines (each must have account and amount)."""
    approved = []
    for line in lines:
        if line.account is None or line.amount is None:
            raise InvalidInput(
                msg(
                    "Line {line_index} has no account or amount to post.",
                    line_index=line.line_index + 1,
                )
            )
        approved.append(
            ApprovedPosting(
                account=line.account,
                vat_code=line.vat_code,
                amount=line.amount,
                description=line.description,
                line_index=line.line_index,
            )
        )
    return approved


def build_voucher(
    invoice: Invoice,
    postings: Sequence[ApprovedPosting],
    options: VoucherOptions | None = None,
    vat_table: VatTable = DEFAULT_VAT_TABLE,
) -> Voucher:
    """Build the balanced voucher for an approved invoice; raise InvalidInput when it can't."""
    opts = options or VoucherOptions()
    if not postings:
        raise InvalidInput("There are no approved postings to book.")
    if invoice.issue_date is None:
        raise InvalidInput("The invoice has no date, so the voucher cannot be dated.")
    cost = [_cost_posting(p, vat_table.get(p.vat_code)) for p in postings]
    cost += _document_allowances_charges(invoice, cost, vat_table, opts)
    _reconcile_vat(cost, invoice, vat_table)
    if (invoice.seller.country or opts.country).upper() != opts.country:
        _foreign_vat_into_cost(cost, invoice, vat_table)
    lines = [*cost, *_rounding(cost, invoice, opts), *_prepaid(invoice, opts)]
    # An accrued line's net moves to prepaid expenses on the invoice's own voucher.
    lines += [row for p in postings if p.accrual_account for row in accrual_transfer(p, opts)]
    lines.append(_payable(invoice, lines, opts))
    voucher = Voucher(
        date=invoice.issue_date,
        description=_description(invoice),
        postings=lines,
        currency=invoice.currency or home_currency(opts.country),
        invoice_number=invoice.invoice_number,
        due_date=invoice.due_date,
        payee=payee_of(invoice),
    )
    voucher.check_balanced()
    return voucher


def _cost_posting(approved: ApprovedPosting, vat: VatCode) -> Posting:
    net = round_cents(approved.amount)
    charged = vat.charged_by_supplier
    tax = round_cents(net * vat.rate / _HUNDRED) if charged else ZERO
    return Posting(
        account=approved.account,
        amount=net + tax,
        vat_code=vat.code,
        description=approved.description,
        net_amount=net,
        vat_amount=tax,
        line_index=approved.line_index,
        dimensions=dict(approved.dimensions),
    )


def _document_allowances_charges(
    invoice: Invoice, cost: list[Posting], vat_table: VatTable, opts: VoucherOptions
) -> list[Posting]:
    """Postings for BG-20/BG-21, unless the approved nets already include them (BT-109)."""
    if not invoice.allowances_charges or not cost:
        return []
    approved = sum((p.net_amount or ZERO for p in cost), ZERO)
    line_total = invoice.totals.line_total
    if line_total is None or round_cents(line_total) != approved:
        return []
    return [
        _allowance_charge(item, cost, vat_table, invoice, opts)
        for item in invoice.allowances_charges
    ]


def _allowance_charge(
    item: AllowanceCharge,
    cost: list[Posting],
    vat_table: VatTable,
    invoice: Invoice,
    opts: VoucherOptions,
) -> Posting:
    net = round_cents(item.amount if item.is_charge else -item.amount)
    like = _same_rate(cost, item.vat_rate, vat_table) or max(
        cost, key=lambda p: abs(p.net_amount or ZERO)
    )
    code = like.vat_code
    if item.vat_rate is not None and _rate(vat_table, code) != item.vat_rate:
        rule = rule_for_line(item.vat_category, item.vat_rate, invoice.seller.country, opts.country)
        code = rule.code or no_vat_code(opts.country)
    vat = vat_table.get(code)
    tax = round_cents(net * vat.rate / _HUNDRED) if vat.charged_by_supplier else ZERO
    word = "Gebyr" if item.is_charge else "Rabatt"
    if opts.country == "SE":
        word = "Avgift" if item.is_charge else "Rabatt"
    return Posting(
        account=like.account,
        amount=net + tax,
        vat_code=vat.code,
        description=(item.reason or word)[:250],
        net_amount=net,
        vat_amount=tax,
    )


def _same_rate(cost: list[Posting], rate: Decimal | None, vat_table: VatTable) -> Posting | None:
    if rate is None:
        return None
    matching = [p for p in cost if _rate(vat_table, p.vat_code) == rate]
    return max(matching, key=lambda p: abs(p.net_amount or ZERO)) if matching else None


def _rate(vat_table: VatTable, code: str | None) -> Decimal | None:
    vat = vat_table.get(code)
    return vat.rate if vat.charged_by_supplier else ZERO


def _foreign_vat_into_cost(cost: list[Posting], invoice: Invoice, vat_table: VatTable) -> None:
    """A supplier abroad charged its own country's VAT: not deductible here, part of the cost
    (only for suppliers abroad; domestic VAT on a no-VAT code is a mistake to refuse)."""
    deducted = {
        vat_table.get(p.vat_code).rate
        for p in cost
        if vat_table.get(p.vat_code).charged_by_supplier
    }
    foreign = sum(
        (b.tax for b in invoice.vat_breakdown if b.tax and (b.rate or ZERO) not in deducted),
        ZERO,
    )
    carriers = [p for p in cost if not vat_table.get(p.vat_code).charged_by_supplier]
    if foreign == ZERO or not carriers:
        return
    largest = max(carriers, key=lambda p: abs(p.net_amount or ZERO))
    largest.amount += round_cents(foreign)
    largest.net_amount = (largest.net_amount or ZERO) + round_cents(foreign)


def _prepaid(invoice: Invoice, opts: VoucherOptions) -> list[Posting]:
    prepaid = invoice.totals.prepaid
    if not prepaid:
        return []
    return [
        Posting(
            account=opts.prepaid_account,
            amount=-round_cents(prepaid),
            vat_code=no_vat_code(opts.country),
            description="Förskottsbetalt" if opts.country == "SE" else "Forskuddsbetalt",
            net_amount=-round_cents(prepaid),
            vat_amount=ZERO,
        )
    ]


def accrual_transfer(approved: ApprovedPosting, opts: VoucherOptions) -> list[Posting]:
    """Debit prepaid expenses, credit the cost account: the line's net, without VAT (the VAT
    was deducted on the cost line, in the invoice's period, as the law has it)."""
    assert approved.accrual_account is not None
    net = round_cents(approved.amount)
    text = f"Periodisering {approved.description or ''}".strip()[:250]
    no_vat = no_vat_code(opts.country)
    index = approved.line_index
    return [
        Posting(approved.accrual_account, net, no_vat, text, net, ZERO, line_index=index),
        Posting(approved.account, -net, no_vat, text, -net, ZERO, line_index=index,
                dimensions=dict(approved.dimensions)),
    ]  # fmt: skip


def _reconcile_vat(cost: list[Posting], invoice: Invoice, vat_table: VatTable) -> None:
    """Make each rate's VAT equal the document's, moving cent differences to the largest line."""
    by_rate: dict[Decimal, list[Posting]] = {}
    for posting in cost:
        vat = vat_table.get(posting.vat_code)
        if vat.charged_by_supplier:
            by_rate.setdefault(vat.rate, []).append(posting)
    for rate, group in by_rate.items():
        declared = _declared_vat(invoice, rate)
        if declared is None and len(by_rate) == 1 and not invoice.vat_breakdown:
            # A PDF read without a breakdown: one rate, so its VAT is the document's VAT.
            declared = invoice.totals.vat
        if declared is None:
            continue
        diff = declared - sum((p.vat_amount or ZERO for p in group), ZERO)
        if diff == ZERO or abs(diff) > Decimal("0.01") * (len(group) + 1):
            continue  # equal, or a real disagreement the checks already reported
        largest = max(group, key=lambda p: abs(p.net_amount or ZERO))
        largest.vat_amount = (largest.vat_amount or ZERO) + diff
        largest.amount += diff


def _declared_vat(invoice: Invoice, rate: Decimal) -> Decimal | None:
    amounts = [b.tax for b in invoice.vat_breakdown if b.rate is not None and b.rate == rate]
    return sum(amounts, ZERO) if amounts else None


def _document_total(invoice: Invoice) -> Decimal | None:
    """What the supplier is owed for this document before prepayments: BT-115 + BT-113.

    Equal to BT-112 + BT-114 in EN 16931; EHF 2.0 folded the rounding into its tax-inclusive
    amount, so the payable amount is the one to trust where there is one.
    """
    totals = invoice.totals
    if totals.payable is not None:
        return totals.payable + (totals.prepaid or ZERO)
    if totals.gross is None:
        return None
    return totals.gross + (totals.rounding or ZERO)


def _rounding(cost: list[Posting], invoice: Invoice, opts: VoucherOptions) -> list[Posting]:
    total = _document_total(invoice)
    if total is None:
        return []
    booked = sum((p.amount for p in cost), ZERO)
    diff = round_cents(total) - booked
    if diff == ZERO:
        return []
    if abs(diff) > opts.rounding_tolerance:
        raise InvalidInput(
            msg(
                "The approved postings come to {booked} but the invoice total is {total}: {diff} "
                "is not accounted for. Check the amounts before posting.",
                booked=booked,
                total=total,
                diff=diff,
            )
        )
    return [
        Posting(
            account=opts.rounding_account,
            amount=diff,
            vat_code=no_vat_code(opts.country),
            description="Öresavrundning" if opts.country == "SE" else "Øreavrunding",
            net_amount=diff,
            vat_amount=ZERO,
        )
    ]


def _payable(invoice: Invoice, lines: list[Posting], opts: VoucherOptions) -> Posting:
    owed = sum((p.amount for p in lines), ZERO)
    seller = invoice.seller
    return Posting(
        account=opts.payable_account,
        amount=-owed,
        # The supplier's name: what the ledger line shows, and what a connector names a
        # supplier it has to create.
        description=seller.name or seller.org_number or seller.vat_id,
        is_payable=True,
        supplier_ref=seller.org_number or seller.vat_id,
        kid=invoice.payment.kid,
        due_date=invoice.due_date,
    )


def payee_of(invoice: Invoice) -> Payee:
    """Who is paid, and where, as the invoice says (BT-27…, BG-16/17: KID, accounts)."""
    seller, payment = invoice.seller, invoice.payment
    vat_prefix = (seller.vat_id or "")[:2].upper()
    return Payee(
        name=seller.name,
        org_number=seller.org_number,
        vat_id=seller.vat_id,
        country=seller.country or (vat_prefix if vat_prefix.isalpha() else None),
        kid=(payment.kid or "").strip() or None,
        bank_account=_compact(payment.bank_account),
        iban=_compact_iban(payment.iban),
        bic=payment.bic,
        bankgiro=_compact(payment.bankgiro),
        plusgiro=_compact(payment.plusgiro),
    )


def _compact(number: str | None) -> str | None:
    """An account, bankgiro or plusgiro number without the spaces, dots and dashes it is
    printed with (ledgers want the digits)."""
    if not number:
        return None
    return "".join(c for c in number if c not in " .-") or None


def _compact_iban(iban: str | None) -> str | None:
    if not iban:
        return None
    return ids.normalise_iban(iban) if ids.valid_iban(iban) else iban.replace(" ", "").upper()


def _description(invoice: Invoice) -> str:
    kind = "Kreditnota" if invoice.sign < 0 else "Faktura"
    supplier = invoice.seller.name or invoice.seller.org_number or "ukjent leverandør"
    number = f" {invoice.invoice_number}" if invoice.invoice_number else ""
    return f"{kind}{number} {supplier}"[:250]

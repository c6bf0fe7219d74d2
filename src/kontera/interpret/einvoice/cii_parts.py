"""The repeated groups of a CII invoice, written to the same domain paths as `ubl_parts.py`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kontera.domain.invoice import Address
from kontera.domain.invoice import AllowanceCharge
from kontera.domain.invoice import Attachment
from kontera.domain.invoice import Classification
from kontera.domain.invoice import InvoiceLine
from kontera.domain.invoice import Party
from kontera.domain.invoice import Payment
from kontera.domain.invoice import VatBreakdown
from kontera.interpret.einvoice.cii_names import Dialect
from kontera.interpret.einvoice.parties import account_fields
from kontera.interpret.einvoice.parties import normalise_party_vat_id
from kontera.interpret.einvoice.xmlfields import Element
from kontera.interpret.einvoice.xmlfields import FieldWriter
from kontera.interpret.einvoice.xmlfields import attr
from kontera.interpret.einvoice.xmlfields import child
from kontera.interpret.einvoice.xmlfields import children
from kontera.interpret.einvoice.xmlfields import descend
from kontera.interpret.einvoice.xmlfields import embedded_attachment
from kontera.interpret.einvoice.xmlfields import is_accounting_currency
from kontera.interpret.einvoice.xmlfields import price_per_unit
from kontera.interpret.einvoice.xmlfields import set_vat_total
from kontera.interpret.einvoice.xmlfields import text
from kontera.interpret.einvoice.xmlfields import write_attachments

# UNTDID 1001 code for "attachment" in AdditionalReferencedDocument (BG-24).
_ATTACHMENT_TYPE = "916"


def date_text(n: Dialect, element: Element | None) -> str | None:
    """The date string of a CII date element, in ISO form for the week/month formats.

    UNTDID 2379: 102 = CCYYMMDD (read as is), 610 = CCYYMM (first day of the month),
    616 = CCYYWW (Monday of the ISO week).
    """
    value_element = descend(element, *n.typed("DateTimeString"))
    raw = text(value_element)
    if raw is None or not raw.isdigit():
        return raw
    date_format = attr(value_element, "format")
    try:
        if date_format == "610" and len(raw) == 6:
            return date(int(raw[:4]), int(raw[4:]), 1).isoformat()
        if date_format == "616" and len(raw) == 6:
            return date.fromisocalendar(int(raw[:4]), int(raw[4:]), 1).isoformat()
    except ValueError:
        return raw
    return raw


def _indicator(n: Dialect, element: Element | None) -> bool:
    return text(element, n("ChargeIndicator"), *n.typed("Indicator")) == "true"


def read_party(w: FieldWriter, n: Dialect, prefix: str, party: Element | None) -> None:
    if party is None:
        return
    w.set(f"{prefix}.name", text(party, n("Name")))
    w.set(f"{prefix}.org_number", text(party, n("SpecifiedLegalOrganization"), n("ID")))
    address = child(party, n("PostalTradeAddress"))
    country = text(address, n("CountryID"))
    w.set(f"{prefix}.vat_id", normalise_party_vat_id(_vat_id(n, party), country))
    w.set(f"{prefix}.tax_registration", _vat_id(n, party, scheme="FC"))
    w.set(f"{prefix}.identifier", text(party, n("GlobalID")) or text(party, n("ID")))
    w.set(f"{prefix}.country", country)
    if address is not None:
        w.set(f"{prefix}.address", Address())  # the group was present, even when empty
        w.set(f"{prefix}.address.street", text(address, n("LineOne")))
        w.set(f"{prefix}.address.additional_street", text(address, n("LineTwo")))
        w.set(f"{prefix}.address.city", text(address, n("CityName")))
        w.set(f"{prefix}.address.postal_code", text(address, n("PostcodeCode")))
        w.set(f"{prefix}.address.country", country)
    endpoint = descend_uri(n, child(party, n("URIUniversalCommunication")))
    w.set(f"{prefix}.endpoint_id", endpoint)
    contact = child(party, n("DefinedTradeContact"))
    email = text(contact, n("EmailURIUniversalCommunication"), n("URIID"))
    w.set(f"{prefix}.contact_email", email)


def _vat_id(n: Dialect, party: Element, scheme: str = "VA") -> str | None:
    # BT-31/BT-48 carry schemeID "VA"; "FC" is the seller's tax number (BT-32), not a VAT id.
    # "VAT" is not a valid scheme but occurs in practice (and in Peppol's own test files).
    schemes = ("VA", "VAT") if scheme == "VA" else (scheme,)
    for registration in children(party, n("SpecifiedTaxRegistration")):
        element = child(registration, n("ID"))
        if attr(element, "schemeID") in schemes:
            return text(element)
    return None


def descend_uri(n: Dialect, communication: Element | None) -> str | None:
    element = child(communication, n("URIID"))
    value = text(element)
    if value is None:
        return None
    scheme = attr(element, "schemeID")
    return f"{scheme}:{value}" if scheme else value


def read_payee(w: FieldWriter, n: Dialect, payee: Element | None) -> None:
    if payee is None:
        return
    w.set("payee", Party())
    w.set("payee.name", text(payee, n("Name")))
    w.set("payee.org_number", text(payee, n("SpecifiedLegalOrganization"), n("ID")))
    w.set("payee.identifier", text(payee, n("GlobalID")) or text(payee, n("ID")))


def read_tax_representative(w: FieldWriter, n: Dialect, party: Element | None) -> None:
    if party is None:
        return
    w.set("tax_representative", Party())
    w.set("tax_representative.name", text(party, n("Name")))
    w.set("tax_representative.vat_id", _vat_id(n, party))
    w.set("tax_representative.country", text(party, n("PostalTradeAddress"), n("CountryID")))


def read_references(
    w: FieldWriter,
    n: Dialect,
    agreement: Element | None,
    delivery: Element | None,
    settlement: Element | None,
) -> None:
    doc_id = n("doc_id")
    w.set("references.buyer_reference", text(agreement, n("BuyerReference")))
    w.set("references.order", text(agreement, n("BuyerOrderReferencedDocument"), doc_id))
    w.set("references.contract", text(agreement, n("ContractReferencedDocument"), doc_id))
    w.set("references.project", text(agreement, n("SpecifiedProcuringProject"), n("ID")))
    w.set("references.despatch", text(delivery, n("DespatchAdviceReferencedDocument"), doc_id))
    w.set("references.receiving", text(delivery, n("ReceivingAdviceReferencedDocument"), doc_id))
    account = text(settlement, n("ReceivableSpecifiedTradeAccountingAccount"), n("ID"))
    w.set("references.accounting_reference", account)
    preceding = [
        number
        for ref in children(settlement, n("InvoiceReferencedDocument"))
        if (number := text(ref, doc_id))
    ]
    if preceding:
        w.set("references.preceding_invoices", preceding)


def read_delivery_and_period(
    w: FieldWriter, n: Dialect, delivery: Element | None, settlement: Element | None
) -> None:
    ship_to = child(child(delivery, n("ShipToTradeParty")), n("PostalTradeAddress"))
    w.set("delivery_country", text(ship_to, n("CountryID")))
    event = child(delivery, n("ActualDeliverySupplyChainEvent"))
    w.date("delivery_date", date_text(n, child(event, n("OccurrenceDateTime"))))
    period = child(settlement, n("BillingSpecifiedPeriod"))
    w.date("period_start", date_text(n, child(period, n("StartDateTime"))))
    w.date("period_end", date_text(n, child(period, n("EndDateTime"))))


def read_payment(w: FieldWriter, n: Dialect, settlement: Element | None) -> None:
    means_list = children(settlement, n("SpecifiedTradeSettlementPaymentMeans"))
    account_tag = n("PayeePartyCreditorFinancialAccount")
    means = next((m for m in means_list if child(m, account_tag) is not None), None)
    means = means if means is not None else (means_list[0] if means_list else None)
    if means is not None:
        w.set("payment", Payment())  # BG-16 was present (BR-49 asks for its code)
    w.set("payment.kid", text(settlement, n("PaymentReference")))
    if means is not None:
        w.set("payment.means_code", text(means, n("TypeCode")))
        account = child(means, account_tag)
        number = text(account, n("IBANID")) or text(account, n("ProprietaryID"))
        bic = text(means, n("PayeeSpecifiedCreditorFinancialInstitution"), n("BICID"))
        for path, value in account_fields(number, bic).items():
            w.set(path, value)
    terms = [
        t
        for p in children(settlement, n("SpecifiedTradePaymentTerms"))
        if (t := text(p, n("Description")))
    ]
    w.set("payment.terms", "\n".join(terms) if terms else None)


def read_allowances(w: FieldWriter, n: Dialect, prefix: str, parent: Element | None) -> None:
    elements = children(parent, n("SpecifiedTradeAllowanceCharge"))
    logistics = children(parent, n("SpecifiedLogisticsServiceCharge"))
    if not elements and not logistics:
        return
    w.set(prefix, [])
    items: list[AllowanceCharge] = w.invoice.fields[prefix].value
    for index, element in enumerate(elements):
        is_charge = _indicator(n, element)
        items.append(AllowanceCharge(is_charge=is_charge, amount=Decimal(0)))
        path = f"{prefix}.{index}"
        tax = child(element, n("CategoryTradeTax"))
        w.set(f"{path}.is_charge", is_charge)
        w.amount(f"{path}.amount", text(element, n("ActualAmount")))
        w.set(f"{path}.reason", text(element, n("Reason")))
        w.set(f"{path}.reason_code", text(element, n("ReasonCode")))
        w.set(f"{path}.vat_category", text(tax, n("CategoryCode")))
        w.amount(f"{path}.vat_rate", text(tax, n("rate")), signed=False)
        w.amount(f"{path}.base_amount", text(element, n("BasisAmount")))
        w.amount(f"{path}.percent", text(element, n("CalculationPercent")), signed=False)
    for index, element in enumerate(logistics, start=len(elements)):
        _read_logistics_charge(w, n, f"{prefix}.{index}", element, items)


def _read_logistics_charge(
    w: FieldWriter, n: Dialect, path: str, element: Element, items: list[AllowanceCharge]
) -> None:
    """ZUGFeRD 1.x / EXTENDED freight and packing charges: document-level charges in EN 16931."""
    items.append(AllowanceCharge(is_charge=True, amount=Decimal(0)))
    tax = child(element, n("AppliedTradeTax"))
    w.set(f"{path}.is_charge", True)
    w.amount(f"{path}.amount", text(element, n("AppliedAmount")))
    w.set(f"{path}.reason", text(element, n("Description")))
    w.set(f"{path}.vat_category", text(tax, n("CategoryCode")))
    w.amount(f"{path}.vat_rate", text(tax, n("rate")), signed=False)


def read_vat(w: FieldWriter, n: Dialect, settlement: Element | None) -> None:
    taxes = children(settlement, n("ApplicableTradeTax"))
    if not taxes:
        return
    w.set("vat_breakdown", [])
    for index, tax in enumerate(taxes):
        w.invoice.vat_breakdown.append(VatBreakdown(None, None, Decimal(0), Decimal(0)))
        path = f"vat_breakdown.{index}"
        w.amount(f"{path}.taxable", text(tax, n("BasisAmount")))
        w.amount(f"{path}.tax", text(tax, n("CalculatedAmount")))
        w.set(f"{path}.category", text(tax, n("CategoryCode")))
        w.amount(f"{path}.rate", text(tax, n("rate")), signed=False)
        w.set(f"{path}.exemption_reason", text(tax, n("ExemptionReason")))
        w.set(f"{path}.exemption_reason_code", text(tax, n("ExemptionReasonCode")))


def read_totals(w: FieldWriter, n: Dialect, sums: Element | None) -> None:
    if sums is None:
        return
    w.amount("totals.line_total", text(sums, n("LineTotalAmount")))
    w.amount("totals.allowances", text(sums, n("AllowanceTotalAmount")))
    w.amount("totals.charges", text(sums, n("ChargeTotalAmount")))
    w.amount("totals.net", text(sums, n("TaxBasisTotalAmount")))
    _read_tax_totals(w, n, sums)
    w.amount("totals.gross", text(sums, n("GrandTotalAmount")))
    w.amount("totals.prepaid", text(sums, n("TotalPrepaidAmount")))
    w.amount("totals.rounding", text(sums, n("RoundingAmount")))
    w.amount("totals.payable", text(sums, n("DuePayableAmount")))


def _read_tax_totals(w: FieldWriter, n: Dialect, sums: Element) -> None:
    """BT-110 in the invoice currency; BT-111 in the VAT accounting currency when it differs."""
    amounts = []
    for element in children(sums, n("TaxTotalAmount")):
        if is_accounting_currency(w, attr(element, "currencyID")):
            w.amount("totals.vat_accounting_currency", text(element))
        else:
            amounts.append(element)
    set_vat_total(w, amounts)


def read_line(w: FieldWriter, n: Dialect, index: int, line: Element) -> None:
    w.invoice.lines.append(InvoiceLine())
    path = f"lines.{index}"
    document = child(line, n("AssociatedDocumentLineDocument"))
    w.set(f"{path}.line_id", text(document, n("LineID")))
    w.set(f"{path}.note", text(document, n("IncludedNote"), n("Content")))
    quantity = child(child(line, n("line_delivery")), n("BilledQuantity"))
    w.amount(f"{path}.quantity", text(quantity))
    w.set(f"{path}.unit", attr(quantity, "unitCode"))
    settlement = child(line, n("line_settlement"))
    w.amount(f"{path}.net", text(settlement, n("line_sums"), n("LineTotalAmount")))
    account = text(settlement, n("ReceivableSpecifiedTradeAccountingAccount"), n("ID"))
    w.set(f"{path}.accounting_reference", account)
    period = child(settlement, n("BillingSpecifiedPeriod"))
    w.date(f"{path}.period_start", date_text(n, child(period, n("StartDateTime"))))
    w.date(f"{path}.period_end", date_text(n, child(period, n("EndDateTime"))))
    agreement = child(line, n("line_agreement"))
    order_line = text(agreement, n("BuyerOrderReferencedDocument"), n("LineID"))
    w.set(f"{path}.order_line_reference", order_line)
    read_allowances(w, n, f"{path}.allowances_charges", settlement)
    _read_product(w, n, path, child(line, n("SpecifiedTradeProduct")))
    tax = child(settlement, n("ApplicableTradeTax"))
    w.set(f"{path}.vat_category", text(tax, n("CategoryCode")))
    w.amount(f"{path}.vat_rate", text(tax, n("rate")), signed=False)
    _read_price(w, n, path, child(agreement, n("NetPriceProductTradePrice")))


def _read_product(w: FieldWriter, n: Dialect, path: str, product: Element | None) -> None:
    if product is None:
        return
    w.set(f"{path}.description", text(product, n("Description")))
    w.set(f"{path}.item_name", text(product, n("Name")))
    w.set(f"{path}.seller_item_id", text(product, n("SellerAssignedID")))
    w.set(f"{path}.buyer_item_id", text(product, n("BuyerAssignedID")))
    w.set(f"{path}.standard_item_id", text(product, n("GlobalID")))
    classifications = [
        Classification(code, attr(code_element, "listID"))
        for group in children(product, n("DesignatedProductClassification"))
        if (code := text(code_element := child(group, n("ClassCode"))))
    ]
    if classifications:
        w.set(f"{path}.classifications", classifications)


def _read_price(w: FieldWriter, n: Dialect, path: str, price: Element | None) -> None:
    amount = text(price, n("ChargeAmount"))
    if amount is None:
        return
    base = text(price, n("BasisQuantity"))
    if base is None:
        w.amount(f"{path}.unit_price", amount, signed=False)
    else:
        w.set(f"{path}.unit_price", price_per_unit(w, path, amount, base))


def read_attachments(w: FieldWriter, n: Dialect, agreement: Element | None) -> None:
    """BG-24: AdditionalReferencedDocument of type 916 (supporting document)."""
    items = [
        _attachment(w, n, reference)
        for reference in children(agreement, n("AdditionalReferencedDocument"))
        if text(reference, n("TypeCode")) in (_ATTACHMENT_TYPE, None)
    ]
    write_attachments(w, [item for item in items if item is not None])


def _attachment(w: FieldWriter, n: Dialect, reference: Element) -> Attachment | None:
    description = text(reference, n("Name")) or text(reference, n("IssuerAssignedID"))
    embedded = child(reference, n("AttachmentBinaryObject"))
    if embedded is not None and embedded.text:
        return embedded_attachment(w, embedded, description)
    uri = text(reference, n("URIID"))
    if uri is not None and uri.startswith("#ef="):
        # ZUGFeRD's pointer to a file embedded in the same PDF, not a location to fetch:
        # the embedded-file reader extracts those files itself.
        uri = None
    return Attachment(filename=None, mime_type=None, description=description, uri=uri)

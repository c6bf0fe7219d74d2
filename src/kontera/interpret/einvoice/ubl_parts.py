"""The repeated groups of a UBL invoice: parties, references, payment, VAT, totals, lines."""

from __future__ import annotations

from decimal import Decimal

from kontera.domain.invoice import Address
from kontera.domain.invoice import AllowanceCharge
from kontera.domain.invoice import Attachment
from kontera.domain.invoice import Classification
from kontera.domain.invoice import InvoiceLine
from kontera.domain.invoice import Party
from kontera.domain.invoice import Payment
from kontera.domain.invoice import VatBreakdown
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

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"

_ID = CBC + "ID"
_ZERO = Decimal(0)
_TAX_CATEGORY = CAC + "TaxCategory"
_PERCENT = CBC + "Percent"


def read_party(w: FieldWriter, prefix: str, party: Element | None) -> None:
    if party is None:
        return
    legal = child(party, CAC + "PartyLegalEntity")
    name = text(legal, CBC + "RegistrationName") or text(party, CAC + "PartyName", CBC + "Name")
    w.set(f"{prefix}.name", name)
    w.set(f"{prefix}.org_number", text(legal, CBC + "CompanyID"))
    country = text(party, CAC + "PostalAddress", CAC + "Country", CBC + "IdentificationCode")
    w.set(f"{prefix}.vat_id", normalise_party_vat_id(_vat_id(party), country))
    w.set(f"{prefix}.tax_registration", _tax_registration(party))
    w.set(f"{prefix}.identifier", party_identifier(party))
    w.set(f"{prefix}.country", country)
    _read_address(w, f"{prefix}.address", child(party, CAC + "PostalAddress"))
    endpoint = child(party, CBC + "EndpointID")
    w.set(f"{prefix}.endpoint_id", _scheme_value(endpoint))
    w.set(f"{prefix}.contact_email", text(party, CAC + "Contact", CBC + "ElectronicMail"))


def _vat_id(party: Element) -> str | None:
    # BT-31/BT-48: only the tax scheme "VAT"; "TAX" carries Foretaksregisteret / F-skatt.
    for scheme in children(party, CAC + "PartyTaxScheme"):
        if text(scheme, CAC + "TaxScheme", _ID) == "VAT":
            return text(scheme, CBC + "CompanyID")
    return None


def party_identifier(party: Element) -> str | None:
    """BT-29/46/60; a scheme-qualified (global) id such as a GLN first, as CII's GlobalID."""
    ids = [child(p, _ID) for p in children(party, CAC + "PartyIdentification")]
    qualified = next((i for i in ids if attr(i, "schemeID") and text(i)), None)
    return (
        text(qualified) if qualified is not None else next((v for i in ids if (v := text(i))), None)
    )


def _tax_registration(party: Element) -> str | None:
    for scheme in children(party, CAC + "PartyTaxScheme"):
        if text(scheme, CAC + "TaxScheme", _ID) != "VAT":
            return text(scheme, CBC + "CompanyID")
    return None


def _scheme_value(element: Element | None) -> str | None:
    value = text(element)
    if value is None:
        return None
    scheme = attr(element, "schemeID")
    return f"{scheme}:{value}" if scheme else value


def _read_address(w: FieldWriter, prefix: str, address: Element | None) -> None:
    if address is None:
        return
    w.set(prefix, Address())  # the group was present, even when empty (BR-08/BR-10)
    w.set(f"{prefix}.street", text(address, CBC + "StreetName"))
    w.set(f"{prefix}.additional_street", text(address, CBC + "AdditionalStreetName"))
    w.set(f"{prefix}.city", text(address, CBC + "CityName"))
    w.set(f"{prefix}.postal_code", text(address, CBC + "PostalZone"))
    w.set(f"{prefix}.country", text(address, CAC + "Country", CBC + "IdentificationCode"))


def read_payee(w: FieldWriter, payee: Element | None) -> None:
    """BG-10: a payee other than the seller (factoring); name and identifiers only."""
    if payee is None:
        return
    w.set("payee", Party())
    w.set("payee.name", text(payee, CAC + "PartyName", CBC + "Name"))
    w.set("payee.org_number", text(payee, CAC + "PartyLegalEntity", CBC + "CompanyID"))
    w.set("payee.identifier", party_identifier(payee))


def read_tax_representative(w: FieldWriter, party: Element | None) -> None:
    """BG-11: the seller's VAT representative (name, VAT id, country)."""
    if party is None:
        return
    w.set("tax_representative", Party())
    w.set("tax_representative.name", text(party, CAC + "PartyName", CBC + "Name"))
    country = text(party, CAC + "PostalAddress", CAC + "Country", CBC + "IdentificationCode")
    w.set("tax_representative.vat_id", _vat_id(party))
    w.set("tax_representative.country", country)


def read_references(w: FieldWriter, root: Element) -> None:
    w.set("references.buyer_reference", text(root, CBC + "BuyerReference"))
    w.set("references.order", text(root, CAC + "OrderReference", _ID))
    w.set("references.contract", text(root, CAC + "ContractDocumentReference", _ID))
    w.set("references.project", text(root, CAC + "ProjectReference", _ID))
    w.set("references.despatch", text(root, CAC + "DespatchDocumentReference", _ID))
    w.set("references.receiving", text(root, CAC + "ReceiptDocumentReference", _ID))
    w.set("references.accounting_reference", text(root, CBC + "AccountingCost"))
    preceding = [
        number
        for ref in children(root, CAC + "BillingReference")
        if (number := text(ref, CAC + "InvoiceDocumentReference", _ID))
    ]
    if preceding:
        w.set("references.preceding_invoices", preceding)


def read_delivery_and_period(w: FieldWriter, root: Element) -> None:
    delivery = child(root, CAC + "Delivery")
    w.date("delivery_date", text(delivery, CBC + "ActualDeliveryDate"))
    address = descend(delivery, CAC + "DeliveryLocation", CAC + "Address")
    w.set("delivery_country", text(address, CAC + "Country", CBC + "IdentificationCode"))
    period = child(root, CAC + "InvoicePeriod")
    w.date("period_start", text(period, CBC + "StartDate"))
    w.date("period_end", text(period, CBC + "EndDate"))


def read_payment(w: FieldWriter, root: Element) -> None:
    means_list = children(root, CAC + "PaymentMeans")
    # Prefer the means that names an account: that is where the money goes.
    means = next(
        (m for m in means_list if child(m, CAC + "PayeeFinancialAccount") is not None), None
    )
    means = means if means is not None else (means_list[0] if means_list else None)
    if means is not None:
        w.set("payment", Payment())  # BG-16 was present (BR-49 asks for its code)
        w.set("payment.means_code", text(means, CBC + "PaymentMeansCode"))
        w.set("payment.kid", text(means, CBC + "PaymentID"))
        account = child(means, CAC + "PayeeFinancialAccount")
        branch = text(account, CAC + "FinancialInstitutionBranch", _ID)
        for path, value in account_fields(text(account, _ID), branch).items():
            w.set(path, value)
    terms = [t for t in (text(p, CBC + "Note") for p in children(root, CAC + "PaymentTerms")) if t]
    w.set("payment.terms", "\n".join(terms) if terms else None)


def read_allowances(w: FieldWriter, prefix: str, parent: Element) -> None:
    elements = children(parent, CAC + "AllowanceCharge")
    if not elements:
        return
    w.set(prefix, [])
    items: list[AllowanceCharge] = w.invoice.fields[prefix].value
    for index, element in enumerate(elements):
        is_charge = text(element, CBC + "ChargeIndicator") == "true"
        items.append(AllowanceCharge(is_charge=is_charge, amount=_ZERO))
        path = f"{prefix}.{index}"
        w.set(f"{path}.is_charge", is_charge)
        w.amount(f"{path}.amount", text(element, CBC + "Amount"))
        w.set(f"{path}.reason", text(element, CBC + "AllowanceChargeReason"))
        w.set(f"{path}.reason_code", text(element, CBC + "AllowanceChargeReasonCode"))
        w.set(f"{path}.vat_category", text(element, _TAX_CATEGORY, _ID))
        w.amount(f"{path}.vat_rate", text(element, _TAX_CATEGORY, _PERCENT), signed=False)
        w.amount(f"{path}.base_amount", text(element, CBC + "BaseAmount"))
        w.amount(f"{path}.percent", text(element, CBC + "MultiplierFactorNumeric"), signed=False)


def read_vat(w: FieldWriter, root: Element) -> None:
    """BG-23 and BT-110/BT-111: the TaxTotal in the document currency carries the breakdown."""
    amounts: list[Element] = []
    subtotals: list[Element] = []
    for tax_total in children(root, CAC + "TaxTotal"):
        amount = child(tax_total, CBC + "TaxAmount")
        if is_accounting_currency(w, attr(amount, "currencyID")):
            w.amount("totals.vat_accounting_currency", text(amount))
            continue
        if amount is not None:
            amounts.append(amount)
        subtotals.extend(children(tax_total, CAC + "TaxSubtotal"))
    set_vat_total(w, amounts)
    _read_vat_subtotals(w, subtotals)


def _read_vat_subtotals(w: FieldWriter, subtotals: list[Element]) -> None:
    if not subtotals:
        return
    w.set("vat_breakdown", [])
    for index, subtotal in enumerate(subtotals):
        w.invoice.vat_breakdown.append(VatBreakdown(None, None, _ZERO, _ZERO))
        path = f"vat_breakdown.{index}"
        category = child(subtotal, _TAX_CATEGORY)
        w.amount(f"{path}.taxable", text(subtotal, CBC + "TaxableAmount"))
        w.amount(f"{path}.tax", text(subtotal, CBC + "TaxAmount"))
        w.set(f"{path}.category", text(category, _ID))
        w.amount(f"{path}.rate", text(category, _PERCENT), signed=False)
        w.set(f"{path}.exemption_reason", text(category, CBC + "TaxExemptionReason"))
        w.set(f"{path}.exemption_reason_code", text(category, CBC + "TaxExemptionReasonCode"))


def read_totals(w: FieldWriter, totals: Element | None) -> None:
    if totals is None:
        return
    w.amount("totals.line_total", text(totals, CBC + "LineExtensionAmount"))
    w.amount("totals.allowances", text(totals, CBC + "AllowanceTotalAmount"))
    w.amount("totals.charges", text(totals, CBC + "ChargeTotalAmount"))
    w.amount("totals.net", text(totals, CBC + "TaxExclusiveAmount"))
    w.amount("totals.gross", text(totals, CBC + "TaxInclusiveAmount"))
    w.amount("totals.prepaid", text(totals, CBC + "PrepaidAmount"))
    w.amount("totals.rounding", text(totals, CBC + "PayableRoundingAmount"))
    w.amount("totals.payable", text(totals, CBC + "PayableAmount"))


def read_line(w: FieldWriter, index: int, line: Element) -> None:
    w.invoice.lines.append(InvoiceLine())
    path = f"lines.{index}"
    w.set(f"{path}.line_id", text(line, _ID))
    w.set(f"{path}.note", text(line, CBC + "Note"))
    quantity = child(line, CBC + "InvoicedQuantity")
    if quantity is None:
        quantity = child(line, CBC + "CreditedQuantity")
    w.amount(f"{path}.quantity", text(quantity))
    w.set(f"{path}.unit", attr(quantity, "unitCode"))
    w.amount(f"{path}.net", text(line, CBC + "LineExtensionAmount"))
    w.set(f"{path}.accounting_reference", text(line, CBC + "AccountingCost"))
    period = child(line, CAC + "InvoicePeriod")
    w.date(f"{path}.period_start", text(period, CBC + "StartDate"))
    w.date(f"{path}.period_end", text(period, CBC + "EndDate"))
    w.set(f"{path}.order_line_reference", text(line, CAC + "OrderLineReference", CBC + "LineID"))
    read_allowances(w, f"{path}.allowances_charges", line)
    _read_item(w, path, child(line, CAC + "Item"))
    _read_price(w, path, child(line, CAC + "Price"))


def _read_item(w: FieldWriter, path: str, item: Element | None) -> None:
    if item is None:
        return
    w.set(f"{path}.description", text(item, CBC + "Description"))
    w.set(f"{path}.item_name", text(item, CBC + "Name"))
    w.set(f"{path}.seller_item_id", text(item, CAC + "SellersItemIdentification", _ID))
    w.set(f"{path}.buyer_item_id", text(item, CAC + "BuyersItemIdentification", _ID))
    w.set(f"{path}.standard_item_id", text(item, CAC + "StandardItemIdentification", _ID))
    classifications = [
        Classification(code, attr(code_element, "listID"))
        for commodity in children(item, CAC + "CommodityClassification")
        if (code := text(code_element := child(commodity, CBC + "ItemClassificationCode")))
    ]
    if classifications:
        w.set(f"{path}.classifications", classifications)
    category = child(item, CAC + "ClassifiedTaxCategory")
    w.set(f"{path}.vat_category", text(category, _ID))
    w.amount(f"{path}.vat_rate", text(category, _PERCENT), signed=False)


def _read_price(w: FieldWriter, path: str, price: Element | None) -> None:
    """BT-146 net price per unit: divided by the base quantity (BT-149) when one is given."""
    amount = text(price, CBC + "PriceAmount")
    base = text(price, CBC + "BaseQuantity")
    if amount is None:
        return
    if base is None:
        w.amount(f"{path}.unit_price", amount, signed=False)
        return
    w.set(f"{path}.unit_price", price_per_unit(w, path, amount, base))


def read_attachments(w: FieldWriter, root: Element) -> None:
    """BG-24 supporting documents: embedded (decoded, hashed), external URI, or reference only."""
    items = [
        item
        for reference in children(root, CAC + "AdditionalDocumentReference")
        # DocumentTypeCode 130 marks BT-18, the invoiced object identifier, not a document.
        if text(reference, CBC + "DocumentTypeCode") != "130"
        and (item := _attachment(w, reference)) is not None
    ]
    write_attachments(w, items)


def _attachment(w: FieldWriter, reference: Element) -> Attachment | None:
    description = text(reference, CBC + "DocumentDescription") or text(reference, _ID)
    attachment = child(reference, CAC + "Attachment")
    embedded = child(attachment, CBC + "EmbeddedDocumentBinaryObject")
    if embedded is not None and embedded.text:
        return embedded_attachment(w, embedded, description)
    uri = text(attachment, CAC + "ExternalReference", CBC + "URI")
    return Attachment(filename=None, mime_type=None, description=description, uri=uri)

"""Element names of the two CII dialects Kontera reads, resolved to lxml Clark tags once.

ZUGFeRD 1.x (`CrossIndustryDocument`, ram:12) and ZUGFeRD 2.x / Factur-X / XRechnung
(`CrossIndustryInvoice`, D16B ram:100) carry the same business terms under partly different
element names. The reader asks for a logical name; each dialect maps it to its own tag.
"""

from __future__ import annotations

from dataclasses import dataclass

RSM_2 = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM_2 = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT_2 = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
RSM_1 = "urn:ferd:CrossIndustryDocument:invoice:1p0"
RAM_1 = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
UDT_1 = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15"
# The ZUGFeRD 1.0 release candidate (2014): rsm:Invoice, business elements in no namespace.
RSM_RC = "urn:un:unece:uncefact:data:standard:CBFBUY:5"

# Logical name → (ZUGFeRD 2.x name, ZUGFeRD 1.x name) where the dialects differ.
_RENAMED = {
    "context": ("rsm:ExchangedDocumentContext", "rsm:SpecifiedExchangedDocumentContext"),
    "document": ("rsm:ExchangedDocument", "rsm:HeaderExchangedDocument"),
    "transaction": ("rsm:SupplyChainTradeTransaction", "rsm:SpecifiedSupplyChainTradeTransaction"),
    "agreement": ("ram:ApplicableHeaderTradeAgreement", "ram:ApplicableSupplyChainTradeAgreement"),
    "delivery": ("ram:ApplicableHeaderTradeDelivery", "ram:ApplicableSupplyChainTradeDelivery"),
    "settlement": (
        "ram:ApplicableHeaderTradeSettlement",
        "ram:ApplicableSupplyChainTradeSettlement",
    ),
    "header_sums": (
        "ram:SpecifiedTradeSettlementHeaderMonetarySummation",
        "ram:SpecifiedTradeSettlementMonetarySummation",
    ),
    "line_agreement": ("ram:SpecifiedLineTradeAgreement", "ram:SpecifiedSupplyChainTradeAgreement"),
    "line_delivery": ("ram:SpecifiedLineTradeDelivery", "ram:SpecifiedSupplyChainTradeDelivery"),
    "line_settlement": (
        "ram:SpecifiedLineTradeSettlement",
        "ram:SpecifiedSupplyChainTradeSettlement",
    ),
    "line_sums": (
        "ram:SpecifiedTradeSettlementLineMonetarySummation",
        "ram:SpecifiedTradeSettlementMonetarySummation",
    ),
    "rate": ("ram:RateApplicablePercent", "ram:ApplicablePercent"),
    "doc_id": ("ram:IssuerAssignedID", "ram:ID"),
}


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    rsm: str
    ram: str
    udt: str
    renamed: dict[str, str]

    def __call__(self, logical: str) -> str:
        """The Clark tag for a logical name or a plain `ram:` element name."""
        found = self.renamed.get(logical)
        if found is None:
            # Memoised: the set of names is small and fixed by the reader's code.
            found = self.renamed[logical] = _clark(self.ram, logical)
        return found

    def typed(self, element_tag: str) -> tuple[str, ...]:
        """The child path to a typed value: `udt:DateTimeString` / `udt:Indicator`, or the
        element itself in the release-candidate dialect, which has no udt wrapper."""
        return (_clark(self.udt, element_tag),) if self.udt else ()


def _clark(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}" if namespace else local


def _dialect(name: str, rsm: str, ram: str, udt: str, version: int) -> Dialect:
    prefixes = {"rsm": rsm, "ram": ram}
    renamed: dict[str, str] = {}
    for logical, names in _RENAMED.items():
        prefix, local = names[version].split(":")
        renamed[logical] = _clark(prefixes[prefix], local)
    return Dialect(name, rsm, ram, udt, renamed)


CII_2 = _dialect("cii", RSM_2, RAM_2, UDT_2, 0)
CII_1 = _dialect("zugferd1", RSM_1, RAM_1, UDT_1, 1)
CII_RC = _dialect("zugferd1rc", RSM_RC, "", "", 1)

ROOTS = {
    f"{{{RSM_2}}}CrossIndustryInvoice": CII_2,
    f"{{{RSM_1}}}CrossIndustryDocument": CII_1,
    f"{{{RSM_RC}}}Invoice": CII_RC,
}

"""Which purchase VAT code an invoice line calls for, in Norway and Sweden, from the invoice alone.

The line's VAT category (UNCL 5305: S standard, AE reverse charge, K intra-EU, G export,
E exempt, Z zero, O outside scope) and rate, and where the supplier is, decide:

| buyer | supplier | line says | code | why |
|---|---|---|---|---|
| NO | NO | S 25/15/12/11.11 | 1 / 11 / 13 / 12 | domestic input VAT, deductible |
| NO | NO | AE | 91 | domestic reverse charge (emission allowances, gold) |
| NO | abroad | AE, K, G, O, no VAT | 86 | services bought from abroad: reverse charge |
| NO | abroad | S with a rate | 0 | foreign VAT: not deductible here, part of the cost |
| SE | SE | S 25/12/6 | SE25 / SE12 / SE6 | ingående moms |
| SE | SE | AE | SEDRC25 | omvänd betalningsskyldighet inom landet (bygg) |
| SE | abroad | K | SEGEU25 | varor från annat EU-land |
| SE | abroad | AE, G, O, no VAT | SERC25 (12, 6) | tjänster från utlandet: omvänd skattskyldighet |
| SE | abroad | S with a rate | SE0 | foreign VAT: part of the cost |
| any | any | E, Z, O (home), rate 0 | 0 / SE0 | no VAT |

Kontera's codes are the SAF-T standard tax codes in Norway (Tripletex and PowerOffice Go use
the same numbers) and `SE…` codes in Sweden (`kontera.post.vat` says which BAS accounts each
one books). `None` means the invoice says too little (no category, no rate): abstain.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kontera.domain.invoice import Invoice

_NO_DOMESTIC = {Decimal(25): "1", Decimal(15): "11", Decimal("11.11"): "12", Decimal(12): "13"}
_NO_ABROAD = {Decimal(25): "86", Decimal(12): "88"}
_SE_DOMESTIC = {Decimal(25): "SE25", Decimal(12): "SE12", Decimal(6): "SE6"}
_SE_ABROAD = {Decimal(25): "SERC25", Decimal(12): "SERC12", Decimal(6): "SERC6"}
_NO_VAT = {"E", "Z", "O", "G"}
_REVERSE = {"AE", "K", "G", "O"}
# EHF 2.0 and some older producers name the reduced rates H (higher) and AA (lower).
_RATED = {"S", "H", "AA"}


@dataclass(frozen=True, slots=True)
class VatRule:
    code: str | None
    why: str
    foreign_vat: bool = False  # the supplier charged another country's VAT: a cost here


def no_vat_code(country: str) -> str:
    return "SE0" if country.upper() == "SE" else "0"


def rule_for_line(
    category: str | None,
    rate: Decimal | None,
    supplier_country: str | None,
    home: str = "NO",
) -> VatRule:
    """The code the invoice line itself calls for (see the module's table)."""
    home = home.upper()
    category = _category(category)
    abroad = bool(supplier_country) and supplier_country.upper() != home  # type: ignore[union-attr]
    if abroad:
        return _abroad(category, rate, home)
    if category == "AE":
        code = "SEDRC25" if home == "SE" else "91"
        return VatRule(code, "domestic reverse charge (category AE)")
    if category in _NO_VAT or (rate is not None and rate == 0):
        return VatRule(no_vat_code(home), f"no VAT on the line (category {category or '-'})")
    if rate is None:
        return VatRule(None, "the invoice gives no VAT rate for the line")
    table = _SE_DOMESTIC if home == "SE" else _NO_DOMESTIC
    found = table.get(rate.normalize()) or table.get(rate)
    if found is None:
        return VatRule(None, f"{rate} % is not a {home} VAT rate")
    return VatRule(found, f"domestic input VAT at {rate.normalize()} %")


def _category(text: str | None) -> str | None:
    category = (text or "").strip().upper() or None
    return "S" if category in _RATED else category


def line_rate(invoice: Invoice, index: int) -> Decimal | None:
    """The line's VAT rate, or its category's only rate in the VAT breakdown (EHF 2.0 lines
    name a category without a rate)."""
    line = invoice.lines[index]
    if line.vat_rate is not None:
        return line.vat_rate
    rates = {b.rate for b in invoice.vat_breakdown if b.category == line.vat_category}
    if len(rates) == 1:
        return rates.pop()
    return None


def rule_for_invoice_line(invoice: Invoice, index: int, home: str) -> VatRule:
    line = invoice.lines[index]
    return rule_for_line(line.vat_category, line_rate(invoice, index), invoice.seller.country, home)


def _abroad(category: str | None, rate: Decimal | None, home: str) -> VatRule:
    charged = category in {None, "S"} and rate is not None and rate > 0
    if charged:
        return VatRule(
            no_vat_code(home),
            f"the supplier abroad charged {rate.normalize()} % foreign VAT: not deductible, "  # type: ignore[union-attr]
            "booked as part of the cost",
            foreign_vat=True,
        )
    if category in {"E", "Z"}:
        return VatRule(no_vat_code(home), f"no VAT on the line (category {category})")
    if home == "SE" and category == "K":
        return VatRule("SEGEU25", "goods from another EU country (category K): reverse charge")
    if category in _REVERSE or category is None:
        home_rate = Decimal(25)
        table = _SE_ABROAD if home == "SE" else _NO_ABROAD
        code = table.get(home_rate)
        return VatRule(code, "bought from abroad without VAT: reverse charge at the home rate")
    return VatRule(None, f"VAT category {category} from abroad")

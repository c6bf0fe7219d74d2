"""VAT codes: SAF-T standard tax codes (NO) and Swedish rates, with each system's codes.

Norwegian codes are the SAF-T standard tax codes (`corpus/saft-no/Standard Tax Codes`).
Tripletex and PowerOffice Go number their VAT types after the same standard codes, so the
code passes through; Fortnox has no VAT field on a voucher row, so a Swedish code says which
BAS account its VAT goes to. Swedish codes carry an `SE` prefix to keep the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg


class VatKind(StrEnum):
    NONE = "none"  # no VAT on the line (0, 20, 85 …)
    INPUT = "input"  # VAT paid to the supplier and deducted
    INPUT_NOT_DEDUCTIBLE = "input_not_deductible"  # VAT paid to the supplier, part of the cost
    REVERSE_CHARGE = "reverse_charge"  # buyer computes input and output VAT, supplier gets net


@dataclass(frozen=True, slots=True)
class VatCode:
    code: str
    rate: Decimal
    kind: VatKind
    description: str
    country: str = "NO"
    input_account: str | None = None  # where deductible / computed input VAT is posted
    output_account: str | None = None  # where reverse-charge output VAT is posted

    @property
    def charged_by_supplier(self) -> bool:
        """Whether the supplier's invoice includes this VAT (and the payable includes it)."""
        return self.kind in (VatKind.INPUT, VatKind.INPUT_NOT_DEDUCTIBLE)

    @property
    def tripletex_number(self) -> str:
        """Tripletex's VatType.number: the SAF-T code itself (Tripletex adopted them in 2022)."""
        return self.code

    @property
    def poweroffice_code(self) -> str:
        """PowerOffice Go's VAT code: also the SAF-T standard code."""
        return self.code


_P25 = Decimal("25")
_P15 = Decimal("15")
_P12 = Decimal("12")
_P6 = Decimal("6")
_P0 = Decimal("0")

# NS 4102: 2710 inngående mva, 2700 utgående mva (charts differ per company: configurable
# by passing another table to the builder).
_NO_IN = "2710"
_NO_OUT = "2700"
# BAS: 2641 debiterad ingående moms, 2645 beräknad ingående moms på förvärv från utlandet,
# 2614 utgående moms omvänd skattskyldighet 25 % (2624 at 12 %, 2634 at 6 %), 2615 utgående
# moms import av varor från EU, 2617/2647 omvänd betalningsskyldighet inom Sverige (bygg).
_SE_IN = "2641"
_SE_RC_IN = "2645"
_SE_RC_OUT = "2614"

_RC = VatKind.REVERSE_CHARGE
_IN = VatKind.INPUT
_NONE = VatKind.NONE

_CODES: tuple[VatCode, ...] = (
    VatCode("0", _P0, _NONE, "Ingen mva-behandling (anskaffelser)"),
    VatCode("1", _P25, _IN, "Inngående mva, alminnelig sats", "NO", _NO_IN),
    VatCode("11", _P15, _IN, "Inngående mva, middels sats", "NO", _NO_IN),
    VatCode("12", Decimal("11.11"), _IN, "Inngående mva, råfisk", "NO", _NO_IN),
    VatCode("13", _P12, _IN, "Inngående mva, lav sats", "NO", _NO_IN),
    VatCode("20", _P0, _NONE, "Innførsel av varer, ingen mva-behandling"),
    VatCode("85", _P0, _NONE, "Innførsel av varer, ikke mva-pliktig"),
    VatCode("86", _P25, _RC, "Tj. fra utlandet, fradrag", "NO", _NO_IN, _NO_OUT),
    VatCode("87", _P25, _RC, "Tj. fra utlandet, uten fradrag", "NO", None, _NO_OUT),
    VatCode("88", _P12, _RC, "Tj. fra utlandet, lav sats, fradrag", "NO", _NO_IN, _NO_OUT),
    VatCode("89", _P12, _RC, "Tj. fra utlandet, lav sats, uten fradrag", "NO", None, _NO_OUT),
    VatCode("91", _P25, _RC, "Klimakvoter/gull, fradrag", "NO", _NO_IN, _NO_OUT),
    VatCode("92", _P25, _RC, "Klimakvoter/gull, uten fradrag", "NO", None, _NO_OUT),
    VatCode("SE25", _P25, _IN, "Ingående moms 25 %", "SE", _SE_IN),
    VatCode("SE12", _P12, _IN, "Ingående moms 12 %", "SE", _SE_IN),
    VatCode("SE6", _P6, _IN, "Ingående moms 6 %", "SE", _SE_IN),
    VatCode("SE0", _P0, _NONE, "Ingen moms", "SE"),
    VatCode("SERC25", _P25, _RC, "Tjänst utland, omvänd 25 %", "SE", _SE_RC_IN, _SE_RC_OUT),
    VatCode("SERC12", _P12, _RC, "Tjänst utland, omvänd 12 %", "SE", _SE_RC_IN, "2624"),
    VatCode("SERC6", _P6, _RC, "Tjänst utland, omvänd 6 %", "SE", _SE_RC_IN, "2634"),
    VatCode("SEGEU25", _P25, _RC, "Varor från annat EU-land 25 %", "SE", _SE_RC_IN, "2615"),
    VatCode("SEDRC25", _P25, _RC, "Omvänd moms inom landet 25 %", "SE", "2647", "2617"),
)  # fmt: skip


class VatTable:
    """Look up VAT codes; a company may pass its own table (other VAT accounts)."""

    def __init__(self, codes: tuple[VatCode, ...] = _CODES) -> None:
        self._by_code = {code.code: code for code in codes}

    def get(self, code: str | None) -> VatCode:
        key = (code or "0").strip().upper()
        found = self._by_code.get(key)
        if found is None:
            raise InvalidInput(msg("VAT code {code} is not one Kontera can post.", code=repr(code)))
        return found

    def for_rate(self, rate: Decimal, country: str) -> VatCode:
        """The ordinary deductible input code with this rate (a document line's VAT)."""
        for vat in self._by_code.values():
            if vat.country == country and vat.rate == rate and vat.kind is VatKind.INPUT:
                return vat
        if rate == 0:
            return self.get("SE0" if country == "SE" else "0")
        raise InvalidInput(
            msg("No {country} VAT code has the rate {rate} %.", country=country, rate=rate)
        )

    def codes(self) -> list[VatCode]:
        return list(self._by_code.values())


DEFAULT_VAT_TABLE = VatTable()

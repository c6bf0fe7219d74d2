"""Which input-VAT code a cost line gets: rules first, the company's habits where they choose.

The rules come from the invoice: its VAT category (UNCL 5305) and rate, and whether the
supplier is abroad (import of services → reverse charge). They narrow the SAF-T standard
codes (Skatteetaten's list of 30; this module carries the purchase-side ones it needs, written
from the published descriptions). Where several codes remain — deductible or not, goods or
services — the company's own history for the chosen account decides. Output is the
company's own code when its SAF-T tax table maps one to the standard code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from kontera.domain.messages import Message
from kontera.domain.messages import msg

# Purchase-side SAF-T standard tax codes (Norway): code → (rate %, what it means).
STANDARD_PURCHASE_CODES: dict[str, tuple[Decimal | None, str]] = {
    "0": (None, "No VAT treatment (purchases)"),
    "1": (Decimal(25), "Input VAT deductible, domestic, standard rate"),
    "11": (Decimal(15), "Input VAT deductible, domestic, food rate"),
    "12": (Decimal("11.11"), "Input VAT deductible, domestic, raw fish"),
    "13": (Decimal(12), "Input VAT deductible, domestic, low rate"),
    "14": (Decimal(25), "Input VAT deductible, paid on import, standard rate"),
    "15": (Decimal(15), "Input VAT deductible, paid on import, food rate"),
    "20": (None, "Import of goods, no VAT treatment"),
    "21": (Decimal(25), "Basis on import of goods, standard rate"),
    "22": (Decimal(15), "Basis on import of goods, food rate"),
    "81": (Decimal(25), "Import of goods, VAT deductible"),
    "82": (Decimal(25), "Import of goods, without deduction"),
    "86": (Decimal(25), "Services bought from abroad, VAT deductible"),
    "87": (Decimal(25), "Services bought from abroad, without deduction"),
    "88": (Decimal(12), "Services bought from abroad, low rate, VAT deductible"),
    "89": (Decimal(12), "Services bought from abroad, low rate, without deduction"),
    "91": (Decimal(25), "Emission allowances or gold, VAT deductible"),
    "92": (Decimal(25), "Emission allowances or gold, without deduction"),
}
_DOMESTIC_BY_RATE = {Decimal(25): "1", Decimal(15): "11", Decimal(12): "13"}
_ABROAD_BY_RATE = {Decimal(25): ("86", "87"), Decimal(12): ("88", "89")}
_NO_VAT_CATEGORIES = {"E", "O", "Z", "G", "K"}


@dataclass(frozen=True, slots=True)
class VatChoice:
    code: str | None  # the company's code (or the standard code when it has no mapping)
    standard_code: str | None
    reason: Message


def allowed_standard_codes(
    category: str | None, rate: Decimal | None, supplier_country: str | None, home: str = "NO"
) -> tuple[str, ...]:
    """Standard codes the invoice allows for a purchase line; () when it says too little."""
    abroad = supplier_country is not None and supplier_country.upper() not in {"", home}
    if category == "AE" or (abroad and category in {None, "S", "AE"}):
        return _ABROAD_BY_RATE.get(rate or Decimal(25), ("86", "87"))
    if category in _NO_VAT_CATEGORIES or (rate is not None and rate == 0):
        return ("0",)
    if rate is not None:
        normal = _DOMESTIC_BY_RATE.get(rate.normalize())
        return (normal, "0") if normal else ()
    return ()


@dataclass(slots=True)
class VatHabits:
    """How the company coded VAT per account, and its own code ↔ standard code mapping."""

    by_account: dict[str, Counter[str]]
    to_standard: dict[str, str]

    def choose(
        self,
        account: str | None,
        category: str | None,
        rate: Decimal | None,
        supplier_country: str | None,
    ) -> VatChoice:
        allowed = allowed_standard_codes(category, rate, supplier_country)
        habits = self.by_account.get(account or "", Counter())
        ranked = [code for code, _ in habits.most_common()]
        if allowed:
            for code in ranked:
                if self._standard(code) in allowed:
                    return VatChoice(code, self._standard(code), self._why(allowed, code, True))
            standard = allowed[0]
            own = self._own(standard)
            return VatChoice(own, standard, self._why(allowed, standard, False))
        if ranked:
            code = ranked[0]
            reason = msg(
                "the invoice gives no VAT rate; account {account} usually uses code {code}",
                account=account,
                code=code,
            )
            return VatChoice(code, self._standard(code), reason)
        return VatChoice(None, None, msg("the invoice gives no VAT rate and there is no history"))

    def _standard(self, code: str) -> str:
        return self.to_standard.get(code, code)

    def _own(self, standard: str) -> str:
        for own, mapped in self.to_standard.items():
            if mapped == standard:
                return own
        return standard

    def _why(self, allowed: tuple[str, ...], code: str, from_history: bool) -> Message:
        rule = msg(
            "the invoice's VAT rate and supplier country allow code {codes}",
            codes=_either(allowed),
        )
        if len(allowed) == 1:
            return rule
        if from_history:
            return msg("{rule}; this account usually uses {code}", rule=rule, code=code)
        return msg("{rule}; {code} is the ordinary choice", rule=rule, code=code)


def _either(codes: tuple[str, ...]) -> Message:
    if len(codes) == 1:
        return msg("{code}", code=codes[0])
    return msg("{first} or {second}", first=", ".join(codes[:-1]), second=codes[-1])


def learn_vat_habits(
    pairs: list[tuple[str, str | None]], to_standard: Mapping[str, str] | None = None
) -> VatHabits:
    """From (account, vat_code) of history lines."""
    by_account: dict[str, Counter[str]] = {}
    for account, code in pairs:
        if code:
            by_account.setdefault(account, Counter())[code] += 1
    return VatHabits(by_account, dict(to_standard or {}))

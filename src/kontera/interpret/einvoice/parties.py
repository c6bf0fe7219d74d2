"""Choosing and normalising party identifiers and payment accounts, shared by UBL and CII."""

from __future__ import annotations

import re

from kontera.domain.identifiers import normalise_iban
from kontera.domain.identifiers import normalise_vat_id
from kontera.domain.identifiers import valid_iban

_NO_VAT_WITHOUT_PREFIX = re.compile(r"^\d{9}MVA$")
_SE_GIRO = {"SE:BANKGIRO": "payment.bankgiro", "SE:PLUSGIRO": "payment.plusgiro"}


def normalise_party_vat_id(vat_id: str | None, country: str | None) -> str | None:
    """EHF 2.0 wrote Norwegian VAT ids without the country prefix ("123456785MVA")."""
    if vat_id is None:
        return None
    compact = normalise_vat_id(vat_id)
    if country == "NO" and _NO_VAT_WITHOUT_PREFIX.match(compact):
        return "NO" + compact
    return vat_id.strip()


def account_fields(account_id: str | None, branch_id: str | None) -> dict[str, str]:
    """Domain payment paths for BT-84 (account) and BT-86 (BIC, or the Swedish giro marker).

    Swedish BIS 3 marks bankgiro/plusgiro numbers with branch "SE:BANKGIRO"/"SE:PLUSGIRO";
    an IBAN is recognised by its checksum; anything else is a domestic account number.
    """
    if account_id is None:
        return {"payment.bic": branch_id} if branch_id else {}
    giro = _SE_GIRO.get((branch_id or "").upper())
    if giro:
        return {giro: account_id}
    result: dict[str, str] = {}
    if valid_iban(account_id):
        result["payment.iban"] = normalise_iban(account_id)
    else:
        result["payment.bank_account"] = account_id
    if branch_id:
        result["payment.bic"] = branch_id
    return result

"""A stable key per supplier, so history, layouts and bank accounts can be looked up."""

from __future__ import annotations

import re

from kontera.domain.identifiers import digits
from kontera.domain.identifiers import normalise_vat_id
from kontera.domain.identifiers import org_number_from_no_vat_id
from kontera.domain.invoice import Party


def supplier_key(party: Party) -> str | None:
    """Org.nr first (also read out of a Norwegian VAT id), then VAT id, then the name."""
    if party.org_number and digits(party.org_number):
        return f"org:{digits(party.org_number)}"
    if party.vat_id:
        org = org_number_from_no_vat_id(party.vat_id)
        return f"org:{org}" if org else f"vat:{normalise_vat_id(party.vat_id)}"
    if party.name:
        return f"name:{normalise_name(party.name)}"
    return None


_COMPANY_FORMS = re.compile(r"\b(as|asa|ab|aps|gmbh|ltd|limited|oy|sa|ag|inc|publ)\b\.?")


def normalise_name(name: str) -> str:
    lowered = name.casefold()
    lowered = _COMPANY_FORMS.sub(" ", lowered)
    return " ".join(re.findall(r"\w+", lowered))

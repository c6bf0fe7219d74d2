"""What a person has confirmed about a supplier: the values its invoices always carry.

A supplier's organisation number, VAT id, currency and bank account are the same on every
invoice. Where a person approved several of its invoices with one value (after any
correction), a new invoice read with that value is read right unless the reader found the
very same digits by mistake; a changed value (a new bank account, another currency) gets no
such confirmation and is read on its own confidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from kontera.domain.codec import invoice_from_json
from kontera.store import repo
from kontera.suggest.voucher_confidence import STABLE_FIELDS
from kontera.suggest.voucher_confidence import comparable

MIN_CONFIRMATIONS = 2


def confirmed_values(session: Session, document_ids: Sequence[str]) -> dict[str, str]:
    """Per stable field, the value every one of these approved invoices carried."""
    seen: dict[str, dict[str, str]] = {}  # path → comparable form → the value as written
    counted = 0
    for document_id in document_ids:
        record = repo.latest_interpretation(session, document_id=document_id)
        if record is None:
            continue
        counted += 1
        fields = invoice_from_json(record.payload).fields
        for path in STABLE_FIELDS:
            found = fields.get(path)
            value = "" if found is None or found.value in (None, "") else str(found.value)
            seen.setdefault(path, {}).setdefault(comparable(path, value), value)
    if counted < MIN_CONFIRMATIONS:
        return {}
    return {
        path: next(iter(values.values()))
        for path, values in seen.items()
        if len(values) == 1 and "" not in values
    }

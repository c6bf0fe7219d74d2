"""One sentence a bookkeeper accepts: why this account for this line.

"8 of 9 earlier lines from Telenor Norge AS went to 6900 Telefon; this line says
'mobilabonnement'." The numbers are the counted evidence the model used, not a story
written afterwards.
"""

from __future__ import annotations

import numpy as np

from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.suggest.evidence import Evidence
from kontera.suggest.features import Query
from kontera.suggest.features import token_index
from kontera.suggest.features import wording_key
from kontera.suggest.features import words


def account_label(account: str, names: dict[str, str]) -> str:
    name = names.get(account)
    return f"{account} {name}" if name else account


def explain(
    evidence: Evidence,
    query: Query,
    account: int,
    label: str,
    supplier_display: str | Message,
) -> Message:
    first = _supplier_part(evidence, query, account, label, supplier_display)
    wording = _wording_part(evidence, query, account)
    word = None if wording else supporting_word(evidence, query, account)
    if wording:
        return msg("{first}; {second}.", first=first, second=wording)
    if word:
        return msg("{first}; this line says '{word}'.", first=first, word=word)
    return msg("{first}.", first=first)


def _wording_part(evidence: Evidence, query: Query, account: int) -> Message | None:
    """'the same text ("Gas - Mercer Gallery") went there 11 of 12 times', when it did."""
    if not words(query.description):
        return None
    row = evidence.supplier_text.index.get(wording_key(query), -1)
    if row < 0:
        return None
    here = int(evidence.supplier_text.counts[row, account])
    total = int(evidence.supplier_text.totals[row])
    if here == 0:
        return None
    text = query.description.strip()
    shown = text if len(text) <= 40 else text[:39] + "…"
    return msg(
        "the same text ('{text}') went there {here} of {total} times",
        text=shown,
        here=here,
        total=total,
    )


def _supplier_part(
    evidence: Evidence, query: Query, account: int, label: str, supplier_display: str | Message
) -> Message:
    row = evidence.supplier.index.get(query.supplier, -1)
    if row < 0:
        return msg(
            "No earlier invoices from {supplier}; similar suppliers and words point to {account}",
            supplier=supplier_display,
            account=label,
        )
    total = int(evidence.supplier.totals[row])
    here = int(evidence.supplier.counts[row, account])
    if here == 0:
        return msg(
            "None of {total} earlier lines from {supplier} went to {account}, "
            "but the line's content points there",
            total=total,
            supplier=supplier_display,
            account=label,
        )
    latest_row = evidence.latest.index.get(query.supplier, -1)
    if latest_row >= 0 and total > 1:
        return msg(
            "{here} of {total} earlier lines from {supplier} went to {account} "
            "({recent} of the last {last_n})",
            here=here,
            total=total,
            supplier=supplier_display,
            account=label,
            recent=int(evidence.latest.counts[latest_row, account]),
            last_n=int(evidence.latest.totals[latest_row]),
        )
    return msg(
        "{here} of {total} earlier lines from {supplier} went to {account}",
        here=here,
        total=total,
        supplier=supplier_display,
        account=label,
    )


def supporting_word(evidence: Evidence, query: Query, account: int) -> str | None:
    """The word of the line most associated with the account in this company's history."""
    best, best_score = None, 0.0
    for word in dict.fromkeys(words(query.description)):
        column = evidence.text.log_ratio[token_index(f"w:{word}")]
        score = float(column[0, account]) if column.nnz else 0.0
        if score > best_score and not word.strip("0").isdigit():
            best, best_score = word, score
    return best if best_score > float(np.log1p(2)) else None

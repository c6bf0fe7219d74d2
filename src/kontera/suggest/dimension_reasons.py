"""One sentence a bookkeeper accepts: why this department, project or cost centre.

"department 20: the buyer's reference 'Kari' went there 14 of 15 times". The numbers are the
counts the suggestion weighed most (`dimensions.py`), not a story written afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from kontera.domain.messages import N_
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.suggest.features import Query

KIND_LABELS = {"department": N_("department"), "project": N_("project"),
               "cost_centre": N_("cost centre")}  # fmt: skip
_SENTENCES = {
    "buyer_reference": N_(
        "{kind} {code}: the buyer's reference '{ref}' went there {here} of {total} times"
    ),
    "order_reference": N_(
        "{kind} {code}: order numbers like '{ref}' went there {here} of {total} times"
    ),
    "wording": N_("{kind} {code}: the same text ('{text}') went there {here} of {total} times"),
    "supplier_account": N_(
        "{kind} {code}: {here} of {total} earlier lines from {supplier} on account "
        "{account} went there"
    ),
    "supplier": N_("{kind} {code}: {here} of {total} earlier lines from {supplier} went there"),
    "account": N_("{kind} {code}: {here} of {total} earlier lines on account {account} went there"),
    "word": N_("{kind} {code}: lines saying '{word}' went there {here} of {total} times"),
}
_SAME_SENTENCE = {"supplier_buyer_reference": "buyer_reference", "supplier_latest": "supplier"}

Counts = Mapping[str, Mapping[str, float]]


def counted_reason(
    kind: str,
    sources: Mapping[str, Counts],
    prior: Mapping[str, float],
    keys: Mapping[str, Sequence[tuple[str, float]]],
    code: str,
    parts: Mapping[str, float],
    query: Query,
    supplier_display: str | Message,
) -> Message:
    """The counted evidence that weighed most for `code` (`parts`: source → weight), said
    with its counts; the company's habit when nothing specific named it."""
    label = msg(KIND_LABELS[kind])
    # The supplier's latest line is a one-line count: its habit over all lines says it better.
    named = {("supplier" if s == "supplier_latest" else s): w for s, w in parts.items()}
    for source in sorted((s for s in named if s != "prior"), key=lambda s: -named[s]):
        for key, _ in keys.get(source, []):
            cell = sources.get(source, {}).get(key) or {}
            if here := int(cell.get(code, 0)):
                total = int(sum(cell.values()))
                counts = {"kind": label, "code": code, "here": here, "total": total}
                return _sentence(source, counts, query, key, supplier_display)
    return msg(
        "{kind} {code}: the company's most used ({here} of {total} lines)",
        kind=label,
        code=code,
        here=int(prior.get(code, 0)),
        total=int(sum(prior.values())),
    )


def _sentence(
    source: str,
    counts: dict[str, Any],
    query: Query,
    key: str,
    supplier_display: str | Message,
) -> Message:
    source = _SAME_SENTENCE.get(source, source)
    text = query.description.strip()
    values: dict[str, dict[str, Any]] = {
        "buyer_reference": {"ref": query.buyer_reference.strip()},
        "order_reference": {"ref": query.order_reference.strip()},
        "wording": {"text": text if len(text) <= 40 else text[:39] + "…"},
        "supplier_account": {"supplier": supplier_display, "account": key.rpartition("|")[2]},
        "supplier": {"supplier": supplier_display},
        "account": {"account": key},
        "word": {"word": key},
    }
    return msg(_SENTENCES[source], **counts, **values[source])

"""What the words around a value name, as one vector of the same meaning in every language.

Each position is a field the labels of `labels.LABELS` name (with the label's weight, look-alikes
excluded) or a family of context words of `labels.CONTEXT` (customer, order, prepayment …):
"Fakturanr.", "Rechnungs-Nr." and "Invoice no." give one vector, which is what lets the
learned reader's features mean the same on every layout.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kontera.interpret.fields.candidates import label_excluded
from kontera.interpret.fields.labels import ANY_LABEL
from kontera.interpret.fields.labels import CONTEXT
from kontera.interpret.fields.labels import LABELS
from kontera.interpret.fields.labels import fold

LABEL_FIELDS = tuple(LABELS)
CONTEXT_NAMES = tuple(CONTEXT)
CONCEPTS = LABEL_FIELDS + CONTEXT_NAMES
CONCEPT_INDEX = {name: i for i, name in enumerate(CONCEPTS)}
NOTHING = tuple(0.0 for _ in CONCEPTS)
# Any label or context word at all: most phrases (names, addresses, values) have none.
_ANY = re.compile(
    "|".join([*(p.pattern for p in ANY_LABEL.values()), *(p.pattern for p in CONTEXT.values())])
)


def concepts(text: str) -> tuple[float, ...]:
    """How strongly `text` names each field (its label weight, look-alikes excluded) and each
    context word family (customer, order, prepaid …), in any of the seven languages."""
    return _concepts(re.sub(r"\d+", "0", fold(text.lower())))


@lru_cache(maxsize=50_000)
def _concepts(lower: str) -> tuple[float, ...]:
    if not _ANY.search(lower):
        return NOTHING
    vector = [label_strength(field, lower) for field in LABEL_FIELDS]
    vector += [1.0 if pattern.search(lower) else 0.0 for pattern in CONTEXT.values()]
    return tuple(vector)


def label_strength(field: str, lower: str) -> float:
    if not ANY_LABEL[field].search(lower):
        return 0.0
    best = 0.0
    for label in LABELS[field]:
        if label.weight <= best:
            continue
        for match in label.pattern.finditer(lower):
            if not label_excluded(field, lower, match.start(), match.end()):
                best = label.weight
                break
    return best

"""Features of a seller-name candidate, in terms that hold on every layout.

The letterhead is set in the page's largest type near the top; the sender line and the footer
repeat the name; the seller's VAT id or org.nr sits a few lines under it or beside it in the
footer; a company form (AS, AB, GmbH, B.V., Ltd …) ends it; the hand-set rules
(`seller.name_candidates`) weigh it. None of this names a producer, a family's position or
a word list of one family; the name's own letters are not described at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kontera.interpret.fields.labels import COMPANY_SUFFIX
from kontera.interpret.fields.reader_hits import Hit
from kontera.interpret.fields.seller import name_candidates
from kontera.interpret.textpage import Page

NAME_FEATURES = [
    "cut",
    "form_end",
    "form_any",
    "words",
    "upper_share",
    "height_rank",
    "height_to_max",
    "line",
    "tax_id_lines",
    "tax_id_aligned",
    "repeats",
    "rule_weight",
    "title_word",
]
_TITLE = re.compile(r"(?i)(?<![^\W\d_])(?:faktura|invoice|rechnung|facture|factuur|kvittering)")


def normal(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class NameContext:
    """What a name candidate is compared with: the document's text, the first page's type
    sizes, where the seller's tax ids are, and the rules' weights."""

    text: str
    heights: tuple[float, ...]  # distinct type sizes of the first page, largest first
    tax_ids: tuple[tuple[int, int, float, float], ...]  # (page, line, x0, x1), not the buyer's
    rule_weights: dict[str, float]

    @classmethod
    def of(
        cls, pages: list[Page], hits: Sequence[Hit], roles: dict[tuple[int, int, float], str]
    ) -> NameContext:
        first = pages[0].words if pages else []
        heights = sorted({round(w.height * 2) / 2 for w in first}, reverse=True)
        tax_ids = tuple(
            (h.page, h.line, h.box.x0, h.box.x1)
            for h in hits
            if h.kind in ("vat_id", "org") and roles.get((h.page, h.line, h.box.x0)) != "buyer"
        )
        weights: dict[str, float] = {}
        for candidate in name_candidates(pages):
            key = normal(str(candidate.value))
            weights[key] = max(weights.get(key, 0.0), candidate.label)
        text = normal(" \n ".join(page.text for page in pages))
        return cls(text, tuple(heights), tax_ids, weights)


def name_features(hit: Hit, names: NameContext) -> list[float]:
    value = str(hit.value)
    letters = [c for c in value if c.isalpha()]
    height = round(hit.height * 2) / 2
    rank = next((i for i, h in enumerate(names.heights) if h <= height), len(names.heights))
    tallest = names.heights[0] if names.heights else hit.height
    # Left- or right-aligned with the id: the seller's block, whichever side it is set on.
    near = [
        (abs(line - hit.line), min(abs(x0 - hit.box.x0), abs(x1 - hit.box.x1)))
        for page, line, x0, x1 in names.tax_ids
        if page == hit.page
    ]
    closest = min(near, default=None)
    key = normal(value)
    return [
        float(hit.cut),
        float(_form_at_end(value)),
        float(bool(COMPANY_SUFFIX.search(value))),
        float(len(value.split())),
        sum(c.isupper() for c in letters) / max(len(letters), 1),
        float(rank),
        hit.height / max(tallest, 1.0),
        float(hit.line),
        float(closest[0]) if closest else math.nan,
        float(closest[1] <= 4) if closest else math.nan,
        float(names.text.count(key)),
        names.rule_weights.get(key, 0.0),
        float(bool(_TITLE.search(value))),
    ]


def _form_at_end(value: str) -> bool:
    forms = list(COMPANY_SUFFIX.finditer(value))
    return bool(forms) and not value[forms[-1].end() :].strip(" .,")

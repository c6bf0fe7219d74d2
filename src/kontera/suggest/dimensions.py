"""Department, project and cost centre per line, from the same counted evidence as accounts.

For each dimension kind the company's history has, Kontera counts which code went with each
piece of evidence a new line brings: the buyer's reference ("Deres ref: Kari" → department 20),
the order number's pattern, the supplier, the supplier and account together, the account, the
exact wording, single words. A line's candidates are scored by a weighted blend of those
counts (strong, specific evidence weighs more, thin evidence less); the top code's share of
the blend is mapped to a probability by isotonic regression fitted on the newest fifth of the
history seen from the older four fifths, as accounts are. "No code" is a candidate like any
other, so a company that leaves most lines without a project gets no project noise.

Kinds the history does not use (fewer than `MIN_LINES` lines or `MIN_SHARE` of them with a
code) are not suggested at all. The model is plain counts, kept as JSON inside the company's
model file, and recounted with the account evidence after every approval.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np

from kontera.domain.messages import Message
from kontera.suggest.dimension_reasons import counted_reason
from kontera.suggest.features import Query
from kontera.suggest.features import order_key
from kontera.suggest.features import query_from_history
from kontera.suggest.features import reference_key
from kontera.suggest.features import wording_key
from kontera.suggest.features import words
from kontera.suggest.history import HistoryLine

KINDS = ("department", "project", "cost_centre")
NO_CODE = ""  # the line had no code of this kind: a candidate like any other
MIN_LINES = 10
MIN_SHARE = 0.02
ABSTAIN_BELOW = 0.5
CALIBRATION_SHARE = 0.2
LAGS = 1  # calibration lines seen from the counts just before them (2: also a fifth earlier)
MIN_CALIBRATION_LINES = 30
# How much one source's evidence weighs once it is plentiful; a source seen n times counts
# n / (n + 1) of its weight, so one earlier line is a hint and twenty are a habit.
WEIGHTS = {
    "buyer_reference": 4.0,
    "supplier_buyer_reference": 4.0,
    "order_reference": 2.0,
    "wording": 2.5,
    "supplier_account": 2.0,
    "supplier": 1.0,
    "supplier_latest": 1.0,
    "account": 0.6,
    "word": 0.25,
}
PRIOR_WEIGHT = 0.05
PRIOR_CODES = 5
RETIRED_HALF_LIFE_DAYS = 90.0  # a code unused company-wide for 3 months weighs half

Counts = dict[str, dict[str, float]]  # key → code → count
# The line's likely accounts with their probabilities (the account suggestion's top three):
# department habits per account are weighed by how sure the account is, so that an unsure
# account does not make a sure department.
Accounts = Sequence[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class DimensionGuess:
    """One kind's suggestion for one line: the code (None: abstain or no code), why."""

    kind: str
    code: str | None
    confidence: float
    reason: Message | None = None
    best: str = NO_CODE  # the likeliest code even when abstaining (for measuring)


def evidence_keys(query: Query, accounts: Accounts) -> dict[str, list[tuple[str, float]]]:
    """Every source's keys for one line, each with its weight (1, or the account's
    probability); an empty list when the line has nothing for that source."""
    buyer = reference_key(query.buyer_reference)
    order = order_key(query.order_reference)
    text = words(query.description)
    return {
        "buyer_reference": [(buyer, 1.0)] if buyer else [],
        "supplier_buyer_reference": [(f"{query.supplier}|{buyer}", 1.0)] if buyer else [],
        "order_reference": [(order, 1.0)] if order else [],
        "wording": [(wording_key(query), 1.0)] if text else [],
        "supplier_account": [(f"{query.supplier}|{a}", p) for a, p in accounts],
        "supplier": [(query.supplier, 1.0)],
        "supplier_latest": [(query.supplier, 1.0)],
        "account": list(accounts),
        "word": [(w, 1.0) for w in sorted(set(text))],
    }


@dataclass(slots=True)
class KindEvidence:
    """Counts for one dimension kind, per source and key."""

    kind: str
    prior: dict[str, float] = field(default_factory=dict)
    sources: dict[str, Counts] = field(default_factory=dict)
    curve_x: list[float] = field(default_factory=list)  # isotonic calibration, raw share →
    curve_y: list[float] = field(default_factory=list)  # P(right)
    # When each code was last used by anyone (date ordinals; 0 = undated): departments are
    # renamed and merged, and a code nobody has used for a year is fading out.
    last_used: dict[str, int] = field(default_factory=dict)
    _most_used: list[str] | None = field(default=None, repr=False)

    def count(self, query: Query, account: str, code: str) -> None:
        self.prior[code] = self.prior.get(code, 0.0) + 1.0
        self.last_used[code] = max(self.last_used.get(code, 0), query.ordinal)
        for source, keys in evidence_keys(query, [(account, 1.0)]).items():
            table = self.sources.setdefault(source, {})
            for key, _ in keys:
                if source == "supplier_latest":
                    table[key] = {code: 1.0}  # lines are counted oldest first
                    continue
                cell = table.setdefault(key, {})
                cell[code] = cell.get(code, 0.0) + 1.0

    def scores(self, query: Query, accounts: Accounts) -> dict[str, dict[str, float]]:
        """code → source → weighted contribution."""
        blend: dict[str, dict[str, float]] = {}
        for source, keys in evidence_keys(query, accounts).items():
            table = self.sources.get(source, {})
            for key, sure in keys:
                cell = table.get(key)
                if not cell or sure <= 0:
                    continue
                total = sum(cell.values())
                weight = sure * WEIGHTS[source] * total / (total + 1.0) / total
                for code, n in cell.items():
                    parts = blend.setdefault(code, {})
                    parts[source] = parts.get(source, 0.0) + weight * n
        # The company's habit, for the codes the evidence names and its few most used ones (a
        # council has 2 000 cost centres; spreading the prior over all of them says nothing).
        lines = sum(self.prior.values()) or 1.0
        for code in {*blend, *self.most_used()}:
            if used := self.prior.get(code):
                blend.setdefault(code, {})["prior"] = PRIOR_WEIGHT * used / lines
        newest = max(self.last_used.values(), default=0)
        for code, parts in blend.items():
            if code != NO_CODE and (last := self.last_used.get(code, 0)) and newest:
                fade = 0.5 ** ((newest - last) / RETIRED_HALF_LIFE_DAYS)
                for source in parts:
                    parts[source] *= fade
        return blend

    def most_used(self) -> list[str]:
        if self._most_used is None:
            ranked = sorted(self.prior, key=lambda c: -self.prior[c])
            self._most_used = ranked[:PRIOR_CODES]
        return self._most_used

    def calibrate(self, share: float) -> float:
        if not self.curve_x:
            return share * 0.8  # no newer lines to learn from: be modest
        return float(np.interp(share, self.curve_x, self.curve_y))


class DimensionModel:
    """The company's dimension evidence, one `KindEvidence` per kind it uses."""

    def __init__(self, kinds: dict[str, KindEvidence], names: dict[str, str] | None = None):
        self.kinds = kinds
        self.names = names or {}  # supplier key → name, for the reasons

    @classmethod
    def train(cls, lines: Sequence[HistoryLine]) -> DimensionModel:
        """`lines` oldest first. Calibrated on the newest fifth seen from the lines before it
        and from those a fifth further back: the counts are used long after they were made."""
        used = used_kinds(lines)
        queries = [query_from_history(line) for line in lines]
        cut = int(len(lines) * (1 - CALIBRATION_SHARE))
        cuts = [int(len(lines) * (1 - CALIBRATION_SHARE * (1 + lag))) for lag in range(LAGS)]
        kinds: dict[str, KindEvidence] = {}
        for kind in used:
            olders = [_counted(kind, lines[:end], queries[:end]) for end in cuts]
            curve = _calibration(olders, lines[cut:], queries[cut:])
            final = _counted(kind, lines, queries)
            final.curve_x, final.curve_y = curve
            kinds[kind] = final
        names = {line.supplier_key: line.supplier_name for line in lines if line.supplier_name}
        return cls(kinds, names)

    def refresh(self, lines: Sequence[HistoryLine]) -> DimensionModel:
        """Recount from the whole history, keeping the calibration (as accounts do)."""
        queries = [query_from_history(line) for line in lines]
        kinds = {}
        for kind in used_kinds(lines):
            counted = _counted(kind, lines, queries)
            if old := self.kinds.get(kind):
                counted.curve_x, counted.curve_y = old.curve_x, old.curve_y
            kinds[kind] = counted
        names = {line.supplier_key: line.supplier_name for line in lines if line.supplier_name}
        return DimensionModel(kinds, {**self.names, **names})

    def guess(
        self, query: Query, accounts: Accounts, supplier_display: str | Message
    ) -> list[DimensionGuess]:
        return [
            _guess(evidence, query, accounts, supplier_display) for evidence in self.kinds.values()
        ]

    def to_json(self) -> str:
        return json.dumps(
            {
                "names": self.names,
                "kinds": {
                    k: {
                        "prior": e.prior,
                        "sources": e.sources,
                        "x": e.curve_x,
                        "y": e.curve_y,
                        "last": e.last_used,
                    }
                    for k, e in self.kinds.items()
                },
            }
        )

    @classmethod
    def from_json(cls, text: str) -> DimensionModel:
        raw: dict[str, Any] = json.loads(text)
        kinds = {
            kind: KindEvidence(
                kind, part["prior"], part["sources"], part["x"], part["y"], part.get("last") or {}
            )
            for kind, part in raw["kinds"].items()
        }
        return cls(kinds, raw.get("names") or {})


def used_kinds(lines: Iterable[HistoryLine]) -> list[str]:
    """The kinds enough of the history carries a code of."""
    total = 0
    with_code = dict.fromkeys(KINDS, 0)
    for line in lines:
        total += 1
        for kind in KINDS:
            if getattr(line, kind):
                with_code[kind] += 1
    return [k for k in KINDS if with_code[k] >= max(MIN_LINES, MIN_SHARE * total)]


def _counted(kind: str, lines: Sequence[HistoryLine], queries: Sequence[Query]) -> KindEvidence:
    evidence = KindEvidence(kind)
    for line, query in zip(lines, queries, strict=True):
        evidence.count(query, line.account, getattr(line, kind) or NO_CODE)
    return evidence


def _top(
    evidence: KindEvidence, query: Query, accounts: Accounts
) -> tuple[str, float, dict[str, float]]:
    blend = evidence.scores(query, accounts)
    if not blend:
        return NO_CODE, 0.0, {}
    totals = {code: sum(parts.values()) for code, parts in blend.items()}
    code = max(totals, key=lambda c: (totals[c], c == NO_CODE))
    return code, totals[code] / sum(totals.values()), blend[code]


def _calibration(
    olders: Sequence[KindEvidence], lines: Sequence[HistoryLine], queries: Sequence[Query]
) -> tuple[list[float], list[float]]:
    olders = [evidence for evidence in olders if evidence.prior]
    if len(lines) < MIN_CALIBRATION_LINES or not olders:
        return [], []
    from sklearn.isotonic import IsotonicRegression

    shares, right = [], []
    for evidence in olders:
        for line, query in zip(lines, queries, strict=True):
            code, share, _ = _top(evidence, query, [(line.account, 1.0)])
            shares.append(share)
            right.append(float(code == (getattr(line, evidence.kind) or NO_CODE)))
    curve = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    curve.fit(np.array(shares), np.array(right))
    return [float(x) for x in curve.X_thresholds_], [float(y) for y in curve.y_thresholds_]


def _guess(
    evidence: KindEvidence, query: Query, accounts: Accounts, supplier_display: str | Message
) -> DimensionGuess:
    code, share, parts = _top(evidence, query, accounts)
    confidence = evidence.calibrate(share)
    if code == NO_CODE:
        return DimensionGuess(evidence.kind, None, confidence, best=code)
    keys = evidence_keys(query, accounts)
    reason = counted_reason(evidence.kind, evidence.sources, evidence.prior, keys, code, parts,
                            query, supplier_display)  # fmt: skip
    if confidence < ABSTAIN_BELOW:
        return DimensionGuess(evidence.kind, None, confidence, reason, best=code)
    return DimensionGuess(evidence.kind, code, confidence, reason, best=code)

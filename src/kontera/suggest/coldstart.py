"""Cold start: suggestions for a company with (almost) no history of its own.

A cross-company text model maps what a line says to an expense concept (`lexicon.py`), whose
NS 4102 (Norway) or BAS (Sweden) standard account is then mapped into the company's chart —
through the SAF-T StandardAccountID of each company account, or directly when the company
uses the standard numbers. It is trained on Kontera's own lexicon, not on any company's
books, so its confidence is capped: it helps a person choose, it never auto-approves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kontera.domain.invoice import Invoice
from kontera.domain.messages import msg
from kontera.domain.suggestion import Candidate
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.suggest.artifact import load_state
from kontera.suggest.artifact import save_state
from kontera.suggest.features import queries_from_invoice
from kontera.suggest.features import words
from kontera.suggest.lexicon import CONCEPTS
from kontera.suggest.lexicon import Concept

MAX_CONFIDENCE = 0.6  # never trusted for auto-approval
SHIPPED_MODEL = Path(__file__).resolve().parents[3] / "models" / "coldstart"
CHARTS = ("NS4102", "BAS")


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), n_features=2**14, alternate_sign=False,
        norm="l2", lowercase=True,
    )  # fmt: skip


def training_texts() -> tuple[list[str], list[str]]:
    """Each keyword phrase alone and in pairs, labelled with its concept."""
    texts, labels = [], []
    for concept in CONCEPTS:
        for i, word in enumerate(concept.words):
            texts.append(word)
            labels.append(concept.key)
            partner = concept.words[(i + 1) % len(concept.words)]
            texts.append(f"{word} {partner}")
            labels.append(concept.key)
    return texts, labels


def train_coldstart(out_dir: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    texts, labels = training_texts()
    classifier = LogisticRegression(C=20.0, max_iter=2000)
    classifier.fit(_vectorizer().transform(texts), labels)
    train_accuracy = float(classifier.score(_vectorizer().transform(texts), labels))
    sidecar = {
        "data_hash": hashlib.sha256(repr(CONCEPTS).encode()).hexdigest(),
        "n_lines": len(texts),
        "chart": "NS4102+BAS",
        "metrics": {"concepts": len(CONCEPTS), "train_accuracy_on_lexicon": train_accuracy},
    }
    save_state({"classifier": classifier}, out_dir, sidecar)


class ColdStartModel:
    name = "cold-start"

    def __init__(self, classifier: Any, chart: str, company_accounts: Mapping[str, str | None]):
        """company_accounts: the company's account → its standard account (None if unknown)."""
        self.classifier = classifier
        self.chart = chart.upper()
        self.company_accounts = dict(company_accounts)

    @classmethod
    def load(
        cls, chart: str, company_accounts: Mapping[str, str | None], path: Path = SHIPPED_MODEL
    ) -> ColdStartModel:
        state, _ = load_state(path)
        return cls(state["classifier"], chart, company_accounts)

    def standard_account(self, concept: Concept) -> str:
        return concept.bas if self.chart.startswith("BAS") else concept.ns4102

    def company_account(self, standard: str) -> str | None:
        """The company account mapped to this standard account (exact, then same group)."""
        for prefix_length in (4, 3, 2):
            prefix = standard[:prefix_length]
            for account, mapped in sorted(self.company_accounts.items()):
                if (mapped or account)[:prefix_length] == prefix:
                    return account
        return None if self.company_accounts else standard

    def suggest(self, invoice: Invoice, supplier_key: str) -> Suggestion:
        queries = queries_from_invoice(invoice, supplier_key)
        texts = [f"{q.description} {q.supplier_name}" for q in queries]
        probabilities = self.classifier.predict_proba(_vectorizer().transform(texts))
        concepts = {c.key: c for c in CONCEPTS}
        lines = []
        for i, (text, row) in enumerate(zip(texts, probabilities, strict=True)):
            ranked = [concepts[str(self.classifier.classes_[j])] for j in np.argsort(-row)[:3]]
            scores = sorted(row, reverse=True)[:3]
            lines.append(self._line(i, text, ranked, [float(s) for s in scores]))
        return Suggestion(lines=lines, model=self.name)

    def _line(
        self, i: int, text: str, ranked: list[Concept], scores: list[float]
    ) -> LineSuggestion:
        alternatives = [
            Candidate(account, None, min(score, MAX_CONFIDENCE))
            for concept, score in zip(ranked, scores, strict=True)
            if (account := self.company_account(self.standard_account(concept)))
        ]
        if not words(text) or not alternatives:
            return LineSuggestion(i, None, None, 0.0, abstained=True).explained(
                msg("Nothing to go on yet.")
            )
        best = ranked[0]
        confidence = alternatives[0].probability
        reason = msg(
            "No history yet; the text reads like {concept} ({chart} {account}).",
            concept=best.label.lower(),
            chart=self.chart,
            account=self.standard_account(best),
        )
        abstained = confidence < 0.3
        return LineSuggestion(
            i, None if abstained else alternatives[0].account, None, confidence,
            alternatives=alternatives, abstained=abstained,
        ).explained(reason)  # fmt: skip

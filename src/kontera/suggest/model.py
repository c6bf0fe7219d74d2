"""A company's posting model: counted evidence + a learned ranker + calibrated confidence.

`CompanyModel.train(lines)` learns from the company's history (oldest first, see
`training.py`); `suggest(invoice, supplier_key)` proposes an account and VAT code per line
with a calibrated probability, two alternatives, a one-sentence reason, and abstains
(account None) when it is not sure enough.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

import numpy as np

from kontera.domain.errors import InvalidInput
from kontera.domain.invoice import Invoice
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.domain.suggestion import Candidate
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.suggest.dimensions import DimensionModel
from kontera.suggest.dimensions import used_kinds
from kontera.suggest.evidence import IntArray
from kontera.suggest.evidence import fit_evidence
from kontera.suggest.explain import account_label
from kontera.suggest.explain import explain
from kontera.suggest.features import Query
from kontera.suggest.features import encode
from kontera.suggest.features import queries_from_invoice
from kontera.suggest.features import query_from_history
from kontera.suggest.history import HistoryLine
from kontera.suggest.history import supplier_key
from kontera.suggest.ranker import pairs_for
from kontera.suggest.ranking import Ranked
from kontera.suggest.ranking import pair_scores
from kontera.suggest.ranking import rank
from kontera.suggest.ranking import staleness
from kontera.suggest.training import Fitted
from kontera.suggest.training import fit
from kontera.suggest.vat import VatHabits
from kontera.suggest.vat import learn_vat_habits

DEFAULT_ABSTAIN_BELOW = 0.4


def time_order(line: HistoryLine) -> tuple[int, int, str]:
    """Oldest first; without dates, by invoice number (numerically when it is a number)."""
    number = line.invoice_number or ""
    digits = re.sub(r"\D", "", number)
    return (line.date.toordinal() if line.date else 0, int(digits[:18] or 0), number)


def _aliases(lines: Sequence[HistoryLine]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for line in lines:
        for alias in (
            supplier_key(None, line.supplier_org_number, None),
            supplier_key(None, None, line.supplier_name),
        ):
            if alias not in {"unknown", line.supplier_key}:
                aliases.setdefault(alias, line.supplier_key)
    return aliases


class CompanyModel:
    name = "company-model"

    def __init__(
        self,
        *,
        accounts: list[str],
        account_names: dict[str, str],
        supplier_names: dict[str, str],
        fitted: Fitted,
        vat: VatHabits,
        aliases: dict[str, str] | None = None,
        chart: str = "",
        abstain_below: float = DEFAULT_ABSTAIN_BELOW,
        dimensions: DimensionModel | None = None,
    ) -> None:
        self.accounts = accounts
        self.account_names = account_names
        self.supplier_names = supplier_names
        self.fitted = fitted
        self.vat = vat
        # Other keys a known supplier may arrive under (org.nr, name) → the key it was learnt by.
        self.aliases = aliases or {}
        self.chart = chart
        self.abstain_below = abstain_below
        # Department / project / cost centre evidence; None when the history has none.
        self.dimensions = dimensions

    @classmethod
    def train(
        cls,
        lines: Iterable[HistoryLine],
        *,
        chart: str = "",
        vat_code_map: Mapping[str, str] | None = None,
        seed: int = 0,
    ) -> CompanyModel:
        ordered = sorted(lines, key=time_order)
        if not ordered:
            raise InvalidInput("there is no posting history to learn from; use the cold start")
        accounts = sorted({line.account for line in ordered})
        index = {account: i for i, account in enumerate(accounts)}
        labels = np.fromiter((index[line.account] for line in ordered), np.int64, len(ordered))
        fitted = fit([query_from_history(line) for line in ordered], labels, len(accounts), seed)
        return cls(
            accounts=accounts,
            account_names={h.account: h.account_name for h in ordered if h.account_name},
            supplier_names={h.supplier_key: h.supplier_name for h in ordered if h.supplier_name},
            fitted=fitted,
            vat=learn_vat_habits([(h.account, h.vat_code) for h in ordered], vat_code_map),
            aliases=_aliases(ordered),
            chart=chart,
            dimensions=DimensionModel.train(ordered) if used_kinds(ordered) else None,
        )

    def refresh(self, lines: Iterable[HistoryLine]) -> CompanyModel:
        """Recount the evidence from the whole history (newly approved vouchers included) and
        keep the learned ranker and calibrator: the cheap retrain to run after approvals.

        New accounts and suppliers are learnt at once; what the ranker weighs is unchanged,
        so run `train` again now and then (e.g. nightly) to relearn that.
        """
        ordered = sorted(lines, key=time_order)
        known = set(self.accounts)
        accounts = self.accounts + sorted({h.account for h in ordered} - known)
        index = {account: i for i, account in enumerate(accounts)}
        labels = np.fromiter((index[h.account] for h in ordered), np.int64, len(ordered))
        batch = encode([query_from_history(h) for h in ordered])
        evidence = fit_evidence(batch, labels, len(accounts))
        fitted = Fitted(
            evidence, self.fitted.ranker, self.fitted.calibrator, self.fitted.candidate_recall
        )
        return CompanyModel(
            accounts=accounts,
            account_names={
                **self.account_names,
                **{h.account: h.account_name for h in ordered if h.account_name},
            },
            supplier_names={
                **self.supplier_names,
                **{h.supplier_key: h.supplier_name for h in ordered if h.supplier_name},
            },
            fitted=fitted,
            vat=learn_vat_habits([(h.account, h.vat_code) for h in ordered], self.vat.to_standard),
            aliases={**self.aliases, **_aliases(ordered)},
            chart=self.chart,
            abstain_below=self.abstain_below,
            dimensions=self._refreshed_dimensions(ordered),
        )

    def _refreshed_dimensions(self, ordered: Sequence[HistoryLine]) -> DimensionModel | None:
        if not used_kinds(ordered):
            return None
        if self.dimensions is None:  # the first approvals with a department: learn them now
            return DimensionModel.train(ordered)
        return self.dimensions.refresh(ordered)

    def rank_queries(
        self, queries: Sequence[Query], allowed: Callable[[str], bool] | None = None
    ) -> Ranked:
        """Calibrated top-k accounts per query; `allowed` passes over accounts it refuses."""
        batch = encode(queries)
        pairs = pairs_for(self.fitted.evidence, batch)
        scores = pair_scores(self.fitted.ranker, pairs)
        stale = staleness(batch.ordinals, self.fitted.evidence.newest)
        mask = None
        if allowed is not None:
            ok = np.array([allowed(account) for account in self.accounts] + [False], np.bool_)
            mask = ok[pairs.account]
        return rank(pairs, scores, len(queries), self.fitted.calibrator, stale, mask)

    def label_indices(self, accounts: Iterable[str]) -> IntArray:
        """Account codes → model indices (-2 for an account the model never saw)."""
        index = {account: i for i, account in enumerate(self.accounts)}
        return np.array([index.get(a, -2) for a in accounts], np.int64)

    def resolve_supplier(self, invoice: Invoice, given_key: str) -> str:
        """The key this model knows the seller by: the caller's, its org.nr, or its name."""
        seller = invoice.seller
        candidates = [
            given_key,
            supplier_key(None, seller.org_number, None),
            supplier_key(None, None, seller.name),
        ]
        known = self.fitted.evidence.supplier.index
        for key in candidates:
            if key in known:
                return key
            if key in self.aliases:
                return self.aliases[key]
        fallback = supplier_key(None, seller.org_number, seller.name)
        return given_key if fallback == "unknown" else fallback

    def suggest(
        self,
        invoice: Invoice,
        supplier_key: str,
        allowed: Callable[[str], bool] | None = None,
    ) -> Suggestion:
        """`allowed`: the accounts that may be posted to now (the ledger's open ones); the
        history's likeliest account is passed over, with a reason, when it is not."""
        queries = queries_from_invoice(invoice, self.resolve_supplier(invoice, supplier_key))
        ranked = self.rank_queries(queries, allowed)
        passed = self._passed_over(queries, ranked) if allowed is not None else {}
        lines = [self._line(i, q, ranked, invoice, passed.get(i)) for i, q in enumerate(queries)]
        return Suggestion(lines=lines, model=self.name)

    def _passed_over(self, queries: Sequence[Query], ranked: Ranked) -> dict[int, str]:
        """Per line, the account the history ranks above the one suggested (now closed)."""
        everything = self.rank_queries(queries)
        return {
            i: self.accounts[int(everything.accounts[i, 0])]
            for i in range(len(queries))
            if everything.accounts[i, 0] >= 0 and everything.accounts[i, 0] != ranked.accounts[i, 0]
        }

    def _line(
        self,
        i: int,
        query: Query,
        ranked: Ranked,
        invoice: Invoice,
        passed_over: str | None = None,
    ) -> LineSuggestion:
        alternatives = [
            Candidate(self.accounts[a], self._vat(self.accounts[a], invoice, i).code, float(p))
            for a, p in zip(ranked.accounts[i], ranked.probabilities[i], strict=True)
            if a >= 0
        ]
        source = invoice.lines[i] if i < len(invoice.lines) else None
        confidence = float(ranked.probabilities[i, 0])
        if not alternatives:
            return LineSuggestion(i, None, None, 0.0, abstained=True).explained(
                msg("No history to suggest from.")
            )
        best = int(ranked.accounts[i, 0])
        account = self.accounts[best]
        vat = self._vat(account, invoice, i)
        display = self._display(query)
        label = account_label(account, self.account_names)
        reason = explain(self.fitted.evidence, query, best, label, display)
        if passed_over is not None:
            closed = account_label(passed_over, self.account_names)
            reason = msg(
                "The history's usual account {closed} is closed for posting in the ledger, "
                "so the next most likely: {reason}",
                closed=closed,
                reason=reason,
            )
        # Passing over a closed account names the next one even when unsure: the person must
        # choose anyway, and the low confidence keeps it from being approved by itself.
        abstained = confidence < self.abstain_below and passed_over is None
        if abstained:
            reason = msg(
                "Not sure enough ({percent} %) to suggest; best guess: {reason}",
                percent=round(confidence * 100),
                reason=reason,
            )
        line = LineSuggestion(
            line_index=i,
            account=None if abstained else account,
            vat_code=None if abstained else vat.code,
            confidence=confidence,
            amount=source.net if source else invoice.totals.net,
            description=(source.description or source.item_name) if source else None,
            alternatives=alternatives,
            abstained=abstained,
        )
        line.explained(msg("{reason} VAT: {vat}.", reason=reason, vat=vat.reason))
        return self._with_dimensions(line, query, display)

    def _display(self, query: Query) -> str | Message:
        """The supplier as the reasons name it."""
        known = self.supplier_names.get(query.supplier)
        return known or query.supplier_name or msg("this supplier")

    def _with_dimensions(
        self, line: LineSuggestion, query: Query, display: str | Message
    ) -> LineSuggestion:
        """The dimensions Kontera is sure enough of, each with its confidence and reason."""
        if self.dimensions is None:
            return line
        accounts = [(c.account, c.probability) for c in line.alternatives]
        for guess in self.dimensions.guess(query, accounts, display):
            if guess.code is None or guess.reason is None:
                continue
            line.dimensions[guess.kind] = guess.code
            line.dimension_confidence[guess.kind] = guess.confidence
            line.dimension_reasons[guess.kind] = str(guess.reason)
            line.dimension_reason_texts[guess.kind] = guess.reason
        return line

    def _vat(self, account: str, invoice: Invoice, i: int) -> Any:
        line = invoice.lines[i] if i < len(invoice.lines) else None
        return self.vat.choose(
            account,
            line.vat_category if line else None,
            line.vat_rate if line else None,
            invoice.seller.country,
        )

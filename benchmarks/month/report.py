"""The month's figures, per company and in total, and the threshold curve.

Touchless: the document was approved by Kontera's auto-approval policy and posted, and no
person touched it (not even to let it out of the mail quarantine). Its share is taken over
the invoices that should be posted (copies of an invoice already received and fraudulent
bank-account changes are not among them; were either auto-posted, it counts as touchless
and wrong). Precision: touchless vouchers that are entirely right (see `compare`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.month.compare import approved_lines
from benchmarks.month.compare import entirely_right
from benchmarks.month.compare import field_errors
from benchmarks.month.compare import posting_parts_wrong
from benchmarks.month.compare import suggested_lines
from benchmarks.month.ledgers import Ledger
from benchmarks.month.office import Outcome

E_INVOICE_INTERPRETERS = {"ubl", "cii", "pdf_xml"}
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)


def events(view: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((view or {}).get("events") or [])


def auto_approved(outcome: Outcome) -> bool:
    return any(
        e["actor"] == "auto-approval" and e.get("to_status") == "approved"
        for e in events(outcome.final)
    )


def approved(outcome: Outcome) -> bool:
    return any(e.get("to_status") == "approved" for e in events(outcome.final))


def posting_failures(outcome: Outcome) -> list[str]:
    """Each time a voucher left `posting` other than posted: refused by the ledger, or by
    Kontera's own check of the voucher before it was sent."""
    return [
        str((e.get("detail") or {}).get("reason") or e.get("to_status"))
        for e in events(outcome.final)
        if e.get("from_status") == "posting" and e.get("to_status") != "posted"
    ]


def touchless(outcome: Outcome) -> bool:
    """Posted by the policy's approval, with no person's hand anywhere on it."""
    return (
        auto_approved(outcome)
        and outcome.status == "posted"
        and outcome.person is None
        and not outcome.released
        and not posting_failures(outcome)
    )


def decided_view(outcome: Outcome) -> dict[str, Any] | None:
    """The document as Kontera had it when a person (or the policy) decided."""
    return outcome.snapshot or outcome.final


def interpreter(view: dict[str, Any] | None) -> str | None:
    for event in events(view):
        if event.get("to_status") == "interpreted":
            return str((event.get("detail") or {}).get("interpreter"))
    return None


def confidence(view: dict[str, Any] | None) -> float:
    """What the policy compared with its threshold: P(voucher entirely right) where Kontera
    gives one, else (before it did) the least certain line's account confidence."""
    suggestion = (view or {}).get("suggestion") or {}
    if "voucher_confidence" in suggestion:
        return float(suggestion["voucher_confidence"] or 0.0)
    lines = suggested_lines(view or {})
    if not lines:
        return 0.0
    return min(
        0.0 if line.get("abstained") else float(line.get("confidence") or 0) for line in lines
    )


def passes_channel_rule(view: dict[str, Any]) -> bool:
    """An e-invoice, or a PDF from a supplier whose track record earned it (the policy's
    reason says which rule stopped it)."""
    if interpreter(view) in E_INVOICE_INTERPRETERS:
        return True
    reason = str(((view.get("suggestion") or {}).get("policy_reason")) or "")
    return bool(reason) and not reason.startswith("Only e-invoices")


def held_by_checks(view: dict[str, Any] | None) -> bool:
    return any(
        e.get("to_status") == "needs_review" and e.get("actor") == "worker" for e in events(view)
    )


def held_reason(view: dict[str, Any] | None) -> str | None:
    """What the reading checks said when they held it for a person (the first time)."""
    for e in events(view):
        if e.get("to_status") == "needs_review" and e.get("actor") == "worker":
            return str((e.get("detail") or {}).get("reason"))
    return None


def notes_codes(view: dict[str, Any] | None) -> set[str]:
    return {str(n.get("code")) for n in (view or {}).get("notes") or []}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def seconds_to_post(outcome: Outcome) -> float | None:
    received = posted = None
    for event in events(outcome.final):
        if event.get("action") == "received" and received is None:
            received = _at(event["at"])
        if event.get("to_status") == "posted":
            posted = _at(event["at"])
    if received is None or posted is None:
        return None
    return (posted - received).total_seconds()


@dataclass
class Figures:
    name: str
    sent: int = 0
    invoices: int = 0  # distinct invoices (copies not counted)
    to_post: int = 0
    touchless: int = 0
    touchless_right: int = 0
    reviewed: int = 0
    corrections: int = 0
    field_fixes: Counter[str] = field(default_factory=Counter)
    posting_fixes: int = 0
    duplicates: int = 0
    duplicates_caught: int = 0
    fraud: int = 0
    fraud_caught: int = 0
    fraud_held: int = 0
    ledger_refusals: int = 0  # documents whose approved voucher was refused at least once
    not_posted: int = 0  # approved, and not posted at the end
    approval_refusals: int = 0
    unreadable: int = 0
    lost: int = 0
    doubled: int = 0
    released: int = 0
    times: list[float] = field(default_factory=list)
    touchless_times: list[float] = field(default_factory=list)
    wrong_parts: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    touchless_by_channel: Counter[str] = field(default_factory=Counter)
    cpu_seconds: float = 0.0
    refusal_reasons: Counter[str] = field(default_factory=Counter)

    def share(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    def json(self) -> dict[str, Any]:
        return {
            "invoices": self.invoices,
            "documents": self.sent,
            "touchless_share": round(self.share(self.touchless, self.to_post), 4),
            "touchless_precision": round(self.share(self.touchless_right, self.touchless), 4),
            "corrections_per_reviewed": round(self.share(self.corrections, self.reviewed), 3),
            "ledger_refusals": self.ledger_refusals,
            "lost": self.lost,
            "doubled": self.doubled,
            "duplicates": self.duplicates,
            "duplicates_caught": self.duplicates_caught,
            "fraud": self.fraud,
            "fraud_caught": self.fraud_caught,
            "p50_seconds_to_posted": round(pct(self.times, 50), 1),
            "p95_seconds_to_posted": round(pct(self.times, 95), 1),
            "cpu_seconds_per_invoice": round(self.share(self.cpu_seconds, self.sent), 3),  # type: ignore[arg-type]
        }


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def figures(name: str, outcomes: list[Outcome], ledgers: list[Ledger]) -> Figures:
    f = Figures(name)
    ids = {o.document_id for o in outcomes if o.document_id}
    posted_per_invoice: Counter[str] = Counter()
    for o in outcomes:
        _count(f, o)
        if o.status == "posted":
            posted_per_invoice[o.truth.copy_of or o.truth.uid] += 1
    keys: Counter[str] = Counter()
    for ledger in {id(x.fake): x for x in ledgers}.values():
        keys.update(ledger.keys())
    extra_vouchers = sum(
        n - 1 for k, n in keys.items() if n > 1 and k.removeprefix("kontera-") in ids
    )
    f.doubled = extra_vouchers + sum(n - 1 for n in posted_per_invoice.values() if n > 1)
    return f


def _count(f: Figures, o: Outcome) -> None:
    truth = o.truth
    f.sent += 1
    f.invoices += 0 if truth.copy_of else 1
    channel = f"{truth.channel}{'+mail' if truth.by_mail else ''}"
    f.by_channel[channel] += 1 if truth.expected == "posted" else 0
    f.released += int(o.released)
    if (
        o.document_id is None
        or o.stuck
        or o.status in (None, "received", "interpreted", "approved", "posting")
    ):
        f.lost += 1
    if truth.expected == "posted":
        f.to_post += 1
    if truth.copy_of:
        f.duplicates += 1
        f.duplicates_caught += int(o.status == "duplicate")
    if truth.fraud:
        f.fraud += 1
        held = not auto_approved(o) and o.status != "posted"
        f.fraud_held += int(held)
        f.fraud_caught += int(held and "bank_account_changed" in notes_codes(decided_view(o)))
    failures = posting_failures(o)
    if failures:
        f.ledger_refusals += 1
        f.refusal_reasons.update(reason[:110] for reason in failures)
    if approved(o) and o.status != "posted":
        f.not_posted += 1
    elif o.status == "failed":
        f.unreadable += 1
    if o.person == "refused":
        f.approval_refusals += 1
        f.refusal_reasons[str(o.refused)[:90]] += 1
    if touchless(o):
        f.touchless += 1
        f.touchless_by_channel[channel] += int(truth.expected == "posted")
        lines = approved_lines(o.final or {})
        if entirely_right(o.final or {}, truth, lines):
            f.touchless_right += 1
        else:
            f.wrong_parts.update(_wrong_parts(o.final or {}, truth, lines))
        if (seconds := seconds_to_post(o)) is not None:
            f.touchless_times.append(seconds)
    if o.person is not None:
        f.reviewed += 1
        f.corrections += len(o.field_fixes) + o.posting_fixes
        f.field_fixes.update(o.field_fixes)
        f.posting_fixes += o.posting_fixes
    if o.status == "posted" and (seconds := seconds_to_post(o)) is not None:
        f.times.append(seconds)


def details(outcome: Outcome) -> dict[str, Any]:
    """One document's story, for finding what fails most (`--details FILE`)."""
    truth, view = outcome.truth, decided_view(outcome) or {}
    final = outcome.final or {}
    return {
        "uid": truth.uid,
        "company": truth.company,
        "supplier": truth.supplier.name,
        "channel": truth.channel,
        "layout": truth.layout,
        "by_mail": truth.by_mail,
        "expected": truth.expected,
        "new_supplier": truth.new_supplier,
        "foreign": truth.supplier.foreign,
        "credit_note": truth.credit_note,
        "lines": len(truth.lines),
        "status": outcome.status,
        "status_reason": final.get("status_reason"),
        "auto": auto_approved(outcome),
        "touchless": touchless(outcome),
        "person": outcome.person,
        "interpreter": interpreter(view),
        "confidence": confidence(view),
        "held_by_checks": held_by_checks(view),
        "held_reason": held_reason(view),
        "policy_reason": (view.get("suggestion") or {}).get("policy_reason"),
        "notes": sorted(notes_codes(view)),
        "right_as_suggested": entirely_right(view, truth, suggested_lines(view)),
        "wrong_fields": sorted(field_errors(view.get("invoice"), truth)),
        "field_confidence": field_confidences(view.get("invoice")),
        "wrong_postings": sorted(posting_parts_wrong(suggested_lines(view), truth)),
        "truth_postings": [[x.account, x.vat_code, str(x.net)] for x in truth.lines],
        "suggested": [
            [x.get("account"), x.get("vat_code"), x.get("amount"), x.get("confidence")]
            for x in suggested_lines(view)
        ],
        "field_fixes": outcome.field_fixes,
        "posting_fixes": outcome.posting_fixes,
        "refused": outcome.refused,
        "seconds_to_posted": seconds_to_post(outcome),
    }


def field_confidences(invoice: dict[str, Any] | None) -> dict[str, float]:
    """The reader's confidence in each field a voucher carries (what the policy multiplies)."""
    from kontera.suggest.voucher_confidence import VOUCHER_FIELDS

    found = (invoice or {}).get("fields") or {}
    return {
        path: float(found[path].get("confidence") or 0.0)
        for path in VOUCHER_FIELDS
        if isinstance(found.get(path), dict) and found[path].get("value") not in (None, "")
    }


def _wrong_parts(view: dict[str, Any], truth: Any, lines: list[dict[str, Any]]) -> set[str]:
    if truth.expected != "posted":
        return {"fraud" if truth.fraud else "duplicate"}
    return set(field_errors(view.get("invoice"), truth)) | posting_parts_wrong(lines, truth)


def merge(name: str, parts: list[Figures]) -> Figures:
    total = Figures(name)
    for part in parts:
        for key, value in vars(part).items():
            if key == "name":
                continue
            current = getattr(total, key)
            setattr(total, key, current + value)
    return total


# -- the auto-approval threshold, moved ------------------------------------------------


@dataclass(frozen=True)
class Point:
    threshold: float
    share: float
    precision: float
    count: int


def curve(
    outcomes: list[Outcome], *, max_amount: Decimal | None, e_invoices_only: bool
) -> list[Point]:
    """Touchless share and precision if the policy's threshold were t, other rules as set.

    Each invoice is scored as Kontera had it before anyone touched it: its interpretation,
    its suggestion and the confidence the policy compares with the threshold.
    """
    cases = [o for o in outcomes if o.document_id]
    whole = sum(1 for o in outcomes if o.truth.expected == "posted") or 1
    scored = []
    for o in cases:
        view = decided_view(o)
        if view is None or held_by_checks(view):
            continue
        if e_invoices_only and not passes_channel_rule(view):
            continue
        if above_limit(view, max_amount):
            continue
        right = entirely_right(view, o.truth, suggested_lines(view))
        scored.append((confidence(view), right, o.truth.expected == "posted"))
    points = []
    for t in THRESHOLDS:
        chosen = [(right, wanted) for conf, right, wanted in scored if conf >= t]
        good = sum(1 for right, _ in chosen if right)
        share = sum(1 for _, wanted in chosen if wanted) / whole
        points.append(Point(t, share, good / len(chosen) if chosen else 1.0, len(chosen)))
    return points


AMOUNT_REASONS = ("limit of", "no exchange rate to")
PASSED_AMOUNT = ("below the threshold", "sure the whole voucher", "no confident suggestion")


def above_limit(view: dict[str, Any], max_amount: Decimal | None) -> bool:
    """Did the policy's amount rule stop it? Its own reason says where it got that far (the
    limit is in the company's currency, and higher for a supplier usually paid more);
    otherwise the amount payable against `max_amount`, as it stands."""
    reason = str((view.get("suggestion") or {}).get("policy_reason") or "")
    if any(marker in reason for marker in AMOUNT_REASONS):
        return True
    if any(marker in reason for marker in PASSED_AMOUNT):
        return False
    gross = (view.get("invoice") or {}).get("totals", {}).get("payable")
    return max_amount is not None and (gross is None or abs(Decimal(gross)) > max_amount)


def plot(curves: dict[str, list[Point]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for label, points in curves.items():
        xs = [p.share for p in points]
        ys = [p.precision for p in points]
        axes.plot(xs, ys, marker="o", label=label)
        for p in points:
            if p.threshold in (0.5, 0.9, 0.95, 0.99):
                axes.annotate(f"{p.threshold:g}", (p.share, p.precision), fontsize=7)
    axes.axhline(0.995, color="grey", linestyle=":", linewidth=1)
    axes.axvline(0.70, color="grey", linestyle=":", linewidth=1)
    axes.set_xlabel("touchless share of the month's invoices")
    axes.set_ylabel("precision of touchless vouchers")
    axes.set_title(title)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def decision_reliability(outcomes: list[Outcome]) -> list[dict[str, float]]:
    """The reliability diagram of what the policy decides on: P(voucher entirely right) as
    Kontera gave it, against whether the voucher as proposed was entirely right."""
    import numpy as np

    from kontera.suggest.metrics import reliability

    pairs = []
    for o in outcomes:
        view = decided_view(o)
        if view is None or o.truth.expected != "posted" or not suggested_lines(view):
            continue
        pairs.append((confidence(view), entirely_right(view, o.truth, suggested_lines(view))))
    sure = np.array([p for p, _ in pairs], np.float64)
    right = np.array([r for _, r in pairs], bool)
    return reliability(sure, right)


# -- the month cut other ways -------------------------------------------------------------

KINDS = (("ehf", "EHF"), ("pdf", "text PDF"), ("scan", "scan"))


def wrong_share(f: Figures) -> float:
    """Vouchers posted touchless and wrong, over the invoices that should be posted: the
    figure a bureau must keep near zero, since nobody looks at them again."""
    return f.share(f.touchless - f.touchless_right, f.to_post)


def summary_row(f: Figures) -> list[object]:
    wrong = f.touchless - f.touchless_right
    return [
        f.name,
        f.to_post,
        f"{f.share(f.touchless, f.to_post):.1%} ({f.touchless})",
        f"{f.share(f.touchless_right, f.to_post):.1%} ({f.touchless_right})",
        f"{wrong_share(f):.1%} ({wrong})",
        f"{f.share(f.touchless_right, f.touchless):.1%}" if f.touchless else "–",
    ]


SUMMARY_HEADER = [
    "",
    "invoices",
    "touchless",
    "touchless & right",
    "touchless & wrong",
    "precision",
]


def by_kind(outcomes: list[Outcome]) -> list[Figures]:
    """The month per input kind (by e-mail or not): EHF, text PDF, scan."""
    return [
        figures(label, [o for o in outcomes if o.truth.channel == kind], [])
        for kind, label in KINDS
    ]


def summary_json(f: Figures) -> dict[str, Any]:
    return {
        "invoices": f.to_post,
        "touchless_share": round(f.share(f.touchless, f.to_post), 4),
        "touchless_right_share": round(f.share(f.touchless_right, f.to_post), 4),
        "touchless_wrong_share": round(wrong_share(f), 4),
        "touchless_precision": round(f.share(f.touchless_right, f.touchless), 4),
    }

"""The bureau's month, day by day: invoices arrive (API upload as a scanning tool or Peppol
access point sends them, or e-mail), Kontera works, then the bookkeeper works the queue.

The bookkeeper knows the truth. A copy of an invoice already received and an invoice asking
to be paid into a new bank account are rejected; otherwise every wrong field is corrected
(`PATCH /fields`) and the postings are approved as suggested when they are right, or
replaced by the right ones. Every correction is counted.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import httpx

from benchmarks.month import render
from benchmarks.month.compare import field_errors
from benchmarks.month.compare import posting_errors
from benchmarks.month.compare import suggested_lines
from benchmarks.month.compare import wanted_postings
from benchmarks.month.service import PERSON
from benchmarks.month.service import Client
from benchmarks.month.service import Stack
from benchmarks.month.truth import TruthInvoice
from kontera.services.receive import email_senders

RESTING = {"suggested", "needs_review", "posted", "duplicate", "failed", "rejected"}
REVIEWABLE = {"suggested", "needs_review"}
MOVING = {"approved", "posting", "approving"}
AUTO_APPROVAL_GRACE = 60.0  # seconds


@dataclass
class Outcome:
    truth: TruthInvoice
    client: str
    document_id: str | None = None
    sent_at: float = 0.0
    released: bool = False  # a person let it out of the mail quarantine
    snapshot: dict[str, Any] | None = None  # as Kontera left it for a person
    person: str | None = None  # approved | corrected | rejected
    field_fixes: list[str] = field(default_factory=list)
    posting_fixes: int = 0
    refused: str | None = None  # Kontera refused the bookkeeper's approval
    final: dict[str, Any] | None = None
    stuck: bool = False

    @property
    def status(self) -> str | None:
        return (self.final or {}).get("status")


class Office:
    def __init__(self, stack: Stack, clients: dict[str, Client], buyers: dict[str, render.Buyer]):
        self.stack, self.clients, self.buyers = stack, clients, buyers
        self.http = {
            name: httpx.Client(
                base_url=stack.base, headers={"Authorization": f"Bearer {c.key}"}, timeout=120
            )
            for name, c in clients.items()
        }
        self.outcomes: list[Outcome] = []

    def close(self) -> None:
        for client in self.http.values():
            client.close()

    # -- a day -------------------------------------------------------------------------

    def day(self, invoices: list[TruthInvoice], *, settle_seconds: float) -> None:
        arrived = [self._send(invoice) for invoice in invoices]
        self._settle(arrived, settle_seconds)
        for outcome in self.outcomes:
            if outcome.person is None and self._status(outcome) in REVIEWABLE:
                self._review(outcome)
        self._settle([o for o in self.outcomes if self._status(o) in MOVING], settle_seconds)

    def _send(self, invoice: TruthInvoice) -> Outcome:
        client = self.clients[invoice.company]
        data, content_type = render.document(invoice, self.buyers[invoice.company])
        outcome = Outcome(invoice, invoice.company, sent_at=time.time())
        if invoice.by_mail:
            message = render.mail(invoice, client.mail, data, content_type)
            with smtplib.SMTP("127.0.0.1", self.stack.smtp_port, timeout=60) as smtp:
                smtp.send_message(message)
        else:
            files = {"file": (invoice.filename, data, content_type)}
            response = self.http[invoice.company].post("/v1/documents", files=files)
            response.raise_for_status()
            outcome.document_id = response.json()["id"]
        self.outcomes.append(outcome)
        return outcome

    def _settle(self, outcomes: list[Outcome], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        waiting = list(outcomes)
        while waiting and time.monotonic() < deadline:
            self._find_mailed(waiting)
            self._release_held(waiting)
            waiting = [o for o in waiting if self._status(o, fresh=True) not in RESTING]
            if waiting:
                time.sleep(0.5)
        for outcome in waiting:
            outcome.stuck = True

    def _find_mailed(self, outcomes: list[Outcome]) -> None:
        missing = [o for o in outcomes if o.document_id is None]
        for company in {o.client for o in missing}:
            by_name = {d["filename"]: d["id"] for d in self._documents(company)}
            for outcome in missing:
                if outcome.client == company:
                    outcome.document_id = by_name.get(outcome.truth.filename)

    def _release_held(self, outcomes: list[Outcome]) -> None:
        """Mail from a sender the company has not trusted waits; the bookkeeper lets it in."""
        for company in {o.client for o in outcomes if o.document_id}:
            client = self.clients[company]
            held = {
                q.document_id for q in email_senders.quarantined(self.stack.ctx, client.company_id)
            }
            for outcome in outcomes:
                if outcome.client == company and outcome.document_id in held:
                    email_senders.release(
                        self.stack.ctx, client.company_id, outcome.document_id, actor=PERSON
                    )
                    outcome.released = True

    def _documents(self, company: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = self.http[company].get(
                "/v1/documents", params={"limit": 500, "offset": len(found)}
            )
            items = page.json()["items"]
            found += items
            if len(items) < 500:
                return found

    def _status(self, outcome: Outcome, fresh: bool = False) -> str | None:
        if outcome.document_id is None:
            return None
        if fresh or outcome.final is None:
            outcome.final = self.view(outcome)
        if outcome.status == "suggested" and _auto_approving(outcome.final or {}):
            return "approving"  # the policy approves it in the same step, a moment later
        return outcome.status

    def view(self, outcome: Outcome) -> dict[str, Any]:
        response = self.http[outcome.client].get(f"/v1/documents/{outcome.document_id}")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    # -- the bookkeeper ---------------------------------------------------------------

    def _review(self, outcome: Outcome) -> None:
        truth, api = outcome.truth, self.http[outcome.client]
        view = self.view(outcome)
        outcome.snapshot = view
        path = f"/v1/documents/{outcome.document_id}"
        if truth.copy_of or truth.fraud:
            reason = (
                "Duplicate of an invoice already received."
                if truth.copy_of
                else ("The bank account is not the supplier's: refused as possible fraud.")
            )
            api.post(f"{path}/reject", json={"reason": reason}).raise_for_status()
            outcome.person = "rejected"
            return
        fixes = field_errors(view.get("invoice"), truth)
        if fixes:
            outcome.field_fixes = sorted(fixes)
            response = api.patch(f"{path}/fields", json={"fields": fixes})
            if response.status_code >= 400:
                outcome.refused = f"correction {response.status_code}: {response.text[:200]}"
        outcome.posting_fixes = posting_errors(suggested_lines(view), truth)
        body = {"postings": wanted_postings(truth)} if outcome.posting_fixes else None
        response = api.post(f"{path}/approve", json=body)
        if response.status_code >= 400:
            outcome.refused = f"approval {response.status_code}: {response.text[:300]}"
            outcome.person = "refused"
            return
        outcome.person = "corrected" if fixes or outcome.posting_fixes else "approved"

    def finish(self, settle_seconds: float) -> None:
        self._settle(
            [
                o
                for o in self.outcomes
                if self._status(o, fresh=True) not in RESTING or self._status(o) in MOVING
            ],
            settle_seconds,
        )
        for outcome in self.outcomes:
            if outcome.document_id is not None:
                outcome.final = self.view(outcome)


def _auto_approving(view: dict[str, Any]) -> bool:
    """Suggested as auto-approvable a moment ago: the policy's approval is on its way. (Much
    later it is not coming: the approval was refused, and a person must look.)"""
    suggested = [e for e in view.get("events") or [] if e.get("to_status") == "suggested"]
    if not suggested or not (suggested[-1].get("detail") or {}).get("auto_approvable"):
        return False
    at = datetime.fromisoformat(suggested[-1]["at"])
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return (datetime.now(UTC) - at).total_seconds() < AUTO_APPROVAL_GRACE


def by_day(invoices: Iterable[TruthInvoice]) -> list[tuple[date, list[TruthInvoice]]]:
    days: dict[date, list[TruthInvoice]] = {}
    for invoice in invoices:
        days.setdefault(invoice.arrives, []).append(invoice)
    return sorted(days.items())

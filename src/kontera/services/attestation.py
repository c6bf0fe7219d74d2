"""Attestation (attestering) and the two-person rule, enforced here for every entry point.

    suggested ──(a rule names an attestant)──► attesting ──attested──► suggested ──► approved
                                                   │                  (or needs_review)
                                                   └──refused──► needs_review (with the comment)

- **Routing** (`route`, called by `derive.route` whenever a suggestion is made): when the
  company has attestation on, its rules are tried in order — the buyer's reference, a
  department or project of the suggested postings, the supplier, an amount — and the first
  that matches (else the default attestant) gets a pending request; the document waits in
  `attesting` until that person acts.
- **The gate** (`gate`, called by `approvals.approve`, so the API, the review page, bulk
  approval and auto-approval all pass it): a person's amount limit; a pending attestation
  only its attestant may turn into an approval; and when two people must act — above the
  company's limit, or always for a new supplier or a changed bank account, as configured —
  the first person's approval is recorded as their attestation, and only *another* person
  may then approve. Auto-approval never counts as a person.
- **Acting** (`attest`, `refuse`, `send_for_attestation`): from the attest page (signed link
  or the queue) or the API; every step is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.codec import invoice_from_json
from kontera.domain.codec import suggestion_from_json
from kontera.domain.errors import Conflict
from kontera.domain.errors import Forbidden
from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.domain.invoice import Invoice
from kontera.domain.money import ZERO
from kontera.domain.status import REVIEWABLE
from kontera.domain.status import Status
from kontera.domain.suggestion import Suggestion
from kontera.services import attest_settings
from kontera.services.approval_checks import suggestion_problems
from kontera.services.attest_settings import AttestSettings
from kontera.services.context import AppContext
from kontera.services.review_rules import review_reasons
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables import User
from kontera.store.tables_attest import Attestation
from kontera.store.tables_attest import AttestRule
from kontera.store.tables_post import ExchangeRateRow
from kontera.store.types import utcnow

PENDING, ATTESTED, REFUSED, WITHDRAWN = "pending", "attested", "refused", "withdrawn"
BANK_CHANGE_NOTES = frozenset({"bank_account_changed", "bank_account_of_other_supplier"})
MAX_COMMENT = 2000


class TwoPeopleRequired(Forbidden):
    """Two different people must act on this invoice: one attests, another approves."""

    code = "two_person_rule"


class OverApprovalLimit(Forbidden):
    """The invoice is above what this person may attest or approve."""

    code = "approval_limit"


class AwaitingAttestation(Conflict):
    """The invoice waits for its attestant."""

    code = "awaiting_attestation"


class AttestationRefused(Conflict):
    """The attestant refused the invoice."""

    code = "attestation_refused"


# -- what the company's money and settings say about one document --------------------------


def company_currency(company: Company) -> str:
    return "SEK" if company.country.upper() == "SE" else "NOK"


def amount_for_limits(session: Session, company: Company, document: Document) -> Decimal | None:
    """What the invoice asks to be paid, in the company's currency; None when it cannot be
    told (a foreign currency without a stored central-bank rate): the limits then treat it
    as above every limit. A credit note pays nothing out, so it counts as zero."""
    gross = document.gross
    if gross is None:
        return None
    if gross <= ZERO:
        return ZERO
    currency = (document.currency or company_currency(company)).upper()
    if currency == company_currency(company):
        return gross
    query = select(ExchangeRateRow.rate).where(ExchangeRateRow.currency == currency)
    if document.issue_date is not None:
        query = query.where(col(ExchangeRateRow.day) <= document.issue_date)
    rate = session.exec(query.order_by(col(ExchangeRateRow.day).desc())).first()
    return (gross * Decimal(rate)).quantize(Decimal("0.01")) if rate else None


def two_person_reasons(
    settings: AttestSettings, amount: Decimal | None, invoice: Invoice, currency: str
) -> list[str]:
    """Why two different people must act on this invoice (empty: one may do both)."""
    codes = {note.code for note in invoice.notes}
    reasons = []
    limit = settings.two_person_limit
    if limit is not None and (amount is None or amount > limit):
        shown = "unknown (no exchange rate yet)" if amount is None else f"{amount} {currency}"
        reasons.append(f"the amount, {shown}, is above {limit} {currency}")
    if settings.two_person_new_supplier and "new_supplier" in codes:
        reasons.append("it is the first invoice from this supplier")
    if settings.two_person_bank_change and codes & BANK_CHANGE_NOTES:
        reasons.append("the supplier asks to be paid into an account not used before")
    return reasons


# -- routing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    attestant_id: str
    rule_id: str | None
    why: str


def match_rule(
    rules: list[AttestRule],
    settings: AttestSettings,
    invoice: Invoice,
    suggestion_lines: list[dict[str, Any]],
    *,
    supplier_key: str | None,
    amount: Decimal | None,
) -> Match | None:
    """The first rule this invoice meets, else the default attestant, else None."""
    for rule in rules:
        if rule.min_amount is not None and amount is not None and amount < rule.min_amount:
            continue
        if _meets(rule, invoice, suggestion_lines, supplier_key):
            return Match(rule.attestant_id, rule.id, rule_words(rule))
    if settings.default_attestant:
        return Match(settings.default_attestant, None, "the company's default attestant")
    return None


def _meets(
    rule: AttestRule, invoice: Invoice, lines: list[dict[str, Any]], supplier_key: str | None
) -> bool:
    wanted = _norm(rule.value)
    if rule.kind == "amount":
        return True  # the amount was checked above
    if rule.kind == "buyer_reference":
        found = _norm(invoice.references.buyer_reference)
        return bool(wanted) and wanted in found
    if rule.kind in ("department", "project"):
        codes = {_norm((line.get("dimensions") or {}).get(rule.kind)) for line in lines}
        if rule.kind == "department":  # a Fortnox cost centre is the same kind of unit
            codes |= {_norm((line.get("dimensions") or {}).get("cost_centre")) for line in lines}
        return wanted in codes
    if rule.kind == "supplier":
        seller = invoice.seller
        digits = _digits(rule.value)
        return (
            wanted == _norm(supplier_key)
            or (bool(digits) and digits == _digits(seller.org_number))
            or (bool(wanted) and wanted in _norm(seller.name))
        )
    return False


def _digits(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def _norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def rule_words(rule: AttestRule) -> str:
    words = {
        "buyer_reference": f"the buyer's reference is {rule.value!r}",
        "department": f"a posting is on department {rule.value}",
        "project": f"a posting is on project {rule.value}",
        "supplier": f"the supplier is {rule.value}",
        "amount": "the amount",
    }[rule.kind]
    if rule.min_amount is not None:
        words += f" (from {rule.min_amount})"
    return words


def current(session: Session, document_id: str) -> Attestation | None:
    """The document's latest attestation request that still counts (not withdrawn)."""
    query = (
        select(Attestation)
        .where(Attestation.document_id == document_id, Attestation.state != WITHDRAWN)
        .order_by(col(Attestation.requested_at).desc())
    )
    return session.exec(query).first()


def route(
    session: Session,
    document: Document,
    invoice: Invoice,
    suggestion: Suggestion,
    target: Status,
    reasons: list[str],
) -> tuple[Status, list[str]]:
    """Where a freshly suggested document goes once attestation has had its say."""
    company = repo.get_company(session, company_id=document.company_id)
    settings = attest_settings.settings_of(company.settings)
    request = current(session, document.id)
    if request is None and settings.enabled:
        lines = [_line_json(line) for line in suggestion.lines]
        amount = amount_for_limits(session, company, document)
        rules = attest_settings.rules(session, company.id)
        found = match_rule(
            rules, settings, invoice, lines, supplier_key=document.supplier_key, amount=amount
        )
        if found is not None:
            request = _request(session, document, found, actor="worker")
    return _placed(session, company, document, invoice, request, target, reasons)


def _line_json(line: Any) -> dict[str, Any]:
    return {"dimensions": dict(getattr(line, "dimensions", {}) or {})}


def _placed(
    session: Session,
    company: Company,
    document: Document,
    invoice: Invoice,
    request: Attestation | None,
    target: Status,
    reasons: list[str],
) -> tuple[Status, list[str]]:
    settings = attest_settings.settings_of(company.settings)
    currency = company_currency(company)
    people = two_person_reasons(
        settings, amount_for_limits(session, company, document), invoice, currency
    )
    if request is not None and request.state == PENDING:
        return Status.ATTESTING, [waiting_words(session, request), *reasons]
    if request is not None and request.state == REFUSED:
        return Status.NEEDS_REVIEW, [refused_words(request), *reasons]
    if request is not None and request.state == ATTESTED:
        said = f"Attested by {request.acted_by}."
        if people:
            said += f" A second person must approve it: {'; '.join(people)}."
        return target, [said, *reasons]
    if people:
        return target, [*reasons, f"Two people must act on this invoice: {'; '.join(people)}."]
    return target, reasons


def waiting_words(session: Session, request: Attestation) -> str:
    who = _email(session, request.attestant_id) or "a second person"
    return f"Waiting for attestation by {who} ({request.why})."


def refused_words(request: Attestation) -> str:
    comment = f": {request.comment}" if request.comment else "."
    return f"{request.acted_by} refused to attest this invoice{comment}"


def _email(session: Session, user_id: str | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.email if user is not None else None


def _request(session: Session, document: Document, match: Match, *, actor: str) -> Attestation:
    request = Attestation(
        company_id=document.company_id,
        document_id=document.id,
        attestant_id=match.attestant_id,
        rule_id=match.rule_id,
        why=match.why,
        requested_by=actor,
    )
    session.add(request)
    repo.add_event(
        session,
        company_id=document.company_id,
        document_id=document.id,
        actor=actor,
        action="attest:requested",
        detail={"attestant": _email(session, match.attestant_id), "why": match.why,
                "rule_id": match.rule_id},
    )  # fmt: skip
    return request


# -- the gate in front of every approval ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gate:
    """What an approval attempt may do: approve, or only stand as the actor's attestation
    (`attested_only`), or nothing yet because it has just been sent for attestation
    (`sent_to`: that person's e-mail)."""

    approve: bool
    attested_only: bool = False
    sent_to: str | None = None
    why: str = ""


def gate(session: Session, *, document: Document, invoice: Invoice, actor: str, auto: bool) -> Gate:
    company = repo.get_company(session, company_id=document.company_id)
    settings = attest_settings.settings_of(company.settings)
    amount = amount_for_limits(session, company, document)
    user = None if auto else attest_settings.user_by_email(session, actor)
    _check_limit(session, company, user, amount)
    request = current(session, document.id)
    people = two_person_reasons(settings, amount, invoice, company_currency(company))
    if request is None and settings.enabled:
        request = _late_route(session, company, document, invoice, settings, amount)
        if request is not None and (user is None or request.attestant_id != user.id):
            return Gate(False, sent_to=_email(session, request.attestant_id), why=request.why)
    if request is not None and request.state == REFUSED:
        raise AttestationRefused(
            refused_words(request) + " Send it for attestation again, or reject it."
        )
    if request is not None and request.state == PENDING:
        if auto or user is None or request.attestant_id != user.id:
            raise AwaitingAttestation(waiting_words(session, request))
        _record(session, request, actor=actor, user=user, state=ATTESTED, comment=None)
        return Gate(not people, attested_only=bool(people), why="; ".join(people))
    if not people:
        return Gate(True)
    if auto:
        raise TwoPeopleRequired(
            f"Auto-approval cannot act on this invoice: two people must act ({'; '.join(people)})."
        )
    if request is not None and request.state == ATTESTED:
        if _same_person(request, actor, user):
            raise TwoPeopleRequired(
                f"You attested this invoice; another person must approve it ({'; '.join(people)})."
            )
        return Gate(True)
    first = Attestation(
        company_id=document.company_id,
        document_id=document.id,
        attestant_id=None,
        why="; ".join(people),
        requested_by=actor,
    )
    session.add(first)
    _record(session, first, actor=actor, user=user, state=ATTESTED, comment=None)
    return Gate(False, attested_only=True, why="; ".join(people))


def _check_limit(
    session: Session, company: Company, user: User | None, amount: Decimal | None
) -> None:
    if user is None:
        return
    limit = attest_settings.limit_of(session, company.id, user.id)
    if limit is None or (amount is not None and amount <= limit):
        return
    currency = company_currency(company)
    shown = "an amount Kontera cannot convert yet" if amount is None else f"{amount} {currency}"
    raise OverApprovalLimit(
        f"Your limit for {company.name} is {limit} {currency}; this invoice is {shown}. "
        "Ask someone with a higher limit."
    )


def _same_person(request: Attestation, actor: str, user: User | None) -> bool:
    if user is not None and request.acted_by_user_id is not None:
        return request.acted_by_user_id == user.id
    return (request.acted_by or "").lower() == actor.lower()


def _late_route(
    session: Session,
    company: Company,
    document: Document,
    invoice: Invoice,
    settings: AttestSettings,
    amount: Decimal | None,
) -> Attestation | None:
    """A document suggested before attestation was switched on meets the rules now."""
    record = repo.latest_suggestion(session, document_id=document.id)
    lines = list((record.payload if record else {}).get("lines", []))
    rules = attest_settings.rules(session, company.id)
    found = match_rule(
        rules, settings, invoice, lines, supplier_key=document.supplier_key, amount=amount
    )
    if found is None:
        return None
    request = _request(session, document, found, actor="approval")
    session.flush()
    return request


def _record(
    session: Session,
    request: Attestation,
    *,
    actor: str,
    user: User | None,
    state: str,
    comment: str | None,
) -> None:
    request.state = state
    request.acted_by = user.email if user is not None else actor
    request.acted_by_user_id = user.id if user is not None else None
    request.acted_at = utcnow()
    request.comment = (comment or "").strip()[:MAX_COMMENT] or None
    session.add(request)
    repo.add_event(
        session,
        company_id=request.company_id,
        document_id=request.document_id,
        actor=actor,
        action=f"attest:{state}",
        detail={"why": request.why, "comment": request.comment},
    )


# -- acting on a request -------------------------------------------------------------------


def attest(
    ctx: AppContext,
    *,
    company_id: str,
    document_id: str,
    actor: str,
    comment: str | None = None,
) -> Document:
    """The attestant confirms the invoice: it goes back to the bookkeepers to approve."""
    return _act(ctx, company_id, document_id, actor, ATTESTED, comment)


def refuse(
    ctx: AppContext, *, company_id: str, document_id: str, actor: str, comment: str | None
) -> Document:
    """The attestant will not vouch for the invoice; it waits for a bookkeeper to decide."""
    if not (comment or "").strip():
        raise InvalidInput("Say why you refuse the invoice, so the bookkeeper can follow up.")
    return _act(ctx, company_id, document_id, actor, REFUSED, comment)


def _act(
    ctx: AppContext,
    company_id: str,
    document_id: str,
    actor: str,
    state: str,
    comment: str | None,
) -> Document:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        request = current(session, document_id)
        if (
            request is None
            or request.state != PENDING
            or Status(document.status) != (Status.ATTESTING)
        ):
            raise Conflict("This invoice is not waiting for attestation (any more).")
        company = repo.get_company(session, company_id=company_id)
        user = attest_settings.user_by_email(session, actor)
        if user is None or request.attestant_id != user.id:
            raise Forbidden("This invoice waits for another person's attestation.")
        if state == ATTESTED:
            _check_limit(session, company, user, amount_for_limits(session, company, document))
        _record(session, request, actor=actor, user=user, state=state, comment=comment)
        target, reasons = _after_acting(session, company, document)
        repo.move_document(
            session,
            document=document,
            target=target,
            actor=actor,
            reason=" ".join(reasons) or None,
            detail={"attestation": state},
        )
    return document


def _after_acting(
    session: Session, company: Company, document: Document
) -> tuple[Status, list[str]]:
    """The status and reasons the document has now that its attestant acted."""
    interpretation = repo.latest_interpretation(session, document_id=document.id)
    record = repo.latest_suggestion(session, document_id=document.id)
    if interpretation is None or record is None:
        raise Conflict("The document has no suggestion to attest.")
    invoice = invoice_from_json(interpretation.payload)
    suggestion = suggestion_from_json(record.payload)
    reasons = review_reasons(invoice, suggestion) + suggestion_problems(
        session, company_id=company.id, invoice=invoice, suggestion=suggestion
    )
    target = Status.NEEDS_REVIEW if reasons else Status.SUGGESTED
    return _placed(session, company, document, invoice, current(session, document.id), target,
                   reasons)  # fmt: skip


def send_for_attestation(
    ctx: AppContext, *, company_id: str, document_id: str, attestant_id: str, actor: str
) -> Document:
    """A bookkeeper sends (or sends again, or to someone else) an invoice for attestation."""
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        if Status(document.status) not in REVIEWABLE:
            raise Conflict("Only invoices waiting for a person can be sent for attestation.")
        attestant = attest_settings.require_member(session, company_id, attestant_id)
        request = current(session, document_id)
        if request is not None and request.state in (PENDING, REFUSED):
            request.state = WITHDRAWN
            session.add(request)
        match = Match(attestant.id, None, f"sent by {actor}")
        waiting = waiting_words(session, _request(session, document, match, actor=actor))
        session.flush()
        repo.move_document(
            session, document=document, target=Status.ATTESTING, actor=actor, reason=waiting
        )
    return document


def pending_for(ctx: AppContext, *, user_id: str) -> list[tuple[Attestation, Document]]:
    """The invoices waiting for this person's attestation, oldest due first."""
    with session_scope(ctx.engine) as session:
        query = (
            select(Attestation, Document)
            .join(Document, col(Document.id) == col(Attestation.document_id))
            .where(
                Attestation.attestant_id == user_id,
                Attestation.state == PENDING,
                Document.status == Status.ATTESTING.value,
            )
            .order_by(col(Document.due_date).is_(None), col(Document.due_date))
        )
        return [(a, d) for a, d in session.exec(query).all()]


def count_pending(session: Session, *, user_id: str) -> int:
    query = select(func.count()).where(
        Attestation.attestant_id == user_id, Attestation.state == PENDING
    )
    return int(session.exec(query).one())


def view(session: Session, document_id: str) -> dict[str, Any] | None:
    """The document's attestation as the API and the pages show it."""
    request = current(session, document_id)
    if request is None:
        return None
    return {
        "state": request.state,
        "attestant": _email(session, request.attestant_id),
        "why": request.why,
        "requested_at": request.requested_at.isoformat(),
        "acted_by": request.acted_by,
        "acted_at": request.acted_at.isoformat() if request.acted_at else None,
        "comment": request.comment,
    }


def get_request(session: Session, request_id: str) -> Attestation:
    request = session.get(Attestation, request_id)
    if request is None:
        raise NotFound("No such attestation.")
    return request

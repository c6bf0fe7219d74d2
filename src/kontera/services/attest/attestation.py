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
from kontera.domain.messages import N_
from kontera.domain.messages import Message
from kontera.domain.messages import joined
from kontera.domain.messages import msg
from kontera.domain.status import REVIEWABLE
from kontera.domain.status import Status
from kontera.domain.suggestion import Suggestion
from kontera.services.admin.company_money import amount_for_limits
from kontera.services.admin.company_money import company_currency
from kontera.services.attest import mail as attest_mail
from kontera.services.attest import settings as attest_settings
from kontera.services.attest.settings import AttestSettings
from kontera.services.context import AppContext
from kontera.services.review.approval_checks import suggestion_problems
from kontera.services.review.rules import review_reasons
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables import User
from kontera.store.tables_attest import Attestation
from kontera.store.tables_attest import AttestRule
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


def two_person_reasons(
    settings: AttestSettings, amount: Decimal | None, invoice: Invoice, currency: str
) -> list[Message]:
    """Why two different people must act on this invoice (empty: one may do both)."""
    codes = {note.code for note in invoice.notes}
    reasons = []
    limit = settings.two_person_limit
    if limit is not None and amount is None:
        reasons.append(
            msg("the amount cannot be converted to {currency} yet (no exchange rate)",
                currency=currency)
        )  # fmt: skip
    elif limit is not None and amount is not None and amount > limit:
        reasons.append(
            msg("the amount, {amount} {currency}, is above {limit} {currency}",
                amount=amount, limit=limit, currency=currency)
        )  # fmt: skip
    if settings.two_person_new_supplier and "new_supplier" in codes:
        reasons.append(msg("it is the first invoice from this supplier"))
    if settings.two_person_bank_change and codes & BANK_CHANGE_NOTES:
        reasons.append(msg("the supplier asks to be paid into an account not used before"))
    return reasons


# -- routing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    attestant_id: str
    rule_id: str | None
    why: Message


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
        return Match(settings.default_attestant, None, msg("the company's default attestant"))
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


_RULE_WORDS = {
    "buyer_reference": N_("the buyer's reference is {value}"),
    "department": N_("a posting is on department {value}"),
    "project": N_("a posting is on project {value}"),
    "supplier": N_("the supplier is {value}"),
}


def rule_words(rule: AttestRule) -> Message:
    """The rule in words ("the buyer's reference is Kari", "…, from 50 000,00")."""
    if rule.kind == "amount":
        return msg("the amount is {amount} or more", amount=rule.min_amount)
    what = Message(_RULE_WORDS[rule.kind], {"value": rule.value})
    if rule.min_amount is not None:
        return msg("{rule}, from {amount}", rule=what, amount=rule.min_amount)
    return what


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
    reasons: list[Message],
) -> tuple[Status, list[Message]]:
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
    reasons: list[Message],
) -> tuple[Status, list[Message]]:
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
        said = [msg("Attested by {person}.", person=request.acted_by)]
        if people:
            said.append(msg("A second person must approve it: {why}.", why=listed(people)))
        return target, [*said, *reasons]
    if people:
        why = listed(people)
        return target, [*reasons, msg("Two people must act on this invoice: {why}.", why=why)]
    return target, reasons


def listed(reasons: list[Message]) -> Message:
    return joined(reasons, "; ")


def why_of(request: Attestation) -> Message:
    return Message.from_json(request.why_text) if request.why_text else Message(request.why)


def waiting_words(session: Session, request: Attestation) -> Message:
    who = _email(session, request.attestant_id)
    return msg("Waiting for attestation by {person} ({why}).", person=who, why=why_of(request))


def refused_words(request: Attestation) -> Message:
    if request.comment:
        return msg(
            "{person} refused to attest this invoice: {comment}",
            person=request.acted_by,
            comment=request.comment,
        )
    return msg("{person} refused to attest this invoice.", person=request.acted_by)


def _email(session: Session, user_id: str | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.email if user is not None else None


def _request(session: Session, document: Document, match: Match, *, actor: str) -> Attestation:
    request = Attestation(
        company_id=document.company_id,
        document_id=document.id,
        attestant_id=match.attestant_id,
        rule_id=match.rule_id,
        why=str(match.why),
        why_text=match.why.to_json(),
        requested_by=actor,
    )
    session.add(request)
    attest_mail.record(session, request, kind=attest_mail.REQUEST, now=request.requested_at)
    repo.add_event(
        session,
        company_id=document.company_id,
        document_id=document.id,
        actor=actor,
        action="attest:requested",
        detail={"attestant": _email(session, match.attestant_id), "why": str(match.why),
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
    why: Message | None = None


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
            sent_to = _email(session, request.attestant_id)
            return Gate(False, sent_to=sent_to, why=why_of(request))
    if request is not None and request.state == REFUSED:
        refusal = refused_words(request)
        raise AttestationRefused(
            msg("{refusal} Send it for attestation again, or reject it.", refusal=refusal)
        )
    if request is not None and request.state == PENDING:
        if auto or user is None or request.attestant_id != user.id:
            raise AwaitingAttestation(waiting_words(session, request))
        _record(session, request, actor=actor, user=user, state=ATTESTED, comment=None)
        return Gate(not people, attested_only=bool(people), why=listed(people))
    if not people:
        return Gate(True)
    why = listed(people)
    if auto:
        raise TwoPeopleRequired(
            msg("Auto-approval cannot act on this invoice: two people must act ({why}).", why=why)
        )
    if request is not None and request.state == ATTESTED:
        if _same_person(request, actor, user):
            raise TwoPeopleRequired(
                msg("You attested this invoice; another person must approve it ({why}).", why=why)
            )
        return Gate(True)
    first = Attestation(
        company_id=document.company_id,
        document_id=document.id,
        attestant_id=None,
        why=str(why),
        why_text=why.to_json(),
        requested_by=actor,
    )
    session.add(first)
    _record(session, first, actor=actor, user=user, state=ATTESTED, comment=None)
    return Gate(False, attested_only=True, why=why)


def _check_limit(
    session: Session, company: Company, user: User | None, amount: Decimal | None
) -> None:
    if user is None:
        return
    limit = attest_settings.limit_of(session, company.id, user.id)
    if limit is None or (amount is not None and amount <= limit):
        return
    currency = company_currency(company)
    if amount is None:
        raise OverApprovalLimit(
            msg("Your limit for {company} is {limit} {currency}, and this invoice's amount "
                "cannot be converted to {currency} yet. Ask someone without a limit.",
                company=company.name, limit=limit, currency=currency)
        )  # fmt: skip
    raise OverApprovalLimit(
        msg("Your limit for {company} is {limit} {currency}; this invoice is {amount} "
            "{currency}. Ask someone with a higher limit.",
            company=company.name, limit=limit, amount=amount, currency=currency)
    )  # fmt: skip


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
        if request is None or request.state != PENDING or document.status != Status.ATTESTING:
            raise Conflict("This invoice is not waiting for attestation (any more).")
        company = repo.get_company(session, company_id=company_id)
        user = attest_settings.user_by_email(session, actor)
        if user is None or request.attestant_id != user.id:
            raise Forbidden("This invoice waits for another person's attestation.")
        if state == ATTESTED:
            _check_limit(session, company, user, amount_for_limits(session, company, document))
        _record(session, request, actor=actor, user=user, state=state, comment=comment)
        session.flush()
        target, reasons = placement(session, document)
        repo.move_document(
            session,
            document=document,
            target=target,
            actor=actor,
            reason=joined(reasons) if reasons else None,
            detail={"attestation": state},
        )
    return document


def placement(session: Session, document: Document) -> tuple[Status, list[Message]]:
    """The status and reasons the document has now that someone acted on its attestation."""
    company = repo.get_company(session, company_id=document.company_id)
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
    request = current(session, document.id)
    return _placed(session, company, document, invoice, request, target, reasons)


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
        match = Match(attestant.id, None, msg("sent by {person}", person=actor))
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
        "why_text": request.why_text or None,
        "requested_at": request.requested_at.isoformat(),
        "acted_by": request.acted_by,
        "acted_at": request.acted_at.isoformat() if request.acted_at else None,
        "comment": request.comment,
        "mail": attest_mail.mail_view(session, request.id),
    }


def get_request(session: Session, request_id: str) -> Attestation:
    request = session.get(Attestation, request_id)
    if request is None:
        raise NotFound("No such attestation.")
    return request

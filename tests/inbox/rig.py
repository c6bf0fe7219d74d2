"""A company connected to a ledger fake with an inbox: the shared setup of the inbox tests.

    rig = inbox_rig(ctx, "tripletex", books)        # fake + books + inbox, on a loopback port
    rig.deliver(corpus_invoices(...))              # EHF arrive over Peppol, into the inbox
    sync_company(ctx, company_id=rig.company_id, client=rig.client, parts=INBOX_ONLY)

The fake listens on a loopback port so that posting (which makes its own HTTP client)
reaches the same fake as the sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kontera.services.admin import companies
from kontera.services.context import AppContext
from tests.fakes import fortnox_inbox
from tests.fakes import poweroffice_inbox
from tests.fakes import tripletex_inbox
from tests.fakes.books import Books
from tests.fakes.inbox_documents import CorpusInvoice
from tests.fakes.inbox_documents import Party
from tests.fakes.ledger_rig import LedgerRig
from tests.fakes.ledger_rig import connect_rig

SERVE_INBOX: dict[str, Any] = {
    "tripletex": tripletex_inbox.serve_inbox,
    "fortnox": fortnox_inbox.serve_inbox,
    "poweroffice": poweroffice_inbox.serve_inbox,
}
ORG = {"NO": "923609016", "SE": "5560360793"}
NAME = {"NO": "Fjordinnboks AS", "SE": "Inkorgen Örebro AB"}


@dataclass
class InboxRig:
    company_id: str
    ledger: LedgerRig
    inbox: Any  # TripletexInbox / FortnoxInbox / PowerOfficeInbox (tests.fakes.*_inbox)

    @property
    def client(self) -> Any:
        return self.ledger.client

    @property
    def fake(self) -> Any:
        return self.ledger.fake

    def deliver(self, invoices: list[CorpusInvoice]) -> list[Any]:
        return [self.inbox.deliver(i.content, i.filename) for i in invoices]

    @property
    def buyer(self) -> Party:
        country = self.ledger.books.country
        return Party(NAME[country], ORG[country], country)

    def sellers(self, count: int = 6) -> list[Party]:
        books: Books = self.ledger.books
        chosen = [s for s in books.suppliers.values() if s.active and s.bank_accounts][:count]
        return [
            Party(s.name, s.org_number, books.country, s.bank_accounts[0].replace("-", ""))
            for s in chosen
        ]

    @property
    def spec_violations(self) -> list[str]:
        gates = [getattr(self.fake, "gate", None), getattr(self.fake, "inbox_gate", None)]
        return [v for gate in gates if gate is not None for v in gate.violations]

    @property
    def spec_checked(self) -> int:
        gate = getattr(self.fake, "inbox_gate", None)
        return int(gate.checked) if gate is not None else 0


@contextmanager
def inbox_rig(ctx: AppContext, system: str, books: Books) -> Iterator[InboxRig]:
    country = books.country
    _with_builder_accounts(books)
    company = companies.create_company(
        ctx, name=NAME[country], org_number=ORG[country], country=country
    )
    ledger = connect_rig(ctx, company.id, system, books, serve=True)
    inbox = SERVE_INBOX[system](ledger.fake)
    try:
        yield InboxRig(company.id, ledger, inbox)
    finally:
        ledger.close()


# The accounts Kontera's voucher builder posts prepayments and rounding to (kontera.post.
# voucher_builder): a company's chart has them; the generated books may have closed them.
BUILDER_ACCOUNTS = {
    "NO": {"1749": ("Forskudd til leverandører", "0"), "7790": ("Annen kostnad", "0")},
    "SE": {
        "1480": ("Förskott till leverantörer", "SE0"),
        "3740": ("Öres- och kronutjämning", "SE0"),
    },
}


def _with_builder_accounts(books: Books) -> None:
    from tests.fakes.books import BookAccount

    for number, (name, vat) in BUILDER_ACCOUNTS[books.country].items():
        account = books.accounts.get(number)
        if account is None:
            books.accounts[number] = BookAccount(number, name, vat, (vat,))
        else:
            account.active = True


def approve_as_a_person(ctx: AppContext, company_id: str, document_id: str) -> None:
    """Approve what Kontera suggests; a line it abstained on gets the first alternative it
    offers (what the review page lists first), as a bookkeeper would choose."""
    from decimal import Decimal

    from kontera.services.review import approvals
    from kontera.services.review.approvals import ApprovedLine
    from kontera.store import repo
    from kontera.store.db import session_scope

    with session_scope(ctx.engine) as session:
        record = repo.latest_suggestion(session, document_id=document_id)
        assert record is not None
        lines = [_chosen(line) for line in record.payload.get("lines", [])]
    approved = [
        ApprovedLine(
            account=line["account"],
            amount=Decimal(line["amount"]) if line.get("amount") is not None else None,
            vat_code=line.get("vat_code"),
            description=line.get("description"),
            line_index=line.get("line_index"),
        )
        for line in lines
    ]
    edited = any(line.get("_chosen") for line in lines)
    approvals.approve(
        ctx,
        company_id=company_id,
        document_id=document_id,
        actor="bookkeeper",
        lines=approved if edited else None,
    )


def _chosen(line: dict[str, Any]) -> dict[str, Any]:
    if line.get("account"):
        return line
    alternatives = line.get("alternatives") or []
    assert alternatives, f"Kontera offered no account for line {line.get('line_index')}"
    first = alternatives[0]
    vat = line.get("vat_code") or first.get("vat_code")
    return {**line, "account": first["account"], "vat_code": vat, "_chosen": True}


def suggested_accounts(ctx: AppContext, document_id: str) -> set[str]:
    """The accounts of what a person approved: Kontera's suggestion, an abstained line taking
    the first alternative (as `approve_as_a_person` chooses)."""
    from kontera.store import repo
    from kontera.store.db import session_scope

    with session_scope(ctx.engine) as session:
        record = repo.latest_suggestion(session, document_id=document_id)
        assert record is not None
        return {str(_chosen(line)["account"]) for line in record.payload.get("lines", [])}


def posted_as_suggested(ctx: AppContext, rig: InboxRig, document_id: str, voucher_id: str) -> None:
    """The lines on a voucher in PowerOffice Go's approval inbox are the suggestion's accounts
    (and the prepayment and rounding accounts Kontera's voucher builder adds), Go's own
    pre-coding gone."""
    numbers = {ident: number for number, ident in rig.fake.account_ids.items()}
    on_lines = {
        numbers[line.get("DebitAccountId") or line.get("CreditAccountId")]
        for line in rig.inbox.lines(voucher_id)
    }
    suggested = suggested_accounts(ctx, document_id)
    assert suggested <= on_lines, (suggested, on_lines)
    assert on_lines - suggested <= set(BUILDER_ACCOUNTS[rig.ledger.books.country]), on_lines

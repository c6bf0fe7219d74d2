"""`kontera audit verify`: does every company's audit chain still hold, and where does it break?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from kontera.services.admin.companies import find_company
from kontera.services.context import AppContext
from kontera.store.audit_chain import NO_COMPANY
from kontera.store.audit_chain import BrokenLink
from kontera.store.audit_chain import chains
from kontera.store.audit_chain import verify_chain
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from kontera.store.tables import Company
from kontera.store.tables_security import AuditChainHead


@dataclass(frozen=True, slots=True)
class ChainReport:
    chain: str
    name: str
    events: int
    head_hash: str
    broken: BrokenLink | None
    broken_event: AuditEvent | None = None

    def describe(self) -> str:
        if self.broken is None:
            return f"ok      {self.name}: {self.events} events, last hash {self.head_hash}"
        where = f"event {self.broken.event_id}" if self.broken.event_id else "the chain's end"
        if self.broken.seq is not None:
            where += f" (#{self.broken.seq})"
        if self.broken_event is not None:
            at = self.broken_event.at.isoformat(timespec="seconds")
            where += f" of {at}, {self.broken_event.action} by {self.broken_event.actor}"
        return f"BROKEN  {self.name}: {where} {self.broken.problem}."


def verify(ctx: AppContext, *, company_name: str | None = None) -> list[ChainReport]:
    """One report per chain (per company, and one for events of no company)."""
    wanted = [find_company(ctx, company_name).id] if company_name else None
    with session_scope(ctx.engine) as session:
        reports = []
        for chain in wanted or chains(session):
            broken = verify_chain(session, chain)
            head = session.get(AuditChainHead, chain)
            event = session.get(AuditEvent, broken.event_id) if broken and broken.event_id else None
            reports.append(
                ChainReport(
                    chain=chain,
                    name=_name(session, chain),
                    events=head.seq if head else 0,
                    head_hash=head.hash if head else "",
                    broken=broken,
                    broken_event=event,
                )
            )
        return reports


def _name(session: Session, chain: str) -> str:
    if chain == NO_COMPANY:
        return "(no company)"
    company = session.get(Company, chain)
    return f"{company.name} ({company.slug})" if company else f"company {chain} (removed)"

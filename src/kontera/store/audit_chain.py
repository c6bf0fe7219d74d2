"""The tamper-evident audit trail: every audit event carries the hash of the one before it.

Each company has its own chain (events of no company share one more). An event's hash covers
its content, its position (`seq`) and the previous event's hash, so editing, deleting or
inserting a row breaks the chain at that row, and `verify_chain` names it.

The links are computed in exactly one place, `_seal`, which SQLAlchemy calls just before a
session commits: for every chain the transaction's new events extend (in a fixed order, so
two transactions never wait on each other crosswise) it reserves their positions with one
UPDATE of the chain's head row (which takes its lock), links the events in the order they
were made, stores the new last hash, and the events are inserted with their links. On
PostgreSQL the row lock serialises writers of one company's chain for the last moment of
their transactions only; SQLite has one writer at a time anyway. Nothing else in Kontera
writes `seq`, `prev_hash` or `hash`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Table
from sqlalchemy import event
from sqlalchemy import insert
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.store.tables import AuditEvent
from kontera.store.tables_security import AuditChainHead
from kontera.store.types import utcnow

# v1 (events linked by the migration) also covers the row id; v2 (every event since) does not
# need it, so that a new event is inserted with its hash in one statement.
HASH_VERSION = "v2"
NO_COMPANY = ""
_NEW_EVENTS = "kontera.audit_chain.new"
_HEADS: Table = AuditChainHead.__table__  # type: ignore[attr-defined]


def chain_of(company_id: str | None) -> str:
    return company_id or NO_COMPANY


def link_hash(
    *,
    chain: str,
    seq: int,
    prev_hash: str,
    event_id: int | None,
    at: Any,
    version: str = HASH_VERSION,
    actor: str,
    action: str,
    document_id: str | None,
    from_status: str | None,
    to_status: str | None,
    detail: dict[str, Any],
) -> str:
    """The hash of one link: the event as the database will give it back, and its place."""
    content = {
        "v": version,
        "chain": chain,
        "seq": seq,
        "prev": prev_hash,
        "at": at.astimezone(UTC).isoformat(),
        "actor": actor,
        "action": action,
        "document_id": document_id,
        "from_status": from_status,
        "to_status": to_status,
        # As the JSON column will return it (tuples are lists, keys are strings).
        "detail": json.loads(json.dumps(detail)),
    }
    if version == "v1":
        content["id"] = event_id
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{version}:{hashlib.sha256(text.encode()).hexdigest()}"


def event_hash(event: AuditEvent, *, seq: int, prev_hash: str, version: str = HASH_VERSION) -> str:
    return link_hash(
        chain=chain_of(event.company_id),
        seq=seq,
        prev_hash=prev_hash,
        event_id=event.id,
        at=event.at,
        actor=event.actor,
        action=event.action,
        document_id=event.document_id,
        from_status=event.from_status,
        to_status=event.to_status,
        detail=event.detail,
        version=version,
    )


# --- sealing: the only writer of the chain -------------------------------------------------


def _collect_new_events(session: OrmSession, _context: Any, _instances: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if new:
        session.info.setdefault(_NEW_EVENTS, []).extend(new)


def _seal(session: OrmSession) -> None:
    flushed: list[AuditEvent] = session.info.pop(_NEW_EVENTS, [])
    pending = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    # By identity: two events with the same content are still two events.
    events = list({id(item): item for item in [*flushed, *pending]}.values())
    if not events:
        return
    by_chain: dict[str, list[AuditEvent]] = {}
    for item in events:
        by_chain.setdefault(chain_of(item.company_id), []).append(item)
    connection = session.connection()
    for chain in sorted(by_chain):  # one lock order for everyone: no crosswise waits
        items = sorted(by_chain[chain], key=lambda e: (e.at, e.id or 0))
        last_seq, prev = _advance_head(connection, chain, len(items))
        for seq, item in enumerate(items, start=last_seq - len(items) + 1):
            item.seq, item.prev_hash = seq, prev
            item.hash = prev = event_hash(item, seq=seq, prev_hash=prev)
        connection.execute(
            update(_HEADS).where(_HEADS.c.chain == chain).values(hash=prev, updated_at=utcnow())
        )
    session.flush()  # the events go in with their links (or get them, if flushed before)


def _forget(session: OrmSession, *_args: Any) -> None:
    session.info.pop(_NEW_EVENTS, None)


def _advance_head(connection: Connection, chain: str, count: int) -> tuple[int, str]:
    """Reserve `count` positions: the chain's new last seq and the hash before them.

    The UPDATE takes the head row's lock (PostgreSQL) or the write lock (SQLite) first, so
    no one else can read the same head until this transaction ends."""
    for _ in range(2):
        reserved = connection.execute(
            update(_HEADS)
            .where(_HEADS.c.chain == chain)
            .values(seq=_HEADS.c.seq + count)
            .returning(_HEADS.c.seq, _HEADS.c.hash)
        ).first()
        if reserved is not None:
            return int(reserved[0]), str(reserved[1])
        _create_head(connection, chain)
    raise RuntimeError(f"the audit chain head {chain!r} could not be created")


def _create_head(connection: Connection, chain: str) -> None:
    values = {"chain": chain, "seq": 0, "hash": "", "updated_at": utcnow()}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(_HEADS).values(**values)
    elif dialect == "sqlite":
        statement = sqlite.insert(_HEADS).values(**values)
    else:  # pragma: no cover - Kontera runs on SQLite and PostgreSQL
        statement = insert(_HEADS).values(**values)
    connection.execute(statement.on_conflict_do_nothing(index_elements=["chain"]))


event.listen(Session, "before_flush", _collect_new_events)
event.listen(Session, "before_commit", _seal)
event.listen(Session, "after_rollback", _forget)


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrokenLink:
    chain: str
    event_id: int | None
    seq: int | None
    problem: str


def verify_chain(session: Session, chain: str) -> BrokenLink | None:
    """Walk one chain from its first event; the first link that does not hold, or None."""
    head = session.get(AuditChainHead, chain)
    expected_seq, prev_hash = 1, ""
    for item in _events_of(session, chain):
        if item.seq is None or item.hash is None:
            return BrokenLink(chain, item.id, None, "was never linked into the chain (inserted?)")
        if item.seq != expected_seq:
            missing = "missing" if item.seq > expected_seq else "repeated"
            problem = f"event #{expected_seq} of the chain is {missing} (deleted or renumbered?)"
            return BrokenLink(chain, item.id, item.seq, problem)
        if item.prev_hash != prev_hash:
            problem = "does not link to the event before it (an event was deleted or replaced)"
            return BrokenLink(chain, item.id, item.seq, problem)
        version = item.hash.split(":", 1)[0]
        if item.hash != event_hash(item, seq=item.seq, prev_hash=prev_hash, version=version):
            return BrokenLink(chain, item.id, item.seq, "was changed after it was written")
        expected_seq, prev_hash = expected_seq + 1, item.hash
    last = expected_seq - 1
    if head is not None and (head.seq != last or head.hash != prev_hash):
        problem = f"the chain ended at #{head.seq}, but its last event is #{last} (deleted?)"
        return BrokenLink(chain, None, head.seq, problem)
    return None


def chains(session: Session) -> list[str]:
    """Every chain that has events or a head."""
    from_events = session.exec(select(AuditEvent.company_id).distinct()).all()
    from_heads = session.exec(select(AuditChainHead.chain)).all()
    return sorted({chain_of(c) for c in from_events} | set(from_heads))


def _events_of(session: Session, chain: str) -> Iterator[AuditEvent]:
    if chain == NO_COMPANY:
        where: Any = col(AuditEvent.company_id).is_(None) | (col(AuditEvent.company_id) == "")
    else:
        where = col(AuditEvent.company_id) == chain
    # seq order (unlinked rows first, so they are reported), id to break ties
    query = select(AuditEvent).where(where).order_by(col(AuditEvent.seq).nulls_first(), "id")
    yield from session.exec(query.execution_options(yield_per=1000))

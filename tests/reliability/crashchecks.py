"""What must hold after a crash campaign: nothing lost, nothing doubled, chains unbroken.

Read straight from the database (SQLite or PostgreSQL), the originals folder and the fake
accounting system; each check returns readable problems, an empty list when all is well.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy import text

from tests.fakes.tripletex import FakeTripletex

# Statuses in which machines still owe work: nothing may stay here after recovery.
OWED = ("received", "interpreted", "posting")
# With an accounting system connected, an approved document is owed its posting too.
OWED_WHEN_POSTING = (*OWED, "approved")


@dataclass
class Tally:
    sent: int = 0
    accepted: int = 0
    retried: int = 0
    server_errors: list[str] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)
    approved: set[str] = field(default_factory=set)
    ids_by_payload: dict[int, set[str]] = field(default_factory=dict)
    distinct_files: int = 0  # files with identical bytes are one document


def wait_settled(database_url: str, timeout: float, owed: tuple[str, ...] = OWED) -> dict[str, int]:
    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT status, count(*) FROM document GROUP BY status")
                ).all()
            statuses = {status: count for status, count in rows}
            if not any(statuses.get(s) for s in owed) or time.monotonic() > deadline:
                return statuses
            time.sleep(0.5)
    finally:
        engine.dispose()


def verify(
    database_url: str, originals: Path, tally: Tally, owed: tuple[str, ...] = OWED
) -> list[str]:
    """Everything that must hold after recovery; an empty list means nothing lost or doubled."""
    engine = create_engine(database_url)
    problems: list[str] = []
    try:
        with engine.connect() as connection:
            problems += _check_documents(connection, tally, owed)
            problems += _check_originals(connection, originals)
            problems += _check_interpretations(connection)
            problems += _check_vouchers(connection)
            problems += _check_audit(connection)
    finally:
        engine.dispose()
    return problems


def _rows(connection: Any, sql: str) -> list[Any]:
    return list(connection.execute(text(sql)).all())


def _check_documents(connection: Any, tally: Tally, owed: tuple[str, ...]) -> list[str]:
    problems = []
    documents = _rows(connection, "SELECT id, sha256, status FROM document")
    distinct_ids = set().union(*tally.ids_by_payload.values()) if tally.ids_by_payload else set()
    if len(documents) != tally.distinct_files or len(distinct_ids) != tally.distinct_files:
        problems.append(
            f"{len(documents)} documents and {len(distinct_ids)} ids answered "
            f"for {tally.distinct_files} distinct files sent"
        )
    doubled = [i for i, ids in tally.ids_by_payload.items() if len(ids) != 1]
    if doubled:
        problems.append(f"files answered with more than one document id: {doubled[:5]}")
    stuck = [d.id for d in documents if d.status in owed]
    if stuck:
        problems.append(f"{len(stuck)} documents still owed work: {stuck[:5]}")
    return problems


def _check_originals(connection: Any, originals: Path) -> list[str]:
    shas = [row.sha256 for row in _rows(connection, "SELECT sha256 FROM document")]
    missing = [s for s in shas if not (originals / s[:2] / s[2:4] / s).is_file()]
    partial = list(originals.rglob(".part-*")) if originals.exists() else []
    problems = [f"{len(missing)} originals missing"] if missing else []
    if len(set(shas)) != len(shas):
        problems.append("two documents share one original")
    if len(partial) > 2:
        problems.append(f"{len(partial)} half-written originals left behind")
    return problems


def _check_interpretations(connection: Any) -> list[str]:
    doubled = _rows(
        connection,
        "SELECT document_id FROM interpretation GROUP BY document_id HAVING count(*) > 1",
    )
    missing = _rows(
        connection,
        "SELECT d.id FROM document d LEFT JOIN interpretation i ON i.document_id = d.id "
        "WHERE i.id IS NULL AND d.status NOT IN ('failed', 'received')",
    )
    # Waiting invoices are suggested again after approvals (services/pipeline/relearn.py); what must
    # never double is the pipeline's own step out of `interpreted`.
    suggestions = _rows(
        connection,
        "SELECT document_id FROM auditevent WHERE from_status = 'interpreted' "
        "AND action IN ('status:suggested', 'status:needs_review') "
        "GROUP BY document_id HAVING count(*) > 1",
    )
    problems = []
    if doubled:
        problems.append(f"{len(doubled)} documents interpreted twice")
    if missing:
        problems.append(f"{len(missing)} documents past interpretation without one")
    if suggestions:
        problems.append(f"{len(suggestions)} documents with two suggestions")
    return problems


def _check_vouchers(connection: Any) -> list[str]:
    approved = {
        r.id
        for r in _rows(
            connection, "SELECT id FROM document WHERE status IN ('approved', 'posting', 'posted')"
        )
    }
    vouchers = [r.document_id for r in _rows(connection, "SELECT document_id FROM voucher")]
    problems = []
    if len(vouchers) != len(set(vouchers)):
        problems.append("a document has two vouchers")
    if approved - set(vouchers):
        problems.append(f"{len(approved - set(vouchers))} approved documents without a voucher")
    returned = set(vouchers) - approved
    reviewing = {
        r.id for r in _rows(connection, "SELECT id FROM document WHERE status = 'needs_review'")
    }
    if returned - reviewing:
        problems.append(f"{len(returned - reviewing)} vouchers of documents not approved")
    return problems


def _check_audit(connection: Any) -> list[str]:
    """Each document: one `received` event and an unbroken chain of status changes."""
    events = _rows(
        connection,
        "SELECT document_id, action, from_status, to_status FROM auditevent "
        "WHERE document_id IS NOT NULL ORDER BY id",
    )
    status = dict(_rows(connection, "SELECT id, status FROM document"))
    chains: dict[str, list[Any]] = {}
    for event in events:
        chains.setdefault(event.document_id, []).append(event)
    problems = []
    for document_id, current in status.items():
        chain = chains.get(document_id, [])
        received = [e for e in chain if e.action == "received"]
        moves = [e for e in chain if e.action.startswith("status:")]
        state = "received"
        for move in moves:
            if move.from_status != state:
                problems.append(f"{document_id}: {move.action} from {move.from_status} at {state}")
            state = move.to_status
        if len(received) != 1:
            problems.append(f"{document_id}: {len(received)} 'received' events")
        if state != current:
            problems.append(f"{document_id}: audit trail ends at {state}, document is {current}")
    return problems[:20]


def check_posted(database_url: str, fake: FakeTripletex) -> list[str]:
    """Each posted document is exactly one voucher in Tripletex, with one attachment."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            posted = _rows(connection, "SELECT id FROM document WHERE status = 'posted'")
    finally:
        engine.dispose()
    numbers = Counter(v.get("externalVoucherNumber") for v in fake.vouchers.values())
    problems = []
    if doubled := [n for n, c in numbers.items() if c > 1]:
        problems.append(f"{len(doubled)} vouchers posted twice to Tripletex: {doubled[:3]}")
    if len(numbers) != len(posted):
        problems.append(f"{len(posted)} posted documents but {len(numbers)} vouchers in Tripletex")
    attachments = Counter(len(fake.attachments.get(i, [])) for i in fake.vouchers)
    if set(attachments) - {1}:
        problems.append(f"attachments per voucher: {dict(attachments)}")
    return problems

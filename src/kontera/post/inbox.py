"""The ledger's own inbox: invoices waiting there, read and later completed in place.

Most Norwegian supplier invoices arrive as EHF over Peppol at the company's access point —
which for a small company is its accounting system. They wait in the system's inbox as an
unposted supplier invoice or voucher. An `InboxReader` (one per system, beside that
system's sync reader) lists what waits (`entries`) and fetches each one's document
(`fetch`: the EHF XML where there is one, else the scan or PDF). Its calls go through the
connection's client and so its shared request quota.

When Kontera's document came from there, approving it must complete *that* invoice instead
of posting a second voucher. `InPlace` wraps the system's connector in the same `Connector`
protocol the outbox drives (`kontera.post.job`), so completing in place is exactly as
resumable as posting: `find_voucher` asks the ledger whether the invoice is already booked
(and finishes a step a crash cut off), `create_voucher` puts Kontera's postings on it and
books it, and the attachment is the document the ledger already holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from typing import Protocol

from kontera.domain.voucher import Voucher
from kontera.post.connector import AttachmentFile
from kontera.post.connector import Connector
from kontera.post.sync import ReadStats


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One invoice waiting in the ledger's inbox.

    `external_id` is stable for as long as the item exists in the ledger ("voucher:123",
    "supplierinvoice:45", "file:<id>"); `details` holds the ledger's ids a later completion
    needs (kept with Kontera's record of the item)."""

    external_id: str
    kind: str
    filename: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InboxFile:
    content: bytes
    filename: str
    mime: str


class InboxReader(Protocol):
    system: str
    stats: ReadStats

    def entries(self) -> list[InboxEntry]:
        """Everything waiting in the inbox now (only what is not yet booked)."""
        ...

    def fetch(self, entry: InboxEntry) -> InboxFile:
        """The entry's document, as the ledger received it."""
        ...


class Completer(Protocol):
    """Posting onto one invoice already in the ledger, in idempotent steps."""

    def completed(self, details: dict[str, Any], key: str) -> str | None:
        """The ledger's id of the booked invoice when it is booked (finishing a step that a
        crash cut short, such as an approval after the booking); None while it is not."""
        ...

    def complete(self, voucher: Voucher, details: dict[str, Any], key: str) -> str:
        """Put the voucher's postings on the invoice and book it; the ledger's id."""
        ...

    def attachment(self, details: dict[str, Any]) -> str | None:
        """The id of the document the ledger holds for the invoice, if any."""
        ...


class InPlace:
    """A `Connector` that completes the ledger's own invoice instead of posting a new one."""

    def __init__(self, inner: Connector, completer: Completer, details: dict[str, Any]) -> None:
        self.inner = inner
        self.completer = completer
        self.details = details
        self.name = inner.name

    def find_voucher(self, idempotency_key: str, since: datetime | None = None) -> str | None:
        return self.completer.completed(self.details, idempotency_key)

    def create_voucher(self, voucher: Voucher, idempotency_key: str) -> str:
        return self.completer.complete(voucher, self.details, idempotency_key)

    def find_attachment(self, external_id: str, idempotency_key: str) -> str | None:
        return self.completer.attachment(self.details) or self.inner.find_attachment(
            external_id, idempotency_key
        )

    def attach(self, external_id: str, file: AttachmentFile, idempotency_key: str) -> str:
        return self.inner.attach(external_id, file, idempotency_key)


class FileConnector(Protocol):
    def connect_file(self, external_id: str, file_id: str) -> str: ...


class WithLedgerFile:
    """A `Connector` that posts as usual but, instead of uploading the original, connects the
    file already waiting in the ledger's file inbox (Fortnox), which takes it out of there."""

    def __init__(self, inner: Connector, files: FileConnector, file_id: str) -> None:
        self.inner = inner
        self.files = files
        self.file_id = file_id
        self.name = inner.name

    def find_voucher(self, idempotency_key: str, since: datetime | None = None) -> str | None:
        return self.inner.find_voucher(idempotency_key, since)

    def create_voucher(self, voucher: Voucher, idempotency_key: str) -> str:
        return self.inner.create_voucher(voucher, idempotency_key)

    def find_attachment(self, external_id: str, idempotency_key: str) -> str | None:
        return self.inner.find_attachment(external_id, idempotency_key)

    def attach(self, external_id: str, file: AttachmentFile, idempotency_key: str) -> str:
        return self.files.connect_file(external_id, self.file_id)

"""What every accounting-system connector offers: idempotent, resumable steps.

Posting is two remote steps, each checked before it is done so that a crash or a lost
response never doubles anything: the voucher (looked up by Kontera's idempotency key), then
the attachment (looked up on the voucher). `kontera.post.job` drives the steps and records
progress; the connectors only talk to their system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from typing import runtime_checkable

from kontera.domain.voucher import Voucher


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """The original document to attach (PDF, PNG, JPEG or TIFF)."""

    content: bytes
    filename: str
    mime: str


@dataclass(frozen=True, slots=True)
class PostResult:
    external_id: str
    attachment_id: str | None = None


@runtime_checkable
class Connector(Protocol):
    """One accounting system for one company."""

    name: str

    def find_voucher(self, idempotency_key: str, since: datetime | None = None) -> str | None:
        """The external id of the voucher posted with this key, or None.

        `since` is when this job last sent a create request (None: it never did); earlier
        requests were ruled out by the lookup before that one. Systems with an exact lookup
        ignore it; others use it to bound their search."""
        ...

    def create_voucher(self, voucher: Voucher, idempotency_key: str) -> str:
        """Post the voucher; return its external id. Callers check `find_voucher` first."""
        ...

    def find_attachment(self, external_id: str, idempotency_key: str) -> str | None:
        """The id of Kontera's attachment on this voucher, or None."""
        ...

    def attach(self, external_id: str, file: AttachmentFile, idempotency_key: str) -> str:
        """Attach the document to the voucher; return the attachment id."""
        ...


def attachment_name(file: AttachmentFile, idempotency_key: str) -> str:
    """A file name that carries the key, so an upload can be found again after a crash."""
    stem, dot, ext = file.filename.rpartition(".")
    base = stem if dot else file.filename
    suffix = f".{ext}" if dot else ""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in base)[:80]
    return f"{safe}__{idempotency_key}{suffix}"

"""What the API answers, as models: the OpenAPI document declares exactly these shapes.

Every response is validated against its model on the way out, so the published contract and
the bytes an integrator receives cannot drift apart (Schemathesis checks it from outside).
Amounts are strings (`"1234.50"`), never floats; the interpreted invoice is documented in
`docs/interpretation-json.md` and kept an open object here, so that new fields do not break
clients.
"""

from __future__ import annotations

import math
import re
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Annotated
from typing import Any

from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import WithJsonSchema

from kontera.domain.status import Status

DOCUMENT_ID = Field(description="The document's id (opaque).", examples=["3f1c2a9e8b7d4c6e"])


def _amount(value: Any) -> Any:
    """An amount is a JSON number or a plain decimal string ("1234.50"): nothing else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("an amount is a number or a decimal string")
    if isinstance(value, str) and not AMOUNT_PATTERN.fullmatch(value):
        raise ValueError("an amount is written like 1234.50 or -75")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("an amount is a finite number")
    return value


AMOUNT_PATTERN = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number"},
                {"type": "string", "pattern": f"^{AMOUNT_PATTERN.pattern}$"},
            ],
            "description": "A number, or a decimal string with a point: `1234.50`.",
        }
    ),
]


def _moment(value: Any) -> Any:
    """Only ISO 8601 text, as the document declares (`format: date-time`), not a number."""
    if not isinstance(value, str) or not MOMENT_PATTERN.match(value):
        raise ValueError("write a moment in ISO 8601: 2026-12-04T09:30:00Z")
    return value


MOMENT_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")
Moment = Annotated[datetime, BeforeValidator(_moment)]


def _day(value: Any) -> Any:
    """Only YYYY-MM-DD, as the document declares (`format: date`), not a timestamp."""
    if isinstance(value, date) or (isinstance(value, str) and DAY_PATTERN.fullmatch(value)):
        return value
    raise ValueError("write a day as YYYY-MM-DD")


DAY_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
Day = Annotated[date, BeforeValidator(_day)]


class ErrorOut(BaseModel):
    """Every error: a stable machine code and a sentence for a person."""

    error: str = Field(description="A stable code: unauthorized, not_found, conflict, …")
    message: str = Field(description="What went wrong, in English.")
    document_id: str | None = Field(
        default=None,
        description="With `conflict` on upload: the document that already holds this "
        "`external_id`.",
    )


class MessageOut(BaseModel):
    """A text in the catalogue's terms, so an integrator can show it in its own language."""

    msgid: str = Field(description="The English text with `{name}` placeholders.")
    params: dict[str, Any] = Field(description="The values of the placeholders.")
    plural: str | None = None


class UploadOut(BaseModel):
    id: str = DOCUMENT_ID
    status: Status
    duplicate: bool = Field(
        description="True when these bytes (or this `external_id` with these bytes) arrived "
        "before: `id` is then the first document."
    )


class DocumentSummaryOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = DOCUMENT_ID
    status: Status
    status_reason: str | None = Field(description="Why it is in this status, in English.")
    status_reason_text: MessageOut | None = Field(
        default=None, description="The same reason as a catalogue message."
    )
    filename: str | None
    kind: str = Field(description="What the bytes are: pdf, xml, image, …")
    source: str = Field(description="How it arrived: api, email, ui, …")
    external_id: str | None = Field(description="Your id for it, unique per company.")
    received_at: datetime
    updated_at: datetime = Field(description="When anything about it last changed.")
    supplier_name: str | None
    invoice_number: str | None
    currency: str | None
    gross: str | None = Field(description="The amount due, as a decimal string.")
    due_date: date | None
    confidence: float | None = Field(description="How sure the reading is, 0–1.")
    duplicate_of: str | None = Field(description="The earlier document this one duplicates.")


class DocumentListOut(BaseModel):
    items: list[DocumentSummaryOut]
    total: int = Field(description="How many documents match the filters (all pages).")
    limit: int
    offset: int


class NoteOut(BaseModel):
    message: str = Field(description="The note in English.")
    severity: str = Field(description="info, warning or error.")
    code: str
    rule_id: str | None = Field(default=None, description="EN 16931 / Peppol / national rule.")
    field: str | None = Field(default=None, description="The field it is about (a path).")
    text: MessageOut | None = None


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any]


class VoucherOut(BaseModel):
    id: str
    state: str
    target: str = Field(description="The accounting system or export it goes to.")
    external_id: str | None
    lines: list[dict[str, Any]]
    last_error: str | None


class AttestMailOut(BaseModel):
    """The latest e-mail to the attestant (the request or a reminder)."""

    kind: str = Field(description="request or reminder.")
    state: str = Field(description="pending, sent, failed (given up) or cancelled.")
    to: str
    attempts: int
    last_error: str | None = Field(description="The SMTP server's answer to the last attempt.")
    sent_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When it is tried again (pending).")


class AttestationOut(BaseModel):
    """The invoice's latest attestation request (docs/attestation.md)."""

    state: str = Field(description="pending, attested, refused or withdrawn.")
    attestant: str | None = Field(
        description="Who must attest (e-mail); null: anyone but the person who approves."
    )
    why: str = Field(description="The rule that chose the attestant, in English.")
    why_text: MessageOut | None = Field(default=None, description="The same as a message.")
    requested_at: datetime
    acted_by: str | None = Field(description="Who attested or refused.")
    acted_at: datetime | None
    comment: str | None = Field(description="The attestant's comment (always on a refusal).")
    mail: AttestMailOut | None = Field(
        default=None, description="The latest e-mail to the attestant; null: none sent."
    )


class DocumentOut(DocumentSummaryOut):
    invoice: dict[str, Any] | None = Field(
        description="The interpretation (docs/interpretation-json.md); null until read."
    )
    suggestion: dict[str, Any] | None = Field(description="The proposed postings.")
    voucher: VoucherOut | None
    notes: list[NoteOut]
    attestation: AttestationOut | None = Field(
        default=None, description="Who must attest it and what they did; null: no attestation."
    )
    events: list[EventOut] = Field(description="The audit trail, oldest first.")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each error status with the error body and what it means."""
    return {
        status: {"model": ErrorOut, "description": ERROR_MEANINGS[status]} for status in statuses
    }


ERROR_MEANINGS = {
    400: "The request cannot be carried out as sent: no `file` field, a form field too long, "
    "a body that is not JSON, or postings that cannot be booked (the message says which).",
    401: "No API key, or not a valid one.",
    403: "Attestation forbids it for this actor: two different people must act on this "
    "invoice (one attests, another approves), or it is above the actor's approval limit "
    "(the message says which).",
    404: "No such document (or not your company's: ids reveal nothing).",
    409: "The document is not in a state that allows this, or the `external_id` is taken "
    "by other bytes (`document_id` names the first document).",
    413: "The file is larger than the upload limit.",
    415: "Not a file type Kontera reads.",
    422: "A parameter or the body is not valid.",
}

"""The error tree. Each error carries a stable code and the HTTP status it maps to.

KonteraError
├── InvalidInput            400  the request or a value in it is malformed
│   ├── EmptyDocument       422  a document with no bytes or no content
│   ├── UnsupportedDocument 415  a file type Kontera cannot read
│   ├── UnsafeDocument      422  an XML/PDF/ZIP bomb, an external entity, a DTD …
│   └── VoucherRefused      422  postings the ledger would refuse (unbalanced, not in chart)
├── DocumentTooLarge        413  over the configured upload limit
├── InterpretationFailed    422  the document was read but is not an invoice we understand
├── Unauthorized            401  no or wrong credentials
├── Forbidden               403  the credentials do not reach this resource
├── NotFound                404  no such resource (or not yours: we do not reveal which)
├── Conflict                409  the resource is not in a state that allows this
│   └── InvalidTransition   409  a document status change the state machine forbids
├── UnbalancedVoucher       422  postings do not sum to zero
├── TooManyRequests         429  over the rate limit; `retry_after` says when to come back
├── ConfigurationError      500  the operator has not configured something Kontera needs
└── ExternalServiceError    502  an accounting system or other service failed
    ├── TransientError      503  worth retrying (timeouts, 429, 5xx)
    └── PermanentError      422  the remote system refused the data; a person must act

The docstring's first line is the default message, so a bare `raise NotFound()` still tells
the user something readable. A message is English text or a `msg(...)` with parameters; both
are catalogue message ids, so the UI shows them in the reader's language (`error.text`).
"""

from __future__ import annotations

from typing import ClassVar

from kontera.domain.messages import Message
from kontera.domain.messages import as_message


class KonteraError(Exception):
    """Something went wrong in Kontera."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 500

    def __init__(self, message: str | Message | None = None) -> None:
        # `text` is for people (rendered in their language); `message` is its English.
        self.text = as_message(message or (self.__doc__ or self.code).strip().splitlines()[0])
        self.message = str(self.text)
        super().__init__(self.message)


class InvalidInput(KonteraError):
    """The input is not valid."""

    code = "invalid_input"
    status = 400


class EmptyDocument(InvalidInput):
    """The document is empty."""

    code = "empty_document"
    status = 422


class UnsupportedDocument(InvalidInput):
    """This kind of file is not an invoice format Kontera can read."""

    code = "unsupported_document"
    status = 415


class UnsafeDocument(InvalidInput):
    """The document contains constructs that are refused for safety."""

    code = "unsafe_document"
    status = 422


class DocumentTooLarge(KonteraError):
    """The document is larger than the upload limit."""

    code = "document_too_large"
    status = 413


class InterpretationFailed(KonteraError):
    """The document could not be interpreted as an invoice."""

    code = "interpretation_failed"
    status = 422


class Unauthorized(KonteraError):
    """Missing or invalid credentials."""

    code = "unauthorized"
    status = 401


class Forbidden(KonteraError):
    """You do not have access to this resource."""

    code = "forbidden"
    status = 403


class NotFound(KonteraError):
    """Not found."""

    code = "not_found"
    status = 404


class Conflict(KonteraError):
    """The resource is not in a state that allows this action."""

    code = "conflict"
    status = 409


class ForeignBooks(InvalidInput):
    """The history file holds the books of another company."""

    code = "foreign_books"
    status = 409


class ExternalIdTaken(Conflict):
    """This external_id already names another document of the company."""

    code = "conflict"

    def __init__(self, message: str | Message | None = None, *, document_id: str) -> None:
        super().__init__(message)
        self.document_id = document_id


class InvalidTransition(Conflict):
    """This status change is not allowed."""

    code = "invalid_transition"


class VoucherRefused(InvalidInput):
    """The approved postings would not make a voucher the ledger accepts."""

    code = "voucher_refused"
    status = 422


class UnbalancedVoucher(KonteraError):
    """The voucher's postings do not sum to zero."""

    code = "unbalanced_voucher"
    status = 422


class TooManyRequests(KonteraError):
    """Too many requests; slow down."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str | Message | None = None, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigurationError(KonteraError):
    """Kontera is not configured for this; the operator must set it up."""

    code = "configuration_error"
    status = 500


class ExternalServiceError(KonteraError):
    """An external service failed."""

    code = "external_service_error"
    status = 502


class TransientError(ExternalServiceError):
    """An external service is temporarily unavailable; the call will be retried."""

    code = "transient_error"
    status = 503

    def __init__(
        self, message: str | Message | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ExternalServiceError):
    """The external system refused the data."""

    code = "permanent_error"
    status = 422


_QUOTED_LIMIT = 160


def parser_complaint(error: SyntaxError) -> str:
    """A parser's complaint short enough to read: libxml2 quotes the offending text, which in a
    broken or hostile file can be any length."""
    text = str(error).strip()
    return text if len(text) <= _QUOTED_LIMIT else text[: _QUOTED_LIMIT - 1].rstrip() + "…"

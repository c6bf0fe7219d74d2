"""The signed link in an attestation e-mail: `/attest/link/<token>`.

The token is signed with a key derived from `KONTERA_SECRET_KEY` (purpose `ATTEST_LINK`,
itsdangerous, so a rotated key's links still open while it is listed as previous), names one
attestation request and expires after `KONTERA_ATTEST_LINK_DAYS`. It signs nobody in: the
attestant signs in with their own account, and the link leads only the person it was sent
to, so a forwarded or leaked mail lets nobody else attest (docs/attestation.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadData
from itsdangerous import SignatureExpired
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer
from sqlmodel import Session

from kontera.config import Settings
from kontera.domain.errors import Forbidden
from kontera.domain.messages import msg
from kontera.services.admin.secrets import attest_link_keys
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import User
from kontera.store.tables_attest import Attestation

LINK_PATH = "/attest/link/"
_LINK_SALT = "kontera.attest.link"


def make_link(settings: Settings, request_id: str, *, issued_at: int | None = None) -> str:
    """The link for one request; `issued_at` (Unix time) only for tests of expiry."""
    token = _serializer(settings, issued_at).dumps({"r": request_id})
    return f"{settings.public_url.rstrip('/')}{LINK_PATH}{token}"


def read_link(settings: Settings, token: str) -> str:
    """The request a link stands for; Forbidden, in words, when it is forged or too old."""
    try:
        payload = _serializer(settings).loads(token, max_age=settings.attest_link_days * 86400)
    except SignatureExpired:
        raise Forbidden(
            msg("This link has expired (after {days} days). Open “To attest” to find the "
                "invoice.", days=settings.attest_link_days)
        ) from None  # fmt: skip
    except BadData:
        raise Forbidden("This link was not made by Kontera, or it is incomplete.") from None
    return str(payload["r"])


def _serializer(settings: Settings, issued_at: int | None = None) -> URLSafeTimedSerializer:
    keys = attest_link_keys(settings)
    if issued_at is None:
        return URLSafeTimedSerializer(keys, salt=_LINK_SALT)
    stamp: int = issued_at

    class _Issued(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    return URLSafeTimedSerializer(keys, salt=_LINK_SALT, signer=_Issued)


@dataclass(frozen=True, slots=True)
class Opened:
    company_id: str
    document_id: str


def open_link(ctx: AppContext, *, token: str, user_id: str, actor: str) -> Opened:
    """Where a signed-in person's link leads: the attest page, if the link was sent to them."""
    request_id = read_link(ctx.settings, token)
    with session_scope(ctx.engine) as session:
        request = session.get(Attestation, request_id)
        if request is None:
            raise Forbidden("This link was not made by Kontera, or it is incomplete.")
        if request.attestant_id != user_id:
            person = _email(session, request.attestant_id)
            raise Forbidden(
                msg("This link was sent to {person}. Sign in as that person to attest.",
                    person=person)
            )  # fmt: skip
        repo.add_event(
            session,
            company_id=request.company_id,
            document_id=request.document_id,
            actor=actor,
            action="attest:link_opened",
            detail={"request_id": request.id, "state": request.state},
        )
        return Opened(request.company_id, request.document_id)


def _email(session: Session, user_id: str | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.email if user is not None else None

"""The settings page's "Test the connection": one harmless read from the accounting system.

The probe is the lookup every posting starts with (`find_voucher` for a key that no voucher
has), so a connection that passes the test can post: the same credentials, the same base
URL, the same token refresh. Nothing is written anywhere. The answer is in words a
bookkeeper can act on; the technical detail is in the audit trail and the logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import KonteraError
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.i18n.labels import label_text
from kontera.post.connections import NotSetUp
from kontera.post.http import CredentialsRejected
from kontera.services.context import AppContext
from kontera.services.post.connections import connection_of
from kontera.services.post.connections import connector_for
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent

PROBE_KEY = "kontera-connection-test"


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    ok: bool
    message: Message  # in words a bookkeeper can act on, said in the reader's language
    system: str | None


def check_connection(ctx: AppContext, *, company_id: str, actor: str) -> ConnectionCheck:
    with session_scope(ctx.engine) as session:
        row = connection_of(session, company_id)
    if row is None:
        return ConnectionCheck(False, msg("No accounting system is connected yet."), None)
    name = Message(label_text("system", row.system) or row.system)
    try:
        with httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0)) as client:
            connector = connector_for(ctx, row, client=client, limiters=ctx.limiters)
            connector.find_voucher(PROBE_KEY)
        result = ConnectionCheck(
            True, msg("Kontera reached {system} and was let in.", system=name), row.system
        )
    except NotSetUp as e:
        result = ConnectionCheck(False, e.text, row.system)
    except CredentialsRejected:
        result = ConnectionCheck(
            False,
            msg(
                "{system} refused the key or token that was saved. Create a new one in "
                "{system} and save it here again.",
                system=name,
            ),
            row.system,
        )
    except (KonteraError, OSError) as e:
        detail = e.text if isinstance(e, KonteraError) else str(e)
        result = ConnectionCheck(
            False,
            msg("Kontera could not use {system}: {detail}", system=name, detail=detail),
            row.system,
        )
    _record(ctx, company_id, actor, result)
    return result


def _record(ctx: AppContext, company_id: str, actor: str, result: ConnectionCheck) -> None:
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="connection:tested",
            detail={
                "system": result.system,
                "ok": result.ok,
                "message": str(result.message),
                "text": result.message.to_json(),
            },
        )


def latest_check(ctx: AppContext, *, company_id: str) -> ConnectionCheck | None:
    """The company's last connection test (from the audit trail), for the settings page."""
    with session_scope(ctx.engine) as session:
        event = session.exec(
            select(AuditEvent)
            .where(AuditEvent.company_id == company_id, AuditEvent.action == "connection:tested")
            .order_by(col(AuditEvent.id).desc())
            .limit(1)
        ).first()
        if event is None:
            return None
        detail = event.detail
    return ConnectionCheck(bool(detail.get("ok")), _said(detail), detail.get("system"))


def _said(detail: dict[str, Any]) -> Message:
    text = detail.get("text")
    return (
        Message.from_json(text)
        if isinstance(text, dict)
        else Message(str(detail.get("message", "")))
    )


def fortnox_ready(ctx: AppContext) -> bool:
    """Whether this Kontera is registered with Fortnox (its operator set the app's keys)."""
    return bool(ctx.settings.fortnox_client_id and ctx.settings.fortnox_client_secret)

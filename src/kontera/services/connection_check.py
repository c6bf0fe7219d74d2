"""The settings page's "Test the connection": one harmless read from the accounting system.

The probe is the lookup every posting starts with (`find_voucher` for a key that no voucher
has), so a connection that passes the test can post: the same credentials, the same base
URL, the same token refresh. Nothing is written anywhere. The answer is in words a
bookkeeper can act on; the technical detail is in the audit trail and the logs.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from kontera.domain.errors import KonteraError
from kontera.post.connections import NotSetUp
from kontera.post.http import CredentialsRejected
from kontera.services.connections import connection_of
from kontera.services.connections import connector_for
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope

PROBE_KEY = "kontera-connection-test"
NAMES = {
    "tripletex": "Tripletex",
    "fortnox": "Fortnox",
    "poweroffice": "PowerOffice Go",
    "export": "the export folder",
}


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    ok: bool
    message: str
    system: str | None


def check_connection(ctx: AppContext, *, company_id: str, actor: str) -> ConnectionCheck:
    with session_scope(ctx.engine) as session:
        row = connection_of(session, company_id)
    if row is None:
        return ConnectionCheck(False, "No accounting system is connected yet.", None)
    name = NAMES.get(row.system, row.system)
    try:
        with httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0)) as client:
            connector = connector_for(ctx, row, client=client, limiters=ctx.limiters)
            connector.find_voucher(PROBE_KEY)
        result = ConnectionCheck(True, f"Kontera reached {name} and was let in.", row.system)
    except NotSetUp as e:
        result = ConnectionCheck(False, e.message, row.system)
    except CredentialsRejected:
        result = ConnectionCheck(
            False,
            f"{name} refused the key or token that was saved. Create a new one in {name} "
            "and save it here again.",
            row.system,
        )
    except (KonteraError, OSError) as e:
        detail = e.message if isinstance(e, KonteraError) else str(e)
        result = ConnectionCheck(False, f"Kontera could not use {name}: {detail}", row.system)
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
            detail={"system": result.system, "ok": result.ok, "message": result.message},
        )

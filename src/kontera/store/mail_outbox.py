"""Attestation e-mails reach the queue once the transaction that recorded them commits.

`note_new` keeps the ids of the `AttestMail` rows a session adds; after its commit they go to
the dispatcher registered for the engine (the job queue's send task). A rollback forgets
them, and a crash between the commit and the queue leaves rows that the workers' schedule
finds and sends (`kontera.services.attest.reminders.run_schedule`), so a request is never lost.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

log = logging.getLogger(__name__)
_NEW = "kontera.mail_outbox.new"
Dispatcher = Callable[[str], None]
_dispatchers: weakref.WeakKeyDictionary[Engine, Dispatcher] = weakref.WeakKeyDictionary()


def set_dispatcher(engine: Engine, dispatch: Dispatcher) -> None:
    """Who sends the mails committed through `engine` (the job queue's enqueue)."""
    _dispatchers[engine] = dispatch


def note_new(session: Session, mail_id: str) -> None:
    session.info.setdefault(_NEW, []).append(mail_id)


def _dispatch_committed(session: OrmSession) -> None:
    ids: list[str] = session.info.pop(_NEW, [])
    bind = session.bind
    dispatch = _dispatchers.get(bind) if isinstance(bind, Engine) else None
    if dispatch is None:
        return
    for mail_id in ids:
        try:
            dispatch(mail_id)
        except Exception:  # committed already; the workers' schedule sends it later
            log.exception("queueing an attestation e-mail failed", extra={"mail": mail_id})


def _forget(session: OrmSession, *_args: Any) -> None:
    session.info.pop(_NEW, None)


event.listen(Session, "after_commit", _dispatch_committed)
event.listen(Session, "after_rollback", _forget)

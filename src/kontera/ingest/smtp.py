"""The SMTP receiver (aiosmtpd): the only module that speaks SMTP to the world.

It knows nothing of companies or storage: `resolve(address)` says whether a recipient exists
(asked at RCPT time, so unknown recipients get 550 before any data is sent) and
`deliver(raw, client, recipients)` stores the message (`client`: the sending server's IP, HELO
and envelope sender, for SPF). With a certificate the receiver offers STARTTLS, and can
require it (`require_tls`: 530 to MAIL FROM before STARTTLS). The 250 reply is sent only after
`deliver` returned, i.e. after the raw message is safely stored; when it fails the client
gets 451 and retries later. Size: aiosmtpd answers 552 to a declared or actual oversize.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import Session

from kontera.ingest.mailauth import SmtpClient

log = logging.getLogger(__name__)

Resolve = Callable[[str], bool]
Deliver = Callable[[bytes, SmtpClient, tuple[str, ...]], None]


class InboundHandler:
    """aiosmtpd hooks; the blocking work runs in the default thread pool."""

    def __init__(self, *, resolve: Resolve, deliver: Deliver) -> None:
        self._resolve = resolve
        self._deliver = deliver

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            known = await asyncio.get_running_loop().run_in_executor(None, self._resolve, address)
        except Exception:
            log.exception("recipient lookup failed", extra={"recipient": address})
            return "451 4.3.0 Temporary failure looking up the recipient; try again later"
        if not known:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):  # only when decode_data=True, which we never set
            raw = raw.encode("utf-8", "surrogateescape")
        recipients = tuple(envelope.rcpt_tos)
        client = SmtpClient(
            ip=session.peer[0] if isinstance(session.peer, tuple) else None,
            helo=session.host_name,
            mail_from=envelope.mail_from,
            tls=session.ssl is not None,
        )
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._deliver, raw, client, recipients)
        except Exception:
            log.exception("storing a received message failed", extra={"recipients": recipients})
            return "451 4.3.0 The message could not be stored; try again later"
        return "250 2.0.0 Message accepted"


class _TolerantSMTP(SMTP):
    # RFC 5321 allows 1000 octets a line, but real senders (and broken MIME) exceed it; a
    # refused invoice is worse than a long line. Still bounded, for memory's sake.
    line_length_limit = 256 * 1024


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _TolerantSMTP(self.handler, **self.SMTP_kwargs)


class SmtpReceiver:
    """A running receiver in a background thread; `stop()` ends it."""

    def __init__(self, controller: Controller) -> None:
        self._controller = controller

    @property
    def host(self) -> str:
        return str(self._controller.hostname)

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def stop(self) -> None:
        self._controller.stop()


def start_receiver(
    handler: InboundHandler,
    *,
    host: str,
    port: int,
    max_message_bytes: int,
    tls: ssl.SSLContext | None = None,
    require_tls: bool = False,
) -> SmtpReceiver:
    options: dict[str, Any] = {
        "data_size_limit": max_message_bytes,
        "ident": "Kontera",
        "enable_SMTPUTF8": True,  # suppliers with non-ASCII addresses exist (ø, å, ä)
    }
    if tls is not None:
        options["tls_context"] = tls  # offers STARTTLS
        options["require_starttls"] = require_tls
    controller = _Controller(handler, hostname=host, port=port, **options)
    controller.start()
    return SmtpReceiver(controller)


def server_tls_context(cert_file: str, key_file: str | None) -> ssl.SSLContext:
    """TLS 1.2 or newer with Python's default (secure) ciphers, for STARTTLS."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context

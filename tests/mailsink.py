"""The tests' own SMTP server: a real aiosmtpd on a loopback port that keeps what it gets.

`MailSink.refusing()` answers every message with a temporary failure (451), as a relay that
is busy or has lost its upstream does, so a test can see Kontera keep the mail and retry.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port

LINK = re.compile(r"https?://\S+/attest/link/\S+")


class MailSink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 Try again later"
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} mails came"
            time.sleep(0.05)
        return list(self.messages)


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def link_in(message: EmailMessage) -> str:
    found = LINK.findall(body_of(message))
    assert len(found) == 1, body_of(message)
    return str(found[0])


@contextmanager
def mail_sink(port: int | None = None) -> Iterator[tuple[int, MailSink]]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield controller.port, sink
    finally:
        controller.stop()

"""The optional answer to a sender whose message held nothing Kontera could use (off by default).

Sent through a configured relay with smtplib. Never sent to automatic mail (bounces,
auto-replies, lists: checked by the caller), so two robots cannot answer each other forever.
Written in the company's language (Norwegian for a Norwegian company, Swedish for a Swedish
one) with the English below, since a supplier abroad may send to a Norwegian address.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.i18n import render

log = logging.getLogger(__name__)

GREETING = msg("Hello,")
BODY = msg(
    "Kontera received your message {subject} but found no invoice in it: no PDF, e-invoice "
    "(EHF/XML) or scanned image attachment, and no invoice in the message text."
)
BODY_NO_SUBJECT = msg(
    "Kontera received your message but found no invoice in it: no PDF, e-invoice "
    "(EHF/XML) or scanned image attachment, and no invoice in the message text."
)
CLOSING = msg("Please send the invoice again as an attachment. This is an automatic message.")
SUBJECT = msg("Your invoice")
LOCALE_OF_COUNTRY = {"NO": "nb", "SE": "sv"}


def reply_text(original_subject: str | None, locale: str) -> str:
    """The reply in `locale`, then in English (once, when `locale` is English)."""
    body = (
        Message(BODY.msgid, {"subject": f'"{original_subject}"'})
        if original_subject
        else BODY_NO_SUBJECT
    )
    versions = [locale, "en"] if locale != "en" else ["en"]
    parts = [
        "\n\n".join(render(m, language) for m in (GREETING, body, CLOSING)) for language in versions
    ]
    return "\n\n-- \n\n".join(parts) + "\n"


def reply_nothing_found(
    *,
    to: str,
    original_subject: str | None,
    message_id: str | None,
    sender: str,
    relay_host: str,
    relay_port: int,
    locale: str = "en",
) -> bool:
    """Send the reply; False (and a log line) when the relay refused or was unreachable."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Re: {original_subject}" if original_subject else render(SUBJECT, locale)
    message["Auto-Submitted"] = "auto-replied"
    if message_id:
        message["In-Reply-To"] = f"<{message_id}>"
        message["References"] = f"<{message_id}>"
    message.set_content(reply_text(original_subject, locale))
    try:
        with smtplib.SMTP(relay_host, relay_port, timeout=30) as relay:
            relay.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.warning("could not send the no-invoice reply", extra={"to": to})
        return False
    return True

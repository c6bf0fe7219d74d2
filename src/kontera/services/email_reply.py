"""The optional answer to a sender whose message held nothing Kontera could use (off by default).

Sent through a configured relay with smtplib. Never sent to automatic mail (bounces,
auto-replies, lists: checked by the caller), so two robots cannot answer each other forever.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

log = logging.getLogger(__name__)

TEXT = """Hello,

Kontera received your message{subject} but found no invoice in it: no PDF, e-invoice (EHF/XML)
or scanned image attachment, and no invoice in the message text.

Please send the invoice again as an attachment. This is an automatic message.
"""


def reply_nothing_found(
    *,
    to: str,
    original_subject: str | None,
    message_id: str | None,
    sender: str,
    relay_host: str,
    relay_port: int,
) -> bool:
    """Send the reply; False (and a log line) when the relay refused or was unreachable."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Re: {original_subject}" if original_subject else "Your invoice"
    message["Auto-Submitted"] = "auto-replied"
    if message_id:
        message["In-Reply-To"] = f"<{message_id}>"
        message["References"] = f"<{message_id}>"
    message.set_content(TEXT.format(subject=f' "{original_subject}"' if original_subject else ""))
    try:
        with smtplib.SMTP(relay_host, relay_port, timeout=30) as relay:
            relay.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.warning("could not send the no-invoice reply", extra={"to": to})
        return False
    return True

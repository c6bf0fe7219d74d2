"""The few headers Kontera keeps of a message, decoded and normalised; never raises."""

from __future__ import annotations

import email
import email.errors
import email.policy
import email.utils
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from email.header import Header
from email.header import decode_header
from email.header import make_header
from email.message import Message
from email.parser import BytesHeaderParser


@dataclass(frozen=True, slots=True)
class MailHeaders:
    message_id: str | None
    sender: str | None  # the From address, lower-case
    sender_name: str | None
    subject: str | None
    date: datetime | None
    auto_submitted: bool  # bounces, auto-replies, lists: never answer these


def read_headers(raw: bytes) -> MailHeaders:
    """Headers only (the body is not parsed), for the cheap checks done before extraction."""
    parser = BytesHeaderParser(policy=email.policy.compat32)
    return headers_of(parser.parsebytes(raw))


def headers_of(message: Message) -> MailHeaders:
    name, address = email.utils.parseaddr(decode_words(message.get("From", "")))
    return MailHeaders(
        message_id=normalise_message_id(message.get("Message-ID")),
        sender=address.strip().lower() if "@" in address else None,
        sender_name=name.strip() or None,
        subject=decode_words(message.get("Subject", "")).strip()[:500] or None,
        date=_date(message.get("Date")),
        auto_submitted=_is_automatic(message),
    )


def decode_words(value: object) -> str:
    """RFC 2047 encoded words (`=?utf-8?q?Faktura_=C3=A5?=`) and raw UTF-8 (RFC 6532) → text;
    garbage stays as is."""
    if isinstance(value, Header):  # compat32 hands out raw 8-bit headers this way
        parts = decode_header(value)
        text = "".join(_text(chunk, charset) for chunk, charset in parts)
    else:
        text = _undo_surrogates(str(value or ""))
    if "=?" not in text:
        return " ".join(text.split())
    try:
        return " ".join(str(make_header(decode_header(text))).split())
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return " ".join(text.split())


def _text(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    if charset and charset != "unknown-8bit":
        try:
            return chunk.decode(charset, errors="replace")
        except (LookupError, ValueError):
            pass  # an unknown or malformed charset name: guess below
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError:
        return chunk.decode("latin-1")


def _undo_surrogates(text: str) -> str:
    """Raw 8-bit header bytes come out of the bytes parser as surrogate escapes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return _text(text.encode("utf-8", "surrogateescape"), None)


def normalise_message_id(value: object) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if "<" in text and ">" in text:
        text = text[text.index("<") + 1 : text.index(">", text.index("<"))]
    text = "".join(text.split())
    return text[:500] or None


def _date(value: object) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _is_automatic(message: Message) -> bool:
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    sender = str(message.get("From", "")).lower()
    return (
        auto != "no"
        or precedence in {"bulk", "list", "junk"}
        or "mailer-daemon" in sender
        or message.get("List-Id") is not None
    )

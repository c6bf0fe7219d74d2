"""A raw mail message → the documents in it, each with where it came from, and what was left.

Pure: bytes in, values out; nothing is stored here. Walks the MIME tree (messages attached
inside messages and ZIP archives included, to a depth limit) and keeps PDFs, invoice XML (UBL,
CII) and images large enough to be a scan. Logos, icons, text parts and unknown files are
listed as skipped with a reason a bookkeeper understands. When a message yields nothing but
its body reads like an invoice, the body is rendered to a PDF and becomes the document.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import io
from dataclasses import dataclass
from dataclasses import field
from email.message import Message

from PIL import Image
from PIL import UnidentifiedImageError

from kontera.domain.filetypes import FileKind
from kontera.domain.filetypes import sniff
from kontera.ingest.archive import base_name
from kontera.ingest.archive import open_archive
from kontera.ingest.body import html_to_text
from kontera.ingest.body import looks_like_invoice
from kontera.ingest.body import render_text_pdf
from kontera.ingest.headers import MailHeaders
from kontera.ingest.headers import decode_words
from kontera.ingest.headers import headers_of
from kontera.ingest.headers import read_headers
from kontera.ingest.limits import MailLimits

TOO_DEEP = "The message is nested too deeply to be read."
DOCUMENT_KINDS = frozenset({FileKind.PDF, FileKind.UBL, FileKind.CII})
_EXTENSION = {FileKind.PDF: "pdf", FileKind.UBL: "xml", FileKind.CII: "xml", FileKind.PNG: "png"}
_EXTENSION |= {FileKind.JPEG: "jpg", FileKind.TIFF: "tif"}


@dataclass(frozen=True, slots=True)
class MailPart:
    """One document found in a message."""

    filename: str
    content_type: str
    data: bytes
    # How it was carried: "attachment", "inline", "zip:<archive>", "message:<subject>", "body".
    origin: str


@dataclass(frozen=True, slots=True)
class Skipped:
    filename: str | None
    reason: str


@dataclass(slots=True)
class MailContent:
    headers: MailHeaders
    parts: list[MailPart] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Walk:
    limits: MailLimits
    content: MailContent
    seen: set[str] = field(default_factory=set)
    leaves: int = 0


def parse_message(raw: bytes) -> Message:
    # compat32 never raises on malformed headers; it records defects instead.
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def extract(raw: bytes, limits: MailLimits | None = None) -> MailContent:
    try:
        message = parse_message(raw)
        walk = _Walk(limits or MailLimits(), MailContent(headers_of(message)))
        _visit_message(walk, message, depth=0, origin="")
    except RecursionError:  # thousands of nested parts: the parser itself gives up
        return MailContent(read_headers(raw), skipped=[Skipped(None, TOO_DEEP)])
    return walk.content


def _visit_message(walk: _Walk, message: Message, *, depth: int, origin: str) -> None:
    before = len(walk.content.parts)
    bodies: list[str] = []
    _visit(walk, message, depth=depth, origin=origin, bodies=bodies)
    walk.content.defects.extend(type(d).__name__ for d in message.defects)
    if len(walk.content.parts) == before:
        _render_body(walk, message, bodies, origin)


def _visit(walk: _Walk, part: Message, *, depth: int, origin: str, bodies: list[str]) -> None:
    if part.get_content_type() == "message/rfc822" or (
        part.is_multipart() and part.get_content_maintype() == "message"
    ):
        _visit_attached_message(walk, part, depth=depth, outer=origin)
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _visit(walk, sub, depth=depth, origin=origin, bodies=bodies)
        return
    if _over_part_limit(walk):
        return
    data = _payload(part)
    filename = _filename(part)
    if filename is None and _is_body(part):
        bodies.append(_body_text(part, data))
        return
    disposition = "inline" if part.get_content_disposition() == "inline" else "attachment"
    _consider(walk, data, filename, depth=depth, origin=_within(origin, disposition))


def _over_part_limit(walk: _Walk) -> bool:
    """Count one more file; past the limit, say so once and ignore the rest."""
    walk.leaves += 1
    if walk.leaves == walk.limits.max_parts + 1:
        _skip(walk, None, f"More than {walk.limits.max_parts} files; the rest were ignored.")
    return walk.leaves > walk.limits.max_parts


def _visit_attached_message(walk: _Walk, part: Message, *, depth: int, outer: str) -> None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        _skip(walk, _filename(part), "An attached message is empty.")
        return
    _enter_message(walk, inner, _filename(part), depth=depth, outer=outer)


def _enter_message(
    walk: _Walk, inner: Message, name: str | None, *, depth: int, outer: str
) -> None:
    if depth + 1 > walk.limits.max_depth:
        _skip(walk, name, "Messages are nested too deeply; the innermost were not opened.")
        return
    subject = decode_words(inner.get("Subject", "")) or "message"
    origin = _within(outer, f"message:{subject[:80]}")
    _visit_message(walk, inner, depth=depth + 1, origin=origin)


def _within(outer: str, inner: str) -> str:
    return f"{outer}/{inner}" if outer else inner


def _consider(walk: _Walk, data: bytes, filename: str | None, *, depth: int, origin: str) -> None:
    """Decide what one file is, from its bytes, and keep, open or skip it."""
    if not data:
        _skip(walk, filename, "The attachment is empty.")
        return
    kind = sniff(data)
    if kind is FileKind.ZIP:
        _open_zip(walk, data, filename or "archive.zip", depth=depth, outer=origin)
    elif kind is FileKind.EMAIL or (filename or "").lower().endswith(".eml"):
        _enter_message(walk, parse_message(data), filename, depth=depth, outer=origin)
    elif len(data) > walk.limits.max_document_bytes:
        _skip(walk, filename, "The attachment is larger than the document size limit.")
    elif kind in DOCUMENT_KINDS:
        _keep(walk, data, filename, kind, origin)
    elif kind.is_image:
        _consider_image(walk, data, filename, kind, origin)
    elif kind is FileKind.XML:
        _skip(walk, filename, "XML that is not an invoice (neither UBL/EHF nor CII).")
    else:
        _skip(walk, filename, "Not an invoice file (PDF, EHF/XML or image).")


def _open_zip(walk: _Walk, data: bytes, name: str, *, depth: int, outer: str) -> None:
    if depth + 1 > walk.limits.max_depth:
        _skip(walk, name, "Archives are nested too deeply; the innermost were not opened.")
        return
    contents = open_archive(data, name, walk.limits)
    for skip in contents.skipped:
        _skip(walk, name if skip.name == name else f"{name}/{skip.name}", skip.reason)
    for entry in contents.entries:
        if _over_part_limit(walk):
            return
        origin = _within(outer, f"zip:{name}")
        _consider(walk, entry.data, entry.name, depth=depth + 1, origin=origin)


def _consider_image(
    walk: _Walk, data: bytes, filename: str | None, kind: FileKind, origin: str
) -> None:
    if len(data) < walk.limits.min_image_bytes:
        _skip(walk, filename, "A small image (logo or signature), not an invoice.")
        return
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        _skip(walk, filename, "The image is damaged or too large to open.")
        return
    if min(width, height) < walk.limits.min_image_side:
        _skip(walk, filename, f"A small image ({width}×{height} px), not an invoice.")
        return
    if max(width, height) / min(width, height) > walk.limits.max_image_aspect:
        _skip(walk, filename, f"A banner-shaped image ({width}×{height} px), not a page.")
        return
    _keep(walk, data, filename, kind, origin)


def _keep(walk: _Walk, data: bytes, filename: str | None, kind: FileKind, origin: str) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if digest in walk.seen:
        _skip(walk, filename, "The same file appears twice in this message; kept once.")
        return
    walk.seen.add(digest)
    number = len(walk.content.parts) + 1
    name = filename or f"attachment-{number}.{_EXTENSION.get(kind, 'bin')}"
    walk.content.parts.append(MailPart(name, kind.mime_type, data, origin))


def _render_body(walk: _Walk, message: Message, bodies: list[str], origin: str) -> None:
    text = max(bodies, key=len, default="")
    if not text or not looks_like_invoice(text):
        return
    subject = decode_words(message.get("Subject", "")) or "Invoice"
    pdf = render_text_pdf(text, title=subject)
    _keep(walk, pdf, "message-body.pdf", FileKind.PDF, _within(origin, "body"))


def _skip(walk: _Walk, filename: str | None, reason: str) -> None:
    walk.content.skipped.append(Skipped(filename, reason))


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):
        return b""
    return data if isinstance(data, bytes) else b""


def _filename(part: Message) -> str | None:
    try:
        raw = _with_8bit_headers_decoded(part).get_filename() or part.get_param(
            "name", header="content-type"
        )
    except (ValueError, TypeError, LookupError):
        return None
    if isinstance(raw, tuple):  # an RFC 2231 value compat32 could not collapse
        raw = email.utils.collapse_rfc2231_value(raw)
    if not isinstance(raw, str) or not raw.strip():
        return None
    return base_name(decode_words(raw))[:255] or None


def _with_8bit_headers_decoded(part: Message) -> Message:
    """compat32 cannot read parameters of a header holding raw UTF-8 (RFC 6532); give it a
    copy of just the headers that matter, decoded, when that is the case."""
    raw = {key.lower(): value for key, value in part.raw_items()}
    wanted = ("content-disposition", "content-type")
    if not any(_has_8bit(raw.get(name, "")) for name in wanted):
        return part
    headers = Message()
    for name in wanted:
        if name in raw:
            headers[name] = decode_words(raw[name])
    return headers


def _has_8bit(value: object) -> bool:
    return isinstance(value, str) and any(ord(ch) > 127 for ch in value)


def _is_body(part: Message) -> bool:
    return part.get_content_type() in ("text/plain", "text/html") and (
        part.get_content_disposition() != "attachment"
    )


def _body_text(part: Message, data: bytes) -> str:
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset, errors="replace")
    except (LookupError, ValueError):  # an unknown or malformed charset name
        text = data.decode("utf-8", errors="replace")
    return html_to_text(text) if part.get_content_subtype() == "html" else text.strip()

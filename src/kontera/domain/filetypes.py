"""What kind of file is this? Decided from the bytes (magic numbers, XML root), not the name."""

from __future__ import annotations

import re
from enum import StrEnum


class FileKind(StrEnum):
    PDF = "pdf"
    UBL = "ubl"
    CII = "cii"
    XML = "xml"
    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    EMAIL = "email"
    ZIP = "zip"
    UNKNOWN = "unknown"

    @property
    def is_image(self) -> bool:
        return self in (FileKind.PNG, FileKind.JPEG, FileKind.TIFF)

    @property
    def mime_type(self) -> str:
        return _MIME[self]


_MIME = {
    FileKind.PDF: "application/pdf",
    FileKind.UBL: "application/xml",
    FileKind.CII: "application/xml",
    FileKind.XML: "application/xml",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.TIFF: "image/tiff",
    FileKind.EMAIL: "message/rfc822",
    FileKind.ZIP: "application/zip",
    FileKind.UNKNOWN: "application/octet-stream",
}

_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s>/]")
_UBL_ROOTS = {b"Invoice", b"CreditNote"}
_CII_ROOTS = {b"CrossIndustryInvoice", b"CrossIndustryDocument"}
_EMAIL_HEADERS = re.compile(
    rb"^(?:Received|Return-Path|From|To|Subject|Message-ID|MIME-Version|Date|Delivered-To):",
    re.IGNORECASE | re.MULTILINE,
)


def sniff(data: bytes) -> FileKind:
    head = data[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return FileKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return FileKind.TIFF
    if head.startswith(b"PK\x03\x04"):
        return FileKind.ZIP
    if stripped.startswith(b"<"):
        return _xml_kind(_without_comments(data[:XML_HEAD].lstrip(b"\xef\xbb\xbf \t\r\n")))
    if _EMAIL_HEADERS.search(head[:2048]) and b"\n\n" in data.replace(b"\r\n", b"\n")[:65536]:
        return FileKind.EMAIL
    return FileKind.UNKNOWN


# Long licence comments before the root element are common in XRechnung/ZUGFeRD files.
XML_HEAD = 256 * 1024
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)


def _without_comments(head: bytes) -> bytes:
    return _COMMENT.sub(b"", head)


def _xml_kind(head: bytes) -> FileKind:
    for match in _ROOT.finditer(head):
        name = match.group(1)
        if head[match.start() + 1 : match.start() + 2] in (b"?", b"!"):
            continue
        if name in _UBL_ROOTS:
            return FileKind.UBL
        if name in _CII_ROOTS:
            return FileKind.CII
        return FileKind.XML
    return FileKind.XML

"""Safe XML parsing for documents from strangers.

An invoice never needs a DTD, an entity or anything from the network, so all of them are
refused outright rather than "handled": that closes XXE (external entities reading local files
or URLs), billion-laughs (nested entity expansion) and external-DTD fetches in one rule.
libxml2 without `huge_tree` also bounds nesting depth (256) and single text nodes (10 MB).
"""

from __future__ import annotations

import threading
from decimal import Decimal

from lxml import etree

from kontera.domain.errors import DocumentTooLarge
from kontera.domain.errors import InterpretationFailed
from kontera.domain.errors import UnsafeDocument
from kontera.domain.errors import parser_complaint
from kontera.domain.messages import msg

DEFAULT_MAX_BYTES = 50_000_000

_local = threading.local()


def _parser() -> etree.XMLParser:
    # One parser per thread: lxml parsers keep per-parse state and are not shared safely.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes into the root element, or raise a domain error.

    Raises `UnsafeDocument` for any DOCTYPE or entity declaration, `DocumentTooLarge` over
    `max_bytes`, and `InterpretationFailed` when the XML is not well-formed.
    """
    if len(data) > max_bytes:
        raise DocumentTooLarge(
            msg(
                "The XML file is {size} bytes; the limit is {limit} bytes.",
                size=Decimal(len(data)),
                limit=Decimal(max_bytes),
            )
        )
    _refuse_doctype_in_prolog(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        if "HUGE" in str(e):  # libxml2's own limits: nesting depth or a giant text node
            raise UnsafeDocument(
                "The XML is nested too deeply or holds a text too large for an invoice, "
                "so the document was refused."
            ) from e
        raise InterpretationFailed(
            msg("The XML is not well-formed: {e}", e=parser_complaint(e))
        ) from e
    # Covers encodings the byte scan above cannot read (UTF-16, EBCDIC …).
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url:
        raise _unsafe()
    return root


def _refuse_doctype_in_prolog(data: bytes) -> None:
    # A DOCTYPE can only appear before the root element; scan just that prolog.
    head = data[:65536]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _unsafe()


def _unsafe() -> UnsafeDocument:
    return UnsafeDocument(
        "The XML declares a DTD or entities. E-invoices never need them, and they can be used "
        "to read files or exhaust memory, so the document was refused."
    )

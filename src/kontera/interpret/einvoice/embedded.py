"""PDFs that carry their invoice as XML (ZUGFeRD, Factur-X, XRechnung): the XML is the truth.

`EmbeddedXmlInterpreter` outranks every PDF-text backend when the PDF has an invoice XML
attached; it reads that XML with the UBL/CII readers and keeps the PDF itself as the rendering
(the voucher attachment). Other files embedded in the PDF are returned as extracted
attachments. Disagreements between the XML and the visible text become notes (`visible.py`).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import pikepdf

from kontera.domain.errors import InterpretationFailed
from kontera.domain.errors import UnsafeDocument
from kontera.domain.filetypes import FileKind
from kontera.domain.invoice import Attachment
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import note
from kontera.domain.messages import msg
from kontera.interpret.base import Interpretation
from kontera.interpret.base import InterpretContext
from kontera.interpret.einvoice.cii import looks_like_cii
from kontera.interpret.einvoice.cii import read_cii
from kontera.interpret.einvoice.cii_names import ROOTS as CII_ROOTS
from kontera.interpret.einvoice.finish import finish_interpretation
from kontera.interpret.einvoice.ubl import looks_like_ubl
from kontera.interpret.einvoice.ubl import read_ubl
from kontera.interpret.einvoice.visible import compare_with_visible_text
from kontera.interpret.einvoice.xmlsafe import parse_xml

# The names the ZUGFeRD / Factur-X / XRechnung specifications give the invoice file.
KNOWN_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")
_MAX_EMBEDDED_BYTES = 50_000_000


@dataclass(frozen=True, slots=True)
class EmbeddedFile:
    name: str
    content: bytes
    mime_type: str | None


@dataclass(frozen=True, slots=True)
class PdfPayload:
    xml: EmbeddedFile | None
    others: list[EmbeddedFile]


def embedded_files(data: bytes, max_bytes: int = _MAX_EMBEDDED_BYTES) -> list[EmbeddedFile]:
    """Every file attached to the PDF (its EmbeddedFiles name tree)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return [_read(name, spec, max_bytes) for name, spec in pdf.attachments.items()]
    except pikepdf.PasswordError as e:
        raise InterpretationFailed("The PDF is password-protected; Kontera cannot read it.") from e
    except pikepdf.PdfError as e:
        raise InterpretationFailed(msg("The PDF cannot be opened ({e}).", e=str(e))) from e


def _read(name: str, spec: pikepdf.AttachedFileSpec, max_bytes: int) -> EmbeddedFile:
    stream = spec.get_file()
    if stream.size > max_bytes:
        raise UnsafeDocument(
            msg("The file {name} inside the PDF is too large to read.", name=repr(name))
        )
    return EmbeddedFile(name, stream.read_bytes(), stream.mime_type or None)


def split_payload(files: list[EmbeddedFile]) -> PdfPayload:
    """The invoice XML (by its specified name, else any attached UBL/CII XML) and the rest."""
    xml = next((f for f in files if f.name.lower() in KNOWN_NAMES), None)
    if xml is None:
        xml = next((f for f in files if f.name.lower().endswith(".xml") and _is_invoice(f)), None)
    return PdfPayload(xml, [f for f in files if f is not xml])


def _is_invoice(file: EmbeddedFile) -> bool:
    return looks_like_cii(file.content) or looks_like_ubl(file.content)


class EmbeddedXmlInterpreter:
    name = "pdf_xml"

    def __init__(self) -> None:
        # score() and interpret() are called on the same instance with the same bytes.
        self._last: tuple[bytes, PdfPayload] | None = None

    def score(self, kind: FileKind, data: bytes) -> int:
        if kind is not FileKind.PDF:
            return 0
        try:
            payload = self._payload(data)
        except (InterpretationFailed, UnsafeDocument):
            return 0
        return 100 if payload.xml is not None else 0

    def interpret(self, data: bytes, ctx: InterpretContext) -> Interpretation:
        payload = self._payload(data)
        if payload.xml is None:
            raise InterpretationFailed("This PDF carries no invoice XML.")
        invoice = read_embedded_xml(payload.xml, ctx)
        source = msg("Read from the XML inside the PDF ({name}).", name=payload.xml.name)
        invoice.add_note(note(source, code="embedded_xml"))
        compare_with_visible_text(invoice, data)
        result = finish_interpretation(invoice, self.name, rendering=data)
        result.extracted.extend(_attachment(f) for f in payload.others)
        return result

    def _payload(self, data: bytes) -> PdfPayload:
        if self._last is not None and self._last[0] is data:
            return self._last[1]
        payload = split_payload(embedded_files(data))
        self._last = (data, payload)
        return payload


def read_embedded_xml(file: EmbeddedFile, ctx: InterpretContext) -> Invoice:
    root = parse_xml(file.content, ctx.max_xml_bytes)
    if root.tag in CII_ROOTS:
        return read_cii(root)
    return read_ubl(root)


def _attachment(file: EmbeddedFile) -> Attachment:
    return Attachment(
        filename=file.name,
        mime_type=file.mime_type,
        content=file.content,
        sha256=hashlib.sha256(file.content).hexdigest(),
    )

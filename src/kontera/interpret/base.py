"""The interpreter protocol: each backend says how well it can read a file and then reads it.

Backends rank themselves (design.md): XML (standalone or embedded in a PDF) outranks the PDF
text layer, which outranks OCR.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any
from typing import Protocol

from kontera.domain.filetypes import FileKind
from kontera.domain.invoice import Attachment
from kontera.domain.invoice import Invoice


@dataclass(frozen=True, slots=True)
class InterpretContext:
    """Limits and hints for one interpretation, passed down as values (no global settings)."""

    max_pages: int = 200
    max_pixels_per_page: int = 60_000_000
    max_xml_bytes: int = 50_000_000
    timeout_seconds: float = 300.0
    ocr_languages: str = "swe+nor+eng"
    ocr_dpi: int = 200
    ocr_workers: int = 2
    # Draw a PDF view of e-invoices that carry none. The service draws it later, only when
    # a voucher needs it as its attachment, which keeps interpretation fast.
    render_missing: bool = True
    # Learned per-supplier layout hints (from bookkeepers' corrections), keyed by supplier.
    layout_hints: Mapping[str, Any] = dc_field(default_factory=dict)
    # The field reader: None for the shipped learned model (`models/field_reader`), "rules" for
    # the hand-weighted reader, or a `reader_model.Reader` (benchmarks, training).
    field_reader: Any = None


@dataclass(slots=True)
class Interpretation:
    invoice: Invoice
    interpreter: str
    # The human-readable rendering that becomes the voucher attachment (the PDF itself, the
    # PDF embedded in an e-invoice, or one rendered by Kontera).
    rendering: bytes | None = None
    rendering_mime: str = "application/pdf"
    extracted: list[Attachment] = dc_field(default_factory=list)
    page_count: int = 0
    # Pages the reader turned before reading (1-based number → quarter turns clockwise): the
    # field boxes of those pages are in the turned page, which is how the viewer shows it.
    page_turns: dict[int, int] = dc_field(default_factory=dict)
    # The words OCR read (textpage.pages_to_json), when any page was a scan: kept by the
    # service so that a correction can teach the layout without reading the scan again.
    scan_words: bytes | None = None


class Interpreter(Protocol):
    name: str

    def score(self, kind: FileKind, data: bytes) -> int:
        """0 when this backend cannot read the file; higher wins."""
        ...

    def interpret(self, data: bytes, ctx: InterpretContext) -> Interpretation: ...

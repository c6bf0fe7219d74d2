"""Pick the best interpreter for a file and run it."""

from __future__ import annotations

from collections.abc import Callable

from kontera.domain.errors import EmptyDocument
from kontera.domain.errors import UnsupportedDocument
from kontera.domain.filetypes import FileKind
from kontera.domain.filetypes import sniff
from kontera.domain.messages import msg
from kontera.interpret.base import Interpretation
from kontera.interpret.base import InterpretContext
from kontera.interpret.base import Interpreter


def _ubl() -> Interpreter:
    from kontera.interpret.einvoice.ubl import UblInterpreter

    return UblInterpreter()


def _cii() -> Interpreter:
    from kontera.interpret.einvoice.cii import CiiInterpreter

    return CiiInterpreter()


def _pdf_xml() -> Interpreter:
    from kontera.interpret.einvoice.embedded import EmbeddedXmlInterpreter

    return EmbeddedXmlInterpreter()


def _pdf_text() -> Interpreter:
    from kontera.interpret.pages.pdf import PdfTextInterpreter

    return PdfTextInterpreter()


def _image() -> Interpreter:
    from kontera.interpret.pages.image import ImageInterpreter

    return ImageInterpreter()


_XML = frozenset({FileKind.UBL, FileKind.CII, FileKind.XML})
_IMAGES = frozenset(kind for kind in FileKind if kind.is_image)
# Each entry builds one backend, and only for the kinds of file it can read at all: the heavy
# imports (pdfium, Tesseract, numpy, reportlab) stay inside the builders, so reading an
# e-invoice never pays for the PDF and image readers.
BACKENDS: list[tuple[frozenset[FileKind], Callable[[], Interpreter]]] = [
    (_XML, _ubl),
    (_XML, _cii),
    (frozenset({FileKind.PDF}), _pdf_xml),
    (frozenset({FileKind.PDF}), _pdf_text),
    (_IMAGES, _image),
]


def choose_interpreter(kind: FileKind, data: bytes) -> Interpreter:
    candidates = (build() for kinds, build in BACKENDS if kind in kinds)
    scored = [(backend.score(kind, data), backend) for backend in candidates]
    best_score, best = max(scored, key=lambda pair: pair[0], default=(0, None))
    if best is None or best_score <= 0:
        raise UnsupportedDocument(
            msg(
                "Kontera cannot read this kind of file ({value}). Send a PDF, an image or an "
                "EHF/Peppol/CII e-invoice.",
                value=kind.value,
            )
        )
    return best


def interpret_bytes(data: bytes, ctx: InterpretContext | None = None) -> Interpretation:
    if not data or not data.strip():
        raise EmptyDocument("The file is empty.")
    kind = sniff(data)
    return choose_interpreter(kind, data).interpret(data, ctx or InterpretContext())

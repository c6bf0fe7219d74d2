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
    from kontera.interpret.ubl import UblInterpreter

    return UblInterpreter()


def _cii() -> Interpreter:
    from kontera.interpret.cii import CiiInterpreter

    return CiiInterpreter()


def _pdf_xml() -> Interpreter:
    from kontera.interpret.embedded import EmbeddedXmlInterpreter

    return EmbeddedXmlInterpreter()


def _pdf_text() -> Interpreter:
    from kontera.interpret.pdf import PdfTextInterpreter

    return PdfTextInterpreter()


def _image() -> Interpreter:
    from kontera.interpret.image import ImageInterpreter

    return ImageInterpreter()


# Each entry builds one backend; heavy imports stay inside the builders.
BACKENDS: list[Callable[[], Interpreter]] = [_ubl, _cii, _pdf_xml, _pdf_text, _image]


def choose_interpreter(kind: FileKind, data: bytes) -> Interpreter:
    scored = [(backend.score(kind, data), backend) for backend in (b() for b in BACKENDS)]
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

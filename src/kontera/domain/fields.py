"""A `Field` is one interpreted value with how sure we are and where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Source(StrEnum):
    XML = "xml"
    PDF_TEXT = "pdf_text"
    OCR = "ocr"
    PERSON = "person"


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on a page in PDF points, origin top-left (x0, top, x1, bottom)."""

    x0: float
    top: float
    x1: float
    bottom: float

    def as_list(self) -> list[float]:
        return [round(self.x0, 2), round(self.top, 2), round(self.x1, 2), round(self.bottom, 2)]


@dataclass(frozen=True, slots=True)
class Field:
    """An interpreted value. `confidence` is a calibrated probability that `value` is right."""

    value: Any
    confidence: float
    source: Source
    page: int | None = None
    box: Box | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be within 0..1, got {self.confidence}")

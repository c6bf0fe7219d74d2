"""Bytes → `Invoice` with per-field confidence and notes."""

from __future__ import annotations

from kontera.interpret.base import Interpretation
from kontera.interpret.base import InterpretContext
from kontera.interpret.registry import interpret_bytes

__all__ = ["InterpretContext", "Interpretation", "interpret_bytes"]

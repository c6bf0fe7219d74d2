"""Kontera: invoice interpretation and auto-posting for Nordic bookkeeping."""

from __future__ import annotations

__version__ = "0.1.0"

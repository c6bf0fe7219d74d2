"""Tables owned by the interpret area (none yet). Imported by `kontera.store.metadata`."""

from __future__ import annotations

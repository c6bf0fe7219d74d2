"""Tables owned by the suggest area (none yet). Imported by `kontera.store.metadata`."""

from __future__ import annotations

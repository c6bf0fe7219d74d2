"""Tables owned by the post area (none yet). Imported by `kontera.store.metadata`."""

from __future__ import annotations

"""Tables owned by the review area (none yet). Imported by `kontera.store.metadata`."""

from __future__ import annotations

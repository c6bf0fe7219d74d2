"""Tables owned by the mail area (none yet). Imported by `kontera.store.metadata`."""

from __future__ import annotations

"""Pure types and rules. Nothing here does I/O or imports another Kontera package."""

"""CLI command groups of each area; each module exposes `register(app)`."""

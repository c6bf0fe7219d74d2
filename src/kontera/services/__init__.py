"""Use cases: the only layer that combines store, interpret, suggest and post."""

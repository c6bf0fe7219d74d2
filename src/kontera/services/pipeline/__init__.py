"""A document's machine-driven life: the transition table, its steps, re-suggesting, recovery."""

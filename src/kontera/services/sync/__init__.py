"""Keeping Kontera in step with the ledger: history, registers, its inbox, runs and status."""

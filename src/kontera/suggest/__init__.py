"""Posting suggestions: history import, per-company models, calibrated top-k, explanations."""

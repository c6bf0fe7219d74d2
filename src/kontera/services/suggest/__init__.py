"""Suggestions and what feeds them: history, the chart, ledger rules, track records, models."""

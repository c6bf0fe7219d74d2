"""Posting into the ledger: the outbox and its lease, connections, held and accrual vouchers."""

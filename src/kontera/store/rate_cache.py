"""Central-bank rates kept in the database, shared by every worker process.

Implements `kontera.post.exchange_rates.RateCache` (by shape: the store does not import post).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from kontera.store.db import session_scope
from kontera.store.tables_post import ExchangeRateRow


class StoredRateCache:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, source: str, currency: str, day: date) -> tuple[date, Decimal] | None:
        with session_scope(self.engine) as session:
            row = session.get(ExchangeRateRow, (source, currency, day))
            return (row.rate_date, Decimal(row.rate)) if row else None

    def put(self, source: str, currency: str, day: date, observation: tuple[date, Decimal]) -> None:
        rate_date, rate = observation
        row = ExchangeRateRow(
            source=source, currency=currency, day=day, rate=str(rate), rate_date=rate_date
        )
        try:
            with session_scope(self.engine) as session:
                session.add(row)
        except IntegrityError:
            pass  # another worker stored the same published rate first

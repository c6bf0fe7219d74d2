"""The migrations build exactly the schema the tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from kontera.store.db import make_engine
from kontera.store.metadata import all_metadata
from kontera.store.migrate import upgrade


def schema_drift(engine: Engine) -> list[object]:
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, all_metadata()))


def test_sqlite_schema_matches_the_tables(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    assert schema_drift(engine) == []
    upgrade(engine)  # a second upgrade is a no-op


@pytest.mark.live
def test_postgresql_schema_matches_the_tables(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        assert schema_drift(engine) == []
    finally:
        engine.dispose()

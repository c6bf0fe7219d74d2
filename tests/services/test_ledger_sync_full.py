"""The acceptance at full size: three years, ≥ 50 000 posting lines per system.

Slow (minutes per system, mostly the model's training on every line), so it runs only when
asked: `KONTERA_SYNC_FULL_SIZE=1 pytest tests/services/test_ledger_sync_full.py`. CI runs
the same checks on a few thousand lines (`test_ledger_sync.py`) and the full size's speed
is measured by `benchmarks/ledger_sync.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kontera.config import Settings
from kontera.services.context import AppContext
from tests.fakes.ledger_rig import rig_settings
from tests.services.test_ledger_sync import books_for
from tests.services.test_ledger_sync import connect_once_and_check

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("KONTERA_SYNC_FULL_SIZE") != "1",
        reason="full-size sync acceptance: set KONTERA_SYNC_FULL_SIZE=1 (minutes per system)",
    ),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


@pytest.mark.parametrize("system", ["tripletex", "poweroffice", "fortnox"])
def test_three_years_and_fifty_thousand_lines_arrive(ctx: AppContext, system: str) -> None:
    books = books_for(system, lines=None)
    assert books.cost_lines >= 50_000
    assert (books.end - books.start).days >= 3 * 365 - 1
    connect_once_and_check(ctx, system, books)

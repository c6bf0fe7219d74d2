"""Exactly once under fire: 30 % of calls fail and workers die mid-posting."""

from __future__ import annotations

import pytest

from kontera.post.fortnox import FortnoxMode
from tests.post.harness import fortnox_campaign
from tests.post.harness import tripletex_campaign


@pytest.mark.parametrize(("count", "seed"), [(200, 1), (50, 2)])
def test_tripletex_every_invoice_once_with_one_attachment(count: int, seed: int) -> None:
    """GIVEN 200 approved invoices, 30 % failing calls and crashes at random call sites
    WHEN the workers post them until done THEN 200 vouchers with one attachment each."""
    outcome = tripletex_campaign(count, rate=0.30, crash_rate=0.03, seed=seed)

    assert outcome.failed == []
    assert outcome.crashes > 0 and sum(outcome.faults.values()) > count  # the faults did happen
    assert outcome.exactly_once, outcome


@pytest.mark.parametrize("mode", [FortnoxMode.VOUCHER, FortnoxMode.SUPPLIER_INVOICE])
def test_fortnox_every_invoice_once_with_one_attachment(mode: FortnoxMode) -> None:
    # 100 here (lookups page through 20-item pages); benchmarks/post_faults.py runs 200.
    outcome = fortnox_campaign(100, rate=0.30, crash_rate=0.03, seed=5, mode=mode)

    assert outcome.failed == []
    assert outcome.crashes > 0
    assert outcome.exactly_once, outcome

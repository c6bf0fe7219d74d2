"""The pipeline table (`services/pipeline/steps.py`) against the states and the map."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from kontera.domain.errors import InvalidTransition
from kontera.domain.status import Status
from kontera.domain.status import check_transition
from kontera.services.pipeline.steps import PIPELINE
from kontera.services.pipeline.steps import STEPS
from kontera.services.pipeline.steps import RunBy
from kontera.services.pipeline.steps import Transition

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


@pytest.mark.parametrize("row", PIPELINE, ids=lambda row: row.source.value)
def test_every_row_makes_only_moves_the_states_allow(row: Transition) -> None:
    for target in row.targets:
        check_transition(row.source, target)


def test_the_checker_refuses_a_move_the_states_forbid() -> None:
    with pytest.raises(InvalidTransition):
        check_transition(Status.RECEIVED, Status.POSTED)


def test_the_rows_follow_the_diagram_one_status_each() -> None:
    assert len(STEPS) == len(PIPELINE), "two rows for one status"
    reachable = {PIPELINE[0].source}
    for row in PIPELINE:
        assert row.source in reachable, f"{row.source} cannot be reached by the rows before it"
        reachable |= set(row.targets)
    assert Status.POSTED in reachable


def test_a_row_run_straight_after_another_is_never_the_first_of_a_task() -> None:
    first = PIPELINE[0]
    assert first.run_by is RunBy.DOCUMENT_TASK
    for before, row in pairwise(PIPELINE):
        if row.run_by is RunBy.SAME_TASK:
            assert before.run_by in (RunBy.DOCUMENT_TASK, RunBy.SAME_TASK)
            assert row.source in before.targets


def test_the_map_names_every_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    for row in PIPELINE:
        targets = " / ".join(t.value for t in row.targets)
        assert f"| {row.source.value} → {targets} |" in text, (row.source, targets)

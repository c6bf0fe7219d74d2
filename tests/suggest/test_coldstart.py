"""The shipped cold-start model: loads, maps into the company's chart, never over-confident."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import InvoiceLine
from kontera.domain.invoice import Party
from kontera.suggest.coldstart import MAX_CONFIDENCE
from kontera.suggest.coldstart import SHIPPED_MODEL
from kontera.suggest.coldstart import ColdStartModel
from kontera.suggest.history import HistoryLine
from kontera.suggest.lexicon import CONCEPTS
from kontera.suggest.saft import SaftAccount
from kontera.suggest.saft import iter_saft
from kontera.suggest.saft import read_saft_history


def _line(text: str) -> Invoice:
    return Invoice(seller=Party(name="Leverandør AS"), lines=[InvoiceLine(description=text)])


def test_the_shipped_model_was_trained_on_this_lexicon() -> None:
    sidecar = json.loads((SHIPPED_MODEL / "model.json").read_text())
    assert sidecar["data_hash"] == hashlib.sha256(repr(CONCEPTS).encode()).hexdigest()


@pytest.mark.parametrize(
    ("text", "ns4102", "bas"),
    [("Mobilabonnement mars", "6900", "6212"), ("Husleie kontor april", "6300", "5010"),
     ("Flybiljett Stockholm", "7140", "5800")],
)  # fmt: skip
def test_a_clear_line_gets_the_standard_account_of_each_chart(
    text: str, ns4102: str, bas: str
) -> None:
    norwegian = ColdStartModel.load("NS4102", {})
    swedish = ColdStartModel.load("BAS", {})
    assert norwegian.suggest(_line(text), "x").lines[0].alternatives[0].account == ns4102
    assert swedish.suggest(_line(text), "x").lines[0].alternatives[0].account == bas


def test_the_company_chart_is_reached_through_standard_account_ids() -> None:
    """A company that books phones on its own 6910 (mapped to standard 6900) gets 6910."""
    model = ColdStartModel.load("NS4102", {"6910": "6900", "6300": "6300", "1920": "19"})
    (line,) = model.suggest(_line("mobilabonnement"), "x").lines
    assert line.alternatives[0].account == "6910"


def test_confidence_is_capped_and_empty_lines_abstain() -> None:
    model = ColdStartModel.load("NS4102", {})
    (line,) = model.suggest(_line("mobilabonnement telefoni mobil"), "x").lines
    assert line.confidence <= MAX_CONFIDENCE
    (empty,) = model.suggest(_line(""), "x").lines
    assert empty.abstained and empty.account is None


def test_on_the_saft_example_company_it_is_a_start_not_an_answer(saft_dir: Path) -> None:
    """Measured on the Skatteetaten example company's real cost lines (model card figure)."""
    path = saft_dir / "ExampleFile SAF-T Financial_888888888_20180228235959.xml"
    chart = {
        r.account_id: r.standard_account_id for r in iter_saft(path) if isinstance(r, SaftAccount)
    }
    model = ColdStartModel.load("NS4102", chart)
    lines = [i for i in read_saft_history(path) if isinstance(i, HistoryLine)]
    hits = sum(
        [c.account for c in model.suggest(_line(line.description), "x").lines[0].alternatives][:1]
        == [line.account]
        for line in lines
    )
    assert len(lines) >= 20
    assert 0.2 <= hits / len(lines) < 0.9  # the card reports this figure (32 %)

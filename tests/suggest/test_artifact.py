"""Model files: skops + JSON sidecar, atomic, versioned, retrained only when data changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import InvoiceLine
from kontera.domain.invoice import Party
from kontera.suggest.artifact import FORMAT_VERSION
from kontera.suggest.artifact import ModelIncompatible
from kontera.suggest.history import HistoryLine
from kontera.suggest.persistence import load_company_model
from kontera.suggest.persistence import refresh_company_model
from kontera.suggest.persistence import train_company_model


@pytest.fixture
def lines(gla_lines: list[HistoryLine]) -> list[HistoryLine]:
    return gla_lines[-800:]


def test_round_trip_gives_the_same_suggestions(lines: list[HistoryLine], tmp_path: Path) -> None:
    info = train_company_model(lines, chart="custom", out_dir=tmp_path)
    assert Path(info.path).exists() and not list(tmp_path.glob("*.part*"))
    sidecar = json.loads((tmp_path / "model.json").read_text())
    assert sidecar["format_version"] == FORMAT_VERSION
    assert sidecar["sklearn_version"] and sidecar["data_hash"] == info.data_hash
    assert sidecar["n_lines"] == len(lines)
    model = load_company_model(tmp_path)
    again = load_company_model(tmp_path / "model.skops")
    invoice = Invoice(
        seller=Party(name=lines[-1].supplier_name),
        lines=[InvoiceLine(description=lines[-1].description, net=lines[-1].amount)],
    )
    assert model.suggest(invoice, "x") == again.suggest(invoice, "x")
    assert model.fitted.ranker is not None


def test_unchanged_data_is_not_retrained(lines: list[HistoryLine], tmp_path: Path) -> None:
    first = train_company_model(lines, chart="", out_dir=tmp_path)
    second = train_company_model(lines, chart="", out_dir=tmp_path)
    third = train_company_model(lines[:-1], chart="", out_dir=tmp_path)
    assert not first.skipped and second.skipped and not third.skipped
    assert third.data_hash != first.data_hash


@pytest.mark.parametrize(
    ("key", "value"), [("format_version", FORMAT_VERSION + 1), ("sklearn_version", "0.1")]
)
def test_load_refuses_another_version(
    lines: list[HistoryLine], tmp_path: Path, key: str, value: object
) -> None:
    train_company_model(lines[:250], chart="", out_dir=tmp_path)
    sidecar = json.loads((tmp_path / "model.json").read_text())
    sidecar[key] = value
    (tmp_path / "model.json").write_text(json.dumps(sidecar))
    with pytest.raises(ModelIncompatible, match="retrain"):
        load_company_model(tmp_path)


def test_a_file_that_is_not_skops_is_refused(tmp_path: Path, lines: list[HistoryLine]) -> None:
    train_company_model(lines[:250], chart="", out_dir=tmp_path)
    (tmp_path / "model.skops").write_bytes(b"not a zip")
    with pytest.raises(Exception, match=r"(?i)zip|model"):
        load_company_model(tmp_path)


def test_refresh_saves_a_model_that_knows_the_new_lines(
    lines: list[HistoryLine], tmp_path: Path
) -> None:
    train_company_model(lines[:600], chart="", out_dir=tmp_path)
    info = refresh_company_model(lines, out_dir=tmp_path)
    assert not info.skipped and info.n_lines == len(lines)
    assert refresh_company_model(lines, out_dir=tmp_path).skipped
    model = load_company_model(tmp_path)
    assert {line.account for line in lines} <= set(model.accounts)

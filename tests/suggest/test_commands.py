"""`kontera evaluate-suggestions` and `kontera train` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from kontera.commands.suggest import register

SAFT = "ExampleFile SAF-T Financial_888888888_20180228235959.xml"


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer from collapsing to one
        """Nothing."""

    return app


def test_evaluate_prints_a_table_and_ends_with_one_json_line(corpus: Path, tmp_path: Path) -> None:
    path = corpus / "posting-history" / "greater-london-authority" / "gla_spend_2013_2023.csv.gz"
    plot = tmp_path / "curve.png"
    result = CliRunner().invoke(
        _app(),
        ["evaluate-suggestions", str(path), "--map", "supplier_id=vendor_id",
         "--map", "supplier_name=vendor_name", "--map", "account=cost_element",
         "--limit", "800", "--plot", str(plot)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    *table, last = result.output.strip().splitlines()
    summary = json.loads(last)
    assert summary["n_train"] + summary["n_test"] == 800
    assert any("top-1" in row for row in table)
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_bad_mapping_is_a_message_not_a_traceback(corpus: Path) -> None:
    path = corpus / "posting-history" / "greater-london-authority" / "gla_spend_2013_2023.csv.gz"
    result = CliRunner().invoke(_app(), ["evaluate-suggestions", str(path), "--map", "nope"])
    assert result.exit_code == 2
    assert "column=name" in result.output


def test_train_then_skip_when_unchanged(corpus: Path, tmp_path: Path) -> None:
    path = corpus / "saft-no" / "Example Files" / SAFT
    runner = CliRunner()
    first = runner.invoke(_app(), ["train", str(path), "--out", str(tmp_path / "m")])
    second = runner.invoke(_app(), ["train", str(path), "--out", str(tmp_path / "m")])
    assert first.exit_code == 0, first.output
    assert "trained" in first.output and "skipped" in second.output

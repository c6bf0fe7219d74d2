"""Posting-suggestion commands: `kontera evaluate-suggestions FILE` and `kontera train FILE`.

`import-history` writes to the database and is wired by the CLI owner; it uses
`kontera.suggest.importers.read_history_items` for the parsing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kontera.domain.errors import KonteraError

Maps = Annotated[
    list[str] | None,
    typer.Option("--map", help="column=name: which file column holds a canonical column."),
]
Format = Annotated[
    str | None, typer.Option("--format", help="saft, sie or csv (csv also reads .xlsx).")
]


def register(app: typer.Typer) -> None:
    app.command("evaluate-suggestions")(evaluate_suggestions)
    app.command("train")(train)


def evaluate_suggestions(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    maps: Maps = None,
    history_format: Format = None,
    plot: Annotated[Path | None, typer.Option(help="Write the accuracy-vs-coverage PNG.")] = None,
    limit: Annotated[
        int | None, typer.Option(help="Use only the newest N lines (a bounded run).")
    ] = None,
    refresh_windows: Annotated[
        int,
        typer.Option(
            help="Recount the evidence before each of N test windows, as approvals do "
            "in production (0: one model for the whole test period)."
        ),
    ] = 0,
    retrain: Annotated[
        bool,
        typer.Option(
            help="With --refresh-windows: retrain the whole model before each window, as "
            "Kontera does every 25 approvals, instead of only recounting the evidence."
        ),
    ] = False,
) -> None:
    """Train on the oldest 80 % of FILE, test on the newest 20 %; ends with one JSON line."""
    from kontera.suggest.csv_history import parse_mapping
    from kontera.suggest.evaluate import evaluate
    from kontera.suggest.evaluate import plot_accuracy_coverage
    from kontera.suggest.importers import read_history
    from kontera.suggest.model import time_order

    try:
        problems: list[str] = []
        mapping = parse_mapping(maps or [])
        lines = list(read_history(file, history_format, mapping, lambda p: problems.append(str(p))))
        if limit:
            lines = sorted(lines, key=time_order)[-limit:]
        if len(lines) < 10:
            raise typer.BadParameter(f"{file.name} has only {len(lines)} usable lines")
        result = evaluate(lines, refresh_windows=refresh_windows, retrain=retrain)
    except KonteraError as e:
        typer.echo(f"Error: {e.message}", err=True)
        raise typer.Exit(2) from e
    _print_table(result, len(problems))
    if plot is not None:
        plot_accuracy_coverage(result, plot, file.name)
        typer.echo(f"plot written to {plot}")
    typer.echo(json.dumps(result.summary()))


def _print_table(result: object, problems: int) -> None:
    from kontera.suggest.evaluate import Evaluation

    assert isinstance(result, Evaluation)
    rows = [
        ("lines (train / test)", f"{result.n_train} / {result.n_test}"),
        ("rows not imported", str(problems)),
        ("test accounts never seen in training", f"{result.unseen_account_share:.1%}"),
        ("candidate recall (calibration block)", f"{result.candidate_recall:.1%}"),
        ("top-1 (Kontera / supplier majority)", f"{result.top1:.1%} / {result.baseline_top1:.1%}"),
        ("top-3 (Kontera / supplier majority)", f"{result.top3:.1%} / {result.baseline_top3:.1%}"),
        ("coverage at 99 % precision", f"{result.coverage_at_99:.1%}"),
        ("expected calibration error", f"{result.ece:.3f}"),
        ("training time (CPU)", f"{result.train_seconds:.1f} s"),
        ("suggest latency p99 per invoice (CPU)", f"{result.predict_ms_p99:.2f} ms"),
    ]
    for row in result.policy:
        rows.append(
            (
                f"auto-approve at ≥ {row['threshold']:.0%}",
                f"{row['coverage']:.1%} of lines, {row['precision']:.1%} right",
            )
        )
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        typer.echo(f"{label.ljust(width)}  {value}")


def train(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option(help="Model directory to write.")],
    maps: Maps = None,
    history_format: Format = None,
    chart: Annotated[str, typer.Option(help="The company's chart (NS4102, BAS …).")] = "",
    force: Annotated[bool, typer.Option(help="Retrain even if the data is unchanged.")] = False,
) -> None:
    """Train a company model from a history file and save it (skipped if unchanged)."""
    from kontera.suggest.csv_history import parse_mapping
    from kontera.suggest.importers import read_history
    from kontera.suggest.persistence import train_company_model

    try:
        lines = read_history(file, history_format, parse_mapping(maps or []))
        info = train_company_model(lines, chart=chart, out_dir=out, force=force)
    except KonteraError as e:
        typer.echo(f"Error: {e.message}", err=True)
        raise typer.Exit(2) from e
    verb = "unchanged, training skipped" if info.skipped else "trained"
    typer.echo(f"{info.path}: {verb} ({info.n_lines} lines, data {info.data_hash[:12]})")

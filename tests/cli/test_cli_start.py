"""`kontera` starts without importing what the command does not use.

How long that takes is measured by benchmarks/cli_start.py; these tests hold the structure
that makes it short: the area commands listed in `cli.AREA_COMMANDS` are the modules' own,
and `--help` or `interpret` of an e-invoice load no database, model or PDF library.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer

from kontera import cli
from tests.conftest import FIXTURES

HEAVY = (
    "sqlalchemy", "sqlmodel", "alembic", "kontera.services", "kontera.store", "numpy",
    "sklearn", "reportlab", "pypdfium2", "pytesseract", "pydantic_settings", "fastapi",
)  # fmt: skip


def first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


@pytest.mark.parametrize("module_name", sorted(cli.AREA_COMMANDS))
def test_the_listed_commands_and_their_help_are_the_modules_own(module_name: str) -> None:
    area = typer.Typer()
    cli._register(area, module_name)
    commands = typer.main.get_group(area).commands
    real = {name: first_paragraph(c.short_help or c.help or "") for name, c in commands.items()}
    assert cli.AREA_COMMANDS[module_name] == real
    assert module_name in cli.COMMAND_MODULES


def loaded_by(*args: str) -> tuple[list[str], str]:
    """The heavy modules a `kontera` process had imported when it exited, and its output."""
    code = (
        "import atexit, json, sys\n"
        f"heavy = {HEAVY!r}\n"
        "atexit.register(lambda: print(json.dumps(sorted({m.split('.')[0] if not "
        "m.startswith('kontera.') else '.'.join(m.split('.')[:2]) for m in sys.modules "
        "if m.startswith(heavy)})), file=sys.stderr))\n"
        f"sys.argv = ['kontera', *{list(args)!r}]\n"
        "from kontera.cli import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


def test_help_lists_every_command_without_loading_any_area() -> None:
    loaded, shown = loaded_by("--help")
    assert loaded == []
    for names in cli.AREA_COMMANDS.values():
        assert all(name in shown for name in names)


def test_interpreting_an_e_invoice_loads_no_database_model_or_pdf_library() -> None:
    loaded, shown = loaded_by("interpret", str(FIXTURES / "demo" / "ehf-02.xml"))
    assert loaded == []
    assert "Nordlys Kraft AS" in shown


def test_an_area_command_is_loaded_when_it_runs() -> None:
    loaded, shown = loaded_by("storage", "--help")
    assert "migrate" in shown
    assert "kontera.services" in loaded  # its module came in, with what it needs

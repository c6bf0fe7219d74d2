"""The command line as an operator uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES

KONTERA = str(Path(sys.executable).parent / "kontera")


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KONTERA, *args, "--data-dir", str(data_dir)]
        if args[0] != "interpret"
        else [KONTERA, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_interpret_prints_json_without_a_database(tmp_path: Path) -> None:
    done = run("interpret", str(FIXTURES / "demo" / "ehf-02.xml"), "--json", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["seller"]["name"] == "Nordlys Kraft AS"
    assert data["fields"]["invoice_number"]["source"] == "xml"
    assert not (tmp_path / "kontera.db").exists()


def test_company_and_key_creation(tmp_path: Path) -> None:
    created = run(
        "company", "create", "Fjord Regnskap AS", "--org-number", "923609016", data_dir=tmp_path
    )
    assert created.returncode == 0, created.stderr
    assert "fjord-regnskap-as@" in created.stdout
    key = run("apikey", "create", "--company", "fjord-regnskap-as", data_dir=tmp_path)
    assert key.stdout.strip().startswith("kt_")
    # The key is stored only as a hash.
    assert key.stdout.strip().encode() not in (tmp_path / "kontera.db").read_bytes()


def test_errors_are_one_readable_line(tmp_path: Path) -> None:
    bad = run("company", "create", "X AS", "--org-number", "123456789", data_dir=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: 123456789 is not a valid NO organisation number."
    missing = run("apikey", "create", "--company", "nobody", data_dir=tmp_path)
    assert missing.returncode == 2
    assert "No company named 'nobody'" in missing.stderr

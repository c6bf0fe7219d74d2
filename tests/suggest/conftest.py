from __future__ import annotations

from pathlib import Path

import pytest

from kontera.suggest.csv_history import parse_mapping
from kontera.suggest.history import HistoryLine
from kontera.suggest.importers import read_history
from kontera.suggest.model import CompanyModel
from kontera.suggest.model import time_order

GLA_MAP = ["supplier_id=vendor_id", "supplier_name=vendor_name", "account=cost_element"]


@pytest.fixture(scope="session")
def saft_dir(corpus: Path) -> Path:
    return corpus / "saft-no" / "Example Files"


@pytest.fixture(scope="session")
def sie_dir(corpus: Path) -> Path:
    return corpus / "sie-se" / "sie_test_files"


@pytest.fixture(scope="session")
def gla_lines(corpus: Path) -> list[HistoryLine]:
    """The newest 6 000 lines of the Greater London Authority's real posting history."""
    path = corpus / "posting-history" / "greater-london-authority" / "gla_spend_2013_2023.csv.gz"
    lines = sorted(read_history(path, "csv", parse_mapping(GLA_MAP)), key=time_order)
    return lines[-6000:]


@pytest.fixture(scope="session")
def gla_model(gla_lines: list[HistoryLine]) -> CompanyModel:
    return CompanyModel.train(gla_lines[:4800])

"""Every history importer keeps the lines' dimensions and references, so they can be learnt.

GIVEN a SAF-T file whose lines carry analyses of types the file calls "Avdeling" and
      "Prosjekt", a SIE 4
      file with objects of dimension 1 (cost centre) and 6 (project), and a CSV whose columns
      are mapped to department and the buyer's reference
WHEN read as history
THEN each line has its department / cost centre / project and buyer's reference.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from kontera.suggest.csv_history import parse_mapping
from kontera.suggest.csv_history import read_csv_history
from kontera.suggest.history import HistoryLine
from kontera.suggest.saft import analysis_kind
from kontera.suggest.saft import read_saft_history
from kontera.suggest.sie import read_sie_history

EXAMPLE_888 = "ExampleFile SAF-T Financial_888888888_20180228235959.xml"


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def test_the_saft_examples_analyses_become_department_and_project(saft_dir: Path) -> None:
    """Skatteetaten's example tags lines with analyses of type A ("Avdeling") and P
    ("Prosjekt"): supplier cost lines keep them, each code under its kind."""
    path = saft_dir / EXAMPLE_888
    tree = etree.parse(str(path))
    types = {
        _text(e, "AnalysisType"): _text(e, "AnalysisTypeDescription")
        for e in tree.iter()
        if _local(e) == "AnalysisTypeTableEntry"
    }
    assert analysis_kind(types["A"]) == "department"
    assert analysis_kind(types["P"]) == "project"
    tagged: dict[str, set[str]] = {"A": set(), "P": set()}
    for analysis in (e for e in tree.iter() if _local(e) == "Analysis"):
        tagged.setdefault(_text(analysis, "AnalysisType"), set()).add(_text(analysis, "AnalysisID"))
    lines = [i for i in read_saft_history(path) if isinstance(i, HistoryLine)]
    departments = {line.department for line in lines if line.department}
    projects = {line.project for line in lines if line.project}
    assert departments and departments <= tagged["A"]
    assert projects and projects <= tagged["P"]
    assert not departments & tagged["P"]  # a project code never lands as a department


def _text(element: etree._Element, name: str) -> str:
    found = [c for c in element if _local(c) == name]
    return (found[0].text or "").strip() if found else ""


def test_analysis_types_are_told_by_their_description() -> None:
    assert analysis_kind("Prosjekt") == "project"
    assert analysis_kind("Kostnadsställe") == "cost_centre"
    assert analysis_kind("Bilnummer") is None


def test_sie_objects_of_dimension_1_and_6_are_cost_centre_and_project(tmp_path: Path) -> None:
    path = tmp_path / "books.se"
    path.write_text(
        "\n".join(
            [
                "#FLAGGA 0",
                "#SIETYP 4",
                '#VER A 7 20230105 "Telia"',
                "{",
                '#TRANS 6212 {1 "456" 6 "P 12"} 800.00',
                "#TRANS 2640 {} 200.00",
                "#TRANS 2440 {} -1000.00",
                "}",
            ]
        ),
        encoding="cp437",
    )
    (line,) = [i for i in read_sie_history(path) if isinstance(i, HistoryLine)]
    assert (line.account, line.cost_centre, line.project) == ("6212", "456", "P 12")


def test_csv_columns_mapped_to_the_department_and_the_references(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(
        "date,supplier_name,account,Avd,Deres ref,Bestilling\n"
        "2025-01-10,Fjellnett Telekom AS,6900,20,Kari,P20-1234\n",
        encoding="utf-8",
    )
    mapping = parse_mapping(
        ["department=Avd", "buyer_reference=Deres ref", "order_reference=Bestilling"]
    )
    (line,) = list(read_csv_history(path, mapping))
    assert isinstance(line, HistoryLine)
    assert (line.department, line.buyer_reference, line.order_reference) == (
        "20",
        "Kari",
        "P20-1234",
    )

"""Read the official vefa rule test sets and run Kontera's checks against them.

Each `<test>` holds a partial invoice and the rule ids the official validator reports as
`success` (must not fire), `error` or `warning` (must fire). Used by `test_checks.py` and the
benchmark/coverage report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from kontera.domain.invoice import Invoice
from kontera.interpret.checks.invoice import fired_rules
from kontera.interpret.einvoice.cii import read_cii
from kontera.interpret.einvoice.cii_names import ROOTS as CII_ROOTS
from kontera.interpret.einvoice.ubl import read_ubl

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
RULE_SET_DIRS = [
    "en16931/test/Invoice-unit-UBL",
    "en16931/test/CreditNote-unit-UBL",
    "en16931/test/cii",
    "ehf/peppol-bis3/unit-UBL-NO",
    "ehf/peppol-bis3/unit-UBL-SE",
    "ehf/peppol-bis3/unit-CII-NO",
    "ehf/peppol-bis3/unit-CII-SE",
    "ehf/peppol-bis3/unit-UBL-PEPPOL",
    "ehf/peppol-bis3/unit-CII-PEPPOL",
]


@dataclass(frozen=True)
class Expectation:
    file: str
    index: int
    rule_id: str
    outcome: str  # "success" | "error" | "warning"
    fired: bool


def _invoice(element: etree._Element) -> Invoice:
    return read_cii(element) if element.tag in CII_ROOTS else read_ubl(element)


def expectations() -> Iterator[Expectation]:
    for folder in RULE_SET_DIRS:
        for path in sorted((CORPUS / folder).glob("*.xml")):
            tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
            for index, test in enumerate(tree.getroot().iter(f"{VEFA}test")):
                document = next(
                    e for e in test if e.tag != f"{VEFA}assert" and isinstance(e.tag, str)
                )
                fired = fired_rules(_invoice(document))
                for outcome in ("success", "error", "warning"):
                    for expected in test.iter(f"{VEFA}{outcome}"):
                        rule_id = (expected.text or "").strip()
                        yield Expectation(
                            f"{folder}/{path.name}", index, rule_id, outcome, rule_id in fired
                        )


def agrees(item: Expectation) -> bool:
    return item.fired == (item.outcome != "success")

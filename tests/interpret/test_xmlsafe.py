"""Safe XML parsing: DTDs, entities and network access are refused, never resolved."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from kontera.domain.codec import invoice_to_json
from kontera.domain.errors import DocumentTooLarge
from kontera.domain.errors import InterpretationFailed
from kontera.domain.errors import KonteraError
from kontera.domain.errors import UnsafeDocument
from kontera.interpret.base import InterpretContext
from kontera.interpret.einvoice.cii import CiiInterpreter
from kontera.interpret.einvoice.ubl import UblInterpreter
from kontera.interpret.einvoice.xmlsafe import parse_xml
from kontera.interpret.registry import interpret_bytes

HOSTILE = Path(__file__).resolve().parents[2] / "fixtures" / "einvoice"


@pytest.mark.parametrize(
    "name", ["xxe.xml", "billion_laughs.xml", "external_dtd.xml", "parameter_entity.xml"]
)
def test_hostile_documents_are_refused(name: str) -> None:
    """GIVEN an XML document with a DTD that declares or fetches entities
    WHEN it is uploaded as an e-invoice
    THEN it is refused as unsafe with a message a bookkeeper can read."""
    data = (HOSTILE / name).read_bytes()
    with pytest.raises(UnsafeDocument) as caught:
        interpret_bytes(data)
    assert "DTD" in caught.value.message
    assert caught.value.status == 422


def test_doctype_hidden_by_utf16_encoding_is_refused() -> None:
    """The byte scan cannot see a UTF-16 DOCTYPE; the parsed document info still can."""
    text = (HOSTILE / "xxe.xml").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    with pytest.raises(UnsafeDocument):
        parse_xml(text.encode("utf-16"))


def test_entity_text_never_reaches_the_invoice() -> None:
    data = (HOSTILE / "xxe.xml").read_bytes()
    with pytest.raises(UnsafeDocument):
        parse_xml(data)
    # The same document without its DTD parses, and the reference is not expanded.
    plain = data.split(b"]>", 1)[1].replace(b"&secret;", b"x")
    assert parse_xml(plain).tag.endswith("Invoice")


def test_malformed_xml_is_an_interpretation_failure() -> None:
    with pytest.raises(InterpretationFailed) as caught:
        parse_xml(b"<Invoice><cbc:ID>1</Invoice>")
    assert "not well-formed" in caught.value.message


def test_size_limit() -> None:
    with pytest.raises(DocumentTooLarge):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)


def test_deep_nesting_is_bounded() -> None:
    """libxml2 refuses absurd nesting unless huge_tree is set, which we never do."""
    depth = 100_000
    with pytest.raises(UnsafeDocument, match="nested too deeply"):
        parse_xml(b"<a>" * depth + b"</a>" * depth)


CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
SAMPLES = [
    CORPUS / "ehf/peppol-bis3/national-examples/NO/Norwegian-example-1.xml",
    CORPUS / "pdf/zugferd/XML-Rechnung/CII/EN16931_Rabatte.cii.xml",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sample=st.sampled_from(range(len(SAMPLES))),
    start=st.integers(min_value=0, max_value=40_000),
    length=st.integers(min_value=1, max_value=400),
    filler=st.sampled_from([b"", b"x", b"-1", b"<", b"&amp;", b"</cbc:ID>", b"9" * 30]),
)
def test_damaged_einvoices_fail_only_with_domain_errors(
    sample: int, start: int, length: int, filler: bytes
) -> None:
    """GIVEN a real e-invoice with a slice replaced by junk WHEN interpreted
    THEN it is read (with notes) or refused with a Kontera error — never a crash."""
    path = SAMPLES[sample]
    if not path.is_file():
        pytest.skip("the shared corpus is not present")
    data = path.read_bytes()
    start %= len(data)
    damaged = data[:start] + filler + data[start + length :]
    backend = UblInterpreter if sample == 0 else CiiInterpreter
    try:
        result = backend(render_missing=False).interpret(damaged, InterpretContext())
    except KonteraError:
        return
    invoice_to_json(result.invoice)

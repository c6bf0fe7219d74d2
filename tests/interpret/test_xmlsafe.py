"""Safe XML parsing: DTDs, entities and network access are refused, never resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontera.domain.errors import DocumentTooLarge
from kontera.domain.errors import InterpretationFailed
from kontera.domain.errors import UnsafeDocument
from kontera.interpret.registry import interpret_bytes
from kontera.interpret.xmlsafe import parse_xml

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
    with pytest.raises(InterpretationFailed):
        parse_xml(b"<a>" * depth + b"</a>" * depth)

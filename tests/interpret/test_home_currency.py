"""An invoice that states no currency is in its seller's home currency, when that is known."""

from __future__ import annotations

import pytest

from kontera.domain.fields import Source
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Party
from kontera.interpret.fields.home_currency import fill_home_currency


@pytest.mark.parametrize(
    ("seller", "currency"),
    [
        (Party(name="Fjellnett Telekom AS", org_number="912345688"), "NOK"),
        (Party(name="Göta Kontorsvaror AB", vat_id="SE556036079301"), "SEK"),
        (Party(name="Malmö Elservice AB", org_number="556036-0793"), "SEK"),
        (Party(name="Müller GmbH", vat_id="DE136695976"), None),
        (Party(name="Nobody"), None),
    ],
)
def test_the_currency_a_terse_layout_leaves_out(seller: Party, currency: str | None) -> None:
    invoice = Invoice(seller=seller)
    fill_home_currency(invoice, Source.PDF_TEXT)
    assert invoice.currency == currency
    if currency:
        assert invoice.fields["currency"].confidence < 1.0  # inferred, not read


def test_a_stated_currency_is_kept() -> None:
    invoice = Invoice(seller=Party(org_number="912345688"))
    invoice.set_field("currency", "EUR", confidence=0.99, source=Source.PDF_TEXT)
    fill_home_currency(invoice, Source.PDF_TEXT)
    assert invoice.currency == "EUR"

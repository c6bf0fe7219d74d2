"""The review page refuses what the ledger would refuse, and shows the intake warnings —
in a real browser (Debian's Chromium), as a bookkeeper meets them.

- approving lines that do not add up to the invoice, or an account that does not exist, is
  refused on the page in words, the edits stay, the document is not approved;
- an invoice addressed to another company, one from a same-named supplier with another org.nr
  and one asking to be paid into another supplier's account show their warning on the page,
  have no box to tick for "approve the safe ones", and a forged bulk request skips them.
"""

from __future__ import annotations

from typing import Any

import pytest

from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from tests.conftest import FIXTURES
from tests.review.conftest import Bureau
from tests.review.conftest import LiveServer
from tests.review.conftest import make_bureau
from tests.review.test_acceptance_ui import leave_input
from tests.review.test_acceptance_ui import sign_in
from tests.review.test_acceptance_ui import upload

pytestmark = pytest.mark.live
FJELLNETT = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()  # to 999999905, two lines
NORDLYS = (FIXTURES / "demo" / "ehf-02.xml").read_bytes()


def _status(ctx: AppContext, bureau: Bureau, document_id: str) -> str:
    with session_scope(ctx.engine) as session:
        return repo.get_document(
            session, company_id=bureau.company.id, document_id=document_id
        ).status


def _approve_on_page(page: Any, words: str) -> None:
    leave_input(page)
    page.keyboard.press("a")
    page.locator("#live").get_by_text(words, exact=False).wait_for()


def test_the_page_refuses_an_unbalanced_voucher_and_an_unknown_account(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="kari@fjord.no"
    )
    document_id = upload(live_server, fjord, FJELLNETT, "ehf-01.xml")
    page = sign_in(chromium, live_server, fjord.user_email)
    page.goto(f"{live_server.url}/c/{fjord.company.id}/d/{document_id}")

    page.fill("#account_0", "6900")
    page.fill("#vat_code_0", "1")
    page.fill("#amount_0", "1.00")  # 1.00 and the second line against a 6 848.75 invoice
    _approve_on_page(page, "er ikke ført")  # "is not accounted for", in nb
    assert page.input_value("#amount_0") == "1.00"
    assert _status(ctx, fjord, document_id) != "approved"

    page.fill("#amount_0", "1498.00")
    page.fill("#account_0", "ABC-99999")
    _approve_on_page(page, "er ikke et kontonummer")
    assert _status(ctx, fjord, document_id) != "approved"


def _forced_confident(ctx: AppContext, bureau: Bureau, document_id: str) -> None:
    """Make the document look as safe as can be, but for its warning."""
    with session_scope(ctx.engine) as session:
        row = repo.get_document(session, company_id=bureau.company.id, document_id=document_id)
        assert row.warnings > 0
        row.status, row.confidence = "suggested", 1.0
        session.add(row)


def _kept_from_bulk(
    ctx: AppContext, page: Any, server: LiveServer, bureau: Bureau, ids: list[str]
) -> None:
    page.goto(f"{server.url}/?company={bureau.company.id}")
    for document_id in ids:
        assert page.locator(f'input[name="document"][value="{document_id}"]').count() == 0
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.post(
        f"{server.url}/bulk-approve",
        headers={"X-CSRF-Token": csrf},
        form={"document": ids[0]},
    )
    assert response.ok
    for document_id in ids:
        assert _status(ctx, bureau, document_id) != "approved"


def test_intake_warnings_show_on_the_page_and_keep_the_invoice_from_bulk(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="kari@fjord.no"
    )
    vidda = make_bureau(
        ctx,
        bureau="Vidda Regnskap",
        company="Vidda Kunde AS",
        org="923609016",
        email="ola@vidda.no",
        history=False,
    )
    elsewhere = upload(live_server, vidda, FJELLNETT, "ehf-01.xml")  # addressed to 999999905
    known = upload(live_server, fjord, FJELLNETT, "ehf-01.xml")
    impostor = upload(
        live_server,
        fjord,
        FJELLNETT.replace(b"912345688", b"987784792").replace(b">10000<", b">20001<"),
        "impostor.xml",
    )
    borrowed = upload(live_server, fjord, NORDLYS.replace(b"15031298765", b"15030212344"), "b.xml")
    assert known  # its account 15030212344 is now registered to Fjellnett

    page = sign_in(chromium, live_server, vidda.user_email)
    page.goto(f"{live_server.url}/c/{vidda.company.id}/d/{elsewhere}")
    assert "adressert til noen andre" in page.locator("section.warnings").inner_text()
    _forced_confident(ctx, vidda, elsewhere)
    _kept_from_bulk(ctx, page, live_server, vidda, [elsewhere])

    page = sign_in(chromium, live_server, fjord.user_email)
    page.goto(f"{live_server.url}/c/{fjord.company.id}/d/{impostor}")
    warnings = page.locator("section.warnings").inner_text()
    assert "et annet organisasjonsnummer" in warnings and "987784792" in warnings
    page.goto(f"{live_server.url}/c/{fjord.company.id}/d/{borrowed}")
    warnings = page.locator("section.warnings").inner_text()
    assert "registrert på en annen leverandør" in warnings and "Fjellnett Telekom AS" in warnings
    for document_id in (impostor, borrowed):
        _forced_confident(ctx, fjord, document_id)
    _kept_from_bulk(ctx, page, live_server, fjord, [impostor, borrowed])

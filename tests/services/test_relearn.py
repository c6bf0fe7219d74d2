"""Suggestions follow new knowledge: a history import and an approval reach the invoices that
are already waiting (issue 14, "Suggestions do not follow new knowledge")."""

from __future__ import annotations

from sqlmodel import select

from kontera.services.context import AppContext
from kontera.services.pipeline.relearn import resuggest_waiting
from kontera.services.suggest import suggestions
from kontera.services.suggest.history_files import import_history_file
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.review.invoice_pdf import invoice_pdf

HISTORY = (FIXTURES / "demo" / "history.csv").read_bytes()
# Fjellnett Telekom AS: 10 lines of the demo history, all on 6900.
EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()


def reasons(document: dict) -> list[str]:  # type: ignore[type-arg]
    return [line["reason"] for line in document["suggestion"]["lines"]]


def approve(api: ApiClient, document_id: str, account: str) -> None:
    response = api.http.post(
        f"/v1/documents/{document_id}/approve",
        headers=api.headers,
        json={"postings": [{"account": account, "vat_code": "1"}]},
    )
    assert response.status_code == 200, response.text


def test_a_history_import_suggests_again_for_the_waiting_invoices(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN an invoice waiting while the company has no history (only the shipped
    cold-start model's unsure guesses)
    WHEN the company's posting history is imported (as the models page does)
    THEN the waiting invoice gets the supplier's usual account without anyone touching it."""
    created = api.upload(EHF)
    before = api.get(f"/v1/documents/{created['id']}")
    assert before["status"] == "needs_review"
    assert {line["account"] for line in before["suggestion"]["lines"]} != {"6900"}

    import_history_file(
        ctx, company_id=api.company_id, data=HISTORY, filename="history.csv", actor="kari"
    )

    after = api.get(f"/v1/documents/{created['id']}")
    assert {line["account"] for line in after["suggestion"]["lines"]} == {"6900"}
    assert all("Fjellnett Telekom AS" in reason for reason in reasons(after))
    assert after["events"][-1]["actor"] == "relearn"


def test_an_approval_reaches_the_next_waiting_invoice_of_that_supplier(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN a company model trained on the demo history, and two invoices waiting from a
    supplier it has never seen
    WHEN the first is approved on 6540
    THEN the second no longer says "No earlier invoices" and proposes 6540 (at once: the
    model's evidence is recounted on the approval, not every 25 lines)."""
    import_history_file(
        ctx, company_id=api.company_id, data=HISTORY, filename="history.csv", actor="kari"
    )
    assert suggestions.model_dir(ctx, api.company_id).version("model.skops") is not None
    first = api.upload(invoice_pdf("2024-118"), "first.pdf")
    second = api.upload(invoice_pdf("2024-119"), "second.pdf")
    waiting = api.get(f"/v1/documents/{second['id']}")
    assert all("No earlier invoices" in reason for reason in reasons(waiting))

    approve(api, first["id"], "6540")

    after = api.get(f"/v1/documents/{second['id']}")
    assert not any("No earlier invoices" in reason for reason in reasons(after))
    assert [line["account"] for line in after["suggestion"]["lines"]] == ["6540"]
    assert "1 of 1 earlier lines" in reasons(after)[0]


def test_a_waiting_invoice_whose_suggestion_is_unchanged_is_left_alone(
    ctx: AppContext, api: ApiClient
) -> None:
    """Suggesting again writes nothing when nothing changed: no record, no audit event."""
    import_history_file(
        ctx, company_id=api.company_id, data=HISTORY, filename="history.csv", actor="kari"
    )
    created = api.upload(EHF)
    with session_scope(ctx.engine) as session:
        before = len(session.exec(select(AuditEvent)).all())

    assert resuggest_waiting(ctx, company_id=api.company_id) == 0

    with session_scope(ctx.engine) as session:
        assert len(session.exec(select(AuditEvent)).all()) == before
    assert api.get(f"/v1/documents/{created['id']}")["status"] == "suggested"

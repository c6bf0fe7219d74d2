"""Through the service: a supplier earns auto-approval of its PDFs by a person's unchanged
approvals, and loses it with the next correction; the settings page's rules are the API's."""

from __future__ import annotations

import io
import zlib
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from stdnum import luhn

from kontera.services.admin import company_settings
from kontera.services.context import AppContext
from tests.conftest import ApiClient
from tests.services.test_suggestions import trained

EARN_AFTER = 3
WAITING = ("suggested", "needs_review")


def _policy(ctx: AppContext, api: ApiClient, **changes: Any) -> None:
    policy = {
        **company_settings.DEFAULT_AUTO_APPROVAL,
        "enabled": True,
        "threshold": 0.5,  # the track record, not the confidence, is what is tested here
        "earn_after": EARN_AFTER,
        **changes,
    }
    company_settings.save_auto_approval(ctx, company_id=api.company_id, policy=policy, actor="t")


def fjellnett_pdf(number: str) -> bytes:
    """Fjellnett Telekom's invoice as a born-digital PDF; its amounts are its usual ones."""
    digits = f"{zlib.crc32(number.encode()):010d}"
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    lines = [
        ("Helvetica-Bold", 16, "Fjellnett Telekom AS"),
        ("Helvetica", 10, "Org.nr. 912 345 688 MVA"),
        ("Helvetica", 10, "Nettveien 1, 0150 Oslo"),
        ("Helvetica-Bold", 14, "FAKTURA"),
        ("Helvetica", 10, f"Fakturanummer: {number}"),
        ("Helvetica", 10, "Fakturadato: 03.11.2026"),
        ("Helvetica", 10, "Forfallsdato: 17.11.2026"),
        ("Helvetica", 10, "Kunde: Fjordbyrå Kunde AS, org.nr. 999 999 905"),
        ("Helvetica", 10, "Beskrivelse                       Beløp"),
        ("Helvetica", 10, "Mobilabonnement november            5 000,00"),
        ("Helvetica", 10, "Sum eks. mva                       5 000,00"),
        ("Helvetica", 10, "Mva 25 %                            1 250,00"),
        ("Helvetica-Bold", 11, "Å betale NOK                       6 250,00"),
        ("Helvetica", 10, "Kontonummer: 1503.02.12344"),
        ("Helvetica", 10, f"KID: {digits}{luhn.calc_check_digit(digits)}"),
    ]
    y = A4[1] - 60
    for font, size, text in lines:
        canvas.setFont(font, size)
        canvas.drawString(50, y, text)
        y -= 22
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _arrives(api: ApiClient, number: str) -> dict[str, Any]:
    created = api.upload(fjellnett_pdf(number), filename=f"{number}.pdf")
    return api.get(f"/v1/documents/{created['id']}")


def _policy_reason(document: dict[str, Any]) -> str:
    """The policy's reason, as the document's history shows it to the bookkeeper."""
    decided = [e for e in document["events"] if "policy" in (e.get("detail") or {})]
    return str(decided[-1]["detail"]["policy"])


def _approve(api: ApiClient, document: dict[str, Any], **body: Any) -> None:
    response = api.http.post(
        f"/v1/documents/{document['id']}/approve", headers=api.headers, json=body or None
    )
    assert response.status_code == 200, response.text


def test_a_supplier_earns_its_pdfs_after_unchanged_approvals_and_loses_them_on_a_correction(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN a company whose auto-approval takes e-invoices only until a supplier has earned
    its PDFs WHEN a person approves three of Fjellnett's PDFs exactly as Kontera suggested
    THEN the fourth posts itself and says why; AFTER a person corrects one, the next waits."""
    trained(ctx, api)
    _policy(ctx, api)
    for number in ("F-1001", "F-1002", "F-1003"):
        document = _arrives(api, number)
        assert document["status"] in WAITING, document["status_reason"]
        assert "e-invoices" in _policy_reason(document)
        _approve(api, document)

    earned = _arrives(api, "F-1004")
    assert earned["status"] == "approved", earned["status_reason"]
    approval = next(e for e in earned["events"] if e["action"] == "status:approved")
    assert approval["actor"] == "auto-approval"
    assert f"last {EARN_AFTER} invoices were approved unchanged" in _policy_reason(earned)
    assert "usual range" in _policy_reason(earned)

    _policy(ctx, api, threshold=1.0)  # nothing posts itself: a person looks at the next one
    corrected = _arrives(api, "F-1005")
    assert corrected["status"] in WAITING
    _approve(api, corrected, corrections={"due_date": "2026-11-30"})

    _policy(ctx, api)
    after = _arrives(api, "F-1006")
    assert after["status"] in WAITING
    assert f"last {EARN_AFTER} invoices unchanged" in _policy_reason(after)


def test_the_track_record_rules_are_read_and_changed_through_the_api(
    ctx: AppContext, api: ApiClient
) -> None:
    shown = api.get("/v1/settings/auto-approval")
    assert (shown["earn_after"], shown["habit_after"], shown["amount_margin"]) == (3, 3, "0.25")
    changed = {**shown, "enabled": True, "earn_after": 5, "habit_after": 0, "amount_margin": "0.1"}
    response = api.http.put("/v1/settings/auto-approval", headers=api.headers, json=changed)
    assert response.status_code == 200, response.text
    again = api.get("/v1/settings/auto-approval")
    assert (again["enabled"], again["earn_after"], again["habit_after"]) == (True, 5, 0)
    assert again["amount_margin"] == "0.1"
    refused = api.http.put(
        "/v1/settings/auto-approval", headers=api.headers, json={**changed, "amount_margin": "-1"}
    )
    assert refused.status_code == 400
    assert api.get("/v1/settings/auto-approval")["amount_margin"] == "0.1"  # nothing half-saved


def test_the_usual_amount_limit_is_read_and_changed_through_the_api(
    ctx: AppContext, api: ApiClient
) -> None:
    shown = api.get("/v1/settings/auto-approval")
    assert shown["usual_max_amount"] == "100000.00"
    changed = {**shown, "max_amount": "10000", "usual_max_amount": "75 000,5"}
    response = api.http.put("/v1/settings/auto-approval", headers=api.headers, json=changed)
    assert response.status_code == 200, response.text
    again = api.get("/v1/settings/auto-approval")
    assert (again["max_amount"], again["usual_max_amount"]) == ("10000.00", "75000.50")
    refused = api.http.put(
        "/v1/settings/auto-approval",
        headers=api.headers,
        json={**changed, "usual_max_amount": "-1"},
    )
    assert refused.status_code == 400
    assert api.get("/v1/settings/auto-approval")["usual_max_amount"] == "75000.50"

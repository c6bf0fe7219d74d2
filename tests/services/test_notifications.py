"""The in-app notifications list what needs the person: refused postings, unreadable files,
duplicates, held approvals, and the review queue; new until the person has looked."""

from __future__ import annotations

from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.review import notifications
from kontera.services.review.notifications import NoticeKind
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.review.invoice_pdf import invoice_pdf

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()


def test_what_needs_the_person_is_listed_and_new_until_seen(
    ctx: AppContext, api: ApiClient
) -> None:
    bureau = users.create_bureau(ctx, name="Byrå")
    person = users.create_user(
        ctx,
        email="kari@byraa.no",
        password="korrekt-hest-batteri",
        role="approver",
        bureau_id=bureau.id,
        company_ids=[api.company_id],
    )
    scope = frozenset({api.company_id})
    approved = api.upload(EHF)["id"]
    response = api.http.post(
        f"/v1/documents/{approved}/approve",
        headers=api.headers,
        json={"postings": [{"account": "6900", "vat_code": "1"}]},
    )
    assert response.status_code == 200
    first = api.upload(invoice_pdf(), "a.pdf")["id"]
    duplicate = api.upload(invoice_pdf(without=("Sjøgata",)), "b.pdf")["id"]
    unreadable = api.upload(b"%PDF-1.4 broken", "broken.pdf")["id"]

    found = notifications.notices(ctx, user_id=person.id, company_ids=scope)

    by_kind = {n.kind: n for n in found}
    assert by_kind[NoticeKind.DUPLICATE].document_id == duplicate
    assert by_kind[NoticeKind.UNREADABLE].document_id == unreadable
    assert by_kind[NoticeKind.HELD].count == 1
    assert by_kind[NoticeKind.REVIEW].count == 1 and first
    assert all(n.new for n in found)
    assert notifications.action_count(ctx, user_id=person.id, company_ids=scope) == 3

    notifications.mark_seen(ctx, user_id=person.id)
    assert not any(n.new for n in notifications.notices(ctx, user_id=person.id, company_ids=scope))
    assert notifications.notices(ctx, user_id=person.id, company_ids=frozenset()) == []

"""Attestation and the two-person rule, enforced in the services for every entry point.

GIVEN a company with attestation rules, amount limits and the two-person rule
WHEN invoices arrive and people (or API keys, or bulk approval, or auto-approval) act on them
THEN each invoice waits for the right person, a second action by the same person is refused,
     and every step is an audit event.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.attest import attestation
from kontera.services.attest import settings as attest_settings
from kontera.services.context import AppContext
from kontera.services.pipeline import steps
from kontera.services.review import queue as review_queue
from kontera.services.review.approvals import approve
from kontera.services.suggest.history_files import import_history_file
from kontera.store import repo
from kontera.store.db import session_scope
from tests.conftest import FIXTURES
from tests.conftest import ApiClient

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()  # 6 848,75 NOK, buyer's reference DEMO
PASSWORD = "korrekt-hest-batteri"


def person(ctx: AppContext, api: ApiClient, email: str, role: str = "approver") -> str:
    user = users.create_user(
        ctx, email=email, password=PASSWORD, role=role, company_ids=[api.company_id]
    )
    return user.id


def configure(ctx: AppContext, api: ApiClient, **values: Any) -> None:
    attest_settings.save(ctx, company_id=api.company_id, values=values, actor="test")


def post_approve(api: ApiClient, document_id: str) -> tuple[int, dict[str, Any]]:
    response = api.http.post(f"/v1/documents/{document_id}/approve", headers=api.headers)
    return response.status_code, response.json()


def actions(ctx: AppContext, document_id: str) -> list[str]:
    with session_scope(ctx.engine) as session:
        return [e.action for e in repo.document_events(session, document_id=document_id)]


def test_a_second_approval_by_the_same_api_key_is_refused_over_the_limit(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN two people must act above 5 000 NOK WHEN one API key approves twice
    THEN its first approval stands as an attestation, the second is refused (403), and
    another key approves."""
    configure(ctx, api, two_person_limit="5000")
    document = api.upload(EHF)
    status, body = post_approve(api, document["id"])
    assert status == 200, body
    assert body["status"] in ("suggested", "needs_review")
    assert body["attestation"]["state"] == "attested"
    assert "A second person must approve it" in body["status_reason"]
    status, body = post_approve(api, document["id"])
    assert status == 403 and body["error"] == "two_person_rule", body
    other = companies.create_api_key(ctx, company_name="Fjordbyrå Kunde AS", name="second").key
    response = api.http.post(
        f"/v1/documents/{document['id']}/approve", headers={"Authorization": f"Bearer {other}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] in ("approved", "posting")
    assert "attest:attested" in actions(ctx, document["id"])


def test_below_the_limit_one_person_approves(ctx: AppContext, api: ApiClient) -> None:
    configure(ctx, api, two_person_limit="10000")
    document = api.upload(EHF)
    status, body = post_approve(api, document["id"])
    assert status == 200 and body["status"] in ("approved", "posting"), body


def test_a_changed_bank_account_needs_two_people_in_bulk_too(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN a supplier known with another account and the bank-change rule on
    WHEN Anne approves it (one invoice, then in bulk) THEN her second action is refused;
    Per approves."""
    configure(ctx, api, two_person_bank_change=True)
    person(ctx, api, "anne@byra.no")
    person(ctx, api, "per@byra.no")
    first = api.upload(EHF)
    approve(ctx, company_id=api.company_id, document_id=first["id"], actor="anne@byra.no")
    changed = EHF.replace(b"10000", b"10001").replace(b"15030212344", b"15030212352")
    document = api.upload(changed)
    view = api.get(f"/v1/documents/{document['id']}")
    assert "bank_account_changed" in {n["code"] for n in view["notes"]}
    done = approve(ctx, company_id=api.company_id, document_id=document["id"], actor="anne@byra.no")
    assert done.status == "needs_review"  # a warning: needs review, attested by Anne
    with pytest.raises(attestation.TwoPeopleRequired):
        approve(ctx, company_id=api.company_id, document_id=document["id"], actor="anne@byra.no")
    done = approve(ctx, company_id=api.company_id, document_id=document["id"], actor="per@byra.no")
    assert done.status == "approved"


def test_bulk_approval_obeys_the_two_person_rule(ctx: AppContext, api: ApiClient) -> None:
    configure(ctx, api, two_person_limit="1000")
    person(ctx, api, "anne@byra.no")
    person(ctx, api, "per@byra.no")
    history = (FIXTURES / "demo" / "history.csv").read_bytes()
    import_history_file(
        ctx, company_id=api.company_id, data=history, filename="history.csv", actor="test"
    )
    document = api.upload(EHF)
    ids, company_ids = [document["id"]], frozenset({api.company_id})
    assert review_queue.confident_documents(ctx, company_ids=company_ids, document_ids=ids)
    result = review_queue.bulk_approve(
        ctx, company_ids=company_ids, document_ids=ids, actor="anne@byra.no"
    )
    assert result.approved == [] and "A second person" in result.skipped[document["id"]]
    result = review_queue.bulk_approve(
        ctx, company_ids=company_ids, document_ids=ids, actor="anne@byra.no"
    )
    assert result.approved == [] and "another person must approve" in result.skipped[ids[0]]
    result = review_queue.bulk_approve(
        ctx, company_ids=company_ids, document_ids=ids, actor="per@byra.no"
    )
    assert result.approved == ids


def test_routed_by_the_buyers_reference_attested_then_approved(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN a rule: buyer's reference DEMO → Kari WHEN the invoice arrives THEN it waits
    for Kari; nobody else can approve it; Kari attests; a bookkeeper approves."""
    kari = person(ctx, api, "kari@kunde.no", role="attestant")
    configure(ctx, api, enabled=True)
    attest_settings.add_rule(
        ctx, company_id=api.company_id, kind="buyer_reference", value="demo",
        attestant_id=kari, actor="test",
    )  # fmt: skip
    document = api.upload(EHF)
    view = api.get(f"/v1/documents/{document['id']}")
    assert view["status"] == "attesting"
    assert view["attestation"]["attestant"] == "kari@kunde.no"
    assert "Waiting for attestation by kari@kunde.no" in view["status_reason"]
    status, body = post_approve(api, document["id"])
    assert status == 409 and body["error"] == "awaiting_attestation"
    with pytest.raises(Exception, match="another person's attestation"):
        attestation.attest(
            ctx, company_id=api.company_id, document_id=document["id"], actor="nobody@x.no"
        )
    attestation.attest(
        ctx, company_id=api.company_id, document_id=document["id"], actor="kari@kunde.no",
        comment="Bestilt av meg",
    )  # fmt: skip
    view = api.get(f"/v1/documents/{document['id']}")
    assert view["status"] in ("suggested", "needs_review")
    assert view["attestation"]["state"] == "attested"
    assert view["attestation"]["comment"] == "Bestilt av meg"
    status, body = post_approve(api, document["id"])
    assert status == 200 and body["status"] in ("approved", "posting"), body
    assert {"attest:requested", "attest:attested"} <= set(actions(ctx, document["id"]))


def test_refused_then_sent_again(ctx: AppContext, api: ApiClient) -> None:
    kari = person(ctx, api, "kari@kunde.no", role="attestant")
    ola = person(ctx, api, "ola@kunde.no", role="attestant")
    configure(ctx, api, enabled=True, default_attestant=kari)
    document = api.upload(EHF)
    assert api.get(f"/v1/documents/{document['id']}")["status"] == "attesting"
    with pytest.raises(Exception, match="Say why"):
        attestation.refuse(
            ctx, company_id=api.company_id, document_id=document["id"],
            actor="kari@kunde.no", comment=" ",
        )  # fmt: skip
    attestation.refuse(
        ctx, company_id=api.company_id, document_id=document["id"],
        actor="kari@kunde.no", comment="Ikke bestilt av oss",
    )  # fmt: skip
    view = api.get(f"/v1/documents/{document['id']}")
    assert view["status"] == "needs_review"
    assert "refused to attest this invoice: Ikke bestilt av oss" in view["status_reason"]
    status, body = post_approve(api, document["id"])
    assert status == 409 and body["error"] == "attestation_refused"
    attestation.send_for_attestation(
        ctx, company_id=api.company_id, document_id=document["id"], attestant_id=ola,
        actor="per@byra.no",
    )  # fmt: skip
    view = api.get(f"/v1/documents/{document['id']}")
    assert view["status"] == "attesting" and view["attestation"]["attestant"] == "ola@kunde.no"


def test_the_attestant_approving_attests_and_approves(ctx: AppContext, api: ApiClient) -> None:
    """An attestant who may also approve does both with one approval (no two-person rule)."""
    kari = person(ctx, api, "kari@byra.no")
    configure(ctx, api, enabled=True, default_attestant=kari)
    document = api.upload(EHF)
    done = approve(ctx, company_id=api.company_id, document_id=document["id"], actor="kari@byra.no")
    assert done.status == "approved"


def test_a_persons_amount_limit(ctx: AppContext, api: ApiClient) -> None:
    anne = person(ctx, api, "anne@byra.no")
    attest_settings.set_limit(
        ctx, company_id=api.company_id, user_id=anne, max_amount="5 000", actor="test"
    )
    assert attest_settings.limits(ctx, company_id=api.company_id)[anne] == Decimal("5000.00")
    document = api.upload(EHF)
    with pytest.raises(attestation.OverApprovalLimit, match=r"limit .* is 5000\.00 NOK"):
        approve(ctx, company_id=api.company_id, document_id=document["id"], actor="anne@byra.no")
    attest_settings.set_limit(
        ctx, company_id=api.company_id, user_id=anne, max_amount="10000", actor="test"
    )
    done = approve(ctx, company_id=api.company_id, document_id=document["id"], actor="anne@byra.no")
    assert done.status == "approved"


def test_auto_approval_never_counts_as_a_person(ctx: AppContext, api: ApiClient) -> None:
    configure(ctx, api, two_person_limit="100")
    document = api.upload(EHF)
    with pytest.raises(attestation.TwoPeopleRequired, match="Auto-approval cannot act"):
        approve(ctx, company_id=api.company_id, document_id=document["id"],
                actor="auto-approval", auto=True)  # fmt: skip
    before = api.get(f"/v1/documents/{document['id']}")["status"]
    assert steps._auto_approve(ctx, api.company_id, document["id"]).value == "suggested"
    assert "auto_approval:withheld" in actions(ctx, document["id"])
    assert api.get(f"/v1/documents/{document['id']}")["status"] == before

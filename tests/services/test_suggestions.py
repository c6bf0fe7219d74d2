"""Suggestions come from the company's own history, and confident ones may post themselves."""

from __future__ import annotations

from kontera.services.context import AppContext
from kontera.services.suggest import suggestions
from kontera.services.suggest.history import import_history_file
from kontera.store.db import session_scope
from kontera.store.tables import Company
from tests.conftest import FIXTURES
from tests.conftest import ApiClient

HISTORY = FIXTURES / "demo" / "history.csv"
# ehf-01 is from Fjellnett Telekom AS, whose history went to 6900 (telephone).
EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()


def trained(ctx: AppContext, api: ApiClient) -> None:
    report = import_history_file(ctx, company_id=api.company_id, path=HISTORY, history_format="csv")
    rows = len(HISTORY.read_text(encoding="utf-8").splitlines()) - 1  # less the header
    assert report.imported == rows and report.problems == []
    info = suggestions.train_company(ctx, api.company_id)
    assert info is not None and not info.skipped


def test_the_company_model_suggests_the_suppliers_usual_account(
    ctx: AppContext, api: ApiClient
) -> None:
    trained(ctx, api)
    created = api.upload(EHF)
    document = api.get(f"/v1/documents/{created['id']}")
    lines = document["suggestion"]["lines"]
    assert [line["account"] for line in lines] == ["6900"] * len(lines)
    assert all(line["reason"] for line in lines)
    assert document["suggestion"]["model"] != "supplier-majority"
    assert document["suggestion"]["auto_approvable"] is False  # the policy is off by default


def test_training_twice_on_the_same_history_is_skipped(ctx: AppContext, api: ApiClient) -> None:
    trained(ctx, api)
    again = suggestions.train_company(ctx, api.company_id)
    assert again is not None and again.skipped


def test_auto_approval_posts_confident_e_invoices_by_itself(
    ctx: AppContext, api: ApiClient
) -> None:
    trained(ctx, api)
    with session_scope(ctx.engine) as session:
        company = session.get(Company, api.company_id)
        assert company is not None
        company.settings = {"auto_approval": {"enabled": True, "threshold": 0.5}}
        session.add(company)
    created = api.upload(EHF)
    document = api.get(f"/v1/documents/{created['id']}")
    assert document["status"] == "approved", document["status_reason"]
    approval = next(e for e in document["events"] if e["action"] == "status:approved")
    assert approval["actor"] == "auto-approval"
    assert approval["detail"]["auto"] is True


def test_a_company_without_history_gets_cold_start_suggestions_it_must_confirm(
    api: ApiClient,
) -> None:
    """With no history at all, the shipped cross-company model proposes standard accounts,
    never confident enough to post by itself."""
    created = api.upload(EHF)
    document = api.get(f"/v1/documents/{created['id']}")
    suggestion = document["suggestion"]
    assert suggestion["model"] == "cold-start"
    assert all(line["account"] for line in suggestion["lines"])
    assert all(line["confidence"] <= 0.6 for line in suggestion["lines"])
    assert suggestion["auto_approvable"] is False

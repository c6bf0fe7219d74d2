"""500 generated e-mails through the SMTP receiver: exactly the expected documents come out.

Documents are stored and held/queued but not interpreted here (the queue does nothing), so
this measures the mail path alone. The count report is printed (`pytest -s` shows it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from types import ModuleType

import pytest

from kontera.config import Settings
from kontera.ingest.settings import MailSettings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.receive import email_senders
from kontera.services.receive.email_smtp import start_smtp_in_background
from tests.ingest.helpers import documents
from tests.ingest.helpers import mail_rows
from tests.ingest.helpers import send
from tests.servers import free_port


@pytest.fixture
def quiet_ctx(settings: Settings) -> Iterator[AppContext]:
    context = build_context(settings)  # the inline queue: documents are not processed
    yield context
    context.engine.dispose()


def run_corpus(ctx: AppContext, mails: list, trusted: tuple[str, ...]) -> dict[str, int]:  # type: ignore[type-arg]
    company = companies.create_company(ctx, name="Acme AS")
    for sender in trusted:
        email_senders.trust_sender(ctx, company.id, sender)
    address = f"{company.slug}@{ctx.settings.mail_domain}"
    receiver = start_smtp_in_background(ctx, "127.0.0.1", free_port(), MailSettings())
    try:
        for mail in mails:
            send(receiver.port, mail.raw, address, mail_from=mail.sender)
    finally:
        receiver.stop()

    stored = documents(ctx, company.id)
    expected = [sha for mail in mails if not mail.resend_of for sha in mail.expected if sha]
    by_message = Counter(d.provenance["message_id"] for d in stored)
    for mail in mails:
        assert by_message[mail.message_id] == len(mail.expected), mail.scenario
    stored_shas = Counter(d.sha256 for d in stored)
    assert all(stored_shas[sha] == 1 for sha in expected)  # none lost, none doubled
    rows = mail_rows(ctx, company.id)
    held = email_senders.quarantined(ctx, company.id)
    untrusted = sum(len(m.expected) for m in mails if not m.resend_of and m.sender not in trusted)
    assert len(held) == untrusted
    return {
        "messages sent": len(mails),
        "resends (same Message-ID)": sum(1 for m in mails if m.resend_of),
        "messages stored": len(rows),
        "documents expected": sum(m.expected_count for m in mails),
        "documents stored": len(stored),
        "held in quarantine": len(held),
        "messages with nothing usable": sum(1 for r in rows if r.status == "empty"),
    }


@pytest.mark.slow
def test_500_generated_emails_give_exactly_the_expected_documents(
    quiet_ctx: AppContext, generator: ModuleType
) -> None:
    mails = generator.generate(500, seed=8)
    report = run_corpus(quiet_ctx, mails, generator.TRUSTED_SENDERS)
    print_report(report, Counter(m.scenario for m in mails))
    assert report["documents stored"] == report["documents expected"]
    assert (
        report["messages stored"] == report["messages sent"] - report["resends (same Message-ID)"]
    )


def test_60_generated_emails_give_exactly_the_expected_documents(
    quiet_ctx: AppContext, generator: ModuleType
) -> None:
    """The fast, unmarked representative of the 500-mail run."""
    mails = generator.generate(60, seed=21)
    report = run_corpus(quiet_ctx, mails, generator.TRUSTED_SENDERS)
    assert report["documents stored"] == report["documents expected"]


def print_report(report: dict[str, int], scenarios: Counter[str]) -> None:
    print("\nemail corpus through SMTP")
    for name, value in report.items():
        print(f"  {name:<32} {value:>6}")
    print("  scenarios: " + ", ".join(f"{k} {v}" for k, v in sorted(scenarios.items())))

"""GIVEN a small real run — e-invoices, a PDF, a scan read by Tesseract, mail from a trusted
and an unknown sender, one approval posted into the fake Tripletex that answers 429 when its
quota runs out — WHEN an operator's Prometheus scrapes `/metrics`, THEN every figure the
operations guide names is there with values that fit the run; `/readyz` checks database,
queue and store."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from kontera.api.app import create_app
from kontera.config import Settings
from kontera.ingest.mailauth import AuthVerdict
from kontera.jobs.queue import attach_queue
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import InlineQueue
from kontera.services.context import build_context
from kontera.services.pipeline import documents
from kontera.services.post import connections
from kontera.services.receive.email_in import receive_mail
from kontera.services.receive.email_senders import trust_sender
from tests.fakes.common import Quota
from tests.fakes.tripletex import FakeTripletex
from tests.ingest.helpers import as_bytes
from tests.ingest.helpers import message
from tests.reliability.crashrun import fake_tripletex
from tests.reliability.invoices import demo_invoices
from tests.reliability.invoices import numbered
from tests.review.invoice_pdf import invoice_pdf

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def scan_png() -> bytes:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(invoice_pdf("SCAN-1"))
    image = pdf[0].render(scale=200 / 72).to_pil()
    pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[AppContext, str, FakeTripletex]]:
    with fake_tripletex() as (fake, url):
        fake.quota = Quota(calls=20, period=1.5)
        settings = Settings(
            data_dir=tmp_path / "data",
            immediate_jobs=True,
            log_json=False,
            tripletex_consumer_token=fake.consumer_token,
        )
        ctx, _ = attach_queue(build_context(settings))
        company = companies.create_company(ctx, name="Måling AS", org_number="923609016")
        connections.connect(
            ctx,
            company_name=company.name,
            system="tripletex",
            secret=fake.employee_token,
            settings={"base_url": url},
        )
        yield ctx, company.id, fake
        assert len(fake.vouchers) == 1
        ctx.engine.dispose()


def test_metrics_after_a_small_run_name_every_figure_with_plausible_values(
    running: tuple[AppContext, str, FakeTripletex],
) -> None:
    ctx, company_id, tripletex = running
    key = companies.create_api_key(ctx, company_name="Måling AS").key
    with TestClient(create_app(ctx)) as client:
        before = scrape(client)
        auth = {"Authorization": f"Bearer {key}"}
        ids = []
        for n, template in enumerate(demo_invoices()[:3]):
            upload = ("e.xml", numbered(template, f"M{n}"))
            ids.append(client.post("/v1/documents", headers=auth, files={"file": upload}).json())
        for name, data in (("p.pdf", invoice_pdf("PDF-1")), ("s.png", scan_png())):
            client.post("/v1/documents", headers=auth, files={"file": (name, data)})
        while tripletex.quota.take() is None:
            pass  # another integration of the same company used up the quota: Kontera gets 429
        approved = client.post(
            f"/v1/documents/{ids[0]['id']}/approve",
            headers=auth,
            json={"postings": [{"account": "6540", "vat_code": "1"}]},
        )
        assert approved.status_code == 200, approved.text
        trust_sender(ctx, company_id, "faktura@kjent.example")
        for sender in ("faktura@kjent.example", "ukjent@fremmed.example"):
            mail = message(sender=sender)
            mail.add_attachment(invoice_pdf(sender[:6]), "application", "pdf", filename="f.pdf")
            # The known sender's message is DKIM-aligned (as its real server would sign it);
            # a trusted address alone would be held as possibly forged.
            domain = sender.split("@")[1]
            proof = AuthVerdict(domain, "none", None, (), "pass", "none", aligned_by=("dkim",))
            receive_mail(ctx, company_id=company_id, raw=as_bytes(mail), verdict=proof)
        # One more that nobody has worked on yet: the queue has an age.
        documents.receive_document(
            ctx.with_queue(InlineQueue()), company_id=company_id, data=b"%PDF-1.4 w", filename="w"
        )
        after = scrape(client)
        ready = client.get("/readyz")

    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "queue": "ok", "storage": "ok"}
    assert value(after, "kontera_dependency_up", dependency="storage") == 1

    # Documents by status: every upload and mail attachment, the posted one among them.
    total = sum(v for (name, _), v in after.items() if name == "kontera_documents")
    assert total == 8
    assert value(after, "kontera_documents", status="posted") == 1
    # Held in quarantine (unknown sender), and the one nobody has worked on yet.
    assert value(after, "kontera_documents", status="received") == 2
    assert value(after, "kontera_queue_oldest_age_seconds", work="documents") > 0
    assert value(after, "kontera_queue_oldest_age_seconds", work="postings") == 0
    assert ("kontera_queue_depth", (("state", "pending"),)) in after
    assert ("kontera_queue_depth", (("state", "scheduled"),)) in after

    # Stages: 6 interpreted (3 EHF, a PDF, the scan, the trusted sender's PDF), 1 OCR page.
    assert grew(before, after, "kontera_stage_duration_seconds_count", stage="interpret") >= 6
    assert grew(before, after, "kontera_stage_duration_seconds_count", stage="suggest") >= 5
    assert grew(before, after, "kontera_stage_duration_seconds_count", stage="ocr_page") >= 1
    assert grew(before, after, "kontera_stage_duration_seconds_count", stage="post") >= 1
    ocr_seconds = grew(before, after, "kontera_stage_duration_seconds_sum", stage="ocr_page")
    assert 0.05 < ocr_seconds < 120  # Tesseract on one A4 page at 200 dpi

    assert grew(before, after, "kontera_postings_total", system="tripletex", outcome="posted") == 1
    calls = grew(before, after, "kontera_ledger_request_duration_seconds_count", system="Tripletex")
    assert calls >= 5
    assert grew(before, after, "kontera_ledger_rate_limited_total", system="Tripletex") >= 1
    assert (
        grew(before, after, "kontera_ledger_responses_total", system="Tripletex", code="429") >= 1
    )

    assert grew(before, after, "kontera_mail_messages_total", outcome="accepted") == 1
    assert grew(before, after, "kontera_mail_messages_total", outcome="quarantined") == 1
    assert ("kontera_mail_messages_total", (("outcome", "nothing_usable"),)) in after


def test_metrics_can_require_a_bearer_token(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, log_json=False, metrics_token="scrape-secret")
    ctx = build_context(settings)
    with TestClient(create_app(ctx)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert scrape(client, Authorization="Bearer scrape-secret")
    ctx.engine.dispose()


def test_readyz_names_the_dependency_that_is_down(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        log_json=False,
        storage_url="s3://nowhere/prefix",
    )
    ctx = build_context(settings)
    with (
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
        patch.setenv("AWS_ACCESS_KEY_ID", "x")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "y")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        ctx = build_context(settings)
        with TestClient(create_app(ctx)) as client:
            response = client.get("/readyz")
            assert client.get("/healthz").status_code == 200  # alive, just not ready
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["storage"] != "ok"
    ctx.engine.dispose()

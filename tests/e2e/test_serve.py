"""End to end as an operator runs it: `kontera serve` (and workers) as real processes.

GIVEN a company and an API key made with the CLI
WHEN base-example.xml is uploaded over HTTP
THEN it is stored, interpreted, given a suggestion, and can be approved.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from lxml import etree

from tests.conftest import FIXTURES
from tests.conftest import TEST_SECRET_KEY
from tests.servers import free_port

KONTERA = str(Path(sys.executable).parent / "kontera")
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
WAITING = {"received", "interpreted"}


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([KONTERA, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def process(env: dict[str, str], *args: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen([KONTERA, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the service did not become healthy:\n" + log.read_text())


def wait_processed(client: httpx.Client, document_id: str, timeout: float = 90) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = client.get(f"/v1/documents/{document_id}").json()
        if document["status"] not in WAITING:
            return document  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"document {document_id} still {document['status']}")


def expected_from_xml(path: Path) -> dict[str, object]:
    root = etree.parse(str(path)).getroot()

    def text(xpath: str) -> str:
        return str(root.xpath(f"string({xpath})", namespaces=NS))

    seller = "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"
    return {
        "invoice_number": text("cbc:ID"),
        "currency": text("cbc:DocumentCurrencyCode"),
        "vat_id": text(f"{seller}[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID"),
        "net": Decimal(text("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")),
        "gross": Decimal(text("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")),
        "payable": Decimal(text("cac:LegalMonetaryTotal/cbc:PayableAmount")),
        "vat": Decimal(text("cac:TaxTotal/cbc:TaxAmount")),
    }


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
    return {
        **env,
        "KONTERA_DATA_DIR": str(tmp_path / "data"),
        "KONTERA_LOG_JSON": "true",
        "KONTERA_SECRET_KEY": TEST_SECRET_KEY,
        "KONTERA_MAIL_DNS_SERVER": os.environ.get("KONTERA_MAIL_DNS_SERVER", ""),
        **extra,
    }


def run_end_to_end(env: dict[str, str], base: str, example: Path) -> None:
    company = f"Kunde {uuid.uuid4().hex[:8]} AS"
    assert "Created company" in cli(env, "company", "create", company, "--org-number", "923609016")
    key = cli(env, "apikey", "create", "--company", company).strip()
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        created = client.post("/v1/documents", files={"file": (example.name, example.read_bytes())})
        assert created.status_code == 202, created.text
        document = wait_processed(client, created.json()["id"])

        assert document["status"] in ("suggested", "needs_review"), document["status_reason"]
        invoice, expected = document["invoice"], expected_from_xml(example)
        assert invoice["invoice_number"] == expected["invoice_number"]
        assert invoice["currency"] == expected["currency"]
        assert invoice["seller"]["vat_id"] == expected["vat_id"]
        for total in ("net", "vat", "gross", "payable"):
            assert Decimal(invoice["totals"][total]) == expected[total], total
        assert document["suggestion"]["lines"], "a suggestion with one entry per line"

        approved = client.post(
            f"/v1/documents/{document['id']}/approve",
            json={
                "postings": [
                    {"account": "6540", "vat_code": "1", "amount": invoice["totals"]["net"]}
                ]
            },
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"
        events = [e["action"] for e in approved.json()["events"]]
        assert events[0] == "received" and events[-1] == "status:approved"


def test_end_to_end_on_sqlite_with_the_in_process_worker(tmp_path: Path, corpus: Path) -> None:
    env, port = base_env(tmp_path), free_port()
    log = tmp_path / "serve.log"
    with process(env, "serve", "--port", str(port), log=log) as proc:
        wait_healthy(f"http://127.0.0.1:{port}", proc, log)
        run_end_to_end(
            env, f"http://127.0.0.1:{port}", corpus / "ehf/peppol-bis3/examples/base-example.xml"
        )


@pytest.mark.live
def test_end_to_end_on_postgresql_and_redis_with_two_workers(
    tmp_path: Path, corpus: Path, postgres_url: str, redis_url: str
) -> None:
    env = base_env(
        tmp_path,
        KONTERA_DATABASE_URL=postgres_url,
        KONTERA_REDIS_URL=redis_url,
        KONTERA_IN_PROCESS_WORKER="false",
    )
    port = free_port()
    with ExitStack() as stack:
        web = stack.enter_context(
            process(env, "serve", "--port", str(port), log=tmp_path / "web.log")
        )
        wait_healthy(f"http://127.0.0.1:{port}", web, tmp_path / "web.log")
        for n in (1, 2):
            stack.enter_context(process(env, "worker", log=tmp_path / f"worker{n}.log"))
        run_end_to_end(
            env, f"http://127.0.0.1:{port}", corpus / "ehf/peppol-bis3/examples/base-example.xml"
        )
        # Several documents at once are shared by the two workers and all finish.
        company = f"Flere {uuid.uuid4().hex[:8]} AS"
        cli(env, "company", "create", company)
        key = cli(env, "apikey", "create", "--company", company).strip()
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}
        ) as client:
            ids = [
                client.post("/v1/documents", files={"file": (p.name, p.read_bytes())}).json()["id"]
                for p in sorted((FIXTURES / "demo").glob("ehf-*.xml"))
            ]
            finished = [wait_processed(client, i)["status"] for i in ids]
        assert set(finished) <= {"suggested", "needs_review"}


def test_serve_receives_supplier_mail_when_asked(tmp_path: Path) -> None:
    """`kontera serve --smtp-port` stores mailed invoices as documents of the company."""
    import smtplib
    from email.message import EmailMessage

    env, port, smtp_port = base_env(tmp_path), free_port(), free_port()
    company = "Post Mottak AS"
    cli(env, "company", "create", company, "--org-number", "923609016")
    key = cli(env, "apikey", "create", "--company", company).strip()
    log = tmp_path / "serve.log"
    with process(env, "serve", "--port", str(port), "--smtp-port", str(smtp_port), log=log) as proc:
        wait_healthy(f"http://127.0.0.1:{port}", proc, log)
        message = EmailMessage()
        message["From"] = "faktura@leverandor.example.com"
        message["To"] = "post-mottak-as@inbox.kontera.local"
        message["Subject"] = "Faktura 10000"
        message["Message-ID"] = "<e2e-1@leverandor.example.com>"
        message.set_content("Vedlagt faktura.")
        ehf = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()
        message.add_attachment(ehf, maintype="application", subtype="xml", filename="ehf.xml")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
            smtp.send_message(message)
        headers = {"Authorization": f"Bearer {key}"}
        items = httpx.get(f"http://127.0.0.1:{port}/v1/documents", headers=headers).json()["items"]
    assert [(i["source"], i["filename"]) for i in items] == [("email", "ehf.xml")]

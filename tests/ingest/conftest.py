from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from kontera.ingest.settings import MailSettings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.receive.email_smtp import start_smtp_in_background
from kontera.store.tables import Company
from tests.conftest import FIXTURES
from tests.dnsserver import Zone
from tests.ingest.dovecot import Dovecot
from tests.ingest.dovecot import dovecot_server
from tests.servers import free_port

SMALL_LIMIT = 2 * 1024 * 1024


def load_generator() -> ModuleType:
    name = "kontera_fixtures_email_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FIXTURES / "email" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def generator() -> ModuleType:
    return load_generator()


@pytest.fixture(autouse=True)
def test_suppliers_send_from_this_machine(mail_dns: Zone) -> Iterator[None]:
    """The mail tests' suppliers send from their server on 127.0.0.1: their SPF says so."""
    domains = ["lev.example", *(s.split("@")[1] for s in load_generator().TRUSTED_SENDERS)]
    for domain in domains:
        mail_dns.txt(domain, "v=spf1 ip4:127.0.0.1 -all")
    yield
    for domain in domains:
        mail_dns.remove(domain)


@pytest.fixture
def mail_settings() -> MailSettings:
    return MailSettings(max_message_bytes=SMALL_LIMIT)


@pytest.fixture
def company(ctx: AppContext) -> Company:
    return companies.create_company(ctx, name="Acme AS", org_number="923609016")


@pytest.fixture
def address(ctx: AppContext, company: Company) -> str:
    return f"{company.slug}@{ctx.settings.mail_domain}"


@pytest.fixture
def smtp_port(ctx: AppContext, mail_settings: MailSettings) -> Iterator[int]:
    """A running receiver on a free port (real aiosmtpd, real sockets)."""
    receiver = start_smtp_in_background(ctx, "127.0.0.1", free_port(), mail_settings)
    try:
        yield receiver.port
    finally:
        receiver.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server({"acme": "s3cret-imap", "other": "pw2"}) as server:
        if server is None:
            pytest.skip("Dovecot (dovecot-imapd) is not installed")
        yield server


@pytest.fixture(scope="session")
def scenario_mails(generator: ModuleType) -> dict[str, object]:
    """The first generated mail of each scenario (generated once per session)."""
    found: dict[str, object] = {}
    for mail in generator.generate(150, seed=3):
        found.setdefault(mail.scenario, mail)
    return found

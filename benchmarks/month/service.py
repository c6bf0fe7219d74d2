"""The bureau's Kontera: `kontera serve` (API, SMTP) and `kontera worker` processes, set up
the way a bureau sets up a client: company, API key, books imported, model trained,
auto-approval switched on with the service's own defaults, ledger connected, the known
suppliers' mail domains trusted.

Setup runs through the service layer in this process (what `kontera company create`,
`import-history`, `connect` and the settings page do); the month itself only talks to the
running service over HTTP and SMTP.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlparse

import httpx
from tests import servers

from benchmarks.month.ledgers import Ledger
from kontera.config import Settings
from kontera.domain.errors import NotFound
from kontera.jobs.queue import attach_queue
from kontera.services.admin import companies
from kontera.services.admin import company_settings
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import connections
from kontera.services.receive.email_senders import trust_sender
from kontera.services.suggest.history import import_history_file
from kontera.services.suggest.suggestions import train_company
from kontera.services.sync.ledger_sync import sync_company

KONTERA = str(Path(sys.executable).parent / "kontera")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PERSON = "bookkeeper@bureau.example"


@dataclass
class Client:
    """A client company as the bureau set it up."""

    name: str
    company_id: str
    slug: str
    key: str
    mail: str
    imported: int
    trained_lines: int


@dataclass
class Stack:
    base: str
    smtp_port: int
    env: dict[str, str]
    ctx: AppContext
    procs: list[subprocess.Popen[bytes]]
    log_dir: Path

    def cpu_seconds(self) -> float:
        """CPU of the service's processes so far, their finished children (Tesseract) included."""
        total = 0
        for proc in self.procs:
            try:
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        return total / CLK_TCK


@contextmanager
def database(postgres: bool) -> Iterator[dict[str, str]]:
    if not postgres:
        yield {}
        return
    with ExitStack() as stack:
        url = stack.enter_context(servers.postgres_server())
        redis = stack.enter_context(servers.redis_server())
        if url is None or redis is None:
            raise SystemExit("--postgres needs the PostgreSQL and Redis binaries (Debian)")
        yield {"KONTERA_DATABASE_URL": url, "KONTERA_REDIS_URL": redis}


def context(workdir: Path, extra_env: dict[str, str]) -> tuple[dict[str, str], AppContext]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
    env.update(
        {
            "KONTERA_DATA_DIR": str(workdir / "data"),
            "KONTERA_IN_PROCESS_WORKER": "false",
            "KONTERA_LOG_LEVEL": "WARNING",
            "KONTERA_LOG_JSON": "false",
            "KONTERA_MAIL_DOMAIN": "inbox.bureau.example",
            "KONTERA_SECRET_KEY": secrets.token_urlsafe(32),
            **extra_env,
        }
    )
    os.environ.update({k: v for k, v in env.items() if k.startswith("KONTERA_")})
    ctx, _ = attach_queue(build_context(Settings()))
    return env, ctx


def set_up_client(
    ctx: AppContext,
    *,
    name: str,
    org_number: str,
    country: str,
    books_file: Path,
    ledger: Ledger,
    trusted_domains: set[str],
    load: str,
) -> Client:
    """A client as a bureau takes it on: connected to its ledger, its books synced from there
    (or, with `load="import"`, imported from a history file), its model trained."""
    company = companies.create_company(ctx, name=name, org_number=org_number, country=country)
    key = companies.create_api_key(ctx, company_name=name).key
    user_id = bureau_user(ctx)
    users.grant_access(ctx, user_id=user_id, company_id=company.id)
    connect_ledger(ctx, name, ledger, user_id)
    if load == "sync":
        with httpx.Client(timeout=120) as http:
            outcome = sync_company(
                ctx, company_id=company.id, full=True, trigger="bureau", client=http
            )
        if outcome.error:
            raise RuntimeError(f"{name}: the ledger sync failed: {outcome.error}")
        imported = outcome.counts.get("history_new", 0)
    else:
        report = import_history_file(ctx, company_id=company.id, path=books_file, mapping={})
        imported = report.imported
    info = train_company(ctx, company.id)
    policy = {**company_settings.DEFAULT_AUTO_APPROVAL, "enabled": True}
    company_settings.save_auto_approval(ctx, company_id=company.id, policy=policy, actor="bureau")
    for domain in sorted(trusted_domains):
        trust_sender(ctx, company.id, "@" + domain, learnt_from="bureau")
    return Client(
        name=name,
        company_id=company.id,
        slug=company.slug,
        key=key,
        mail=f"{company.slug}@{ctx.settings.mail_domain}",
        imported=imported,
        trained_lines=info.n_lines if info else 0,
    )


def bureau_user(ctx: AppContext) -> str:
    """The bookkeeper who connects the ledgers (Fortnox's consent is bound to a person)."""
    try:
        return users.find_user(ctx, email=PERSON).id
    except NotFound:
        password = secrets.token_urlsafe(16)
        return users.create_user(ctx, email=PERSON, password=password, actor="bureau").id


def connect_ledger(ctx: AppContext, name: str, ledger: Ledger, user_id: str) -> None:
    fake, url = ledger.fake, ledger.url
    if ledger.system == "tripletex":
        connections.connect(
            ctx,
            company_name=name,
            system="tripletex",
            secret=fake.employee_token,
            consumer_token=fake.consumer_token,
            settings={"base_url": f"{url}/v2"},
        )
    elif ledger.system == "poweroffice":
        connections.connect(
            ctx,
            company_name=name,
            system="poweroffice",
            secret=fake.client_key,
            settings={"base_url": f"{url}/v2", "token_url": f"{url}/OAuth/Token"},
        )
    else:
        authorize = connections.start_fortnox(ctx, company_name=name, user_id=user_id)
        connections.update_settings(ctx, company_name=name, settings={"base_url": url})
        state = parse_qs(urlparse(authorize).query)["state"][0]
        code = min(fake.codes)  # one unused authorization code per Fortnox company
        with httpx.Client(timeout=30) as client:
            connections.finish_fortnox(ctx, state=state, code=code, user_id=user_id, client=client)


@contextmanager
def running(env: dict[str, str], ctx: AppContext, workdir: Path, workers: int) -> Iterator[Stack]:
    port, smtp = servers.free_port(), servers.free_port()
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            _start(env, logs / "serve.log", "serve", "--port", str(port), "--smtp-port", str(smtp))
        )
        for n in range(workers):
            procs.append(_start(env, logs / f"worker-{n + 1}.log", "worker"))
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, procs[0])
        servers.wait_for_port(smtp)
        yield Stack(base, smtp, env, ctx, procs, logs)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [KONTERA, *args], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("kontera serve exited; see its log")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError("kontera serve did not become healthy")

"""A worker that posts vouchers for one company while another process syncs it.

    python -m tests.services.ledger_post_worker COMPANY_ID COUNT ACCOUNTS

Settings come from the environment (`KONTERA_DATA_DIR` …), exactly as a `kontera worker`
gets them; the connector comes from `services.connections.connector_for` with the context's
limiters — the database-backed ones a deployment uses — so that this process and the syncing
one draw on the same quota. ACCOUNTS is a comma-separated list of `account:rate` pairs from
the ledger's chart. Prints how many vouchers reached `posted`.
"""

from __future__ import annotations

import random
import sys

import httpx

from kontera.config import Settings
from kontera.post.connector import AttachmentFile
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.voucher_builder import VoucherOptions
from kontera.post.voucher_builder import build_voucher
from kontera.services.context import build_context
from kontera.services.post.connections import connection_of
from kontera.services.post.connections import connector_for
from kontera.store.db import session_scope
from tests.post.conftest import make_invoice
from tests.post.conftest import render_pdf


def main(company_id: str, count: int, accounts: list[tuple[str, str]]) -> int:
    ctx = build_context(Settings())
    rng = random.Random(count)
    with session_scope(ctx.engine) as session:
        row = connection_of(session, company_id)
    assert row is not None
    posted = 0
    with httpx.Client(timeout=60) as client:
        connector = connector_for(ctx, row, client=client, limiters=ctx.limiters)
        for n in range(count):
            account, rate = rng.choice(accounts)
            net = str(rng.randint(1_000, 90_000))
            invoice, approved = make_invoice([(net, rate, account)], number=f"W{n}")
            voucher = build_voucher(invoice, approved, VoucherOptions.for_country("NO"))
            pdf = AttachmentFile(render_pdf(f"Faktura W{n}"), f"w{n}.pdf", "application/pdf")
            job = PostingJob(f"ledger-worker-{n}", connector.name)
            job = advance(job, connector, voucher, pdf, lambda j: None)
            posted += job.step is Step.POSTED
    print(posted)
    return 0


if __name__ == "__main__":
    pairs = [tuple(pair.split(":", 1)) for pair in sys.argv[3].split(",")]
    sys.exit(main(sys.argv[1], int(sys.argv[2]), pairs))  # type: ignore[arg-type]

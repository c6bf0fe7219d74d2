"""A bureau user sees, per client, where each invoice came in.

GIVEN a bureau with a client whose invoices arrived every way Kontera takes them — the
      ledger's inbox (Tripletex), the Peppol access point, a scan folder, e-mail, the API
WHEN a Norwegian user opens the queue filtered to that client
THEN each row says, in Norwegian, how its invoice came in.
"""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.web import create_web_app
from tests.review.conftest import PASSWORD
from tests.review.conftest import make_bureau
from tests.review.ui_client import UiClient

WAYS = {
    "ledger": "regnskapssystemets innboks (Tripletex)",
    "access_point": "aksesspunkt",
    "folder": "skannemappe",
    "email": "e-post",
    "api": "API",
}


def test_the_queue_says_where_each_invoice_came_in(ctx: AppContext) -> None:
    bureau = make_bureau(
        ctx, bureau="Byrå", company="Kunde AS", org="923609016", email="a@byraa.no",
        history=False,
    )  # fmt: skip
    company_id = bureau.company.id
    with session_scope(ctx.engine) as session:
        for n, source in enumerate(WAYS):
            session.add(
                Document(
                    company_id=company_id,
                    sha256=f"{n + 1:064x}",
                    source=source,
                    provenance={"ledger": "tripletex"} if source == "ledger" else {},
                    status="suggested",
                    supplier_name=f"Leverandør {source}",
                    gross=Decimal("100.00"),
                    currency="NOK",
                )
            )
    with TestClient(create_web_app(ctx)) as http:
        UiClient(http, "a@byraa.no", PASSWORD)
        page = http.get("/", params={"company": company_id}).text
    assert "Kom inn" in page
    for source, words in WAYS.items():
        row = re.search(rf"Leverandør {source}</a>.*?</tr>", page, re.S)
        assert row is not None, source
        cell = re.search(r'class="col-source source-([a-z_]+)">([^<]*)<', row.group(0))
        assert cell is not None and cell.groups() == (source, words), row.group(0)

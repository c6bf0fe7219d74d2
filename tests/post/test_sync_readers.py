"""The readers page through a ledger whatever its vouchers' sizes: every line once.

A voucher may straddle pages, or fill several: Tripletex's reader holds it back and
completes it with the next page, PowerOffice Go's reads on with the next page numbers. With
pages far smaller than the vouchers (here 5 postings), the lines read are exactly the books'.
"""

from __future__ import annotations

import math
from datetime import timedelta

import httpx
import pytest

from kontera.post.poweroffice import PowerOfficeConnector
from kontera.post.poweroffice import PowerOfficeCredentials
from kontera.post.sync import SyncWindow
from kontera.post.sync_poweroffice import PowerOfficeReader
from kontera.post.sync_tripletex import TripletexReader
from kontera.post.tripletex import TripletexConnector
from kontera.post.tripletex import TripletexCredentials
from tests.fakes import poweroffice_sync
from tests.fakes import tripletex_sync
from tests.fakes.books import Books
from tests.fakes.books import BookSpec
from tests.fakes.books import generate_books
from tests.fakes.books_sources import available
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.transport import AppTransport
from tests.fakes.tripletex import FakeTripletex


@pytest.fixture(scope="module")
def books() -> Books:
    if not available("harrogate"):
        pytest.skip("the corpus's posting history is not present")
    books = generate_books(BookSpec(source="harrogate", max_lines=400, seed=3))
    assert max(len(v.lines) for v in books.vouchers) >= 3  # vouchers of 7+ postings
    return books


def window(books: Books) -> SyncWindow:
    return SyncWindow(books.start, books.end + timedelta(days=1))


@pytest.mark.parametrize("page_size", [5, 1000])
def test_tripletex_reads_every_line_once_whatever_the_page(books: Books, page_size: int) -> None:
    fake = FakeTripletex()
    served = tripletex_sync.serve_books(fake, books, check_spec=False)
    client = httpx.Client(transport=AppTransport(fake))
    connector = TripletexConnector(
        client, TripletexCredentials("consumer-secret", "employee-secret")
    )
    reader = TripletexReader(connector, page_size=page_size)
    lines = [line for page in reader.history(None, window(books)) for line in page.lines]
    assert len(lines) == len({line.external_id for line in lines}) == books.cost_lines
    pages = reader.stats.by_resource["posting"]
    assert pages == math.floor(len(served.postings) / page_size) + 1


@pytest.mark.parametrize("page_size", [5, 5000])
def test_poweroffice_reads_every_line_once_whatever_the_page(books: Books, page_size: int) -> None:
    fake = FakePowerOffice()
    poweroffice_sync.serve_books(fake, books, check_spec=False)
    client = httpx.Client(transport=AppTransport(fake))
    credentials = PowerOfficeCredentials(
        "app-key", "client-key", "sub-key",
        base_url="https://goapi.poweroffice.net/v2",
        token_url="https://goapi.poweroffice.net/OAuth/Token",
    )  # fmt: skip
    reader = PowerOfficeReader(PowerOfficeConnector(client, credentials), page_size=page_size)
    lines = [line for page in reader.history(None, window(books)) for line in page.lines]
    assert len(lines) == len({line.external_id for line in lines}) == books.cost_lines

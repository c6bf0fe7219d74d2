"""The queue's query: what a bookkeeper sees first, filters, counts and pages — on SQLite, and
on PostgreSQL when its server can be started (`live`)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.review import queue as review_queue
from kontera.services.review.queue import PAGE_SIZE
from kontera.services.review.queue import QueueFilter
from kontera.store.db import session_scope
from kontera.store.tables import Document

TODAY = date(2026, 11, 22)


def add(db: AppContext, company_id: str, n: int, **values: object) -> str:
    document = Document(company_id=company_id, sha256=f"{n:064x}", **values)  # type: ignore[arg-type]
    with session_scope(db.engine) as session:
        session.add(document)
    return document.id


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.live)])
def db(request: pytest.FixtureRequest, ctx: AppContext, tmp_path: Path) -> Iterator[AppContext]:
    """The test's context on SQLite, or on a fresh database of a real PostgreSQL server."""
    if request.param == "sqlite":
        yield ctx
        return
    server = request.getfixturevalue("postgres_url")
    name = f"kontera_queue_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    settings = Settings(data_dir=tmp_path / "pg", database_url=url, log_json=False)
    postgres = build_context(settings, ctx.queue)
    yield postgres
    postgres.engine.dispose()


@pytest.fixture
def two_companies(db: AppContext) -> tuple[str, str]:
    first = companies.create_company(db, name="Fjord AS", org_number="999999905").id
    second = companies.create_company(db, name="Vidda AS", org_number="923609016").id
    return first, second


def test_due_soon_first_open_only_and_undated_last(
    db: AppContext, two_companies: tuple[str, str]
) -> None:
    first, _ = two_companies
    late = add(db, first, 1, status="needs_review", due_date=TODAY + timedelta(days=20))
    soon = add(db, first, 2, status="suggested", due_date=TODAY + timedelta(days=1))
    undated = add(db, first, 3, status="needs_review", due_date=None)
    add(db, first, 4, status="approved", due_date=TODAY)
    page = review_queue.queue_page(db, company_ids=frozenset({first}), filters=QueueFilter())
    assert [row.id for row in page.rows] == [soon, late, undated]
    assert page.total == 3
    assert page.counts["open"] == 3 and page.counts["all"] == 4 and page.counts["approved"] == 1


def test_only_accessible_companies_are_listed(
    db: AppContext, two_companies: tuple[str, str]
) -> None:
    first, second = two_companies
    mine = add(db, first, 1, status="suggested")
    add(db, second, 2, status="suggested")
    scope = frozenset({first})
    page = review_queue.queue_page(db, company_ids=scope, filters=QueueFilter())
    assert [row.id for row in page.rows] == [mine]
    assert page.counts["all"] == 1
    asked_for_other = QueueFilter(company_id=second)
    other = review_queue.queue_page(db, company_ids=scope, filters=asked_for_other)
    assert other.rows == [] and other.total == 0


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (QueueFilter(supplier="NORDLYS"), {"kraft"}),
        (QueueFilter(min_amount=Decimal("1000")), {"kraft", "tele"}),
        (QueueFilter(max_amount=Decimal("999.99")), {"kaffe"}),
        (QueueFilter(due_from=TODAY, due_to=TODAY + timedelta(days=5)), {"kraft", "kaffe"}),
        (QueueFilter(max_confidence=0.8), {"tele"}),
        (QueueFilter(warnings_only=True), {"tele"}),
        (QueueFilter(status="rejected"), {"avvist"}),
        (QueueFilter(status="all"), {"kraft", "tele", "kaffe", "avvist"}),
    ],
)
def test_filters(
    db: AppContext, two_companies: tuple[str, str], filters: QueueFilter, expected: set[str]
) -> None:
    first, _ = two_companies
    names = {
        add(
            db,
            first,
            1,
            status="suggested",
            supplier_name="Nordlys Kraft AS",
            gross=Decimal("1836.25"),
            due_date=TODAY + timedelta(days=2),
            confidence=0.99,
        ): "kraft",
        add(
            db,
            first,
            2,
            status="needs_review",
            supplier_name="Fjellnett Telekom AS",
            gross=Decimal("6848.75"),
            due_date=TODAY + timedelta(days=9),
            confidence=0.45,
            warnings=3,
        ): "tele",
        add(
            db,
            first,
            3,
            status="suggested",
            supplier_name="Kontorhuset Bergen AS",
            gross=Decimal("980.00"),
            due_date=TODAY,
            confidence=0.97,
        ): "kaffe",
        add(db, first, 4, status="rejected", supplier_name="Ukjent AS"): "avvist",
    }
    page = review_queue.queue_page(db, company_ids=frozenset({first}), filters=filters)
    assert {names[row.id] for row in page.rows} == expected


def test_sort_by_amount_descending(db: AppContext, two_companies: tuple[str, str]) -> None:
    first, _ = two_companies
    amounts = ["10.00", "2500.50", "999.99", "-400.00"]
    for n, amount in enumerate(amounts):
        add(db, first, n, status="suggested", gross=Decimal(amount))
    filters = QueueFilter(sort="amount", descending=True)
    page = review_queue.queue_page(db, company_ids=frozenset({first}), filters=filters)
    assert [str(row.gross) for row in page.rows] == ["2500.50", "999.99", "10.00", "-400.00"]


def test_pages_of_fifty_cover_every_document_once(
    db: AppContext, two_companies: tuple[str, str]
) -> None:
    first, _ = two_companies
    for n in range(PAGE_SIZE * 2 + 7):
        add(db, first, n, status="needs_review", due_date=TODAY + timedelta(days=n % 9))
    scope = frozenset({first})
    pages = [
        review_queue.queue_page(db, company_ids=scope, filters=QueueFilter(page=number))
        for number in (1, 2, 3)
    ]
    assert [len(p.rows) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 7]
    assert pages[0].pages == 3
    seen = [row.id for p in pages for row in p.rows]
    assert len(set(seen)) == len(seen) == PAGE_SIZE * 2 + 7
    dues = [row.due_date for p in pages for row in p.rows]
    assert dues == sorted(dues)  # type: ignore[type-var]


def test_neighbours_follow_the_queue_order(db: AppContext, two_companies: tuple[str, str]) -> None:
    first, _ = two_companies
    ids = [
        add(db, first, n, status="suggested", due_date=TODAY + timedelta(days=n)) for n in range(3)
    ]
    scope = frozenset({first})
    before, after = review_queue.neighbours(
        db, company_ids=scope, filters=QueueFilter(), document_id=ids[1]
    )
    assert before is not None and before.document_id == ids[0]
    assert after is not None and after.document_id == ids[2]
    _, last = review_queue.neighbours(
        db, company_ids=scope, filters=QueueFilter(), document_id=ids[2]
    )
    assert last is None


@pytest.mark.parametrize(
    "filters",
    [QueueFilter(), QueueFilter(descending=True), QueueFilter(sort="amount", descending=True)],
    ids=["due", "due-desc", "amount-desc"],
)
def test_walking_next_and_previous_visits_the_queue_in_page_order(
    db: AppContext, two_companies: tuple[str, str], filters: QueueFilter
) -> None:
    """Ties, missing values and both directions: next/previous agree with the page order."""
    first, second = two_companies
    rng = random.Random(6)
    for n in range(30):
        add(
            db,
            rng.choice([first, second]),
            n,
            status=rng.choice(["suggested", "needs_review"]),
            due_date=rng.choice(
                [None, TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=2)]
            ),
            gross=rng.choice([None, Decimal("10.00"), Decimal("99.50")]),
        )
    scope = frozenset({first, second})
    order = [row.id for row in review_queue.queue_page(db, company_ids=scope, filters=filters).rows]
    walked, at = [order[0]], order[0]
    while step := review_queue.neighbours(db, company_ids=scope, filters=filters, document_id=at)[
        1
    ]:
        walked.append(at := step.document_id)
    assert walked == order
    back, at = [order[-1]], order[-1]
    while step := review_queue.neighbours(db, company_ids=scope, filters=filters, document_id=at)[
        0
    ]:
        back.append(at := step.document_id)
    assert back == order[::-1]

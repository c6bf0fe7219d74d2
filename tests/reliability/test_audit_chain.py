"""The audit trail is tamper-evident: each event carries the hash of the one before it.

GIVEN companies whose documents move through Kontera (and writers racing on PostgreSQL)
WHEN  someone with database access edits, deletes or inserts an audit row
THEN  `kontera audit verify` names the first broken link and exits 1; untouched chains are ok.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.ops.audit_verify import verify
from kontera.store import repo
from kontera.store.db import make_engine
from kontera.store.db import session_scope
from kontera.store.migrate import alembic_config
from kontera.store.migrate import upgrade
from kontera.store.tables import AuditEvent
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.reliability.test_backup import fresh_database


def _status_events(ctx: AppContext) -> list[AuditEvent]:
    with session_scope(ctx.engine) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action.like("status:%"))).all()  # type: ignore[attr-defined]
        return sorted(rows, key=lambda e: e.id or 0)


def test_every_event_is_linked_and_the_chains_verify(ctx: AppContext, api: ApiClient) -> None:
    api.upload((FIXTURES / "demo" / "ehf-01.xml").read_bytes())
    api.upload(b"not an invoice", "x.bin")
    with session_scope(ctx.engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.company_id == api.company_id)
        ).all()
    assert events and all(e.hash and e.seq for e in events)
    assert sorted(e.seq for e in events) == list(range(1, len(events) + 1))
    assert all(report.broken is None for report in verify(ctx))


def test_editing_one_row_is_named_by_audit_verify(
    ctx: AppContext, api: ApiClient, settings: Settings
) -> None:
    api.upload((FIXTURES / "demo" / "ehf-01.xml").read_bytes())
    api.upload((FIXTURES / "demo" / "ehf-02.xml").read_bytes())
    victim = _status_events(ctx)[1]
    with ctx.engine.begin() as connection:  # what someone with database access could do
        connection.execute(
            text("UPDATE auditevent SET actor = 'someone-else' WHERE id = :id"), {"id": victim.id}
        )

    result = CliRunner().invoke(_cli(), ["audit", "verify", "--data-dir", str(settings.data_dir)])

    assert result.exit_code == 1, result.output
    broken = [line for line in result.output.splitlines() if line.startswith("BROKEN")]
    assert len(broken) == 1
    assert f"event {victim.id} (#{victim.seq})" in broken[0]
    assert "was changed after it was written" in broken[0]
    assert "ok      (no company)" in result.output or "(no company)" not in result.output


def test_deleting_or_inserting_a_row_breaks_the_chain_there(
    ctx: AppContext, api: ApiClient
) -> None:
    api.upload((FIXTURES / "demo" / "ehf-01.xml").read_bytes())
    events = _status_events(ctx)
    with ctx.engine.begin() as connection:
        connection.execute(text("DELETE FROM auditevent WHERE id = :id"), {"id": events[0].id})
    [report] = verify(ctx, company_name=api_company(ctx, api))
    assert report.broken is not None
    assert report.broken.seq == events[0].seq + 1 and "missing" in report.broken.problem


def test_a_row_written_around_kontera_is_reported(ctx: AppContext, api: ApiClient) -> None:
    api.upload((FIXTURES / "demo" / "ehf-01.xml").read_bytes())
    with ctx.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO auditevent (company_id, at, actor, action, detail) "
                "VALUES (:c, CURRENT_TIMESTAMP, 'x', 'status:posted', '{}')"
            ),
            {"c": api.company_id},
        )
    [report] = verify(ctx, company_name=api_company(ctx, api))
    assert report.broken is not None and "never linked" in report.broken.problem


def test_truncating_the_end_of_a_chain_is_reported(ctx: AppContext, api: ApiClient) -> None:
    api.upload((FIXTURES / "demo" / "ehf-01.xml").read_bytes())
    last = _status_events(ctx)[-1]
    with ctx.engine.begin() as connection:
        connection.execute(
            text("DELETE FROM auditevent WHERE company_id = :c AND seq >= :s"),
            {"c": api.company_id, "s": last.seq},
        )
    [report] = verify(ctx, company_name=api_company(ctx, api))
    assert report.broken is not None and "ended at" in report.broken.problem


def test_events_written_before_the_chain_existed_are_linked_by_the_migration(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0001")
    with engine.begin() as connection:
        for n in range(3):
            connection.execute(
                text(
                    "INSERT INTO auditevent (company_id, at, actor, action, detail) "
                    "VALUES ('c1', :at, 'cli', 'x', :detail)"
                ),
                {"at": f"2026-01-0{n + 1} 10:00:00.123456+00:00", "detail": f'{{"n": {n}}}'},
            )
    upgrade(engine)
    settings = Settings(data_dir=tmp_path / "data", database_url=str(engine.url))
    context = build_context(settings)
    with session_scope(context.engine) as session:
        repo.add_event(session, company_id="c1", document_id=None, actor="cli", action="y")
    reports = verify(context)
    assert [(r.chain, r.events, r.broken) for r in reports] == [("c1", 4, None)]


@pytest.mark.live
def test_concurrent_writers_on_postgresql_keep_every_chain_whole(
    postgres_url: str, tmp_path: Path
) -> None:
    ctx = _fresh_postgres_context(postgres_url, tmp_path / "data")
    try:
        ids = [companies.create_company(ctx, name=f"Kjede {n} AS").id for n in range(2)]
        errors: list[BaseException] = []

        def writer(worker: int) -> None:
            try:
                for n in range(15):
                    with session_scope(ctx.engine) as session:
                        for company_id in (ids[n % 2], ids[(n + worker) % 2], None):
                            repo.add_event(
                                session,
                                company_id=company_id,
                                document_id=None,
                                actor=f"w{worker}",
                                action="race",
                                detail={"n": n},
                            )
            except BaseException as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        reports = {r.chain: r for r in verify(ctx)}
        assert all(r.broken is None for r in reports.values())
        assert reports[""].events == 8 * 15
        assert reports[ids[0]].events + reports[ids[1]].events == 2 * 8 * 15 + 2  # +2 creates
    finally:
        ctx.engine.dispose()


def api_company(ctx: AppContext, api: ApiClient) -> str:
    with session_scope(ctx.engine) as session:
        return repo.get_company(session, company_id=api.company_id).slug


def _fresh_postgres_context(server_url: str, data_dir: Path) -> AppContext:
    url = fresh_database(server_url)
    return build_context(Settings(database_url=url, data_dir=data_dir))


def _cli() -> object:
    from kontera import cli

    cli._register_areas()
    return cli.app

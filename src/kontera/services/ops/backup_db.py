"""Database snapshots for backups: SQLite's online backup API, or pg_dump/pg_restore.

Both take a consistent snapshot while the service keeps running: SQLite copies the pages
under one read transaction (WAL readers do not block writers), pg_dump runs in one
repeatable-read transaction.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import table
from sqlalchemy.engine import make_url

from kontera.domain.errors import KonteraError
from kontera.domain.messages import msg
from kontera.store.db import make_engine

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


class BackupFailed(KonteraError):
    """The backup or restore could not be completed."""

    code = "backup_failed"
    status = 500


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in (SQLITE, POSTGRESQL):
        raise BackupFailed(
            msg("Backups support SQLite and PostgreSQL, not {backend}.", backend=backend)
        )
    return backend


def dump(url: str, target: Path) -> None:
    """Write a snapshot of the database at `url` to the file `target`."""
    if database_kind(url) == SQLITE:
        _sqlite_copy(Path(make_url(url).database or ""), target)
    else:
        _run_pg("pg_dump", url, ["--format=custom", "--no-owner", "--file", str(target)])


def load(url: str, snapshot: Path, kind: str) -> None:
    """Replace the database at `url` by the snapshot (made by `dump` from the same kind)."""
    if kind != database_kind(url):
        raise BackupFailed(
            msg("This backup holds a {kind} database; the target is not {kind}.", kind=kind)
        )
    if kind == SQLITE:
        target = Path(make_url(url).database or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(snapshot, target)
    else:
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(snapshot)]
        _run_pg("pg_restore", url, options)


def holds_data(url: str) -> bool:
    """Whether the database has any company or document (an empty schema does not count)."""
    if database_kind(url) == SQLITE and not Path(make_url(url).database or "").exists():
        return False
    engine = make_engine(url)
    try:
        present = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            for name in ("company", "document"):
                if name in present:
                    count = connection.execute(select(func.count()).select_from(table(name)))
                    if count.scalar_one() > 0:
                        return True
        return False
    finally:
        engine.dispose()


def _sqlite_copy(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupFailed(msg("The SQLite database {source} does not exist.", source=str(source)))
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(target))
    try:
        # Copies every page in one step, under a read transaction: a consistent snapshot.
        src.backup(dst)
    except sqlite3.Error as e:
        raise BackupFailed(msg("SQLite backup failed: {e}", e=str(e))) from e
    finally:
        dst.close()
        src.close()


def _run_pg(program: str, url: str, options: list[str]) -> None:
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        # In the environment, not on the command line, where `ps` would show it.
        env["PGPASSWORD"] = str(parsed.password)
    libpq = parsed.set(drivername="postgresql", password=None)
    dbname_arg = libpq.render_as_string(hide_password=False)
    command = [_pg_program(program), "--dbname", dbname_arg, *options]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupFailed(
            msg("{program} failed: {strip}", program=program, strip=done.stderr.strip()[-500:])
        )


def _pg_program(name: str) -> str:
    # The newest installed client: pg_dump refuses servers newer than itself.
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if installed:
        return str(installed[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(
            msg("{name} is not installed (Debian: apt install postgresql-client).", name=name)
        )
    return found

"""All tables, in one `MetaData`, for migrations and `create_all` in tests."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from kontera.store import tables  # noqa: F401
from kontera.store import tables_attest  # noqa: F401
from kontera.store import tables_chart  # noqa: F401
from kontera.store import tables_dimensions  # noqa: F401
from kontera.store import tables_finish  # noqa: F401
from kontera.store import tables_inbox  # noqa: F401
from kontera.store import tables_interpret  # noqa: F401
from kontera.store import tables_mail  # noqa: F401
from kontera.store import tables_post  # noqa: F401
from kontera.store import tables_review  # noqa: F401
from kontera.store import tables_security  # noqa: F401
from kontera.store import tables_suggest  # noqa: F401
from kontera.store import tables_sync  # noqa: F401
from kontera.store import tables_webhooks  # noqa: F401


def all_metadata() -> MetaData:
    return SQLModel.metadata

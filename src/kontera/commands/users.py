"""`kontera user …`: people who use the review UI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kontera.config import Settings
from kontera.logs import configure_logging
from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.context import build_context

user_app = typer.Typer(no_args_is_help=True, help="Users of the review UI.")


@user_app.command("create")
def user_create(
    email: str,
    password: Annotated[
        str, typer.Option(help="At least 8 characters.", prompt=True, hide_input=True)
    ],
    company: Annotated[
        list[str] | None, typer.Option(help="Company name or slug; repeat for several.")
    ] = None,
    role: Annotated[str, typer.Option(help="bookkeeper, approver or admin.")] = "bookkeeper",
    locale: Annotated[str, typer.Option(help="nb, en or sv.")] = "nb",
    bureau: Annotated[
        str | None, typer.Option(help="The accounting bureau (created if new).")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", show_default=False)] = None,
) -> None:
    """Create a user with access to the given companies."""
    ctx = _context(data_dir)
    found = [companies.find_company(ctx, name) for name in company or []]
    bureau_id = users.create_bureau(ctx, name=bureau).id if bureau else None
    if bureau_id is None:
        # Without --bureau, the user joins the bureau of their companies (if they share one).
        bureau_ids = {c.bureau_id for c in found}
        bureau_id = bureau_ids.pop() if len(bureau_ids) == 1 else None
    created = users.create_user(
        ctx,
        email=email,
        password=password,
        role=role,
        locale=locale,
        bureau_id=bureau_id,
        company_ids=[c.id for c in found],
    )
    names = ", ".join(c.name for c in found) or "no companies"
    typer.echo(f"Created {created.role} {created.email} with access to {names}.")


def _context(data_dir: Path | None) -> AppContext:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    configure_logging(settings.log_level, json_format=settings.log_json)
    return build_context(settings)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")

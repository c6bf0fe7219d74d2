"""`kontera connect`: link a company to Tripletex, Fortnox, PowerOffice Go or file export."""

from __future__ import annotations

from typing import Annotated

import typer

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.services.admin import users
from kontera.services.admin.companies import find_company
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import connections


def _context() -> AppContext:
    from kontera.config import Settings

    return build_context(Settings())


def connect(
    company: Annotated[str, typer.Argument(help="Company name or slug.")],
    system: Annotated[str, typer.Argument(help="tripletex, fortnox, poweroffice or export.")],
    consumer_token: Annotated[str | None, typer.Option(help="Tripletex consumer token.")] = None,
    employee_token: Annotated[str | None, typer.Option(help="Tripletex employee token.")] = None,
    tripletex_company_id: Annotated[
        str | None, typer.Option(help="Tripletex company id (bureau users).")
    ] = None,
    client_key: Annotated[str | None, typer.Option(help="PowerOffice Go client key.")] = None,
    base_url: Annotated[str | None, typer.Option(help="API base URL (test systems).")] = None,
    mode: Annotated[str | None, typer.Option(help="Fortnox: voucher or supplierinvoice.")] = None,
    folder: Annotated[
        str | None, typer.Option(help="Export: the folder to write to, or s3://bucket/prefix.")
    ] = None,
    export_format: Annotated[
        str | None, typer.Option("--format", help="Export: sie4 or csv.")
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(help="Fortnox: the Kontera user (e-mail) who will open the link."),
    ] = None,
    sync: Annotated[
        bool, typer.Option(help="Read the ledger (chart, suppliers, history) at once.")
    ] = True,
) -> None:
    """Connect a company to its accounting system (secrets are stored encrypted)."""
    ctx = _context()
    if system == "fortnox":
        url = connections.start_fortnox(
            ctx, company_name=company, user_id=_user_id(ctx, company, user)
        )
        if mode or base_url:
            _update_settings(ctx, company, mode=mode, base_url=base_url)
        typer.echo(f"{user}: sign in to Kontera, then open this address within 10 minutes")
        typer.echo("to let Kontera post into Fortnox (it works once, for you only):")
        typer.echo(url)
        return
    options = {
        key: value
        for key, value in {
            "base_url": base_url,
            "company_id": tripletex_company_id,
            "folder": folder,
            "format": export_format,
        }.items()
        if value
    }
    row = connections.connect(
        ctx,
        company_name=company,
        system=system,
        secret=employee_token or client_key,
        consumer_token=consumer_token,
        settings=options,
    )
    typer.echo(f"Connected to {row.system}: {connections.describe(row)['settings']}")
    if sync and row.system in ("tripletex", "poweroffice"):
        from kontera.commands.sync import run_with_progress

        run_with_progress(ctx, row.company_id, full=True)


def _user_id(ctx: AppContext, company: str, email: str | None) -> str:
    """The Fortnox sign-in is bound to a Kontera user who can reach the company."""
    if not email:
        raise InvalidInput(
            "Connecting Fortnox needs --user: the Kontera user who will open the link "
            "(or connect from the company's settings page)."
        )
    found = users.find_user(ctx, email=email)
    target = find_company(ctx, company)
    if target.id not in {c.id for c in users.accessible_companies(ctx, user_id=found.id)}:
        raise InvalidInput(
            msg("{email} has no access to {company}.", email=email, company=target.name)
        )
    return found.id


def _update_settings(ctx: AppContext, company: str, **values: str | None) -> None:
    extra = {k: v for k, v in values.items() if v}
    connections.update_settings(ctx, company_name=company, settings=extra)


def register(app: typer.Typer) -> None:
    app.command("connect")(connect)

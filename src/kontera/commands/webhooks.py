"""`kontera webhook add`: tell an integrator's system about documents as they move."""

from __future__ import annotations

from typing import Annotated

import typer

from kontera.config import Settings
from kontera.services import webhooks
from kontera.services.context import build_context

webhook_app = typer.Typer(no_args_is_help=True, help="Outbound webhooks for integrators.")


@webhook_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Where to POST the events.")],
    company: Annotated[str, typer.Option(help="Company name or slug.")],
    secret: Annotated[str, typer.Option(help="Shared secret that signs each delivery.")],
    events: Annotated[
        list[str] | None,
        typer.Option("--event", help="document.received, .needs_review, .posted, .failed"),
    ] = None,
) -> None:
    """Subscribe an address to a company's document events (all events by default)."""
    ctx = build_context(Settings())
    endpoint = webhooks.add_endpoint(
        ctx, company_name=company, url=url, secret=secret, events=events
    )
    typer.echo(f"Webhook {endpoint.id} sends {', '.join(endpoint.events)}")


def register(app: typer.Typer) -> None:
    app.add_typer(webhook_app, name="webhook")

"""`kontera webhook …`: tell an integrator's system about documents as they move.

The same is on each company's settings page; docs/webhooks.md is the integrators' guide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from kontera.config import Settings
from kontera.services.admin.companies import find_company
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.ops import webhooks

webhook_app = typer.Typer(no_args_is_help=True, help="Outbound webhooks for integrators.")
Company = Annotated[str, typer.Option(help="Company name or slug.")]


# Commands may not import the job system (architecture rule): `cli.py` supplies the queue,
# so that `resend` is queued at once (without it the workers' sweep finds it within minutes).
_attach: Callable[[AppContext], AppContext] = lambda ctx: ctx  # noqa: E731


def set_queue_attacher(attach: Callable[[AppContext], AppContext]) -> None:
    global _attach
    _attach = attach


def _context() -> AppContext:
    return _attach(build_context(Settings()))


@webhook_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Where to POST the events (https://).")],
    company: Company,
    secret: Annotated[
        str | None, typer.Option(help="Signing secret (default: a new random one, printed once).")
    ] = None,
    events: Annotated[
        list[str] | None,
        typer.Option("--event", help="e.g. document.posted (repeat; default: every event)."),
    ] = None,
) -> None:
    """Subscribe an address to a company's document events."""
    ctx = _context()
    created = webhooks.add_endpoint(
        ctx, company_id=find_company(ctx, company).id, url=url, secret=secret, events=events
    )
    typer.echo(f"Webhook {created.endpoint.id} sends {', '.join(created.endpoint.events)}")
    if secret is None:
        typer.echo(f"Signing secret (shown once): {created.secret}")


@webhook_app.command("list")
def list_(company: Company) -> None:
    """The company's webhooks, with how many deliveries wait and how many gave up."""
    ctx = _context()
    for view in webhooks.endpoints(ctx, company_id=find_company(ctx, company).id):
        typer.echo(
            f"{view.id}\t{view.url}\t{','.join(view.events)}\t"
            f"pending {view.pending}\tfailed {view.dead}"
        )


@webhook_app.command("delete")
def delete(endpoint_id: str, company: Company) -> None:
    """Stop sending to a webhook (what still waited for it becomes a failed delivery)."""
    ctx = _context()
    company_id = find_company(ctx, company).id
    webhooks.delete_endpoint(ctx, company_id=company_id, endpoint_id=endpoint_id, actor="cli")
    typer.echo(f"Deleted webhook {endpoint_id}")


@webhook_app.command("test")
def test(endpoint_id: str, company: Company) -> None:
    """Send a `webhook.test` event now and print the receiver's answer."""
    ctx = _context()
    company_id = find_company(ctx, company).id
    result = webhooks.send_test(ctx, company_id=company_id, endpoint_id=endpoint_id, actor="cli")
    typer.echo(result.message)
    if not result.delivered:
        raise typer.Exit(1)


@webhook_app.command("failed")
def failed(company: Company) -> None:
    """Deliveries that gave up (the dead letters), newest first, with the last error."""
    ctx = _context()
    for letter in webhooks.dead_letters(ctx, company_id=find_company(ctx, company).id):
        typer.echo(
            f"{letter.id}\t{letter.failed_at:%Y-%m-%d %H:%M}\t{letter.event_type}\t"
            f"{letter.endpoint_url or '(deleted)'}\t{letter.attempts} attempts\t{letter.last_error}"
        )


@webhook_app.command("resend")
def resend(delivery_id: str, company: Company) -> None:
    """Send a failed delivery again (same delivery id, a fresh set of attempts)."""
    ctx = _context()
    company_id = find_company(ctx, company).id
    webhooks.resend(ctx, company_id=company_id, delivery_id=delivery_id, actor="cli")
    typer.echo(f"Queued {delivery_id} again")


def register(app: typer.Typer) -> None:
    app.add_typer(webhook_app, name="webhook")

"""The bookkeepers' web UI: queue, detail, approve/reject, settings (Jinja2 + htmx)."""

from __future__ import annotations

from fastapi import FastAPI

from kontera.services.context import AppContext


def mount_review(app: FastAPI, ctx: AppContext) -> None:
    """Add the UI's routes to `app`. (The review UI is built in its own package modules.)"""
    return None

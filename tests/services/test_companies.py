"""Companies are found by the name people type, whatever its letters."""

from __future__ import annotations

from kontera.services.admin import companies
from kontera.services.context import AppContext


def test_a_company_with_a_nordic_name_is_found_by_that_name(ctx: AppContext) -> None:
    """GIVEN "Örebro kommun AB" on SQLite, whose lower() folds only ASCII letters,
    WHEN a key is made for it by its name (as `kontera apikey create --company` does),
    THEN the company is found, also by its slug."""
    created = companies.create_company(
        ctx, name="Örebro kommun AB", org_number="5560360793", country="SE"
    )

    assert companies.find_company(ctx, "Örebro kommun AB").id == created.id
    assert companies.find_company(ctx, created.slug).id == created.id
    assert companies.create_api_key(ctx, company_name="Örebro kommun AB").key

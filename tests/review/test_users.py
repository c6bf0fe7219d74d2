"""Users, bureaus and sessions (services.users) against a real database and real argon2."""

from __future__ import annotations

import pytest

from kontera.config import Settings
from kontera.domain.errors import Conflict
from kontera.domain.errors import InvalidInput
from kontera.domain.errors import Unauthorized
from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.context import AppContext


def test_passwords_are_argon2id_hashes_that_verify() -> None:
    stored = users.hash_password("korrekt-hest")
    assert stored.startswith("$argon2id$") and "korrekt-hest" not in stored
    assert users.verify_password(stored, "korrekt-hest")
    assert not users.verify_password(stored, "Korrekt-hest")
    assert not users.verify_password("not a hash", "korrekt-hest")


def test_create_user_checks_its_input(ctx: AppContext) -> None:
    with pytest.raises(InvalidInput, match="e-mail"):
        users.create_user(ctx, email="kari", password="long-enough")
    with pytest.raises(InvalidInput, match="at least 8"):
        users.create_user(ctx, email="kari@fjord.no", password="short")
    with pytest.raises(InvalidInput, match="role"):
        users.create_user(ctx, email="kari@fjord.no", password="long-enough", role="boss")
    users.create_user(ctx, email="Kari@Fjord.no", password="long-enough")
    with pytest.raises(Conflict):
        users.create_user(ctx, email="kari@fjord.no", password="long-enough")


def test_authenticate_and_session_carry_the_users_companies(ctx: AppContext) -> None:
    company = companies.create_company(ctx, name="Fjord AS", org_number="999999905")
    user = users.create_user(
        ctx, email="kari@fjord.no", password="long-enough", company_ids=[company.id]
    )
    with pytest.raises(Unauthorized):
        users.authenticate(ctx, email="kari@fjord.no", password="wrong-password")
    signed = users.authenticate(ctx, email=" KARI@fjord.no ", password="long-enough")
    session = users.start_session(ctx, user=signed)
    found = users.signed_in(ctx, token=session.token)
    assert found is not None and found.user_id == user.id
    assert found.company_ids == frozenset({company.id})
    assert users.signed_in(ctx, token=session.token + "x") is None
    users.end_session(ctx, token=session.token)
    assert users.signed_in(ctx, token=session.token) is None


def test_sessions_expire(ctx: AppContext) -> None:
    short = ctx.__class__(
        Settings(data_dir=ctx.settings.data_dir, session_max_age_seconds=-1),
        ctx.engine,
        ctx.blobs,
        ctx.queue,
    )
    user = users.create_user(short, email="kari@fjord.no", password="long-enough")
    session = users.start_session(short, user=user)
    assert users.signed_in(short, token=session.token) is None


def test_a_bureau_keeps_its_clients(ctx: AppContext) -> None:
    fjord = users.create_bureau(ctx, name="Fjordbyrå")
    vidda = users.create_bureau(ctx, name="Vidda")
    client = companies.create_company(ctx, name="Kunde AS", org_number="999999905")
    users.create_user(
        ctx, email="kari@fjord.no", password="long-enough", bureau_id=fjord.id,
        company_ids=[client.id],
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="another bureau"):
        users.create_user(
            ctx, email="ola@vidda.no", password="long-enough", bureau_id=vidda.id,
            company_ids=[client.id],
        )  # fmt: skip


def test_a_bureau_admin_reaches_every_client_of_the_bureau(ctx: AppContext) -> None:
    fjord = users.create_bureau(ctx, name="Fjordbyrå")
    one = companies.create_company(ctx, name="En AS", org_number="999999905", bureau_id=fjord.id)
    two = companies.create_company(ctx, name="To AS", org_number="923609016", bureau_id=fjord.id)
    other = companies.create_company(ctx, name="Annen AS")
    admin = users.create_user(
        ctx, email="sjef@fjord.no", password="long-enough", role="admin", bureau_id=fjord.id
    )
    keeper = users.create_user(
        ctx, email="kari@fjord.no", password="long-enough", bureau_id=fjord.id, company_ids=[one.id]
    )
    reach = {c.id for c in users.accessible_companies(ctx, user_id=admin.id)}
    assert reach == {one.id, two.id} and other.id not in reach
    assert {c.id for c in users.accessible_companies(ctx, user_id=keeper.id)} == {one.id}


def test_many_failed_sign_ins_lock_the_email_for_a_while(ctx: AppContext) -> None:
    users.create_user(ctx, email="kari@fjord.no", password="long-enough")
    for _ in range(users.MAX_FAILED_SIGN_INS):
        with pytest.raises(Unauthorized, match="Wrong"):
            users.authenticate(ctx, email="kari@fjord.no", password="guess-guess")
    with pytest.raises(Unauthorized, match="Too many"):
        users.authenticate(ctx, email="kari@fjord.no", password="long-enough")

"""`kontera user create` through the real CLI entry point and a real data directory."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kontera import cli
from kontera.config import Settings
from kontera.services.admin import users
from kontera.services.context import build_context


def test_user_create_gives_access_to_the_named_company(tmp_path: Path) -> None:
    cli._register_areas()
    runner = CliRunner()
    data = str(tmp_path / "data")
    made = runner.invoke(cli.app, ["company", "create", "Fjord AS", "--data-dir", data])
    assert made.exit_code == 0, made.output
    result = runner.invoke(
        cli.app,
        [
            "user", "create", "kari@fjord.no", "--password", "long-enough",
            "--company", "Fjord AS", "--role", "approver", "--bureau", "Fjordbyrå",
            "--data-dir", data,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "approver kari@fjord.no with access to Fjord AS" in result.output
    ctx = build_context(Settings(data_dir=tmp_path / "data", log_json=False))
    try:
        user = users.authenticate(ctx, email="kari@fjord.no", password="long-enough")
        assert user.role == "approver" and user.bureau_id is not None
        reach = users.accessible_companies(ctx, user_id=user.id)
        assert [c.name for c in reach] == ["Fjord AS"]
        assert reach[0].bureau_id == user.bureau_id
    finally:
        ctx.engine.dispose()

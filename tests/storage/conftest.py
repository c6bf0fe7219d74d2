from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests import servers


@pytest.fixture(scope="session")
def s3_server_env() -> Iterator[dict[str, str]]:
    """The environment of an S3-compatible server (moto's) on loopback, shared by the tests."""
    with servers.s3_server() as env:
        if env is None:
            pytest.skip("no S3-compatible server: install moto[server] (pip install -e '.[dev]')")
        yield env


@pytest.fixture
def s3_env(s3_server_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The server's variables set for this process, and a prefix of the bucket of its own."""
    env = {**s3_server_env, "KONTERA_STORAGE_URL": f"s3://kontera-test/{uuid.uuid4().hex[:12]}"}
    for name, value in env.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    return env


def child_env(env: dict[str, str]) -> dict[str, str]:
    """For subprocesses: this environment without any KONTERA_*, plus the server's."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
    return {**base, **env}

"""The document store's contract, on the file system and on an S3-compatible server (moto's,
started on loopback): content addressing, named files replaced whole, keys that cannot
escape, clear errors, and a writer killed with SIGKILL mid-write leaving nothing visible."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.store.blobs import BlobStore
from kontera.store.blobs import FileBlobStore
from kontera.store.blobs import StorageUnavailable
from kontera.store.blobs import open_blob_store
from kontera.store.blobs import original_key
from kontera.store.blobs import sha256_hex
from kontera.store.blobs_s3 import S3BlobStore
from tests.storage.conftest import child_env
from tests.storage.slow_proxy import SlowProxy

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["file", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "file":
        return FileBlobStore(tmp_path / "data")
    env = request.getfixturevalue("s3_env")
    return open_blob_store(env["KONTERA_STORAGE_URL"], tmp_path / "unused")


def test_bytes_are_stored_once_under_their_sha256(store: BlobStore) -> None:
    data = b"%PDF-1.7 an invoice"
    digest = store.put(data)
    assert digest == sha256_hex(data)
    assert store.put(data) == digest
    assert list(store.keys("originals/")) == [original_key(digest)]
    assert store.get(digest) == data and store.exists(digest)
    assert not store.exists(sha256_hex(b"other"))
    with pytest.raises(NotFound):
        store.get(sha256_hex(b"other"))
    with pytest.raises(NotFound):
        store.get("../../etc/passwd")


def test_named_files_are_replaced_whole_and_say_when_they_changed(store: BlobStore) -> None:
    assert store.version("models/c1/model.json") is None
    store.write("models/c1/model.json", b'{"v": 1}')
    first = store.version("models/c1/model.json")
    assert first is not None and store.read("models/c1/model.json") == b'{"v": 1}'
    time.sleep(1.1)  # S3's Last-Modified has whole seconds; the ETag differs anyway
    store.write("models/c1/model.json", b'{"v": 2, "more": true}')
    assert store.version("models/c1/model.json") not in (None, first)
    store.write("models/c2/model.json", b"{}")
    assert sorted(store.keys("models/")) == ["models/c1/model.json", "models/c2/model.json"]
    assert list(store.keys("models/c1/")) == ["models/c1/model.json"]
    store.delete("models/c1/model.json")
    with pytest.raises(NotFound):
        store.read("models/c1/model.json")
    store.ping()


@pytest.mark.parametrize("key", ["../escape", "models/../../x", "/abs", "models//x", ".part-1"])
def test_keys_cannot_leave_the_store_or_look_like_partial_writes(
    store: BlobStore, key: str
) -> None:
    with pytest.raises(InvalidInput):
        store.write(key, b"x")


def test_an_unreachable_server_is_a_clear_temporary_error(
    s3_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")  # nothing listens there
    store = open_blob_store(s3_env["KONTERA_STORAGE_URL"], Path("unused"))
    with pytest.raises(StorageUnavailable) as caught:
        store.put(b"an invoice")
    assert caught.value.status == 503 and "could not" in caught.value.message
    with pytest.raises(StorageUnavailable):
        store.ping()


def test_an_original_that_comes_back_different_is_never_handed_on(s3_env: dict[str, str]) -> None:
    store = open_blob_store(s3_env["KONTERA_STORAGE_URL"], Path("unused"))
    assert isinstance(store, S3BlobStore)
    digest = store.put(b"the real invoice")
    store.write(original_key(digest), b"something else")  # bit rot, or a careless operator
    with pytest.raises(StorageUnavailable):
        store.get(digest)


WRITER = """
import os, sys, time
from pathlib import Path
from kontera.store.blobs import open_blob_store
if sys.argv[2] == "slow-disk":
    os.fsync = lambda fd: time.sleep(120)  # the data is written, the rename has not happened
store = open_blob_store(sys.argv[1], Path("unused"))
print("writing", flush=True)
store.put(os.urandom(int(sys.argv[3])))
print("written", flush=True)
"""


def _writer(url: str, mode: str, size: int, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, url, mode, str(size)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_sigkill_during_an_s3_upload_leaves_no_object(s3_env: dict[str, str]) -> None:
    endpoint = s3_env["AWS_ENDPOINT_URL_S3"]
    proxy = SlowProxy(int(endpoint.rsplit(":", 1)[1]), bytes_per_second=2_000_000)
    try:
        env = child_env({**s3_env, "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{proxy.port}"})
        writer = _writer(s3_env["KONTERA_STORAGE_URL"], "s3", 8_000_000, env)
        proxy.wait_for(2_000_000)  # a quarter of the body has reached the server
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)
        assert writer.stdout is not None and "written" not in writer.stdout.read()
    finally:
        proxy.close()
    time.sleep(0.5)  # let the server notice the connection closed
    store = open_blob_store(s3_env["KONTERA_STORAGE_URL"], Path("unused"))
    assert list(store.keys("")) == []  # no object, not even a short one
    digest = store.put(b"the next upload works")
    assert store.get(digest) == b"the next upload works"


def test_sigkill_during_a_file_write_leaves_no_visible_file(tmp_path: Path) -> None:
    root = tmp_path / "data"
    writer = _writer(root.as_uri(), "slow-disk", 3_000_000, child_env({}))
    deadline = time.monotonic() + 30
    while not any(p.stat().st_size == 3_000_000 for p in root.rglob(".part-*")):
        assert time.monotonic() < deadline, "the writer never got as far as its partial file"
        time.sleep(0.02)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    store = FileBlobStore(root)
    assert list(store.keys("originals/")) == []
    assert [p.name.startswith(".part-") for p in root.rglob("*") if p.is_file()] == [True]

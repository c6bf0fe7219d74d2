"""The S3-compatible backend of `BlobStore` (AWS S3, MinIO, Ceph, Garage, …), through boto3.

Chosen by `KONTERA_STORAGE_URL=s3://bucket/prefix`. Endpoint, region and credentials come
from boto3's usual sources: `AWS_ENDPOINT_URL_S3` (or `AWS_ENDPOINT_URL`), `AWS_REGION` /
`AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (or a profile, an
instance role, …). Nothing secret passes through Kontera's own settings.

Atomicity: every write is one `PutObject` with `Content-MD5`. S3 makes an object visible only
once its whole body has arrived and matched that digest, so a writer killed mid-upload (or a
connection cut) leaves no object at all, and readers see the old version or the new one.
Uploads are at most `KONTERA_MAX_UPLOAD_BYTES` (and model files of a few MB), far below the
5 GB single-request limit, so no multipart upload can be left half-done.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any

from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError

from kontera.domain.errors import NotFound
from kontera.domain.messages import msg
from kontera.store.blobs import StorageUnavailable
from kontera.store.blobs import check_key
from kontera.store.blobs import original_key
from kontera.store.blobs import sha256_hex

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING = {"404", "NoSuchKey", "NotFound"}
_ERRORS = (ClientError, BotoCoreError)


class S3BlobStore:
    def __init__(self, bucket: str, prefix: str = "", client: S3Client | None = None) -> None:
        self.bucket = bucket
        self.prefix = "/".join(p for p in prefix.split("/") if p)
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.client = client or _make_client()

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if not self.exists(digest):
            self._put(self._key(original_key(digest)), data)
        return digest

    def get(self, sha256: str) -> bytes:
        data = self._get(self._key(original_key(sha256)), "The stored original is missing.")
        if sha256_hex(data) != sha256:  # never hand on bytes that are not what was stored
            raise StorageUnavailable("The stored original came back damaged; try again.")
        return data

    def exists(self, sha256: str) -> bool:
        return self._head(self._key(original_key(sha256))) is not None

    def write(self, key: str, data: bytes) -> None:
        self._put(self._key(key), data)

    def read(self, key: str) -> bytes:
        return self._get(self._key(key), f"No stored file {key}.")

    def version(self, key: str) -> str | None:
        head = self._head(self._key(key))
        return None if head is None else str(head.get("ETag", "")) + str(head["LastModified"])

    def keys(self, prefix: str) -> Iterator[str]:
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        skip = len(self.prefix) + 1 if self.prefix else 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=full
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"][skip:]
        except _ERRORS as e:
            raise _unavailable("list", e) from e

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except _ERRORS as e:
            raise _unavailable("delete", e) from e

    def ping(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except _ERRORS as e:
            raise _unavailable("reach the bucket", e) from e

    def _put(self, full_key: str, data: bytes) -> None:
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self.client.put_object(Bucket=self.bucket, Key=full_key, Body=data, ContentMD5=md5)
        except _ERRORS as e:
            raise _unavailable("write", e) from e

    def _get(self, full_key: str, missing: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=full_key)["Body"].read()
        except ClientError as e:
            if _code(e) in _MISSING:
                raise NotFound(missing) from e
            raise _unavailable("read", e) from e
        except BotoCoreError as e:
            raise _unavailable("read", e) from e

    def _head(self, full_key: str) -> dict[str, Any] | None:
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=full_key))
        except ClientError as e:
            if _code(e) in _MISSING:
                return None
            raise _unavailable("read", e) from e
        except BotoCoreError as e:
            raise _unavailable("read", e) from e


def _make_client() -> S3Client:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 5, "mode": "standard"},
        # Path-style URLs work with every S3-compatible server, virtual hosts need DNS.
        s3={"addressing_style": "path"},
        # Content-MD5 is the integrity check every S3-compatible server verifies.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client("s3", config=config)


def _code(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _unavailable(action: str, error: Exception) -> StorageUnavailable:
    """boto3's errors become `StorageUnavailable` (a 503 for API callers), cause attached."""
    return StorageUnavailable(
        msg(
            "The document store could not {action} ({value}).",
            action=action,
            value=_code(error) or type(error).__name__,
        )
    )

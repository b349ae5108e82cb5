"""Where the bytes of content-addressed blobs live: a local directory (default) or an
S3-compatible object store (MinIO, Ceph RGW, any service speaking the S3 HTTP protocol).

The store never decides anything: `files.store.FileBatch` hashes and checks a file on local disk
first, then hands the finished temporary file to `put`. Reads are streamed in both back-ends:
`iter_chunks` for downloads, `local_copy` when a tool needs a path (OCRmyPDF, pypdf), `open` for
callers that need a seekable handle (spooled through a temporary file on disk, never memory).

S3 is used when `FILES_S3_BUCKET` is set (see docs/configuration.md). The tests run the S3
back-end against moto's threaded server over real HTTP on loopback; production should use a real
object store such as MinIO or Ceph.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Protocol

from django.conf import settings

CHUNK = 1024 * 1024


class BlobMissing(FileNotFoundError):
    """The store has no object for this SHA-256."""


class BlobStorage(Protocol):
    name: str

    def exists(self, sha256: str) -> bool: ...

    def put(self, sha256: str, source: Path) -> None:
        """Store the finished file `source` (may be moved away) under its SHA-256."""

    def delete(self, sha256: str) -> None: ...

    def iter_chunks(self, sha256: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """Raises BlobMissing before yielding anything when the object is absent."""

    def local_copy(self, sha256: str) -> contextlib.AbstractContextManager[Path]:
        """A path on local disk holding the bytes, for tools that need one."""

    def open(self, sha256: str) -> IO[bytes]:
        """A seekable read handle (the caller closes it)."""

    def digest(self, sha256: str) -> tuple[str, int] | None:
        """SHA-256 and size of the stored bytes (streamed), or None when missing."""


def _hash_chunks(chunks: Iterator[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


class LocalStorage:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / "blobs" / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, sha256: str, source: Path) -> None:
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, final)

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def iter_chunks(self, sha256: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        try:
            handle = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise BlobMissing(sha256) from None
        return _file_chunks(handle, chunk_size)

    @contextlib.contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        path = self.path(sha256)
        if not path.is_file():
            raise BlobMissing(sha256)
        yield path

    def open(self, sha256: str) -> IO[bytes]:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise BlobMissing(sha256) from None

    def digest(self, sha256: str) -> tuple[str, int] | None:
        try:
            return _hash_chunks(self.iter_chunks(sha256))
        except BlobMissing:
            return None


def _file_chunks(handle: IO[bytes], chunk_size: int) -> Iterator[bytes]:
    with handle:
        yield from iter(lambda: handle.read(chunk_size), b"")


@dataclass(frozen=True)
class S3Config:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str
    prefix: str


class S3Storage:
    """Objects named `<prefix>blobs/ab/cd/<sha256>`; uploads go through boto3's managed
    transfer (multipart above 8 MB), downloads are streamed from the response body."""

    name = "s3"

    def __init__(self, config: S3Config) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.config = config
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=config.endpoint_url or None,
            aws_access_key_id=config.access_key or None,
            aws_secret_access_key=config.secret_key or None,
            region_name=config.region or None,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
            ),
        )
        self.transfer = TransferConfig(multipart_threshold=8 * CHUNK, multipart_chunksize=8 * CHUNK)

    def key(self, sha256: str) -> str:
        return f"{self.config.prefix}blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _missing(self, exc: Exception) -> bool:
        error = getattr(exc, "response", {}).get("Error", {})
        return str(error.get("Code")) in {"404", "NoSuchKey", "NotFound"}

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.config.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def put(self, sha256: str, source: Path) -> None:
        self.client.upload_file(
            str(source),
            self.config.bucket,
            self.key(sha256),
            Config=self.transfer,
            ExtraArgs={"Metadata": {"sha256": sha256}},
        )

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.config.bucket, Key=self.key(sha256))

    def iter_chunks(self, sha256: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.config.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if self._missing(exc):
                raise BlobMissing(sha256) from None
            raise
        return _body_chunks(response["Body"], chunk_size)

    @contextlib.contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        tmp_dir = Path(settings.FILE_UPLOAD_TEMP_DIR)
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="s3-")
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in self.iter_chunks(sha256):
                    out.write(chunk)
            yield path
        finally:
            path.unlink(missing_ok=True)

    def open(self, sha256: str) -> IO[bytes]:
        """Spooled to an anonymous temporary file on disk (removed when closed)."""
        tmp_dir = Path(settings.FILE_UPLOAD_TEMP_DIR)
        tmp_dir.mkdir(parents=True, exist_ok=True)
        handle = tempfile.TemporaryFile(dir=tmp_dir, prefix="s3-")  # noqa: SIM115 (returned)
        try:
            for chunk in self.iter_chunks(sha256):
                handle.write(chunk)
            handle.seek(0)
        except BaseException:
            handle.close()
            raise
        return handle

    def digest(self, sha256: str) -> tuple[str, int] | None:
        try:
            return _hash_chunks(self.iter_chunks(sha256))
        except BlobMissing:
            return None


def _body_chunks(body: Any, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(chunk_size)
    finally:
        body.close()


def s3_config() -> S3Config | None:
    bucket = getattr(settings, "FILES_S3_BUCKET", "")
    if not bucket:
        return None
    return S3Config(
        endpoint_url=settings.FILES_S3_ENDPOINT_URL,
        bucket=bucket,
        access_key=settings.FILES_S3_ACCESS_KEY,
        secret_key=settings.FILES_S3_SECRET_KEY,
        region=settings.FILES_S3_REGION,
        prefix=settings.FILES_S3_PREFIX,
    )


@lru_cache(maxsize=4)
def _s3(config: S3Config) -> S3Storage:
    return S3Storage(config)


def get_storage() -> BlobStorage:
    """The configured back-end (looked up on every call, so settings overrides take effect)."""
    config = s3_config()
    if config is not None:
        return _s3(config)
    return LocalStorage(Path(settings.MEDIA_ROOT))

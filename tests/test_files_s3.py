"""The blob store on S3-compatible object storage, over real HTTP: moto's threaded S3 server on
loopback stands in for MinIO/Ceph. Round trip, stored once, streamed download, text extraction
from S3, and `vanphong files verify` finding a changed and a missing object."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import pdf_bytes
from vanphong.files import extract
from vanphong.files.models import Blob, ExtractStatus
from vanphong.files.storage import S3Storage, get_storage
from vanphong.files.store import FileBatch, blob_path, iter_blob, open_blob

BUCKET = "vanphong-test"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings: Any, s3_server: str) -> S3Storage:
    settings.FILES_S3_BUCKET = BUCKET
    settings.FILES_S3_ENDPOINT_URL = s3_server
    settings.FILES_S3_ACCESS_KEY = "testing"
    settings.FILES_S3_SECRET_KEY = "testing"
    settings.FILES_S3_REGION = "us-east-1"
    settings.FILES_S3_PREFIX = "vp/"
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    client = storage.client
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    return storage


def keys(storage: S3Storage) -> list[str]:
    listing = storage.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return sorted(item["Key"] for item in listing)


def test_a_file_goes_to_the_bucket_once_and_comes_back_streamed(db: Any, s3: S3Storage) -> None:
    data = pdf_bytes("Nghi quyet luu tren kho doi tuong", pages=3)
    with FileBatch() as batch:
        first = batch.add_bytes(data, name="a.pdf")
    with FileBatch() as batch:
        second = batch.add(io.BytesIO(data), name="b.pdf")
    assert first.sha256 == second.sha256 and Blob.objects.count() == 1
    sha = first.sha256
    assert keys(s3) == [f"vp/blobs/{sha[:2]}/{sha[2:4]}/{sha}"]
    assert not blob_path(sha).exists()  # nothing written to the local directory
    assert b"".join(iter_blob(first, chunk_size=1000)) == data
    with open_blob(first) as handle:
        handle.seek(10)
        assert handle.read(5) == data[10:15]


def test_a_failed_service_removes_what_it_uploaded(db: Any, s3: S3Storage) -> None:
    with pytest.raises(RuntimeError), FileBatch() as batch:
        batch.add_bytes(pdf_bytes("Se bi huy"), name="x.pdf")
        raise RuntimeError("the service failed after storing")
    assert keys(s3) == []


def test_text_is_extracted_from_an_object_in_the_bucket(db: Any, s3: S3Storage) -> None:
    with FileBatch() as batch:
        blob = batch.add_bytes(pdf_bytes("Thong bao ket luan cua Thuong truc " * 3), name="t.pdf")
    row = extract.extract_blob(blob.sha256)
    assert row.status == ExtractStatus.DONE, row.error
    assert "Thong bao ket luan" in row.text


def test_verify_rehashes_objects_and_reports_changed_and_missing_ones(
    db: Any, s3: S3Storage
) -> None:
    with FileBatch() as batch:
        kept = batch.add_bytes(pdf_bytes("Giu nguyen"), name="k.pdf")
        changed = batch.add_bytes(pdf_bytes("Se bi sua"), name="c.pdf")
        lost = batch.add_bytes(pdf_bytes("Se bi mat"), name="l.pdf")
    out = io.StringIO()
    call_command("files", "verify", stdout=out, stderr=io.StringIO())
    assert "Đã kiểm tra 3 tệp" in out.getvalue() and "Mọi tệp đều nguyên vẹn" in out.getvalue()

    s3.client.put_object(Bucket=BUCKET, Key=s3.key(changed.sha256), Body=b"%PDF-1.7 altered")
    s3.delete(lost.sha256)
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 tệp có vấn đề \\(1 thiếu, 1 bị thay đổi\\)"):
        call_command("files", "verify", stdout=io.StringIO(), stderr=err)
    assert f"BỊ THAY ĐỔI: {changed.sha256}" in err.getvalue()
    assert f"THIẾU: {lost.sha256}" in err.getvalue()
    assert kept.sha256 not in err.getvalue()

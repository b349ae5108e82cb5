"""Archive records in the one search box: found by the OCR text of their scans typed without
diacritics, shown as "Hồ sơ lưu trữ" with a link to the record, filtered by kind, returned by the
API, kept in the rebuild, and never seen (not even in a count) by who may not read the archive."""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import Demo, pdf_bytes
from tests.test_ocr import scan_png
from vanphong.archive import processing, services
from vanphong.archive.models import ArchiveRecord, BatchItem, ItemStatus
from vanphong.core.models import Secrecy, User
from vanphong.core.policy import filter_visible
from vanphong.core.services import api_token_create
from vanphong.documents.models import IncomingDocument
from vanphong.files.models import BlobText, ExtractMethod
from vanphong.search import indexing, selectors
from vanphong.search.models import Kind, Outbox, SearchEntry
from vanphong.search.selectors import SearchPage, SearchParams, search

CSV_HEADER = "Tên tệp,CodeNotation,Ngày văn bản,TypeName,Trích yếu,Cơ quan ban hành,Hồ sơ\n"


def digitise(
    demo: Demo,
    root: Path,
    folder: str,
    files: dict[str, bytes],
    csv_rows: list[str],
    secrecy: int = Secrecy.NONE,
    capture: Any = None,
) -> list[ArchiveRecord]:
    """A server-folder batch of the archive clerk, run by the worker code (OCR included)."""
    path = root / folder
    path.mkdir(parents=True)
    for name, data in files.items():
        (path / name).write_bytes(data)
    (path / "mo-ta.csv").write_text(CSV_HEADER + "".join(csv_rows), encoding="utf-8")
    with capture(execute=False):  # the worker runs below, not on commit
        batch = services.batch_create_from_folder(
            actor=demo.user("luutru"),
            folder=folder,
            options=services.BatchOptions(secrecy=secrecy),
        ).batch
    processing.run_batch(batch.pk)
    items = list(BatchItem.objects.filter(batch=batch))
    assert all(i.status == ItemStatus.DONE for i in items), [i.error for i in items]
    return list(ArchiveRecord.objects.filter(batch=batch).order_by("pk"))


@pytest.fixture
def archive_root(settings: Any, tmp_path: Path) -> Path:
    settings.ARCHIVE_IMPORT_ROOT = str(tmp_path)
    settings.NETWORK_ZONE = "isolated"  # secret scans may be kept on this network only
    return tmp_path


def hits(page: SearchPage) -> set[tuple[str, int]]:
    return {(h.kind, h.object_id) for h in page.hits}


def test_an_ocr_word_typed_without_diacritics_finds_the_record_only_for_archive_readers(
    demo: Demo, archive_root: Path, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    [record] = digitise(
        demo,
        archive_root,
        "1998/ocr",
        {"trang-1.png": scan_png()},
        ["trang-1.png,12-KL/TU,12/10/1998,Kết luận,Hội nghị cán bộ chủ chốt,Tỉnh ủy,HS-1998-07\n"],
        capture=django_capture_on_commit_callbacks,
    )
    text = BlobText.objects.get(blob_id=BatchItem.objects.get(record=record).blob_id)
    assert text.method == ExtractMethod.OCR and "Thường vụ Tỉnh ủy" in text.text
    # queued when the record was created and again when its OCR finished
    assert Outbox.objects.filter(kind=Kind.ARCHIVE, object_id=record.pk).count() == 2
    indexing.drain()

    # the words are only in the scan's OCR text, not in the CSV's metadata
    page = search(demo.user("luutru"), SearchParams(q="thuong vu tinh uy"))
    assert page.total == 1 and hits(page) == {(Kind.ARCHIVE, record.pk)}
    [hit] = page.hits
    assert hit.label == "Hồ sơ lưu trữ" and hit.url == f"/luu-tru/{record.pk}/"
    assert hit.number == "Hồ sơ HS-1998-07" and hit.sender == "Tỉnh ủy"
    assert "<mark>Thường vụ</mark>" in hit.snippet or "<mark>Thường" in hit.snippet
    assert search(demo.user("lanhdao"), SearchParams(q="quan triet nghi quyet")).total == 1

    # without the archive role: neither the row nor a count, with words or with filters only,
    # whichever way the database is asked (from their documents, or from the full-text index)
    for limit in (selectors.CANDIDATE_LIMIT, -1):
        monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", limit)
        for username in ("chuyenvien", "truongphong", "admin", "vanthubtc"):
            user = demo.user(username)
            page = search(user, SearchParams(q="thuong vu tinh uy"))
            assert page.total == 0 and page.hits == [], (username, page.shape)
            assert search(user, SearchParams(q="", year=1998)).total == 0, username
            assert search(user, SearchParams(q="", kind=Kind.ARCHIVE)).total == 0, username
    monkeypatch.undo()

    # the rebuild indexes archive records too, OCR text included
    SearchEntry.objects.all().delete()
    Outbox.objects.all().delete()
    out = io.StringIO()
    call_command("search", "rebuild", stdout=out)
    assert "hồ sơ lưu trữ: 1 mục" in out.getvalue()
    again = search(demo.user("luutru"), SearchParams(q="thuong vu tinh uy"))
    assert hits(again) == {(Kind.ARCHIVE, record.pk)}


PHRASE = "Phuong an phong chay chua chay kho luu tru tinh"


@pytest.fixture
def mixed(
    demo: Demo, archive_root: Path, django_capture_on_commit_callbacks: Any
) -> dict[str, Any]:
    """A normal and a "Mật" archive record and two incoming documents with the same words."""
    plain = digitise(
        demo,
        archive_root,
        "thuong",
        {"a.pdf": pdf_bytes(PHRASE * 3)},
        ["a.pdf,03-KH/TU,02/03/2015,Kế hoạch,Kế hoạch năm 2015,Tỉnh ủy,HS-2015-01\n"],
        capture=django_capture_on_commit_callbacks,
    )[0]
    secret = digitise(
        demo,
        archive_root,
        "mat",
        {"b.pdf": pdf_bytes(PHRASE * 3 + " mat")},
        ["b.pdf,04-KH/TU,05/03/2015,Kế hoạch,Kế hoạch bảo vệ,Tỉnh ủy,HS-2015-02\n"],
        secrecy=Secrecy.MAT,
        capture=django_capture_on_commit_callbacks,
    )[0]
    docs = [
        demo.register_incoming(summary="Phương án phòng cháy chữa cháy kho lưu trữ tỉnh"),
        demo.register_incoming(
            summary="Phương án phòng cháy chữa cháy kho lưu trữ tỉnh (mật)", secrecy=Secrecy.MAT
        ),
    ]
    indexing.drain()
    return {"plain": plain, "secret": secret, "docs": docs}


def expected(user: User, mixed: dict[str, Any]) -> set[tuple[str, int]]:
    """The objects with the words that the policies' own scopes let the user see."""
    docs = filter_visible(user, "documents.incoming", IncomingDocument.objects.all())
    docs = docs.filter(pk__in=[d.pk for d in mixed["docs"]])
    records = filter_visible(user, "archive.records", ArchiveRecord.objects.all())
    records = records.filter(pk__in=[mixed["plain"].pk, mixed["secret"].pk])
    return {(Kind.INCOMING.value, pk) for pk in docs.values_list("pk", flat=True)} | {
        (Kind.ARCHIVE.value, pk) for pk in records.values_list("pk", flat=True)
    }


@pytest.mark.parametrize(
    "username",
    ["luutru", "vanthu", "lanhdao", "bithu", "chuyenvien", "truongphong", "admin", "vanthubtc"],
)
@pytest.mark.parametrize("index_driven", [False, True])
def test_counts_equal_what_the_document_and_archive_policies_show(
    demo: Demo, mixed: dict[str, Any], username: str, index_driven: bool, monkeypatch: Any
) -> None:
    if index_driven:  # no user is searched from their own documents: the index drives
        monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", -1)
    user = demo.user(username)
    want = expected(user, mixed)
    page = search(user, SearchParams(q="phuong an phong chay", per_page=100))
    assert hits(page) == want
    assert page.total == len(page.hits)
    records = search(user, SearchParams(q="", year=2015, kind=Kind.ARCHIVE))
    assert records.total == len({o for o in want if o[0] == Kind.ARCHIVE})


def test_secret_records_follow_clearance_and_the_keepers_rule(
    demo: Demo, mixed: dict[str, Any]
) -> None:
    plain, secret = mixed["plain"].pk, mixed["secret"].pk
    keeper = search(demo.user("luutru"), SearchParams(q="phong chay", kind=Kind.ARCHIVE))
    assert hits(keeper) == {(Kind.ARCHIVE, plain), (Kind.ARCHIVE, secret)}
    assert any(h.is_secret for h in keeper.hits)
    leader = search(demo.user("lanhdao"), SearchParams(q="phong chay", kind=Kind.ARCHIVE))
    assert hits(leader) == {(Kind.ARCHIVE, plain)} and leader.total == 1
    # document-only filters (urgency, status...) leave archive records out
    normal = search(demo.user("vanthu"), SearchParams(q="phong chay", urgency=0))
    assert {k for k, _ in hits(normal)} == {Kind.INCOMING}


def test_the_page_and_the_api_show_archive_records_to_their_readers(
    demo: Demo, mixed: dict[str, Any]
) -> None:
    plain = mixed["plain"].pk
    body = demo.client("luutru").get("/tim-kiem/", {"q": "phuong an", "huong": "archive"})
    text = body.content.decode()
    assert body.status_code == 200
    assert "Hồ sơ lưu trữ" in text and f'href="/luu-tru/{plain}/"' in text
    assert 'value="archive"' in text  # the kind filter offers archive records
    assert "Tìm thấy <strong>2</strong> kết quả" in text  # records are not "văn bản"
    assert "</strong> văn bản" not in text
    other = demo.client("chuyenvien").get("/tim-kiem/", {"q": "phuong an"}).content.decode()
    assert f"/luu-tru/{plain}/" not in other and 'value="archive"' not in other

    user = demo.user("luutru")
    _, raw = api_token_create(actor=user, user=user)
    headers = {"Authorization": f"Bearer {raw}"}
    response = Client().get(
        "/api/v1/search", {"q": "phuong an", "kind": "archive"}, headers=headers
    )
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 2
    assert {(r["kind"], r["label"]) for r in data["results"]} == {("archive", "Hồ sơ lưu trữ")}
    assert f"/luu-tru/{plain}/" in {r["url"] for r in data["results"]}


def test_records_made_before_the_upgrade_are_queued_by_the_migration(
    demo: Demo, mixed: dict[str, Any]
) -> None:
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module(
        "vanphong.search.migrations.0005_queue_existing_archive_records"
    )
    Outbox.objects.all().delete()
    migration.queue_records(apps, SimpleNamespace(connection=connection))
    queued = set(Outbox.objects.values_list("kind", "object_id"))
    assert queued == {(Kind.ARCHIVE, mixed["plain"].pk), (Kind.ARCHIVE, mixed["secret"].pk)}

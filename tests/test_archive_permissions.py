"""Who may see archive records and run digitisation batches: role × secrecy, written out by hand
and compared with the policy rules, the SQL scope, the list page, the detail page and downloads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import Demo, pdf_bytes
from vanphong.archive import services
from vanphong.archive.models import ArchiveRecord, BatchSource, DigitisationBatch, RecordFileRole
from vanphong.core.errors import DomainError
from vanphong.core.models import AuditEvent, Role, Secrecy, User, UserRole
from vanphong.core.policy import can, filter_visible
from vanphong.files.store import FileBatch

# who: (opens the module, sees a normal record, sees a "Mật" record, may import)
EXPECTED: dict[str, tuple[bool, bool, bool, bool]] = {
    "luutru": (True, True, True, True),  # cán bộ lưu trữ, clearance Mật
    "luutru_thuong": (True, True, False, True),  # cán bộ lưu trữ without clearance
    "vanthu": (True, True, True, True),  # văn thư, clearance Tối mật
    "lanhdao": (True, True, False, False),  # office leadership: reads, keeps no secrets
    "bithu": (True, False, False, False),  # Thường trực of the Tỉnh ủy: another organisation
    "chuyenvien": (False, False, False, False),
    "admin": (False, False, False, False),  # administrators manage settings, not the archive
    "vanthubtc": (True, False, False, True),  # văn thư of another organisation: its own archive
}


def make_clerk(demo: Demo, username: str, clearance: int) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "full_name": "Cán bộ lưu trữ",
            "organisation": demo.orgs["vptu"],
            "clearance": clearance,
        },
    )
    UserRole.objects.get_or_create(user=user, role=Role.LUU_TRU)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def records(demo: Demo, settings: Any, tmp_path: Any) -> dict[int, ArchiveRecord]:
    settings.NETWORK_ZONE = "isolated"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    clerk = make_clerk(demo, "luutru", Secrecy.MAT)
    make_clerk(demo, "luutru_thuong", Secrecy.NONE)
    made = {}
    for level in (Secrecy.NONE, Secrecy.MAT):
        batch = DigitisationBatch.objects.create(
            organisation=demo.orgs["vptu"],
            created_by=clerk,
            source=BatchSource.FOLDER,
            source_name=f"/so-hoa/{level}",
            target="archive",
            secrecy=level,
        )
        with FileBatch() as files:
            blob = files.add_bytes(pdf_bytes(f"Tai lieu muc {level}"), name="a.pdf")
            made[level] = services.record_create(
                actor=clerk,
                batch=batch,
                data=services.RecordData(code_notation=f"{level + 1}-NQ/TU", subject="Nghị quyết"),
                files=[(blob, f"tai-lieu-{level}.pdf", RecordFileRole.SCAN)],
            )
    return made


def test_archive_visibility_matrix(demo: Demo, records: dict[int, ArchiveRecord]) -> None:
    """One fixture for every row of the table (the demo province is slow to build)."""
    for username in EXPECTED:
        check_row(demo, records, username)


def check_row(demo: Demo, records: dict[int, ArchiveRecord], username: str) -> None:
    user = demo.user(username)
    opens, sees_normal, sees_secret, may_import = EXPECTED[username]
    visible = set(
        filter_visible(user, "archive.records", ArchiveRecord.objects.all()).values_list(
            "pk", flat=True
        )
    )
    expected = {
        pk
        for level, pk in ((0, records[0].pk), (1, records[1].pk))
        if (sees_normal, sees_secret)[level]
    }
    assert visible == expected
    assert can(user, "archive.record_view", records[Secrecy.NONE]) == sees_normal
    assert can(user, "archive.record_view", records[Secrecy.MAT]) == sees_secret
    assert can(user, "archive.import", user.organisation) == may_import

    client = demo.client(username)
    listing = client.get("/luu-tru/")
    assert listing.status_code == (200 if opens else 403)
    if opens:
        assert ("1-NQ/TU" in listing.content.decode()) == sees_normal
        assert ("2-NQ/TU" in listing.content.decode()) == sees_secret
    for level, allowed in ((Secrecy.NONE, sees_normal), (Secrecy.MAT, sees_secret)):
        record = records[level]
        file = record.files.get()
        assert client.get(f"/luu-tru/{record.pk}/").status_code == (200 if allowed else 404)
        download = client.get(f"/luu-tru/{record.pk}/tep/{file.pk}/")
        assert download.status_code == (200 if allowed else 404)
        if allowed:
            assert b"".join(download.streaming_content).startswith(b"%PDF")
    batches = client.get("/luu-tru/so-hoa/")
    assert batches.status_code == (200 if may_import else 403)


def test_reading_a_secret_record_file_is_audited(
    demo: Demo, records: dict[int, ArchiveRecord]
) -> None:
    record = records[Secrecy.MAT]
    file = record.files.get()
    response = demo.client("luutru").get(f"/luu-tru/{record.pk}/tep/{file.pk}/")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action="archive.secret_download", object_id=str(record.pk)
    ).exists()


def test_secret_batches_are_refused_on_a_connected_network_and_above_clearance(
    demo: Demo, settings: Any, make_pdf: Any
) -> None:
    clerk = make_clerk(demo, "luutru2", Secrecy.MAT)
    zip_upload = make_pdf()  # never read: the options are refused first
    settings.NETWORK_ZONE = "connected"
    with pytest.raises(DomainError, match="mạng có kết nối"):
        services.batch_create_from_zip(
            actor=clerk, upload=zip_upload, options=services.BatchOptions(secrecy=Secrecy.MAT)
        )
    settings.NETWORK_ZONE = "isolated"
    with pytest.raises(DomainError, match="không đủ mức tiếp cận"):
        services.batch_create_from_zip(
            actor=clerk,
            upload=zip_upload,
            options=services.BatchOptions(secrecy=Secrecy.TOI_MAT),
        )
    with pytest.raises(PermissionDenied):
        services.batch_create_from_zip(
            actor=demo.user("chuyenvien"), upload=zip_upload, options=services.BatchOptions()
        )


def test_the_record_page_labels_its_fields_in_vietnamese_with_the_standard_code_as_a_tooltip(
    demo: Demo, records: dict[int, ArchiveRecord]
) -> None:
    record = records[Secrecy.NONE]
    body = demo.client("luutru").get(f"/luu-tru/{record.pk}/").content.decode()
    metadata = body.split('data-testid="archive-metadata"', 1)[1].split("</dl>", 1)[0]
    pairs = re.findall(r'<dt class="col-sm-3"(?: title="([^"]*)")?>([^<]*)</dt>', metadata)
    by_label = {label: title for title, label in pairs}
    assert by_label["Số, ký hiệu"] == "Trường CodeNotation theo chuẩn dữ liệu lưu trữ"
    assert by_label["Thời hạn bảo quản"] == "Trường Maintenance theo chuẩn dữ liệu lưu trữ"
    assert all(re.search(r"[A-Z][a-z]+[A-Z]", label) is None for label in by_label)
    assert "(CodeNotation)" not in body and "(FileNotation)" not in body

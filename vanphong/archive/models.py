"""Archive records (hồ sơ, tài liệu lưu trữ) and the digitisation batches that create them.

Field names follow the archive metadata of DOMAIN.md, which are also edXML's (FileNotation,
CodeNumber, CodeNotation, IssuedDate, TypeName, Subject, PageAmount, Maintenance). A batch imports
an uploaded ZIP or a server folder of scans; each file is one item, processed one by one in the
worker, with its state in the database so a crashed worker's batch is resumed where it stopped.
"""

from __future__ import annotations

from django.db import models

from vanphong.core.models import Organisation, Secrecy, User
from vanphong.documents.models import DocumentType, IncomingDocument
from vanphong.files.models import Blob


class BatchTarget(models.TextChoices):
    ARCHIVE = "archive", "Tài liệu lưu trữ"
    INCOMING = "incoming", "Văn bản đến"


class BatchSource(models.TextChoices):
    ZIP = "zip", "Tệp ZIP tải lên"
    FOLDER = "folder", "Thư mục trên máy chủ"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ xử lý"
    RUNNING = "running", "Đang xử lý"
    DONE = "done", "Hoàn thành"
    PARTIAL = "partial", "Hoàn thành, có tệp lỗi"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Đang chờ"  # not stored yet
    OCR = "ocr", "Đang nhận dạng chữ"  # record created, text extraction / OCR to do
    DONE = "done", "Hoàn thành"
    DUPLICATE = "duplicate", "Đã có, không nhập lại"  # the same content was imported before
    FAILED = "failed", "Lỗi"


# The moves each state allows; services.item_move refuses any other.
BATCH_TRANSITIONS: dict[str, set[str]] = {
    BatchStatus.QUEUED: {BatchStatus.RUNNING},
    BatchStatus.RUNNING: {BatchStatus.DONE, BatchStatus.PARTIAL},
    BatchStatus.PARTIAL: {BatchStatus.RUNNING},
    BatchStatus.DONE: set(),
}
ITEM_TRANSITIONS: dict[str, set[str]] = {
    ItemStatus.PENDING: {ItemStatus.OCR, ItemStatus.DUPLICATE, ItemStatus.FAILED},
    ItemStatus.OCR: {ItemStatus.DONE, ItemStatus.FAILED},
    ItemStatus.FAILED: {ItemStatus.PENDING, ItemStatus.OCR},  # retry: from where it failed
    ItemStatus.DONE: set(),
    ItemStatus.DUPLICATE: set(),
}


class DigitisationBatch(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField("nguồn", max_length=10, choices=BatchSource.choices)
    source_name = models.CharField("tên tệp hoặc thư mục", max_length=500)
    # SHA-256 of the ZIP and of the CSV: the same upload again returns the same batch.
    source_key = models.CharField(max_length=130, blank=True)
    staging_path = models.CharField(max_length=500, blank=True)
    target = models.CharField("nhập thành", max_length=10, choices=BatchTarget.choices)
    secrecy = models.PositiveSmallIntegerField(
        "độ mật", choices=Secrecy.choices, default=Secrecy.NONE
    )
    default_sender = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    default_doc_type = models.ForeignKey(
        DocumentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "lô số hóa"
        verbose_name_plural = "lô số hóa"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source_key"],
                condition=~models.Q(source_key=""),
                name="archive_batch_source_unique",
            )
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="archive_batch_status")]

    def __str__(self) -> str:
        return f"Lô {self.pk}: {self.source_name}"


class ArchiveRecord(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        DigitisationBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
    )
    file_notation = models.CharField("hồ sơ (FileNotation)", max_length=100, blank=True)
    code_number = models.CharField("số (CodeNumber)", max_length=20, blank=True)
    code_notation = models.CharField("số và ký hiệu (CodeNotation)", max_length=80, blank=True)
    issued_date = models.DateField("ngày văn bản (IssuedDate)", null=True, blank=True)
    type_name = models.CharField("tên loại (TypeName)", max_length=100, blank=True)
    subject = models.TextField("trích yếu (Subject)", blank=True)
    page_amount = models.PositiveIntegerField("số trang (PageAmount)", null=True, blank=True)
    organ_name = models.CharField("cơ quan ban hành", max_length=255, blank=True)
    maintenance = models.CharField("thời hạn bảo quản (Maintenance)", max_length=50, blank=True)
    secrecy = models.PositiveSmallIntegerField(
        "độ mật", choices=Secrecy.choices, default=Secrecy.NONE
    )
    search_text = models.TextField(editable=False, blank=True)  # folded metadata, for filters
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "tài liệu lưu trữ"
        verbose_name_plural = "tài liệu lưu trữ"
        indexes = [models.Index(fields=["organisation", "-id"], name="archive_record_org")]

    def __str__(self) -> str:
        return self.code_notation or self.subject[:80] or f"Tài liệu {self.pk}"


class RecordFileRole(models.TextChoices):
    SCAN = "scan", "Bản quét gốc"
    PDF = "pdf", "Bản PDF ghép từ TIFF nhiều trang"


class RecordFile(models.Model):
    record = models.ForeignKey(ArchiveRecord, on_delete=models.CASCADE, related_name="files")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên tệp", max_length=255)
    role = models.CharField(max_length=10, choices=RecordFileRole.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "blob"], name="archive_file_unique")
        ]
        indexes = [models.Index(fields=["blob"], name="archive_file_blob")]

    def __str__(self) -> str:
        return self.name


class BatchItem(models.Model):
    batch = models.ForeignKey(DigitisationBatch, on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveIntegerField()
    name = models.CharField("tệp", max_length=500)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    error = models.TextField(blank=True)
    retryable = models.BooleanField(default=True)  # False: the CSV row must be corrected
    metadata = models.JSONField(default=dict, blank=True)
    csv_line = models.PositiveIntegerField(null=True, blank=True)
    blob = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record = models.ForeignKey(
        ArchiveRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incoming = models.ForeignKey(
        IncomingDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["batch_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "seq"], name="archive_item_seq_unique")
        ]
        indexes = [models.Index(fields=["batch", "status"], name="archive_item_status")]

    def __str__(self) -> str:
        return self.name


class BatchEvent(models.Model):
    """Append-only history of a batch and its items (who, when, from, to, note)."""

    batch = models.ForeignKey(DigitisationBatch, on_delete=models.CASCADE, related_name="events")
    item = models.ForeignKey(
        BatchItem, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"

"""Content-addressed blobs: a file is stored once, named by its SHA-256."""

from __future__ import annotations

from django.db import models


class Blob(models.Model):
    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tệp lưu trữ"
        verbose_name_plural = "tệp lưu trữ"

    def __str__(self) -> str:
        return self.sha256


class ExtractStatus(models.TextChoices):
    PENDING = "pending", "Đang chờ"
    RUNNING = "running", "Đang xử lý"
    DONE = "done", "Đã xong"
    FAILED = "failed", "Lỗi"


class ExtractMethod(models.TextChoices):
    NONE = "", "Chưa xác định"
    PDF_TEXT = "pdf_text", "Lớp chữ của PDF"
    DOCX = "docx", "Nội dung DOCX"
    OCR = "ocr", "Nhận dạng chữ (OCR)"


class BlobText(models.Model):
    """The text of a stored file, extracted once per content (a blob shared by many documents is
    read once). `searchable` is the OCR'd PDF/A kept beside a scanned original."""

    blob = models.OneToOneField(
        Blob, on_delete=models.CASCADE, primary_key=True, related_name="extracted"
    )
    status = models.CharField(
        max_length=10, choices=ExtractStatus.choices, default=ExtractStatus.PENDING
    )
    method = models.CharField(
        max_length=10, choices=ExtractMethod.choices, default=ExtractMethod.NONE, blank=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    pages = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    searchable = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "nội dung trích xuất"
        verbose_name_plural = "nội dung trích xuất"
        indexes = [models.Index(fields=["status", "updated_at"], name="blobtext_status")]

    def __str__(self) -> str:
        return f"{self.blob_id} ({self.status})"

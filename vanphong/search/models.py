"""The search index (one row per searchable object), its outbox and users' saved searches.

The text columns hold words already tokenised in Python (letters and digits separated by single
spaces) so that SQLite FTS5 and PostgreSQL see exactly the same words:
- `*_folded`: `core.text.fold` of every word (no marks, đ → d), matched by unaccented queries;
- `*_exact`: the words lower-cased with their marks (tone placement made canonical), matched by
  queries typed with diacritics, so "đăng" does not find "Đảng".
`head_*` is the metadata (số ký hiệu, trích yếu, sender, signer, notes; for archive records the
hồ sơ, số ký hiệu, trích yếu, issuing organ, date); `body_*` the text of the attachments (of an
archive record: its scans' OCR text). For archive records `doc_date` is the issued date (the
digitisation date when the CSV gave none) and the document-only columns stay empty. The full-text
structures live outside Django's view: an FTS5 table on SQLite (new entries written into it by
`search.indexing`, updates and deletes followed by triggers), generated tsvector columns with
GIN indexes on PostgreSQL (migrations 0002 and 0006).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    INCOMING = "incoming", "Văn bản đến"
    ARCHIVE = "archive", "Hồ sơ lưu trữ"


# An entry's id is derived from its object: object id · ID_SLOTS + the kind's slot. A user's
# documents are then found by primary key (one seek each, in id order, so a search can stop after
# the newest matches) instead of through the (kind, object_id) index first; the FTS5 rowid and the
# "newest first" order of the index-driven shape are that id too.
ID_SLOTS = 4
SLOTS = {Kind.INCOMING.value: 0, Kind.ARCHIVE.value: 1}


def entry_id(kind: str, object_id: int) -> int:
    return object_id * ID_SLOTS + SLOTS[kind]


class SearchEntry(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField()
    secrecy = models.PositiveSmallIntegerField(default=0)
    doc_date = models.DateField()
    doc_type_id = models.BigIntegerField(null=True)
    sender_id = models.BigIntegerField(null=True)
    status = models.CharField(max_length=20, blank=True)
    urgency = models.PositiveSmallIntegerField(default=0)
    lead_unit_id = models.BigIntegerField(null=True)
    head_folded = models.TextField(blank=True)
    head_exact = models.TextField(blank=True)
    body_folded = models.TextField(blank=True)
    body_exact = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_object")
        ]
        indexes = [
            models.Index(fields=["organisation_id", "-doc_date"], name="search_entry_org_date"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class Outbox(models.Model):
    """Objects whose index entry must be refreshed; written in the object's transaction."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "object_id"], name="search_outbox_object")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class RebuildLane(models.Model):
    """Checkpoint of a full rebuild: one row per lane (a worker process). Lane `lane` of `lanes`
    indexes the id ranges [k·chunk + 1, (k+1)·chunk] with k ≡ lane (mod lanes), up to `upto`;
    `last_id` is the end of its last finished range, written in that range's transaction, so a
    rebuild stopped by a crash resumes where each lane stopped. The rows go when the run ends."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    lane = models.PositiveSmallIntegerField()
    lanes = models.PositiveSmallIntegerField()
    chunk = models.PositiveIntegerField()
    upto = models.BigIntegerField()
    last_id = models.BigIntegerField(default=0)
    done = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "lane"], name="search_rebuild_lane")]

    def __str__(self) -> str:
        return f"{self.kind} {self.lane}/{self.lanes}: {self.last_id}/{self.upto}"


class SavedSearch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField("tên", max_length=100)
    query = models.CharField("từ khóa", max_length=200, blank=True)
    params = models.JSONField("bộ lọc", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "tìm kiếm đã lưu"
        verbose_name_plural = "tìm kiếm đã lưu"
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_search_user_name")
        ]

    def __str__(self) -> str:
        return self.name

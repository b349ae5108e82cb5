"""Incoming documents (văn bản đến), their work items, history and files."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from vanphong.core.models import Organisation, Secrecy, Unit, User
from vanphong.files.models import Blob
from vanphong.numbering.models import Register


class Urgency(models.IntegerChoices):
    """Urgency marks; the values are edXML Priority codes."""

    NORMAL = 0, "Thường"
    KHAN = 1, "Khẩn"
    THUONG_KHAN = 2, "Thượng khẩn"
    HOA_TOC = 3, "Hỏa tốc"
    HOA_TOC_HEN_GIO = 4, "Hỏa tốc hẹn giờ"


class Channel(models.TextChoices):
    PAPER = "paper", "Bản giấy"
    ELECTRONIC = "electronic", "Điện tử"


class DocumentType(models.Model):
    """Loại văn bản, with the abbreviation used in numbers (CV, QĐ, NQ...)."""

    name = models.CharField("tên loại", max_length=80, unique=True)
    abbr = models.CharField("viết tắt", max_length=10)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    is_active = models.BooleanField("đang dùng", default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "loại văn bản"
        verbose_name_plural = "loại văn bản"

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    """States of an incoming document; allowed moves are in documents.workflow.TRANSITIONS."""

    REGISTERED = "registered", "Đã vào sổ, chờ trình"
    PRESENTED = "presented", "Đã trình, chờ ý kiến chỉ đạo"
    ASSIGNED = "assigned", "Đã giao, chờ xử lý"
    IN_PROGRESS = "in_progress", "Đang xử lý"
    DONE = "done", "Đã xử lý xong, chờ kết thúc"
    CLOSED = "closed", "Đã kết thúc"
    CANCELLED = "cancelled", "Đã hủy vào sổ"


OPEN_STATUSES = (Status.REGISTERED, Status.PRESENTED, Status.ASSIGNED, Status.IN_PROGRESS)


class IncomingDocument(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="incoming", verbose_name="nơi nhận"
    )
    register = models.ForeignKey(Register, on_delete=models.PROTECT, verbose_name="sổ")
    period_key = models.CharField(max_length=40)
    arrival_number = models.PositiveIntegerField("số đến")
    arrival_date = models.DateField("ngày đến")
    received_at = models.DateTimeField("thời điểm vào sổ", auto_now_add=True)
    channel = models.CharField(
        "hình thức nhận", max_length=12, choices=Channel.choices, default=Channel.PAPER
    )
    sender = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="sent_incoming",
        verbose_name="cơ quan gửi",
    )
    code_notation = models.CharField("số và ký hiệu", max_length=80)
    code_key = models.CharField(max_length=80, db_index=True, editable=False)
    document_date = models.DateField("ngày văn bản")
    doc_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, verbose_name="loại văn bản"
    )
    summary = models.TextField("trích yếu", blank=True)
    signer_name = models.CharField("người ký", max_length=150, blank=True)
    page_count = models.PositiveIntegerField("số trang", null=True, blank=True)
    urgency = models.PositiveSmallIntegerField(
        "mức độ khẩn", choices=Urgency.choices, default=Urgency.NORMAL
    )
    secrecy = models.PositiveSmallIntegerField(
        "mức độ mật", choices=Secrecy.choices, default=Secrecy.NONE
    )
    content_withheld = models.BooleanField(
        "không lưu nội dung (văn bản mật trên mạng kết nối)", default=False
    )
    due_date = models.DateField("hạn xử lý", null=True, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    status = models.CharField(
        "trạng thái", max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    registered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="người vào sổ"
    )
    presented_to = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="trình lãnh đạo",
    )
    direction = models.TextField("ý kiến chỉ đạo", blank=True)
    routed_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người cho ý kiến",
    )
    lead_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="đơn vị chủ trì",
    )
    lead_user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người chủ trì",
    )
    handler = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="chuyên viên xử lý",
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name="trùng với",
    )
    duplicate_reason = models.CharField("lý do vẫn vào sổ", max_length=300, blank=True)
    reply_reference = models.CharField("văn bản trả lời", max_length=200, blank=True)
    completed_at = models.DateTimeField("thời điểm hoàn thành", null=True, blank=True)
    completed_on_time = models.BooleanField(null=True, blank=True)
    cancel_reason = models.CharField("lý do hủy", max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-arrival_date", "-arrival_number"]
        verbose_name = "văn bản đến"
        verbose_name_plural = "văn bản đến"
        constraints = [
            models.UniqueConstraint(
                fields=["register", "period_key", "arrival_number"], name="incoming_number_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "-arrival_date", "-arrival_number"],
                name="incoming_org_arrival",
            ),
            models.Index(fields=["organisation", "status", "due_date"], name="incoming_org_status"),
            models.Index(fields=["sender", "code_key", "document_date"], name="incoming_dup"),
            models.Index(fields=["lead_unit", "status"], name="incoming_lead_unit"),
        ]

    def __str__(self) -> str:
        return f"Số đến {self.arrival_number} – {self.code_notation}"

    @property
    def display_summary(self) -> str:
        return "Văn bản mật" if self.content_withheld else self.summary

    @property
    def is_secret(self) -> bool:
        return self.secrecy > Secrecy.NONE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES or self.status == Status.DONE


class WorkKind(models.TextChoices):
    PRESENT = "present", "Trình lãnh đạo"
    ROUTE = "route", "Cho ý kiến chỉ đạo"
    LEAD_UNIT = "lead_unit", "Đơn vị chủ trì: phân công"
    HANDLE = "handle", "Xử lý chính"
    CO = "co", "Phối hợp"
    INFO = "info", "Để biết"
    REVIEW = "review", "Xem xét kết quả"


class WorkStatus(models.TextChoices):
    OPEN = "open", "Chờ xử lý"
    ACTIVE = "active", "Đang xử lý"
    DONE = "done", "Đã xong"


class WorkItem(models.Model):
    """One person's part in one document: the rows behind every work list."""

    document = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="work_items"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="work_items")
    kind = models.CharField(max_length=12, choices=WorkKind.choices)
    status = models.CharField(max_length=8, choices=WorkStatus.choices, default=WorkStatus.OPEN)
    due_date = models.DateField(null=True, blank=True)
    secrecy = models.PositiveSmallIntegerField(default=Secrecy.NONE)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "việc cần xử lý"
        verbose_name_plural = "việc cần xử lý"
        indexes = [
            models.Index(fields=["user", "status", "due_date"], name="work_user_status_due"),
            models.Index(fields=["user", "kind", "status", "-created_at"], name="work_user_kind"),
            # "Để biết" (every status) newest first, read in order and stopped after a page: the
            # index above sorts by status first, so a leader's 30,000 items were sorted (13 ms).
            models.Index(
                fields=["user", "kind", "-created_at", "-id"], name="work_user_kind_recent"
            ),
            models.Index(fields=["user", "status", "-created_at"], name="work_user_recent"),
            models.Index(fields=["document", "kind", "status"], name="work_document"),
            # "The documents this person takes part in" (the policy's scope, the search's
            # candidates) read from the index alone: through the plain user index every item
            # was a table row read (three such lists per search: 6 ms each at 4,400 items).
            models.Index(fields=["user", "document"], name="work_user_document"),
            # The navigation counts and the due-date tabs read only a person's open items: a
            # small partial index that holds every column they test, so counting is an
            # index-only scan (a leader's 2,000 open items were 1,900 heap pages: 12 ms on PG).
            models.Index(
                fields=["user", "status", "kind", "due_date", "secrecy"],
                name="work_user_open",
                include=["id"],
                condition=Q(status__in=["open", "active"]),
            ),
        ]
        constraints = [
            # One item per (document, person, kind): services reopen it rather than add another.
            # The unique index is also what SQLite's planner picks for that lookup even before
            # ANALYZE has run (without it a clerk with 500,000 items made registration 40× slower).
            models.UniqueConstraint(fields=["document", "user", "kind"], name="work_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.user}"


class EventAction(models.TextChoices):
    REGISTER = "register", "Vào sổ"
    EDIT = "edit", "Sửa thông tin"
    PRESENT = "present", "Trình lãnh đạo"
    RETURN_TO_CLERK = "return_to_clerk", "Trả lại văn thư"
    ROUTE = "route", "Cho ý kiến chỉ đạo, giao xử lý"
    REASSIGN = "reassign", "Giao lại"
    ASSIGN_HANDLER = "assign_handler", "Phân công chuyên viên"
    FORWARD = "forward", "Chuyển đơn vị khác"
    START = "start", "Nhận xử lý"
    PROGRESS = "progress", "Cập nhật tiến độ"
    CO_DONE = "co_done", "Hoàn thành phần phối hợp"
    COMPLETE = "complete", "Hoàn thành xử lý"
    RETURN = "return", "Trả lại, yêu cầu xử lý lại"
    EXTEND = "extend", "Gia hạn"
    CLOSE = "close", "Kết thúc"
    CANCEL = "cancel", "Hủy vào sổ"
    LINK_DUPLICATE = "link_duplicate", "Gắn là bản trùng"
    READ = "read", "Đã xem (để biết)"
    VIEW_SECRET = "view_secret", "Xem văn bản mật"


class DocumentEvent(models.Model):
    """Append-only history of a document: the timeline (who, when, what, note)."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20, choices=EventAction.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "lịch sử xử lý"
        verbose_name_plural = "lịch sử xử lý"
        indexes = [models.Index(fields=["document", "at"], name="event_document_at")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.at:%d/%m/%Y %H:%M})"


class FileRole(models.TextChoices):
    ORIGINAL = "original", "Tệp văn bản"
    PROGRESS = "progress", "Tệp xử lý"


class DocumentFile(models.Model):
    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="files")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên tệp", max_length=255)
    role = models.CharField(max_length=10, choices=FileRole.choices, default=FileRole.ORIGINAL)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "tệp đính kèm"
        verbose_name_plural = "tệp đính kèm"

    def __str__(self) -> str:
        return self.name


class Delegation(models.Model):
    """A leader away hands their routing to a deputy for a period (ủy quyền)."""

    from_user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="delegations_given",
        verbose_name="người ủy quyền",
    )
    to_user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="delegations_received",
        verbose_name="người được ủy quyền",
    )
    start_date = models.DateField("từ ngày")
    end_date = models.DateField("đến hết ngày")
    note = models.CharField("ghi chú", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "ủy quyền xử lý"
        verbose_name_plural = "ủy quyền xử lý"
        indexes = [
            models.Index(fields=["to_user", "start_date", "end_date"], name="delegation_active")
        ]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user}"

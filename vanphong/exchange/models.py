"""Electronic exchange (liên thông): the directory of nodes, the message log (which is also the
transactional outbox), arrivals waiting for the văn thư, and the status timeline of each
document sent.

- `Peer`: one organisation known to the province's directory: its identifier (QĐ 20/2020), the
  inbox URL of the node serving it, that node's certificate, and the hub to go through (if any).
- `Message`: every package sent or received, with its hash, size, signature check and times.
  Outgoing rows are the outbox: written in the transaction that decides to send, delivered by
  the worker with retries (`state`, `attempts`, `next_attempt_at`, `last_error`).
- `Arrival`: a document package addressed to an organisation served here, waiting for its văn
  thư to accept (→ incoming register) or refuse; also holds a recall request (status 13).
- `Dispatch` / `StatusEntry`: on the sender, one row per exchange recipient of an outgoing
  document and the statuses (01..06, 13, 15, 16) that came back.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from vanphong.core.models import Organisation, User, identifier_validator
from vanphong.documents.models import IncomingDocument
from vanphong.files.models import Blob


class StatusCode(models.TextChoices):
    """edXML status codes (QCVN 102:2016) as the offices read them."""

    ARRIVED = "01", "Đã đến (phần mềm đã nhận, văn thư chưa xử lý)"
    REFUSED = "02", "Từ chối tiếp nhận"
    REGISTERED = "03", "Đã tiếp nhận, vào sổ văn bản đến"
    ASSIGNED = "04", "Đã phân công xử lý"
    IN_PROGRESS = "05", "Đang xử lý"
    DONE = "06", "Đã hoàn thành xử lý"
    RECALL_REQUESTED = "13", "Đề nghị thu hồi, cập nhật"
    RECALL_ACCEPTED = "15", "Đồng ý thu hồi, cập nhật"
    RECALL_REFUSED = "16", "Từ chối thu hồi, cập nhật"


class Peer(models.Model):
    """A directory entry: an organisation on another node (or a hub node)."""

    identifier = models.CharField(
        "mã định danh", max_length=35, unique=True, validators=[identifier_validator]
    )
    name = models.CharField("tên cơ quan", max_length=255)
    inbox_url = models.URLField(
        "địa chỉ nhận gói tin (inbox)",
        max_length=500,
        blank=True,
        help_text="Ví dụ https://vanphong.tinhuy.vn/lien-thong/inbox/. Để trống khi gửi qua trục.",
    )
    certificate_pem = models.TextField(
        "chứng thư số của máy chủ (PEM)",
        blank=True,
        help_text="Dùng để kiểm tra chữ ký của gói tin gửi từ cơ quan này và biên nhận của nó.",
    )
    certificate_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    is_hub = models.BooleanField(
        "là trục liên thông",
        default=False,
        help_text="Máy chủ chuyển tiếp gói tin cho cơ quan khác.",
    )
    via_hub = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_through",
        limit_choices_to={"is_hub": True},
        verbose_name="gửi qua trục",
    )
    is_active = models.BooleanField("đang dùng", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["identifier"]
        verbose_name = "cơ quan trong danh bạ liên thông"
        verbose_name_plural = "danh bạ liên thông"

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"


class Direction(models.TextChoices):
    OUT = "out", "Gửi đi"
    IN = "in", "Nhận về"


class Kind(models.TextChoices):
    DOCUMENT = "document", "Gói văn bản"
    STATUS = "status", "Gói trạng thái"


class State(models.TextChoices):
    """Outgoing rows: pending → delivered, or failed (refused by the peer: no more retries).
    Incoming rows: accepted, relayed (hub) or refused at the door."""

    PENDING = "pending", "Chờ gửi"
    DELIVERED = "delivered", "Đã gửi, có biên nhận"
    FAILED = "failed", "Bị từ chối, không gửi lại"
    ACCEPTED = "accepted", "Đã nhận"
    RELAYED = "relayed", "Đã nhận để chuyển tiếp"
    REFUSED = "refused", "Từ chối nhận"


class Message(models.Model):
    """One package sent or received (the message log; outgoing rows are the outbox)."""

    direction = models.CharField("chiều", max_length=3, choices=Direction.choices)
    kind = models.CharField("loại gói", max_length=8, choices=Kind.choices)
    state = models.CharField("trạng thái", max_length=10, choices=State.choices)
    from_identifier = models.CharField("nơi gửi", max_length=35, blank=True)
    to_identifier = models.CharField("nơi nhận", max_length=35, blank=True)
    document_id = models.CharField("DocumentId", max_length=255, blank=True, db_index=True)
    business_type = models.CharField("loại nghiệp vụ", max_length=2, blank=True)
    status_code = models.CharField(
        "mã trạng thái", max_length=2, choices=StatusCode.choices, blank=True
    )
    sha256 = models.CharField("mã băm SHA-256", max_length=64, db_index=True)
    size = models.PositiveIntegerField("dung lượng (byte)", default=0)
    body = models.BinaryField("nội dung gói", null=True, blank=True)
    body_purged_at = models.DateTimeField("đã xóa nội dung lúc", null=True, blank=True)
    signature_ok = models.BooleanField("chữ ký hợp lệ", null=True, blank=True)
    signature_note = models.CharField("kiểm tra chữ ký", max_length=300, blank=True)
    relay = models.BooleanField("chuyển tiếp qua trục", default=False)
    remote_addr = models.CharField("địa chỉ gửi đến", max_length=64, blank=True)
    error = models.CharField("lý do từ chối", max_length=500, blank=True)
    created_at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)
    # Outbox (direction OUT)
    attempts = models.PositiveIntegerField("số lần gửi", default=0)
    next_attempt_at = models.DateTimeField("lần gửi tiếp theo", null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField("lỗi lần gửi gần nhất", max_length=500, blank=True)
    delivered_at = models.DateTimeField("thời điểm gửi được", null=True, blank=True)
    target_url = models.CharField("đã gửi tới", max_length=500, blank=True)
    # A status package returned in the answer to the package it is about (`exchange.batch`),
    # not posted on its own: delivered when that answer was given.
    inline = models.BooleanField("trả kèm biên nhận", default=False)
    # The signed receipt: issued by us (IN) or received and verified (OUT).
    receipt = models.TextField("biên nhận", blank=True)
    receipt_verified = models.BooleanField("biên nhận hợp lệ", null=True, blank=True)
    arrival = models.ForeignKey(
        "Arrival", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    dispatch = models.ForeignKey(
        "Dispatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "gói tin liên thông"
        verbose_name_plural = "nhật ký gói tin liên thông"
        indexes = [
            models.Index(fields=["direction", "state", "next_attempt_at"], name="exchange_due"),
            models.Index(fields=["from_identifier", "document_id"], name="exchange_msg_doc"),
        ]
        constraints = [
            # The same bytes accepted once: a second delivery gets the stored receipt back.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(direction="in", state__in=["accepted", "relayed"]),
                name="exchange_in_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.document_id} {self.status_code}".strip()


class ArrivalState(models.TextChoices):
    PENDING = "pending", "Chờ tiếp nhận"
    ACCEPTED = "accepted", "Đã tiếp nhận, vào sổ"
    REFUSED = "refused", "Đã từ chối"
    RECALLED = "recalled", "Đã thu hồi theo đề nghị nơi gửi"


ARRIVAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ArrivalState.PENDING: frozenset(
        {ArrivalState.ACCEPTED, ArrivalState.REFUSED, ArrivalState.RECALLED}
    ),
    ArrivalState.ACCEPTED: frozenset({ArrivalState.RECALLED}),
    ArrivalState.REFUSED: frozenset(),
    ArrivalState.RECALLED: frozenset(),
}


class RecallState(models.TextChoices):
    NONE = "", "Không có"
    REQUESTED = "requested", "Nơi gửi đề nghị thu hồi"
    ACCEPTED = "accepted", "Đã đồng ý thu hồi"
    REFUSED = "refused", "Đã từ chối thu hồi"


class Arrival(models.Model):
    """A document package for an organisation served here, until its văn thư decides."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="nơi nhận"
    )
    sender = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="cơ quan gửi"
    )
    sender_identifier = models.CharField(max_length=35)
    document_id = models.CharField("DocumentId", max_length=255)
    business_type = models.CharField("loại nghiệp vụ", max_length=2, default="0")
    code_notation = models.CharField("số và ký hiệu", max_length=80)
    document_date = models.DateField("ngày văn bản")
    type_name = models.CharField("loại văn bản", max_length=120, blank=True)
    summary = models.TextField("trích yếu", blank=True)
    signer_name = models.CharField("người ký", max_length=150, blank=True)
    signer_position = models.CharField("chức vụ người ký", max_length=150, blank=True)
    urgency = models.PositiveSmallIntegerField("mức độ khẩn", default=0)
    page_count = models.PositiveIntegerField("số trang", null=True, blank=True)
    due_date = models.DateField("hạn xử lý", null=True, blank=True)
    state = models.CharField(
        "trạng thái", max_length=10, choices=ArrivalState.choices, default=ArrivalState.PENDING
    )
    received_at = models.DateTimeField("thời điểm nhận", auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refuse_reason = models.CharField("lý do từ chối", max_length=500, blank=True)
    incoming = models.OneToOneField(
        IncomingDocument,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exchange_arrival",
    )
    recall_state = models.CharField(
        "thu hồi", max_length=10, choices=RecallState.choices, blank=True, default=""
    )
    recall_reason = models.CharField("lý do thu hồi", max_length=500, blank=True)
    recall_answer = models.CharField("trả lời đề nghị thu hồi", max_length=500, blank=True)
    statuses_sent = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "văn bản điện tử đến"
        verbose_name_plural = "văn bản điện tử chờ tiếp nhận"
        constraints = [
            models.UniqueConstraint(
                fields=["sender_identifier", "document_id", "organisation"],
                name="exchange_arrival_once",
            )
        ]
        indexes = [models.Index(fields=["organisation", "state"], name="exchange_arrival_org")]

    def __str__(self) -> str:
        return f"{self.code_notation} – {self.sender}"


class ArrivalFile(models.Model):
    arrival = models.ForeignKey(Arrival, on_delete=models.CASCADE, related_name="files")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên tệp", max_length=255)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Dispatch(models.Model):
    """Sender side: one exchange recipient of one outgoing document."""

    outgoing = models.ForeignKey(
        "drafting.OutgoingDocument", on_delete=models.CASCADE, related_name="exchange_dispatches"
    )
    recipient = models.OneToOneField(
        "drafting.Recipient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exchange_dispatch",
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_identifier = models.CharField(max_length=35)
    document_id = models.CharField("DocumentId", max_length=255)
    last_code = models.CharField(max_length=2, choices=StatusCode.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["outgoing_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_id", "to_identifier"], name="exchange_dispatch_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.to_identifier}"


class StatusEntry(models.Model):
    """A status that came back from a recipient (the sender's timeline)."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="statuses")
    code = models.CharField(max_length=2, choices=StatusCode.choices)
    description = models.TextField(blank=True)
    staff = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField("thời điểm tại nơi nhận", null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        # the recipient's own clock, then the code: 01 before 03 even when they cross on the way
        ordering = ["at", "code", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.dispatch}"

"""Outgoing documents (văn bản đi): drafts, versions, review, issuance, recipients, registers."""

from __future__ import annotations

from django.db import models
from django.db.models import BaseConstraint

from vanphong.core.models import Organisation, Secrecy, Unit, User
from vanphong.documents.models import DocumentType, IncomingDocument, Urgency
from vanphong.files.models import Blob
from vanphong.numbering.models import OutgoingNumbering


def one_rule_per_type(name: str) -> list[BaseConstraint]:
    """One row per (organisation, document type), and one general row (no type) per
    organisation: the shape of per-type settings such as review chains and signature rules."""
    return [
        models.UniqueConstraint(fields=["organisation", "doc_type"], name=f"{name}_unique"),
        models.UniqueConstraint(
            fields=["organisation"],
            condition=models.Q(doc_type__isnull=True),
            name=f"{name}_general_unique",
        ),
    ]


class OutStatus(models.TextChoices):
    DRAFT = "draft", "Đang soạn thảo"
    IN_REVIEW = "in_review", "Đang trình duyệt"
    RETURNED = "returned", "Bị trả lại, chờ sửa"
    APPROVED = "approved", "Đã duyệt, chờ ban hành"
    TO_SIGN = "to_sign", "Đã cấp số, chờ người ký ký số"
    TO_SEAL = "to_seal", "Đã ký số, chờ ký số của cơ quan"
    ISSUED = "issued", "Đã ban hành"
    RECALLED = "recalled", "Đã thu hồi"


EDITABLE_STATUSES = (OutStatus.DRAFT, OutStatus.RETURNED)
# Statuses in which the document holds its number (the number is given at issuance; the
# signatures come after it, on the numbered PDF, as Nghị định 30 orders them).
NUMBERED_STATUSES = (OutStatus.TO_SIGN, OutStatus.TO_SEAL, OutStatus.ISSUED, OutStatus.RECALLED)
AWAITING_SIGNATURE = (OutStatus.TO_SIGN, OutStatus.TO_SEAL)
ISSUED_STATUSES = (OutStatus.ISSUED, OutStatus.RECALLED)


class Authority(models.TextChoices):
    NONE = "", "Ký trực tiếp"
    TM = "T/M", "T/M (thay mặt)"
    KT = "K/T", "K/T (ký thay)"
    TL = "T/L", "T/L (thừa lệnh)"


class Relation(models.TextChoices):
    NONE = "", "Văn bản mới"
    CORRECTS = "corrects", "Đính chính"
    REPLACES = "replaces", "Thay thế"


class OutgoingDocument(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="outgoing", verbose_name="cơ quan"
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="đơn vị soạn thảo",
    )
    doc_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, verbose_name="loại văn bản"
    )
    summary = models.TextField("trích yếu")
    body = models.TextField("nội dung", blank=True)
    urgency = models.PositiveSmallIntegerField(
        "mức độ khẩn", choices=Urgency.choices, default=Urgency.NORMAL
    )
    secrecy = models.PositiveSmallIntegerField(
        "mức độ mật", choices=Secrecy.choices, default=Secrecy.NONE
    )
    signer = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="người ký"
    )
    authority = models.CharField(
        "thẩm quyền ký", max_length=4, choices=Authority.choices, blank=True, default=""
    )
    signer_title = models.CharField("chức vụ người ký", max_length=150, blank=True)
    authority_body = models.CharField("tập thể/cơ quan (sau T/M, T/L)", max_length=150, blank=True)
    status = models.CharField(
        "trạng thái", max_length=12, choices=OutStatus.choices, default=OutStatus.DRAFT
    )
    drafter = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="người soạn thảo"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    review_round = models.PositiveSmallIntegerField(default=0)
    current_step = models.PositiveSmallIntegerField(default=0)
    relation = models.CharField(
        "quan hệ", max_length=10, choices=Relation.choices, blank=True, default=""
    )
    related = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name="văn bản được đính chính/thay thế",
    )
    # Set once, at issuance.
    numbering = models.ForeignKey(
        OutgoingNumbering, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_key = models.CharField(max_length=40, blank=True)
    number = models.PositiveIntegerField("số", null=True, blank=True)
    notation = models.CharField("số và ký hiệu", max_length=80, blank=True)
    issue_date = models.DateField("ngày ban hành", null=True, blank=True)
    issued_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    final_docx = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The document's PDF as it stands: the numbered PDF, replaced by each signed revision.
    final_pdf = models.ForeignKey(
        Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The numbered PDF before any signature (kept when signatures replace final_pdf).
    numbered_pdf = models.ForeignKey(
        Blob,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="bản PDF đã cấp số, chưa ký",
    )
    page_count = models.PositiveIntegerField("số trang", null=True, blank=True)
    copies = models.PositiveSmallIntegerField("số bản", default=1)
    keeping_unit = models.CharField("đơn vị lưu", max_length=150, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    recalled_at = models.DateTimeField(null=True, blank=True)
    recall_reason = models.CharField("lý do thu hồi", max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "văn bản đi"
        verbose_name_plural = "văn bản đi"
        constraints = [
            models.UniqueConstraint(
                fields=["numbering", "period_key", "number"],
                condition=models.Q(number__isnull=False),
                name="outgoing_number_unique",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-issue_date"], name="outgoing_org"),
            models.Index(fields=["drafter", "status"], name="outgoing_drafter"),
        ]

    def __str__(self) -> str:
        return self.notation or f"Dự thảo: {self.summary[:60]}"

    @property
    def is_issued(self) -> bool:
        return self.status in (OutStatus.ISSUED, OutStatus.RECALLED)

    @property
    def is_numbered(self) -> bool:
        return self.status in NUMBERED_STATUSES

    @property
    def has_pdf_to_send(self) -> bool:
        """Whether `pdf_to_send` is there, without reading the file's row."""
        return self.status == OutStatus.ISSUED and self.final_pdf_id is not None

    @property
    def pdf_to_send(self) -> Blob | None:
        """The PDF that goes to recipients (internal and electronic exchange): the final PDF,
        which carries every required signature once the document is ISSUED. None while a
        required signature is still missing, so nothing unsigned leaves by mistake."""
        return self.final_pdf if self.has_pdf_to_send else None


class DraftVersion(models.Model):
    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField("phiên bản")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên tệp", max_length=255)
    generated = models.BooleanField("tạo từ mẫu", default=False)
    note = models.CharField("ghi chú", max_length=300, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="draft_version_unique")
        ]

    def __str__(self) -> str:
        return f"Phiên bản {self.number}"


class StepKind(models.TextChoices):
    UNIT_HEAD = "unit_head", "Lãnh đạo đơn vị soạn thảo"
    USER = "user", "Người được chỉ định"
    SIGNER = "signer", "Người ký"


class ReviewChain(models.Model):
    """The review steps for a document type (or every type) of one issuer."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name="cơ quan"
    )
    doc_type = models.ForeignKey(
        DocumentType,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name="loại văn bản",
        help_text="Để trống: áp dụng cho mọi loại chưa có quy trình riêng.",
    )
    name = models.CharField("tên quy trình", max_length=150)

    class Meta:
        verbose_name = "quy trình trình duyệt"
        verbose_name_plural = "quy trình trình duyệt"
        constraints = one_rule_per_type("review_chain")

    def __str__(self) -> str:
        return self.name


class ReviewChainStep(models.Model):
    chain = models.ForeignKey(ReviewChain, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("thứ tự")
    label = models.CharField("tên bước", max_length=120)
    kind = models.CharField("người duyệt", max_length=10, choices=StepKind.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["chain_id", "order"]
        constraints = [models.UniqueConstraint(fields=["chain", "order"], name="chain_step_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.label}"


class SigningAuthority(models.Model):
    """Who may sign which type, and with which authority (T/M, K/T, T/L or directly)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signing_authorities")
    doc_type = models.ForeignKey(
        DocumentType,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Để trống: mọi loại văn bản.",
    )
    authority = models.CharField(max_length=4, choices=Authority.choices, blank=True)
    title = models.CharField("chức vụ ghi ở khối chữ ký", max_length=150, blank=True)
    body = models.CharField("tập thể/cơ quan (sau T/M, T/L)", max_length=150, blank=True)

    class Meta:
        verbose_name = "thẩm quyền ký"
        verbose_name_plural = "thẩm quyền ký"

    def __str__(self) -> str:
        return f"{self.user} {self.authority}"


class SignatureRequirement(models.Model):
    """Which digital signatures an issued document needs before it may be sent, per issuer and
    document type (a row without type applies to every type without its own row). No row at
    all: no signature required (the document is issued and sent as soon as it is numbered)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name="cơ quan"
    )
    doc_type = models.ForeignKey(
        DocumentType,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name="loại văn bản",
        help_text="Để trống: áp dụng cho mọi loại chưa có cấu hình riêng.",
    )
    signer_signature = models.BooleanField(
        "cần chữ ký số của người ký",
        default=True,
        help_text="Người có thẩm quyền ký số bản PDF đã cấp số trước khi văn thư ký số cơ quan.",
    )
    organisation_signature = models.BooleanField(
        "cần chữ ký số của cơ quan",
        default=True,
        help_text="Văn thư ký số bằng khóa của cơ quan (hình con dấu) rồi mới phát hành.",
    )

    class Meta:
        verbose_name = "yêu cầu ký số khi ban hành"
        verbose_name_plural = "yêu cầu ký số khi ban hành"
        constraints = one_rule_per_type("signature_requirement")

    def __str__(self) -> str:
        kinds = [
            label
            for wanted, label in (
                (self.signer_signature, "người ký"),
                (self.organisation_signature, "cơ quan"),
            )
            if wanted
        ]
        what = " và ".join(kinds) if kinds else "không cần ký số"
        return f"{self.doc_type or 'Mọi loại'}: {what}"


class StepStatus(models.TextChoices):
    WAITING = "waiting", "Chưa đến lượt"
    PENDING = "pending", "Đang chờ duyệt"
    APPROVED = "approved", "Đã duyệt"
    RETURNED = "returned", "Trả lại"
    SKIPPED = "skipped", "Không còn hiệu lực"


class ReviewStep(models.Model):
    """One step of one review round of one document (a copy of the chain at submission)."""

    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="review_steps"
    )
    round = models.PositiveSmallIntegerField()
    order = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=120)
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=StepStatus.choices)
    version = models.ForeignKey(
        DraftVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document_id", "round", "order"]
        indexes = [models.Index(fields=["reviewer", "status"], name="review_step_reviewer")]

    def __str__(self) -> str:
        return f"{self.order}. {self.label}"


class OutAction(models.TextChoices):
    CREATE = "create", "Tạo dự thảo"
    VERSION = "version", "Tải lên phiên bản mới"
    SUBMIT = "submit", "Trình duyệt"
    RESUBMIT = "resubmit", "Trình lại"
    APPROVE = "approve", "Duyệt"
    RETURN = "return", "Trả lại, yêu cầu sửa"
    ISSUE = "issue", "Cấp số, ban hành"
    SIGN = "sign", "Người có thẩm quyền ký số"
    SEAL = "seal", "Văn thư ký số của cơ quan"
    DISPATCH = "dispatch", "Phát hành đến nơi nhận"
    SENT_PAPER = "sent_paper", "Gửi bản giấy"
    RECALL = "recall", "Thu hồi"
    CORRECTED = "corrected", "Có văn bản đính chính/thay thế"


class OutgoingEvent(models.Model):
    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=12, choices=OutAction.choices)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.get_action_display()


class Delivery(models.TextChoices):
    INTERNAL = "internal", "Trong hệ thống"
    EXCHANGE = "exchange", "Liên thông điện tử"
    PAPER = "paper", "Bản giấy"
    NONE = "none", "Không gửi (lưu, báo cáo)"


class DispatchStatus(models.TextChoices):
    PENDING = "pending", "Chưa gửi"
    DELIVERED = "delivered", "Đã nhận vào sổ văn bản đến"
    QUEUED = "queued", "Chờ gửi liên thông"
    ARRIVED = "arrived", "Đã đến nơi nhận (liên thông), chờ vào sổ"
    SENT = "sent", "Đã gửi bản giấy"
    KEPT = "kept", "Lưu"


class Recipient(models.Model):
    """One line of "Nơi nhận"."""

    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="recipients"
    )
    order = models.PositiveSmallIntegerField(default=0)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField("nơi nhận", max_length=255)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    status = models.CharField(
        max_length=10, choices=DispatchStatus.choices, default=DispatchStatus.PENDING
    )
    sent_on = models.DateField(null=True, blank=True)
    sent_method = models.CharField(max_length=120, blank=True)
    incoming = models.ForeignKey(
        IncomingDocument,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="origin_recipients",
    )

    class Meta:
        ordering = ["document_id", "order", "id"]

    def __str__(self) -> str:
        return self.label


def lines_in_order(rows: models.QuerySet[Recipient]) -> list[Recipient]:
    """A document's "Nơi nhận" lines in their order, sorted here rather than by the database:
    with an ORDER BY, Django hashes every selected column (all those of the joined
    organisations too) to compile the query, which cost more than running it."""
    return sorted(rows.order_by(), key=lambda line: (line.order, line.pk))


class ReplyLink(models.Model):
    """An outgoing document answers an incoming one; shown on both."""

    outgoing = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="replies")
    incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="reply_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["outgoing", "incoming"], name="reply_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.outgoing} → {self.incoming}"


class DocxTemplate(models.Model):
    """An office's own Word template (docxtpl) for a document type."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    doc_type = models.ForeignKey(DocumentType, on_delete=models.CASCADE)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "doc_type"], name="docx_template_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

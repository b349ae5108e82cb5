"""Registers (sổ) and their counters. Numbers restart by a configured rule."""

from __future__ import annotations

from django.db import models

from vanphong.core.models import Organisation


class RegisterKind(models.TextChoices):
    INCOMING = "incoming", "Văn bản đến"
    OUTGOING = "outgoing", "Văn bản đi"


class RestartRule(models.TextChoices):
    YEARLY = "yearly", "Hằng năm (từ 01/01)"
    TERM = "term", "Theo nhiệm kỳ"
    NEVER = "never", "Không khởi động lại"


class Term(models.Model):
    """A committee term (nhiệm kỳ); numbering by term restarts at its start date."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField("tên nhiệm kỳ", max_length=60, help_text="Ví dụ: 2025-2030")
    start_date = models.DateField("ngày bắt đầu")

    class Meta:
        ordering = ["organisation_id", "-start_date"]
        verbose_name = "nhiệm kỳ"
        verbose_name_plural = "nhiệm kỳ"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "start_date"], name="term_start_unique")
        ]

    def __str__(self) -> str:
        return f"Nhiệm kỳ {self.name}"


class Register(models.Model):
    """A register (sổ) of an organisation, e.g. "Sổ văn bản đến", "Sổ văn bản đến mật"."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="registers", verbose_name="tổ chức"
    )
    kind = models.CharField("loại sổ", max_length=20, choices=RegisterKind.choices)
    name = models.CharField("tên sổ", max_length=120)
    code = models.SlugField("mã sổ", max_length=40)
    for_secret = models.BooleanField(
        "sổ văn bản mật",
        default=False,
        help_text="Văn bản có độ mật được vào sổ này (nếu tổ chức có sổ mật riêng).",
    )
    restart_rule = models.CharField(
        "quy tắc đánh lại số",
        max_length=10,
        choices=RestartRule.choices,
        default=RestartRule.YEARLY,
    )
    is_active = models.BooleanField("đang dùng", default=True)

    class Meta:
        ordering = ["organisation_id", "kind", "for_secret", "name"]
        verbose_name = "sổ văn bản"
        verbose_name_plural = "sổ văn bản"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="register_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Counter(models.Model):
    """The last number given in a register for one period (a year, a term, or "all")."""

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="counters")
    period_key = models.CharField(max_length=40)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "bộ đếm"
        verbose_name_plural = "bộ đếm"
        constraints = [
            models.UniqueConstraint(fields=["register", "period_key"], name="counter_period_unique")
        ]

    def __str__(self) -> str:
        return f"{self.register} {self.period_key}: {self.last_number}"


class NotationStyle(models.TextChoices):
    PARTY = "party", "Đảng: 05-CT/TU"
    STATE = "state", "Nhà nước: 12/UBND-VP"


class OutgoingNumbering(models.Model):
    """Which counter an (issuer, document-type group) uses for outgoing documents.

    Several document types may share one counter (Quyết định and Quy định sharing "QĐ"). The
    counter itself lives on the outgoing register this row owns, so the gap-free allocation of
    `number_allocate` serves outgoing numbers too; its restart rule is the register's.
    """

    register = models.OneToOneField(
        Register, on_delete=models.PROTECT, related_name="outgoing_numbering", verbose_name="sổ"
    )
    doc_types = models.ManyToManyField(
        "documents.DocumentType", related_name="outgoing_numberings", verbose_name="loại văn bản"
    )
    abbr = models.CharField(
        "ký hiệu loại văn bản",
        max_length=20,
        help_text="QĐ, CT, CV... Với văn bản nhà nước, phần đứng trước ký hiệu cơ quan.",
    )
    issuer_code = models.CharField(
        "ký hiệu cơ quan ban hành",
        max_length=30,
        blank=True,
        help_text="Để trống thì dùng ký hiệu cơ quan ban hành của tổ chức (TU, VPTU...).",
    )
    style = models.CharField(
        "cách ghi số, ký hiệu", max_length=10, choices=NotationStyle.choices, default="party"
    )

    class Meta:
        verbose_name = "cấu hình cấp số văn bản đi"
        verbose_name_plural = "cấu hình cấp số văn bản đi"

    def __str__(self) -> str:
        return f"{self.register.organisation} – {self.abbr}"

    def compose(self, number: int) -> str:
        issuer = self.issuer_code or self.register.organisation.issuer_abbr
        if self.style == NotationStyle.STATE:
            return f"{number:02d}/{self.abbr}-{issuer}"
        return f"{number:02d}-{self.abbr}/{issuer}"

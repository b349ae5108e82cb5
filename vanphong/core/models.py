"""Organisations, units, people, roles, clearance, API tokens and the audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models


class Secrecy(models.IntegerChoices):
    """Secrecy levels (Luật Bảo vệ bí mật nhà nước); a user's clearance uses the same scale."""

    NONE = 0, "Thường"
    MAT = 1, "Mật"
    TOI_MAT = 2, "Tối mật"
    TUYET_MAT = 3, "Tuyệt mật"


class Role(models.TextChoices):
    VAN_THU = "van_thu", "Văn thư"
    CHUYEN_VIEN = "chuyen_vien", "Chuyên viên"
    LANH_DAO_DON_VI = "lanh_dao_don_vi", "Lãnh đạo phòng/ban"
    LANH_DAO_VAN_PHONG = "lanh_dao_van_phong", "Lãnh đạo văn phòng"
    THUONG_TRUC = "thuong_truc", "Thường trực/Bí thư"
    LUU_TRU = "luu_tru", "Cán bộ lưu trữ"
    QUAN_TRI = "quan_tri", "Quản trị"


identifier_validator = RegexValidator(
    r"^[0-9A-Z]+(\.[0-9A-Z]+)*$",
    "Mã định danh gồm chữ số và chữ in hoa A-Z, chia nhóm bằng dấu chấm (QĐ 20/2020/QĐ-TTg), "
    "ví dụ 000.00.00.G22.",
)


class OrgLevel(models.Model):
    """A level of the organisation tree, as data (Trung ương, tỉnh ủy, đảng ủy xã...)."""

    code = models.SlugField("mã", max_length=40, unique=True)
    name = models.CharField("tên cấp", max_length=120)
    rank = models.PositiveSmallIntegerField("thứ bậc", help_text="0 là cấp cao nhất")
    historical = models.BooleanField("chỉ còn trong dữ liệu lịch sử", default=False)

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = "cấp tổ chức"
        verbose_name_plural = "cấp tổ chức"

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A Party body or any other organisation in the directory (senders, recipients)."""

    level = models.ForeignKey(OrgLevel, on_delete=models.PROTECT, verbose_name="cấp")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="cơ quan cấp trên",
    )
    full_name = models.CharField("tên đầy đủ", max_length=255)
    short_name = models.CharField("tên viết tắt", max_length=80, blank=True)
    issuer_abbr = models.CharField(
        "ký hiệu cơ quan ban hành", max_length=20, blank=True, help_text="TW, TU, ĐU, VPTU..."
    )
    identifier = models.CharField(
        "mã định danh",
        max_length=35,
        blank=True,
        validators=[identifier_validator],
        db_index=True,
    )
    superior_heading = models.CharField(
        "dòng cơ quan cấp trên trong thể thức",
        max_length=255,
        blank=True,
        help_text="Ví dụ: ĐẢNG BỘ TỈNH QUẢNG NAM",
    )
    place_name = models.CharField("địa danh", max_length=80, blank=True)
    served_here = models.BooleanField(
        "phục vụ trên máy chủ này",
        default=False,
        help_text="Tổ chức có người dùng trên hệ thống này (không chỉ là đơn vị trong danh bạ).",
    )
    is_active = models.BooleanField("đang hoạt động", default=True)
    search_name = models.CharField(max_length=400, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["level__rank", "full_name"]
        verbose_name = "tổ chức"
        verbose_name_plural = "tổ chức"
        constraints = [
            models.UniqueConstraint(
                fields=["identifier"],
                condition=~models.Q(identifier=""),
                name="organisation_identifier_unique",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: object, **kwargs: object) -> None:
        from vanphong.core.text import fold

        self.search_name = fold(f"{self.full_name} {self.short_name} {self.identifier}")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Unit(models.Model):
    """A unit (phòng, ban) inside an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="units", verbose_name="tổ chức"
    )
    name = models.CharField("tên đơn vị", max_length=200)
    short_name = models.CharField("tên viết tắt", max_length=40, blank=True)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    is_active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        ordering = ["organisation_id", "order", "name"]
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unit_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    full_name = models.CharField("họ và tên", max_length=150)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="tổ chức",
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="đơn vị",
    )
    position = models.CharField("chức vụ", max_length=120, blank=True)
    clearance = models.PositiveSmallIntegerField(
        "mức được tiếp cận bí mật", choices=Secrecy.choices, default=Secrecy.NONE
    )
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True, editable=False)
    totp_enabled = models.BooleanField("bật xác thực hai lớp", default=False)
    totp_last_step = models.BigIntegerField(default=0, editable=False)
    failed_logins = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects: UserManager[User] = UserManager()  # type: ignore[assignment,misc]
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["full_name"]
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_set(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_cache", None)
        if cached is None:
            cached = (
                frozenset(self.roles.values_list("role", flat=True)) if self.pk else frozenset()
            )
            self._role_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in Role.values if r in self.role_set]


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("vai trò", max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = "vai trò"
        verbose_name_plural = "vai trò"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="user_role_unique")]

    def __str__(self) -> str:
        return Role(self.role).label


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("tên", max_length=100, blank=True)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.username})"


class AuditHead(models.Model):
    """Singleton: the last row of the chain. Locked while a row is appended."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"#{self.last_id}"


class AuditEvent(models.Model):
    """Append-only, hash-chained audit log. Written only by core.audit.audit_record()."""

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    # Not unique in the database: nothing looks a row up by its hash, and `audit_verify` checks
    # the chain itself. A unique index on random digests put each insert on a random page of an
    # index as large as the log (a batch of 50 registrations: 33 ms of its 100 ms at 1M rows).
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]
        verbose_name = "nhật ký hệ thống"
        verbose_name_plural = "nhật ký hệ thống"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

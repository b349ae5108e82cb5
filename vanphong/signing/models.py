"""Trust roots, CRLs, people's certificates, signing profiles, pending agent signatures and the
stored validation of every signed PDF (one row per signature)."""

from __future__ import annotations

import uuid

from django.db import models

from vanphong.core.models import Organisation, User
from vanphong.files.models import Blob


class CaKind(models.TextChoices):
    ROOT = "root", "Chứng thư gốc (tin cậy)"
    INTERMEDIATE = "intermediate", "Chứng thư trung gian"


class CaCertificate(models.Model):
    """A CA certificate the administrator configured. Only roots are trust anchors;
    intermediates help build chains when a PDF does not embed them."""

    kind = models.CharField("loại", max_length=12, choices=CaKind.choices, default=CaKind.ROOT)
    der = models.BinaryField("chứng thư (DER)")
    fingerprint = models.CharField("dấu vân tay SHA-256", max_length=64, unique=True)
    subject = models.CharField("chủ thể", max_length=500)
    issuer = models.CharField("tổ chức cấp", max_length=500)
    not_before = models.DateTimeField("hiệu lực từ")
    not_after = models.DateTimeField("hiệu lực đến")
    is_active = models.BooleanField("đang dùng", default=True)
    added_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "subject"]
        verbose_name = "chứng thư CA"
        verbose_name_plural = "chứng thư CA"

    def __str__(self) -> str:
        return self.subject


class RevocationList(models.Model):
    """A CRL imported from a file (upload or the CRL folder). The newest per issuer is used."""

    issuer = models.CharField("tổ chức phát hành", max_length=500, db_index=True)
    der = models.BinaryField("danh sách (DER)")
    fingerprint = models.CharField(max_length=64, unique=True)
    crl_number = models.CharField("số CRL", max_length=60, blank=True)
    this_update = models.DateTimeField("ngày phát hành")
    next_update = models.DateTimeField("lần cập nhật tiếp theo", null=True, blank=True)
    revoked_count = models.PositiveIntegerField("số chứng thư bị thu hồi", default=0)
    source = models.CharField("nguồn", max_length=300, blank=True)
    verified_by = models.ForeignKey(
        CaCertificate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crls",
        verbose_name="CA ký danh sách",
    )
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issuer", "-this_update"]
        verbose_name = "danh sách chứng thư bị thu hồi (CRL)"
        verbose_name_plural = "danh sách chứng thư bị thu hồi (CRL)"

    def __str__(self) -> str:
        return f"{self.issuer} ({self.this_update:%d/%m/%Y})"


class CertSource(models.TextChoices):
    UPLOAD = "upload", "Tải lên"
    AGENT = "agent", "Đọc từ chương trình ký trên máy"


class UserCertificate(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="certificates", verbose_name="người dùng"
    )
    der = models.BinaryField("chứng thư (DER)")
    fingerprint = models.CharField("dấu vân tay SHA-256", max_length=64)
    subject = models.CharField("chủ thể", max_length=500)
    common_name = models.CharField("tên trên chứng thư", max_length=200)
    issuer = models.CharField("tổ chức cấp", max_length=500)
    serial = models.CharField("số hiệu", max_length=80)
    not_before = models.DateTimeField("hiệu lực từ")
    not_after = models.DateTimeField("hiệu lực đến", db_index=True)
    source = models.CharField(
        "nguồn", max_length=10, choices=CertSource.choices, default=CertSource.UPLOAD
    )
    is_active = models.BooleanField("đang dùng", default=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    expiry_warned_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-registered_at"]
        verbose_name = "chứng thư số của người dùng"
        verbose_name_plural = "chứng thư số của người dùng"
        constraints = [
            models.UniqueConstraint(fields=["user", "fingerprint"], name="user_cert_unique")
        ]

    def __str__(self) -> str:
        return f"{self.common_name} ({self.serial})"


class Backend(models.TextChoices):
    PKCS12 = "pkcs12", "Tệp khóa PKCS#12 trên máy chủ"
    PKCS11 = "pkcs11", "Token/HSM gắn với máy chủ (PKCS#11)"
    AGENT = "agent", "USB token trên máy người ký (chương trình ký vanphong-signer)"


class SigningProfile(models.Model):
    """How one person, or one organisation (its seal key), signs.

    Secrets (PKCS#12 passphrase, token PIN) are never stored here: `secret_name` names an
    environment variable (or NAME_FILE pointing at a file) that holds it on the server."""

    user = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signing_profile",
        verbose_name="người ký",
    )
    organisation = models.OneToOneField(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signing_profile",
        verbose_name="cơ quan",
    )
    backend = models.CharField("cách ký", max_length=10, choices=Backend.choices)
    pkcs12_path = models.CharField("đường dẫn tệp PKCS#12", max_length=500, blank=True)
    pkcs11_module = models.CharField("thư viện PKCS#11", max_length=500, blank=True)
    token_label = models.CharField("nhãn token", max_length=100, blank=True)
    key_label = models.CharField("nhãn khóa", max_length=100, blank=True)
    secret_name = models.CharField("biến môi trường chứa mật khẩu/PIN", max_length=100, blank=True)
    image = models.ForeignKey(
        Blob,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="hình ảnh chữ ký hoặc con dấu (PNG)",
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The certificate last read from the key (by the daily job, the administrator's "read again"
    # or a signature), kept so that a key whose secret is typed at signing still shows its expiry.
    cert_der = models.BinaryField("chứng thư đã đọc (DER)", null=True, blank=True, editable=False)
    cert_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    cert_subject = models.CharField("chủ thể chứng thư", max_length=500, blank=True, editable=False)
    cert_issuer = models.CharField("tổ chức cấp", max_length=500, blank=True, editable=False)
    cert_serial = models.CharField("số hiệu", max_length=80, blank=True, editable=False)
    cert_not_after = models.DateTimeField("chứng thư hiệu lực đến", null=True, editable=False)
    cert_read_at = models.DateTimeField("đọc chứng thư lúc", null=True, editable=False)
    cert_error = models.CharField(
        "lỗi khi đọc chứng thư", max_length=500, blank=True, editable=False
    )
    expiry_warned_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "cấu hình ký số"
        verbose_name_plural = "cấu hình ký số"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(organisation__isnull=True))
                | (models.Q(user__isnull=True) & models.Q(organisation__isnull=False)),
                name="signing_profile_one_owner",
            )
        ]

    def __str__(self) -> str:
        owner = self.user or self.organisation
        return f"{owner}: {self.get_backend_display()}"


class AgentPairing(models.Model):
    """The shared secret between the server and one person's signing agent."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="agent_pairing")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ghép nối chương trình ký"
        verbose_name_plural = "ghép nối chương trình ký"

    def __str__(self) -> str:
        return f"{self.user}"


class PendingSignature(models.Model):
    """A PDF prepared on the server and waiting for the agent's signature (interrupted signing)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    certificate = models.ForeignKey(UserCertificate, on_delete=models.CASCADE, related_name="+")
    prepared_pdf = models.BinaryField()
    signed_attrs = models.BinaryField()
    document_digest = models.BinaryField()
    reserved_start = models.BigIntegerField()
    reserved_end = models.BigIntegerField()
    field_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "chữ ký đang chờ"
        verbose_name_plural = "chữ ký đang chờ"

    def __str__(self) -> str:
        return str(self.id)


class Verdict(models.TextChoices):
    VALID = "valid", "Hợp lệ"
    INVALID = "invalid", "Không hợp lệ"
    INDETERMINATE = "indeterminate", "Chưa xác định"


class BlobValidation(models.Model):
    """The last validation of one stored PDF. No signature rows and no error: not signed."""

    blob = models.OneToOneField(
        Blob, on_delete=models.CASCADE, primary_key=True, related_name="signature_validation"
    )
    validated_at = models.DateTimeField()
    signature_count = models.PositiveSmallIntegerField(default=0)
    error = models.CharField("lỗi", max_length=500, blank=True)

    class Meta:
        verbose_name = "kết quả kiểm tra chữ ký"
        verbose_name_plural = "kết quả kiểm tra chữ ký"

    def __str__(self) -> str:
        return f"{self.blob_id}: {self.signature_count}"


class SignatureCheck(models.Model):
    validation = models.ForeignKey(
        BlobValidation, on_delete=models.CASCADE, related_name="signatures"
    )
    position = models.PositiveSmallIntegerField()
    field_name = models.CharField(max_length=200)
    verdict = models.CharField(max_length=14, choices=Verdict.choices)
    reason = models.CharField("lý do", max_length=1000)
    signer_name = models.CharField("người ký", max_length=300, blank=True)
    signer_subject = models.CharField(max_length=500, blank=True)
    issuer = models.CharField(max_length=500, blank=True)
    serial = models.CharField(max_length=80, blank=True)
    signing_time = models.DateTimeField("thời điểm ký", null=True, blank=True)
    timestamped = models.BooleanField("có dấu thời gian", default=False)
    covers_whole_file = models.BooleanField(default=False)

    class Meta:
        ordering = ["validation_id", "position"]
        verbose_name = "chữ ký"
        verbose_name_plural = "chữ ký"
        constraints = [
            models.UniqueConstraint(
                fields=["validation", "position"], name="signature_check_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signer_name}: {self.get_verdict_display()}"

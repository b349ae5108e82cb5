"""Writes about trust: CA certificates, CRL imports (one file or the whole CRL folder), people's
certificates, the certificate of each organisation's own key, and the expiry warnings."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, Role, User
from vanphong.core.policy import require
from vanphong.signing.models import (
    Backend,
    CaCertificate,
    CaKind,
    CertSource,
    RevocationList,
    SigningProfile,
    UserCertificate,
)
from vanphong.signing.signers import asks_secret, signer_for_profile
from vanphong.signing.trust import (
    cert_info,
    crl_next_update,
    crl_signed_by,
    fingerprint,
    is_self_signed,
    load_certificate,
    load_crl,
    name_display,
    name_label,
    name_text,
)

logger = logging.getLogger(__name__)
CRL_SUFFIXES = {".crl", ".der", ".pem"}


def ca_certificate_add(*, actor: User, data: bytes, kind: str | None = None) -> CaCertificate:
    """Add a root (trust anchor) or an intermediate CA certificate."""
    require(actor, "signing.manage_trust", None, "Chỉ quản trị mới được cấu hình chứng thư gốc.")
    cert = load_certificate(data)
    info = cert_info(cert)
    if not info.is_ca:
        raise DomainError("Chứng thư này không phải chứng thư của tổ chức cấp (CA).")
    chosen = kind or (CaKind.ROOT if is_self_signed(cert) else CaKind.INTERMEDIATE)
    if chosen == CaKind.ROOT and not is_self_signed(cert):
        raise DomainError("Chứng thư gốc phải là chứng thư tự ký; đây là chứng thư trung gian.")
    with transaction.atomic():
        if CaCertificate.objects.filter(fingerprint=info.fingerprint).exists():
            raise DomainError("Chứng thư này đã có trong danh sách.")
        ca = CaCertificate.objects.create(
            kind=chosen,
            der=info.der,
            fingerprint=info.fingerprint,
            subject=info.subject,
            issuer=info.issuer,
            not_before=info.not_before,
            not_after=info.not_after,
            added_by=actor,
        )
        audit_record(
            actor=actor,
            action="signing.ca_add",
            obj=ca,
            summary=f"Thêm chứng thư {ca.get_kind_display().lower()}: {ca.subject}",
            data={"fingerprint": info.fingerprint},
        )
    return ca


def ca_certificate_set_active(*, actor: User, ca: CaCertificate, active: bool) -> CaCertificate:
    require(actor, "signing.manage_trust", None, "Chỉ quản trị mới được cấu hình chứng thư gốc.")
    with transaction.atomic():
        ca.is_active = active
        ca.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="signing.ca_enable" if active else "signing.ca_disable",
            obj=ca,
            summary=f"{'Dùng lại' if active else 'Ngừng dùng'} chứng thư {ca.subject}",
        )
    return ca


def _issuing_ca(crl_issuer: object, crl: object) -> CaCertificate | None:
    from asn1crypto import x509 as asn1_x509

    for ca in CaCertificate.objects.filter(is_active=True):
        cert = asn1_x509.Certificate.load(bytes(ca.der))
        if crl_signed_by(crl, cert):  # type: ignore[arg-type]
            return ca
    return None


def _store_crl(data: bytes, *, source: str) -> tuple[RevocationList, bool]:
    crl = load_crl(data)
    der = crl.dump()
    digest = fingerprint(der)
    existing = RevocationList.objects.filter(fingerprint=digest).first()
    if existing is not None:
        return existing, False
    ca = _issuing_ca(crl.issuer, crl)
    if ca is None:
        raise DomainError(
            f"CRL của “{name_label(crl.issuer)}” không được ký bởi chứng thư CA nào đã cấu hình; "
            "hãy thêm chứng thư của tổ chức cấp trước."
        )
    tbs = crl["tbs_cert_list"]
    number = ""
    for ext in tbs["crl_extensions"]:
        if ext["extn_id"].native == "crl_number":
            number = str(ext["extn_value"].native)
    issuer = name_text(crl.issuer)[:500]
    newest = RevocationList.objects.filter(issuer=issuer).order_by("-this_update").first()
    this_update = tbs["this_update"].native
    if newest is not None and this_update < newest.this_update:
        raise DomainError(
            f"CRL của “{name_display(issuer)}” phát hành ngày "
            f"{timezone.localtime(this_update):%d/%m/%Y} cũ "
            f"hơn CRL đang dùng ({timezone.localtime(newest.this_update):%d/%m/%Y})."
        )
    try:
        with transaction.atomic():
            row = RevocationList.objects.create(
                issuer=issuer,
                der=der,
                fingerprint=digest,
                crl_number=number[:60],
                this_update=this_update,
                next_update=crl_next_update(crl),
                revoked_count=len(crl["tbs_cert_list"]["revoked_certificates"]),
                source=source[:300],
                verified_by=ca,
            )
    except IntegrityError:  # loaded concurrently by the periodic job
        return RevocationList.objects.get(fingerprint=digest), False
    return row, True


def crl_import(*, actor: User, data: bytes, name: str) -> RevocationList:
    require(actor, "signing.manage_trust", None, "Chỉ quản trị mới được nhập CRL.")
    with transaction.atomic():
        row, created = _store_crl(data, source=f"Tải lên: {name}")
        if not created:
            raise DomainError("CRL này đã được nhập trước đây.")
        audit_record(
            actor=actor,
            action="signing.crl_import",
            obj=row,
            summary=f"Nhập CRL của {row.issuer} ({row.revoked_count} chứng thư bị thu hồi)",
        )
    return row


@dataclass
class FolderReload:
    loaded: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def crl_folder_reload(*, folder: Path | None = None) -> FolderReload:
    """Load every new CRL file dropped into the CRL folder (run periodically by the worker)."""
    folder = folder or Path(settings.SIGNING_CRL_DIR)
    report = FolderReload()
    if not folder.is_dir():
        return report
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in CRL_SUFFIXES or not path.is_file():
            continue
        try:
            row, created = _store_crl(path.read_bytes(), source=f"Thư mục CRL: {path.name}")
        except (DomainError, OSError) as exc:
            report.errors[path.name] = getattr(exc, "message", str(exc))
            continue
        if created:
            report.loaded.append(path.name)
            audit_record(
                actor=None,
                actor_name="hệ thống",
                action="signing.crl_reload",
                obj=row,
                summary=f"Nạp CRL {path.name} của {row.issuer}",
            )
        else:
            report.unchanged += 1
    if report.errors:
        logger.warning("CRL folder %s: %s", folder, report.errors)
    return report


def certificate_register(
    *, actor: User, data: bytes, source: str = CertSource.UPLOAD
) -> UserCertificate:
    """A person registers their own signing certificate (upload, or read from the agent)."""
    require(actor, "signing.register_certificate")
    cert = load_certificate(data)
    info = cert_info(cert)
    if info.is_ca:
        raise DomainError("Đây là chứng thư của tổ chức cấp (CA), không phải chứng thư cá nhân.")
    now = timezone.now()
    if info.not_after < now:
        raise DomainError(
            f"Chứng thư đã hết hạn ngày {timezone.localtime(info.not_after):%d/%m/%Y}."
        )
    with transaction.atomic():
        if UserCertificate.objects.filter(user=actor, fingerprint=info.fingerprint).exists():
            raise DomainError("Đồng chí đã đăng ký chứng thư này.")
        row = UserCertificate.objects.create(
            user=actor,
            der=info.der,
            fingerprint=info.fingerprint,
            subject=info.subject,
            common_name=info.common_name,
            issuer=info.issuer,
            serial=info.serial,
            not_before=info.not_before,
            not_after=info.not_after,
            source=source,
        )
        audit_record(
            actor=actor,
            action="signing.certificate_register",
            obj=row,
            summary=f"Đăng ký chứng thư số {info.common_name} (số hiệu {info.serial})",
        )
    return row


def certificate_deactivate(*, actor: User, certificate: UserCertificate) -> UserCertificate:
    require(actor, "signing.manage_certificate", certificate)
    with transaction.atomic():
        certificate.is_active = False
        certificate.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="signing.certificate_deactivate",
            obj=certificate,
            summary=f"Ngừng dùng chứng thư {certificate.common_name}",
        )
    return certificate


def certificate_expiry_warnings(*, on: dt.date | None = None) -> int:
    """Warn each person whose active certificate expires within SIGNING_EXPIRY_WARN_DAYS: the
    first time it comes within reach, then again 7, 3 and 1 days before. Returns the count."""
    from vanphong.notifications.services import notification_send

    on = on or timezone.localdate()
    days = int(getattr(settings, "SIGNING_EXPIRY_WARN_DAYS", 30))
    start = timezone.make_aware(dt.datetime.combine(on, dt.time.min))
    horizon = start + dt.timedelta(days=days + 1)
    sent = 0
    due = UserCertificate.objects.filter(
        is_active=True, not_after__gte=start, not_after__lt=horizon
    ).exclude(expiry_warned_on=on)
    for cert in due.select_related("user"):
        left = (timezone.localtime(cert.not_after).date() - on).days
        if cert.expiry_warned_on is not None and left not in (7, 3, 1):
            continue
        title = (
            f"Chứng thư số {cert.common_name} hết hạn ngày "
            f"{timezone.localtime(cert.not_after):%d/%m/%Y} (còn {left} ngày); "
            "hãy liên hệ tổ chức cấp để gia hạn."
        )
        sent += len(
            notification_send(
                user_ids=[cert.user_id],
                title=title,
                kind="cert_expiry",
                url=reverse("signing:certificates"),
                dedupe_key=f"cert-expiry:{cert.pk}:{on.isoformat()}",
            )
        )
        UserCertificate.objects.filter(pk=cert.pk).update(expiry_warned_on=on)
    return sent


# --- the organisation's own key (the seal key the office holds on the server) ---------------

WARN_MARKS = (7, 3, 1)


def organisation_certificate_record(
    *, profile: SigningProfile, cert: asn1_x509.Certificate
) -> bool:
    """Keep the certificate just read from an organisation's key on its profile. A different
    certificate (the key was renewed) starts the expiry warnings afresh. True when it changed."""
    info = cert_info(cert)
    changed = info.fingerprint != profile.cert_fingerprint
    values: dict[str, object] = {
        "cert_der": info.der,
        "cert_fingerprint": info.fingerprint,
        "cert_subject": info.subject,
        "cert_issuer": info.issuer,
        "cert_serial": info.serial[:80],
        "cert_not_after": info.not_after,
        "cert_read_at": timezone.now(),
        "cert_error": "",
    }
    if changed:
        values["expiry_warned_on"] = None
    SigningProfile.objects.filter(pk=profile.pk).update(**values)
    for name, value in values.items():
        setattr(profile, name, value)
    return changed


def _read_organisation_certificate(profile: SigningProfile) -> asn1_x509.Certificate:
    if asks_secret(profile):
        raise DomainError(
            "Khóa của cơ quan cần mật khẩu/PIN nhập khi ký nên máy chủ không tự đọc được chứng "
            "thư; chứng thư sẽ được cập nhật ở lần văn thư ký số tiếp theo."
        )
    return signer_for_profile(profile, None).certificate()


def organisation_key_profiles() -> QuerySet[SigningProfile]:
    return (
        SigningProfile.objects.filter(organisation__isnull=False)
        .exclude(backend=Backend.AGENT)
        .select_related("organisation")
        .order_by("organisation__full_name", "pk")
    )


def organisation_certificate_refresh(*, actor: User, profile: SigningProfile) -> SigningProfile:
    """The administrator reads the certificate from an organisation's key again (after renewing
    the key file or token) instead of waiting for the daily job."""
    require(actor, "signing.manage_trust", None, "Chỉ quản trị mới được đọc lại khóa của cơ quan.")
    if profile.organisation_id is None or profile.backend == Backend.AGENT:
        raise DomainError("Cấu hình ký số này không phải khóa của cơ quan trên máy chủ.")
    try:
        cert = _read_organisation_certificate(profile)
    except DomainError as exc:
        SigningProfile.objects.filter(pk=profile.pk).update(cert_error=exc.message[:500])
        raise
    with transaction.atomic():
        changed = organisation_certificate_record(profile=profile, cert=cert)
        audit_record(
            actor=actor,
            action="signing.org_certificate_read",
            obj=profile,
            summary=(
                f"Đọc lại chứng thư khóa ký của {profile.organisation}: {profile.cert_subject}"
                f"{' (chứng thư mới)' if changed else ''}"
            ),
            data={"fingerprint": profile.cert_fingerprint},
        )
    return profile


def _refresh_quietly(profile: SigningProfile) -> None:
    """The daily job reads each key it can (secret held by the server); on failure it keeps the
    certificate it read last and records why."""
    if asks_secret(profile):
        return
    try:
        cert = _read_organisation_certificate(profile)
    except DomainError as exc:
        logger.warning("organisation key %s: %s", profile.pk, exc.message)
        SigningProfile.objects.filter(pk=profile.pk).update(cert_error=exc.message[:500])
        profile.cert_error = exc.message[:500]
        return
    organisation_certificate_record(profile=profile, cert=cert)


def organisation_key_keepers(organisation: Organisation) -> list[int]:
    """Who hears about the organisation's key: its văn thư and its administrators."""
    return list(
        User.objects.filter(organisation=organisation, is_active=True)
        .filter(Q(roles__role__in=[Role.VAN_THU, Role.QUAN_TRI]) | Q(is_superuser=True))
        .values_list("pk", flat=True)
        .distinct()
    )


def _organisation_warning(profile: SigningProfile, left: int) -> str:
    assert profile.cert_not_after is not None and profile.organisation is not None
    until = f"{timezone.localtime(profile.cert_not_after):%d/%m/%Y}"
    what = f"Chứng thư số của khóa ký cơ quan ({profile.organisation.full_name})"
    if left < 0:
        return (
            f"{what} đã hết hạn ngày {until}: văn thư không ký số của cơ quan được nữa. "
            "Hãy gia hạn chứng thư và cập nhật khóa trên máy chủ."
        )
    when = "hôm nay" if left == 0 else f"ngày {until} (còn {left} ngày)"
    return (
        f"{what} hết hạn {when}; hãy liên hệ tổ chức cấp để gia hạn và cập nhật khóa trên máy chủ."
    )


def organisation_certificate_expiry_warnings(*, on: dt.date | None = None) -> int:
    """Warn the văn thư and administrators of each organisation whose own key's certificate
    expires within SIGNING_EXPIRY_WARN_DAYS (the first time, then 7, 3 and 1 days before) and
    once more after it has expired; at most once a day. Returns the count of notifications."""
    from vanphong.notifications.services import notification_send

    on = on or timezone.localdate()
    days = int(getattr(settings, "SIGNING_EXPIRY_WARN_DAYS", 30))
    sent = 0
    for profile in organisation_key_profiles():
        _refresh_quietly(profile)
        if profile.cert_not_after is None or profile.expiry_warned_on == on:
            continue
        expires_on = timezone.localtime(profile.cert_not_after).date()
        left = (expires_on - on).days
        warned = profile.expiry_warned_on
        if left > days:
            continue
        if left < 0:
            if warned is not None and warned > expires_on:
                continue  # already told it has expired
        elif warned is not None and left not in WARN_MARKS:
            continue
        assert profile.organisation is not None
        sent += len(
            notification_send(
                user_ids=organisation_key_keepers(profile.organisation),
                title=_organisation_warning(profile, left),
                kind="org_cert_expiry",
                url=reverse("signing:trust"),
                dedupe_key=f"org-cert-expiry:{profile.pk}:{on.isoformat()}",
            )
        )
        SigningProfile.objects.filter(pk=profile.pk).update(expiry_warned_on=on)
    return sent

"""Signing and validation services: the interface the outgoing documents (issuance) call.

    sign_personal(actor=, pdf=, box=)        -> SignedPdf, or AgentRequest for the desk agent
    agent_complete(actor=, pending_id=, response=) -> SignedPdf
    sign_organisation(actor=, pdf=, signer_box= | number_notation=) -> SignedPdf
    signature_validate_blob(blob=)           -> BlobValidation (stored, one row per signature)

Every function leaves the caller's document untouched when it raises DomainError."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, User
from vanphong.core.policy import require
from vanphong.files.models import Blob
from vanphong.files.store import open_blob
from vanphong.signing import pdfsign
from vanphong.signing.models import (
    AgentPairing,
    Backend,
    BlobValidation,
    PendingSignature,
    RevocationList,
    SignatureCheck,
    SigningProfile,
    UserCertificate,
)
from vanphong.signing.pdfsign import Box, Mark, SignSpec
from vanphong.signing.signers import AgentSigner, Signer, signer_for_profile
from vanphong.signing.trust import fingerprint, load_crl, load_trust, name_text
from vanphong.signing.trust_services import organisation_certificate_record
from vanphong.signing.validation import check_pdf
from vanphong_signer import protocol

PENDING_MINUTES = 10
PERSONAL_FIELD = "ChuKyNguoiKy"
ORGANISATION_FIELD = "ChuKyCoQuan"


@dataclass(frozen=True)
class SignedPdf:
    pdf: bytes
    field_name: str
    signer_name: str
    serial: str


@dataclass(frozen=True)
class AgentRequest:
    """Hand `payload` to the page; its script posts it to the agent on 127.0.0.1 and posts the
    agent's answer back to the server, which calls agent_complete()."""

    pending_id: str
    payload: dict[str, Any]


# --- helpers ------------------------------------------------------------------------------


def _free_field_name(pdf: bytes, base: str) -> str:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        taken = {name for name, _v, _r in fields.enumerate_sig_fields(reader)}
    except Exception as exc:  # noqa: BLE001 - any parse failure means the PDF is unusable
        raise DomainError(f"Tệp PDF bị hỏng, không ký được ({exc}).") from None
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name


def _check_pdf_size(pdf: bytes) -> None:
    if not pdf.startswith(b"%PDF-"):
        raise DomainError("Tệp cần ký không phải là PDF.")
    if len(pdf) > settings.UPLOAD_MAX_BYTES:
        raise DomainError(
            f"Tệp PDF vượt quá dung lượng ký được ({settings.UPLOAD_MAX_BYTES // 2**20} MB)."
        )


def revocation_of(cert: asn1_x509.Certificate) -> dt.datetime | None:
    """When the newest imported CRL of the certificate's issuer says it was revoked, or None."""
    issuer = name_text(cert.issuer)[:500]
    row = RevocationList.objects.filter(issuer=issuer).order_by("-this_update", "-pk").first()
    if row is None:
        return None
    crl = load_crl(bytes(row.der))
    for entry in crl["tbs_cert_list"]["revoked_certificates"]:
        if entry["user_certificate"].native == cert.serial_number:
            return entry["revocation_date"].native  # type: ignore[no-any-return]
    return None


def check_usable(cert: asn1_x509.Certificate, *, organisation: bool = False) -> None:
    """Refuse to sign with a certificate that is expired, not yet valid or revoked."""
    validity = cert["tbs_certificate"]["validity"]
    now = timezone.now()
    not_after = validity["not_after"].native
    if not_after < now and organisation:
        raise DomainError(
            "Chứng thư số của khóa ký cơ quan đã hết hạn ngày "
            f"{timezone.localtime(not_after):%d/%m/%Y}; không ký số của cơ quan được. Hãy báo "
            "quản trị gia hạn chứng thư và cập nhật khóa của cơ quan trên máy chủ."
        )
    if not_after < now:
        raise DomainError(
            f"Chứng thư số đã hết hạn ngày {timezone.localtime(not_after):%d/%m/%Y}; "
            "không ký được. Hãy gia hạn chứng thư."
        )
    if validity["not_before"].native > now:
        raise DomainError("Chứng thư số chưa đến ngày có hiệu lực; không ký được.")
    revoked = revocation_of(cert)
    if revoked is not None:
        raise DomainError(
            f"Chứng thư số đã bị thu hồi ngày {timezone.localtime(revoked):%d/%m/%Y}; "
            "không ký được."
        )


def _signer_name(cert: asn1_x509.Certificate) -> str:
    from vanphong.signing.trust import common_name

    return common_name(cert)


def _image(profile: SigningProfile | None) -> bytes | None:
    if profile is None or profile.image_id is None:
        return None
    assert profile.image is not None
    with open_blob(profile.image) as handle:
        return handle.read()


def active_certificate(user: User) -> UserCertificate | None:
    return (
        UserCertificate.objects.filter(user=user, is_active=True, not_after__gt=timezone.now())
        .order_by("-not_after")
        .first()
    )


def personal_signer(user: User, secret: str | None = None) -> tuple[Signer, SigningProfile | None]:
    profile = SigningProfile.objects.filter(user=user).select_related("image").first()
    cert_row = active_certificate(user)
    cert = asn1_x509.Certificate.load(bytes(cert_row.der)) if cert_row else None
    if profile is None:
        if cert is None:
            raise DomainError(
                "Đồng chí chưa đăng ký chứng thư số. Hãy đăng ký chứng thư trước khi ký bằng token."
            )
        return AgentSigner(cert), None
    return signer_for_profile(profile, cert, secret), profile


def _audit_signed(actor: User, result: SignedPdf, kind: str) -> None:
    audit_record(
        actor=actor,
        action=f"signing.sign_{kind}",
        summary=f"Ký số ({'cá nhân' if kind == 'personal' else 'cơ quan'}): {result.signer_name}",
        data={
            "field": result.field_name,
            "serial": result.serial,
            "sha256": hashlib.sha256(result.pdf).hexdigest(),
        },
    )


# --- personal signature --------------------------------------------------------------------


def sign_personal(
    *,
    actor: User,
    pdf: bytes,
    box: Box | None = None,
    reason: str = "Ký ban hành văn bản",
    location: str = "",
    secret: str | None = None,
) -> SignedPdf | AgentRequest:
    """The signer's own signature with their signature image in `box` (between title and name).

    With a server-side key the signed PDF comes back at once; with the desk agent an
    AgentRequest comes back and the PDF is finished by agent_complete(). `secret` is the
    passphrase/PIN the person typed, for a server-side key whose profile names no environment
    variable holding it."""
    require(actor, "signing.sign_personal")
    _check_pdf_size(pdf)
    signer, profile = personal_signer(actor, secret)
    cert = signer.certificate()
    check_usable(cert)
    spec = SignSpec(
        field_name=_free_field_name(pdf, PERSONAL_FIELD),
        mark=Mark.SIGNER,
        signer_name=_signer_name(cert),
        reason=reason,
        location=location,
        box=box,
        image_png=_image(profile),
    )
    if isinstance(signer, AgentSigner):
        return _agent_prepare(actor=actor, signer=signer, pdf=pdf, spec=spec)
    signed = signer.sign(pdf, spec)
    result = SignedPdf(signed, spec.field_name, spec.signer_name, format(cert.serial_number, "X"))
    _audit_signed(actor, result, "personal")
    return result


# --- organisation signature ----------------------------------------------------------------


def sign_organisation(
    *,
    actor: User,
    pdf: bytes,
    organisation: Organisation | None = None,
    signer_box: Box | None = None,
    number_notation: str = "",
    reason: str = "Ban hành văn bản",
    secret: str | None = None,
) -> SignedPdf:
    """The organisation's signature added by the văn thư at issuance, with the key the office
    holds on the server. With `number_notation` it is the text-only mark for attachments and
    electronic copies (top right of page 1); otherwise the seal image overlapping the left third
    of the signer's image in `signer_box`."""
    organisation = organisation or actor.organisation
    require(
        actor,
        "signing.sign_organisation",
        organisation,
        "Chỉ văn thư của cơ quan mới được ký số bằng khóa của cơ quan.",
    )
    assert organisation is not None
    _check_pdf_size(pdf)
    profile = (
        SigningProfile.objects.filter(organisation=organisation).select_related("image").first()
    )
    if profile is None or profile.backend == Backend.AGENT:
        raise DomainError(
            "Cơ quan chưa được cấu hình khóa ký số (tệp PKCS#12 hoặc token/HSM trên máy chủ)."
        )
    signer = signer_for_profile(profile, None, secret)
    cert = signer.certificate()
    if fingerprint(cert.dump()) != profile.cert_fingerprint or profile.cert_error:
        # keeps the expiry on the trust page and in the warnings current, also for a key whose
        # passphrase/PIN is typed at signing and which the daily job therefore cannot read
        organisation_certificate_record(profile=profile, cert=cert)
    check_usable(cert, organisation=True)
    attachment = bool(number_notation.strip())
    spec = SignSpec(
        field_name=_free_field_name(pdf, ORGANISATION_FIELD),
        mark=Mark.ATTACHMENT if attachment else Mark.SEAL,
        signer_name=organisation.full_name,
        organisation_name=organisation.full_name,
        reason=reason,
        location=organisation.place_name,
        box=signer_box,
        image_png=None if attachment else _image(profile),
        number_notation=number_notation.strip(),
    )
    signed = signer.sign(pdf, spec)
    result = SignedPdf(signed, spec.field_name, spec.signer_name, format(cert.serial_number, "X"))
    _audit_signed(actor, result, "organisation")
    return result


# --- desk agent (interrupted signing) ------------------------------------------------------


def agent_pair(*, actor: User) -> str:
    """A new shared secret between the server and this person's agent (replaces the old one).
    It is shown once; the person types it into `vanphong-signer pair`."""
    require(actor, "signing.register_certificate")
    secret = secrets.token_hex(protocol.SECRET_BYTES)
    with transaction.atomic():
        AgentPairing.objects.update_or_create(user=actor, defaults={"secret": secret})
        audit_record(actor=actor, action="signing.agent_pair", summary="Ghép nối chương trình ký")
    return secret


def _agent_prepare(*, actor: User, signer: AgentSigner, pdf: bytes, spec: SignSpec) -> AgentRequest:
    pairing = AgentPairing.objects.filter(user=actor).first()
    if pairing is None:
        raise DomainError(
            "Máy của đồng chí chưa ghép nối chương trình ký vanphong-signer. Hãy ghép nối ở trang "
            "Chứng thư số."
        )
    cert = signer.certificate()
    cert_row = active_certificate(actor)
    assert cert_row is not None
    prepared = signer.prepare(pdf, spec)
    pending = PendingSignature.objects.create(
        user=actor,
        certificate=cert_row,
        prepared_pdf=prepared.prepared_pdf,
        signed_attrs=prepared.signed_attrs,
        document_digest=prepared.document_digest,
        reserved_start=prepared.reserved_start,
        reserved_end=prepared.reserved_end,
        field_name=spec.field_name,
        expires_at=timezone.now() + dt.timedelta(minutes=PENDING_MINUTES),
    )
    request_id = str(pending.id)
    cert_sha = fingerprint(cert.dump())
    payload = {
        "version": protocol.PROTOCOL_VERSION,
        "request_id": request_id,
        "data": protocol.b64e(prepared.signed_attrs),
        "digest": pdfsign.DIGEST,
        "cert_sha256": cert_sha,
        "signer": spec.signer_name,
        "mac": protocol.request_mac(
            pairing.secret, request_id=request_id, data=prepared.signed_attrs, cert_sha256=cert_sha
        ),
    }
    return AgentRequest(pending_id=request_id, payload=payload)


def _verify_raw_signature(cert: asn1_x509.Certificate, data: bytes, signature: bytes) -> bool:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = x509.load_der_x509_certificate(cert.dump()).public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def agent_complete(*, actor: User, pending_id: str, response: dict[str, Any]) -> SignedPdf:
    """Finish the PDF with the signature the agent returned (after checking it)."""
    require(actor, "signing.sign_personal")
    if response.get("error"):
        raise DomainError(str(response["error"])[:300])
    with transaction.atomic():
        pending = (
            PendingSignature.objects.select_for_update()
            .select_related("certificate")
            .filter(pk=pending_id, user=actor)
            .first()
        )
        if pending is None or pending.completed_at is not None:
            raise DomainError("Yêu cầu ký không còn hoặc đã được hoàn tất.")
        if pending.expires_at < timezone.now():
            raise DomainError("Yêu cầu ký đã quá hạn; hãy ký lại.")
        pairing = AgentPairing.objects.filter(user=actor).first()
        try:
            signature = protocol.b64d(str(response.get("signature", "")))
        except ValueError:
            raise DomainError("Chương trình ký trả về dữ liệu không đúng định dạng.") from None
        mac = str(response.get("mac", ""))
        if pairing is None or not protocol.same(
            mac, protocol.response_mac(pairing.secret, request_id=pending_id, signature=signature)
        ):
            raise DomainError("Câu trả lời không đến từ chương trình ký đã ghép nối với máy chủ.")
        cert = asn1_x509.Certificate.load(bytes(pending.certificate.der))
        if not _verify_raw_signature(cert, bytes(pending.signed_attrs), signature):
            raise DomainError(
                "Chữ ký trả về không khớp với chứng thư đã đăng ký (token khác hoặc khóa khác)."
            )
        prepared = pdfsign.Prepared(
            prepared_pdf=bytes(pending.prepared_pdf),
            signed_attrs=bytes(pending.signed_attrs),
            document_digest=bytes(pending.document_digest),
            reserved_start=pending.reserved_start,
            reserved_end=pending.reserved_end,
        )
        signed = AgentSigner(cert).complete(prepared, signature)
        pending.completed_at = timezone.now()
        pending.prepared_pdf = b""
        pending.save(update_fields=["completed_at", "prepared_pdf"])
        result = SignedPdf(
            signed, pending.field_name, _signer_name(cert), format(cert.serial_number, "X")
        )
        _audit_signed(actor, result, "personal")
    return result


def pending_cleanup(*, now: dt.datetime | None = None) -> int:
    """Drop expired or finished pending signatures (their prepared PDFs can be large)."""
    now = now or timezone.now()
    deleted, _ = PendingSignature.objects.filter(expires_at__lt=now).delete()
    return deleted


# --- validation ----------------------------------------------------------------------------


def signature_validate_blob(*, blob: Blob, trust: Any = None) -> BlobValidation:
    """Validate every signature of a stored PDF and store the outcome (replacing the last)."""
    if blob.content_type != "application/pdf":
        raise DomainError("Chỉ kiểm tra chữ ký số của tệp PDF.")
    limit = int(getattr(settings, "SIGNING_VALIDATE_MAX_BYTES", settings.UPLOAD_MAX_BYTES))
    if blob.size > limit:
        check = None
        error = f"Tệp quá lớn để kiểm tra chữ ký (giới hạn {limit // 2**20} MB)."
    else:
        with open_blob(blob) as handle:
            data = handle.read()
        check = check_pdf(data, trust or load_trust())
        error = check.error
    with transaction.atomic():
        validation, _ = BlobValidation.objects.update_or_create(
            blob=blob,
            defaults={
                "validated_at": timezone.now(),
                "signature_count": len(check.signatures) if check else 0,
                "error": error[:500],
            },
        )
        validation.signatures.all().delete()
        if check is not None:
            SignatureCheck.objects.bulk_create(
                SignatureCheck(
                    validation=validation,
                    position=s.position,
                    field_name=s.field_name,
                    verdict=s.verdict,
                    reason=s.reason,
                    signer_name=s.signer_name,
                    signer_subject=s.signer_subject,
                    issuer=s.issuer,
                    serial=s.serial,
                    signing_time=s.signing_time,
                    timestamped=s.timestamped,
                    covers_whole_file=s.covers_whole_file,
                )
                for s in check.signatures
            )
    return validation

"""Validate every signature in a PDF and explain the outcome in Vietnamese.

Integrity (nothing changed after signing; later incremental updates only as PAdES allows: more
signatures, form filling), the chain to the configured trust roots, validity at signing time
(the time-stamp's time when there is one, otherwise the time the signer claimed) and revocation
from the imported CRLs."""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from django.utils import timezone
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel

from vanphong.signing.models import Verdict
from vanphong.signing.trust import (
    TrustMaterial,
    common_name,
    is_self_signed,
    name_label,
    name_text,
)

logger = logging.getLogger(__name__)

KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)


@dataclass(frozen=True)
class SignatureOutcome:
    position: int
    field_name: str
    verdict: str
    reason: str
    signer_name: str = ""
    signer_subject: str = ""
    issuer: str = ""
    serial: str = ""
    signing_time: dt.datetime | None = None
    timestamped: bool = False
    covers_whole_file: bool = False


@dataclass(frozen=True)
class PdfCheck:
    signatures: list[SignatureOutcome]
    error: str = ""


def _date(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y}"


def _datetime(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%H:%M %d/%m/%Y}"


def _timestamp_time(emb: EmbeddedPdfSignature) -> dt.datetime | None:
    try:
        token = find_unique_cms_attribute(
            emb.signer_info["unsigned_attrs"], "signature_time_stamp_token"
        )
    except (KeyError, ValueError, TypeError, LookupError):
        return None
    try:
        info = token["content"]["encap_content_info"]["content"].parsed
        return info["gen_time"].native  # type: ignore[no-any-return]
    except (KeyError, ValueError, TypeError):
        return None


def _issuer_known(
    cert: asn1_x509.Certificate, emb: EmbeddedPdfSignature, trust: TrustMaterial
) -> bool:
    candidates = list(trust.roots) + list(trust.intermediates) + list(emb.other_embedded_certs)
    return any(c.subject == cert.issuer for c in candidates)


def _untrusted_reason(
    cert: asn1_x509.Certificate, emb: EmbeddedPdfSignature, trust: TrustMaterial
) -> str:
    issuer = name_label(cert.issuer)
    if not _issuer_known(cert, emb, trust):
        return (
            f"Không tìm thấy chứng thư của tổ chức cấp “{issuer}”: tổ chức này chưa được quản "
            "trị cấu hình và văn bản không kèm theo chứng thư đó."
        )
    embedded_roots = [c for c in emb.other_embedded_certs if is_self_signed(c)]
    if embedded_roots:
        root = common_name(embedded_roots[0])
        return (
            f"Chứng thư được cấp từ chứng thư gốc “{root}”, không thuộc các chứng thư gốc "
            "tin cậy đã cấu hình."
        )
    return (
        f"Không xác thực được chứng thư đến một chứng thư gốc tin cậy đã cấu hình "
        f"(tổ chức cấp “{issuer}”)."
    )


def _explain(
    status: PdfSignatureStatus,
    emb: EmbeddedPdfSignature,
    trust: TrustMaterial,
    signing_time: dt.datetime | None,
) -> tuple[str, str]:
    cert = status.signing_cert
    if not status.intact:
        return Verdict.INVALID, "Nội dung văn bản đã bị thay đổi sau khi ký (mã băm không khớp)."
    if not status.valid:
        return Verdict.INVALID, "Giá trị chữ ký không khớp với chứng thư của người ký."
    if status.modification_level is not None and (
        status.modification_level > ModificationLevel.FORM_FILLING or not status.docmdp_ok
    ):
        return (
            Verdict.INVALID,
            "Văn bản đã bị sửa đổi sau khi ký (thay đổi nội dung, không chỉ thêm chữ ký).",
        )
    if status.revoked:
        details = status.revocation_details
        when = f" ngày {_date(details.revocation_date)}" if details else ""
        who = "Chứng thư của tổ chức cấp" if details and details.ca_revoked else "Chứng thư"
        return Verdict.INVALID, f"{who} đã bị thu hồi{when}, trước thời điểm ký."
    indic = status.trust_problem_indic
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if indic in (
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
    ) or (signing_time and not not_before <= signing_time <= not_after):
        when = _datetime(signing_time) if signing_time else "không rõ"
        if signing_time and signing_time < not_before:
            return (
                Verdict.INVALID,
                f"Chứng thư chưa có hiệu lực tại thời điểm ký {when} "
                f"(hiệu lực từ ngày {_date(not_before)}).",
            )
        return (
            Verdict.INVALID,
            f"Chứng thư đã hết hạn ngày {_date(not_after)}, trước thời điểm ký {when}.",
        )
    if indic is AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return Verdict.INDETERMINATE, _untrusted_reason(cert, emb, trust)
    if indic in (
        AdESIndeterminate.TRY_LATER,
        AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE,
    ):
        return (
            Verdict.INDETERMINATE,
            f"Chưa có danh sách chứng thư bị thu hồi (CRL) còn hiệu lực của tổ chức cấp "
            f"“{name_label(cert.issuer)}”; quản trị cần nhập CRL mới để kết luận.",
        )
    if not status.trusted:
        label = str(getattr(indic, "name", "không rõ"))
        return Verdict.INDETERMINATE, f"Không kết luận được về chứng thư của người ký ({label})."
    stamp = status.timestamp_validity
    if stamp is not None and not (stamp.intact and stamp.valid and stamp.trusted):
        return Verdict.INDETERMINATE, "Dấu thời gian kèm chữ ký không được xác thực."
    reason = (
        "Chữ ký hợp lệ: văn bản không bị thay đổi, chứng thư còn hiệu lực tại thời điểm ký "
        "và chưa bị thu hồi."
    )
    if status.modification_level == ModificationLevel.FORM_FILLING:
        reason += " Sau chữ ký này văn bản được ký thêm."
    return Verdict.VALID, reason


def check_signature(
    emb: EmbeddedPdfSignature, position: int, trust: TrustMaterial
) -> SignatureOutcome:
    field_name = str(emb.field_name or f"Chữ ký {position + 1}")
    try:
        cert = emb.signer_cert
    except (ValueError, KeyError, TypeError, PdfError) as exc:
        return SignatureOutcome(
            position, field_name, Verdict.INVALID, f"Chữ ký bị hỏng, không đọc được ({exc})."
        )
    stamp_time = _timestamp_time(emb)
    signing_time = stamp_time or emb.self_reported_timestamp
    base = {
        "position": position,
        "field_name": field_name[:200],
        "signer_name": common_name(cert)[:300],
        "signer_subject": name_text(cert.subject)[:500],
        "issuer": name_text(cert.issuer)[:500],
        "serial": format(cert.serial_number, "X")[:80],
        "signing_time": signing_time,
        "timestamped": stamp_time is not None,
    }
    try:
        status = validate_pdf_signature(
            emb, trust.context(moment=signing_time), key_usage_settings=KEY_USAGE
        )
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return SignatureOutcome(
            verdict=Verdict.INVALID,
            reason=f"Chữ ký bị hỏng, không kiểm tra được ({exc}).",
            **base,  # type: ignore[arg-type]
        )
    verdict, reason = _explain(status, emb, trust, signing_time)
    if signing_time and stamp_time is None and verdict == Verdict.VALID:
        reason += " Thời điểm ký do người ký khai (không có dấu thời gian)."
    return SignatureOutcome(
        verdict=verdict,
        reason=reason[:1000],
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        **base,  # type: ignore[arg-type]
    )


def check_pdf(data: bytes, trust: TrustMaterial) -> PdfCheck:
    """Every signature of the PDF, in document order. A PDF without signatures gives none."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return PdfCheck([], "Tệp PDF được mã hóa bằng mật khẩu, không kiểm tra được chữ ký.")
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        return PdfCheck([], f"Tệp PDF bị hỏng, không đọc được chữ ký ({exc}).")
    outcomes = []
    for position, emb in enumerate(embedded):
        try:
            outcomes.append(check_signature(emb, position, trust))
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            logger.warning("signature %s unreadable: %s", position, exc)
            outcomes.append(
                SignatureOutcome(
                    position,
                    str(emb.field_name or position + 1),
                    Verdict.INVALID,
                    f"Chữ ký bị hỏng, không đọc được ({exc}).",
                )
            )
    return PdfCheck(outcomes)

"""The digital signatures of an issued document (Nghị định 30/2020, electronic documents).

After `outgoing_issue` numbered and dated the approved version and made the final PDF:

    outgoing_sign(actor=doc.signer, ...)          the person with authority signs the numbered PDF
        -> with a key on the server: signed at once (TO_SIGN -> TO_SEAL or ISSUED)
        -> with their own USB token: an AgentRequest for the page, then outgoing_sign_complete()
    outgoing_sign_upload(actor=doc.signer, file=) a PDF signed elsewhere: it must be the numbered
                                                  PDF plus signatures (incremental updates), valid
    outgoing_seal(actor=văn thư, ...)             the organisation signature (seal image over the
                                                  left third of the signer's image), then ISSUED
                                                  and sent to the recipients

Which signatures a type needs is configured per issuer and type (SignatureRequirement). The slow
part (making the signature) runs before the transaction; the transition then locks the row,
checks that nothing moved meanwhile, stores the signed PDF as the new final PDF (the unsigned
numbered PDF stays in `numbered_pdf`), writes the history and audit rows, and validates the
signed PDF after commit.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q

from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.policy import require
from vanphong.documents import access
from vanphong.drafting import workflow
from vanphong.drafting.models import (
    OutAction,
    OutgoingDocument,
    OutgoingEvent,
    OutStatus,
    SignatureRequirement,
)
from vanphong.drafting.services.common import clerk_ids, lock, notify_after_commit, record
from vanphong.files.models import Blob
from vanphong.files.store import FileBatch, open_blob
from vanphong.signing import services as signing
from vanphong.signing.models import SigningProfile, UserCertificate, Verdict
from vanphong.signing.pdfsign import DEFAULT_SIGNER_BOX, Box
from vanphong.signing.signers import asks_secret
from vanphong.signing.tasks import validate_blob_once

PDF_TYPE = "application/pdf"
SIGNER_BOX_WIDTH = 170.0
SIGNER_BOX_HEIGHT = 62.0


@dataclass(frozen=True)
class Requirement:
    signer: bool
    organisation: bool

    @property
    def any(self) -> bool:
        return self.signer or self.organisation


def signature_requirement(doc: OutgoingDocument) -> Requirement:
    """The row for the document's type, else the issuer's row for every type, else nothing."""
    row = (
        SignatureRequirement.objects.filter(
            Q(doc_type__isnull=True) | Q(doc_type_id=doc.doc_type_id),
            organisation_id=doc.organisation_id,
        )
        .order_by("doc_type_id")  # NULLs sort last on SQLite and first on PostgreSQL
        .values_list("doc_type_id", "signer_signature", "organisation_signature")
    )
    rows = list(row)
    chosen = next((r for r in rows if r[0] is not None), rows[0] if rows else None)
    if chosen is None:
        return Requirement(signer=False, organisation=False)
    return Requirement(signer=chosen[1], organisation=chosen[2])


def status_after_issue(doc: OutgoingDocument) -> str:
    need = signature_requirement(doc)
    if need.signer:
        return OutStatus.TO_SIGN
    if need.organisation:
        return OutStatus.TO_SEAL
    return OutStatus.ISSUED


def _status_after_sign(doc: OutgoingDocument) -> str:
    return OutStatus.TO_SEAL if signature_requirement(doc).organisation else OutStatus.ISSUED


# --- where the signer's image goes ---------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _text_runs(page: Any) -> list[tuple[str, float, float, float]]:
    """(folded text, x, y, font size) of every text run on the page."""
    runs: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, size: float) -> None:
        if text.strip():
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            scale = abs(tm[0] * cm[0]) or 1.0
            runs.append((_fold(text), x, y, (size or 12) * scale))

    page.extract_text(visitor_text=visit)
    return runs


def _box_above_name(runs: list[tuple[str, float, float, float]], name: str) -> Box | None:
    """Centred over the lowest run holding the name, between it and the line above it (the
    signer's title), at most SIGNER_BOX_HEIGHT tall."""
    wanted = _fold(name)
    found = [r for r in runs if wanted in r[0]]
    if not found:
        return None
    _text, x, y, size = min(found, key=lambda r: r[2])
    centre = x + len(name) * size * 0.25  # half the name's width, roughly
    y1 = y + size * 1.2
    above = [r[2] for r in runs if r[2] > y1 and abs(r[1] - x) < SIGNER_BOX_WIDTH]
    y2 = min([y1 + SIGNER_BOX_HEIGHT, *(a - 3 for a in above)])
    if y2 - y1 < 24:  # very little room: use all of it down to the name's top
        y1 = max(y + size * 0.9, y2 - 24)
    return Box(centre - SIGNER_BOX_WIDTH / 2, y1, centre + SIGNER_BOX_WIDTH / 2, y2)


def signer_box_for(pdf: bytes, signer_name: str) -> Box:
    """The signer's image between title and name: a box just above the signer's name on the
    last page where it is printed; the usual place of the signature block otherwise."""
    from pypdf import PdfReader

    if not _fold(signer_name):
        return DEFAULT_SIGNER_BOX
    try:
        reader = PdfReader(io.BytesIO(pdf))
        count = len(reader.pages)
        for index in range(count - 1, max(count - 3, -1), -1):
            box = _box_above_name(_text_runs(reader.pages[index]), signer_name)
            if box is not None:
                return Box(box.x1, box.y1, box.x2, box.y2, page=index)
    except Exception:  # noqa: BLE001 - any reading problem: the usual place is good enough
        return DEFAULT_SIGNER_BOX
    return DEFAULT_SIGNER_BOX


def _box_data(box: Box) -> dict[str, float]:
    return {"x1": box.x1, "y1": box.y1, "x2": box.x2, "y2": box.y2, "page": box.page}


def _signed_box(doc: OutgoingDocument) -> Box:
    """The signer's image as placed by the signature step (for the seal to overlap it)."""
    event = (
        OutgoingEvent.objects.filter(document=doc, action=OutAction.SIGN).order_by("-pk").first()
    )
    data = (event.data or {}).get("box") if event else None
    if not data:
        return DEFAULT_SIGNER_BOX
    return Box(data["x1"], data["y1"], data["x2"], data["y2"], page=int(data["page"]))


# --- reading and checking ------------------------------------------------------------------


def _read(blob: Blob | None) -> bytes:
    if blob is None:
        raise DomainError("Văn bản chưa có bản PDF đã cấp số.")
    with open_blob(blob) as handle:
        return handle.read()


def _load(actor: User, document: OutgoingDocument | int) -> OutgoingDocument:
    pk = document if isinstance(document, int) else document.pk
    return OutgoingDocument.objects.select_related("organisation", "signer", "final_pdf").get(pk=pk)


def _check_signer(actor: User, doc: OutgoingDocument) -> None:
    require(actor, "drafting.view", doc, "Đồng chí không có quyền xem văn bản này.")
    if doc.signer_id != actor.pk:
        raise DomainError(
            f"Chỉ người có thẩm quyền ký văn bản này ({doc.signer.full_name}) mới ký số được."
        )
    workflow.check(doc, OutAction.SIGN)


def _check_clerk(actor: User, doc: OutgoingDocument) -> None:
    require(
        actor,
        "drafting.issue",
        doc,
        "Chỉ văn thư của cơ quan ban hành mới ký số bằng khóa của cơ quan.",
    )
    if (
        doc.status == OutStatus.ISSUED
        and OutgoingEvent.objects.filter(document=doc, action=OutAction.SEAL).exists()
    ):
        raise DomainError("Văn bản đã có chữ ký số của cơ quan; không ký lần thứ hai.")
    workflow.check(doc, OutAction.SEAL)


def _extends(signed: bytes, base: bytes) -> bool:
    """The signed PDF keeps `base` byte for byte as its first revision (incremental update)."""
    return len(signed) > len(base) and signed[: len(base)] == base


@dataclass(frozen=True)
class SignView:
    """What the detail page and the API show about the signing step of one document."""

    requirement: Requirement
    may_sign: bool
    may_seal: bool
    asks_secret: bool
    seal_asks_secret: bool
    backend: str


def sign_view(actor: User, doc: OutgoingDocument) -> SignView:
    from vanphong.core.policy import can

    need = signature_requirement(doc) if doc.is_numbered else Requirement(False, False)
    may_sign = doc.status == OutStatus.TO_SIGN and doc.signer_id == actor.pk
    may_seal = doc.status == OutStatus.TO_SEAL and can(actor, "drafting.issue", doc)
    profile = SigningProfile.objects.filter(user=actor).first() if may_sign else None
    org_profile = (
        SigningProfile.objects.filter(organisation_id=doc.organisation_id).first()
        if may_seal
        else None
    )
    return SignView(
        requirement=need,
        may_sign=may_sign,
        may_seal=may_seal,
        asks_secret=asks_secret(profile),
        seal_asks_secret=asks_secret(org_profile),
        backend=profile.backend if profile else "agent",
    )


# --- the transitions -----------------------------------------------------------------------


def _attach(
    *,
    actor: User,
    document_id: int,
    base_blob_id: str | None,
    pdf: bytes,
    action: str,
    note: str,
    data: dict[str, Any],
    dispatch: bool,
) -> OutgoingDocument:
    """Store a signed PDF as the document's final PDF and move it on (one transaction)."""
    from vanphong.drafting.services.issuance import _dispatch

    with FileBatch() as batch, transaction.atomic():
        doc = lock(document_id)
        workflow.check(doc, action)
        if doc.final_pdf_id != base_blob_id:
            raise DomainError("Bản PDF của văn bản vừa thay đổi; hãy tải lại trang và ký lại.")
        blob = batch.add_bytes(pdf, name=f"{doc.notation.replace('/', '_')}.pdf")
        if doc.numbered_pdf_id is None:
            doc.numbered_pdf_id = doc.final_pdf_id
        doc.final_pdf = blob
        doc.status = OutStatus.ISSUED if action == OutAction.SEAL else _status_after_sign(doc)
        doc.save(update_fields=["final_pdf", "numbered_pdf", "status", "updated_at"])
        record(actor=actor, doc=doc, action=action, note=note, data=data)
        if doc.status == OutStatus.TO_SEAL:
            notify_after_commit(
                user_ids=clerk_ids(doc.organisation_id),
                doc=doc,
                title=f"Văn bản số {doc.notation} đã được ký số, chờ văn thư ký số cơ quan",
            )
        blob_pk = blob.pk  # checked once after commit, before the recipients' copies ask
        transaction.on_commit(lambda: validate_blob_once(blob_pk), robust=True)
        if doc.status == OutStatus.ISSUED and dispatch:
            _dispatch(actor=actor, doc=doc, today=access.today())
    return doc


def _signed_note(result: signing.SignedPdf) -> tuple[str, dict[str, Any]]:
    return (
        f"Chữ ký số của {result.signer_name} (chứng thư số hiệu {result.serial})",
        {"field": result.field_name, "serial": result.serial, "signer": result.signer_name},
    )


def outgoing_sign(
    *,
    actor: User,
    document: OutgoingDocument | int,
    secret: str | None = None,
    dispatch: bool = True,
) -> OutgoingDocument | signing.AgentRequest:
    """The person with authority signs the numbered PDF with their configured key.

    A key on the server signs at once and the document moves on; a USB token on the signer's
    PC gives an AgentRequest for the page, finished by outgoing_sign_complete()."""
    doc = _load(actor, document)
    _check_signer(actor, doc)
    base = _read(doc.final_pdf)
    box = signer_box_for(base, doc.signer.full_name)
    result = signing.sign_personal(
        actor=actor,
        pdf=base,
        box=box,
        reason=f"Ký ban hành văn bản số {doc.notation}",
        location=doc.organisation.place_name,
        secret=secret or None,
    )
    if isinstance(result, signing.AgentRequest):
        return result
    return _attach_signer_signature(
        actor=actor, doc=doc, result=result, box=box, via="server", dispatch=dispatch
    )


def outgoing_sign_complete(
    *,
    actor: User,
    document: OutgoingDocument | int,
    pending_id: str,
    response: dict[str, Any],
    dispatch: bool = True,
) -> OutgoingDocument:
    """Finish the signer's signature made by the desk agent (interrupted signing)."""
    doc = _load(actor, document)
    _check_signer(actor, doc)
    base = _read(doc.final_pdf)
    result = signing.agent_complete(actor=actor, pending_id=pending_id, response=response)
    if not _extends(result.pdf, base):
        raise DomainError("Chữ ký vừa hoàn tất không phải của bản PDF đã cấp số của văn bản này.")
    box = signer_box_for(base, doc.signer.full_name)
    return _attach_signer_signature(
        actor=actor, doc=doc, result=result, box=box, via="agent", dispatch=dispatch
    )


def _attach_signer_signature(
    *,
    actor: User,
    doc: OutgoingDocument,
    result: signing.SignedPdf,
    box: Box,
    via: str,
    dispatch: bool,
) -> OutgoingDocument:
    """Store the signer's signed PDF (server key or desk agent) as the document's next version."""
    note, data = _signed_note(result)
    return _attach(
        actor=actor,
        document_id=doc.pk,
        base_blob_id=doc.final_pdf_id,
        pdf=result.pdf,
        action=OutAction.SIGN,
        note=note,
        data={**data, "box": _box_data(box), "via": via},
        dispatch=dispatch,
    )


def _registered(user: User, serial: str, issuer: str) -> bool:
    serials = {serial.upper().lstrip("0")}
    rows = UserCertificate.objects.filter(user=user, is_active=True).values_list("serial", "issuer")
    return any(s.upper().lstrip("0") in serials and (not issuer or i == issuer) for s, i in rows)


def outgoing_sign_upload(
    *, actor: User, document: OutgoingDocument | int, file: UploadedFile, dispatch: bool = True
) -> OutgoingDocument:
    """The signer signed the numbered PDF elsewhere (another signing tool) and uploads it.

    Accepted only when it is the numbered PDF of this document with signatures appended
    (incremental updates), every signature checks out (none invalid), and the new signature
    is made with a certificate the signer registered."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from vanphong.signing.trust import load_trust
    from vanphong.signing.validation import check_pdf

    doc = _load(actor, document)
    _check_signer(actor, doc)
    base = _read(doc.final_pdf)
    limit = int(settings.UPLOAD_MAX_BYTES)
    if file.size is not None and file.size > limit:
        raise DomainError(
            f"Tệp PDF đã ký vượt quá dung lượng cho phép ({limit // 2**20} MB).", field="file"
        )
    data = b"".join(file.chunks())
    if not data.startswith(b"%PDF-"):
        raise DomainError("Tệp tải lên không phải là PDF.", field="file")
    if not _extends(data, base):
        raise DomainError(
            f"Tệp tải lên không phải bản PDF đã cấp số {doc.notation} được ký thêm: bản đã ký "
            "phải giữ nguyên bản PDF tải về từ hệ thống (ký bằng cách thêm chữ ký, không lưu "
            "lại thành tệp mới).",
            field="file",
        )
    check = check_pdf(data, load_trust())
    if check.error:
        raise DomainError(f"Không kiểm tra được chữ ký của tệp: {check.error}", field="file")
    try:
        before = len(list(PdfFileReader(io.BytesIO(base), strict=False).embedded_signatures))
    except Exception:  # noqa: BLE001
        before = 0
    new = check.signatures[before:]
    if not new:
        raise DomainError("Tệp tải lên chưa có chữ ký số mới.", field="file")
    bad = [s for s in check.signatures if s.verdict == Verdict.INVALID]
    if bad:
        raise DomainError(f"Chữ ký số không hợp lệ: {bad[0].reason}", field="file")
    mine = [s for s in new if _registered(actor, s.serial, s.issuer)]
    if not mine:
        raise DomainError(
            "Chữ ký trong tệp không dùng chứng thư số đồng chí đã đăng ký. Hãy đăng ký chứng thư ở "
            "trang Chứng thư số của tôi, hoặc ký bằng chứng thư đã đăng ký.",
            field="file",
        )
    signature = mine[-1]
    return _attach(
        actor=actor,
        document_id=doc.pk,
        base_blob_id=doc.final_pdf_id,
        pdf=data,
        action=OutAction.SIGN,
        note=f"Chữ ký số của {signature.signer_name} (tải lên bản đã ký ở nơi khác)",
        data={
            "field": signature.field_name,
            "serial": signature.serial,
            "signer": signature.signer_name,
            "verdict": signature.verdict,
            "box": _box_data(signer_box_for(base, doc.signer.full_name)),
            "via": "upload",
        },
        dispatch=dispatch,
    )


def outgoing_seal(
    *,
    actor: User,
    document: OutgoingDocument | int,
    secret: str | None = None,
    dispatch: bool = True,
) -> OutgoingDocument:
    """The văn thư adds the organisation's signature with the office key (seal image over the
    left third of the signer's image), the document is ISSUED and, by default, sent."""
    doc = _load(actor, document)
    _check_clerk(actor, doc)
    base = _read(doc.final_pdf)
    box = (
        _signed_box(doc)
        if OutgoingEvent.objects.filter(document=doc, action=OutAction.SIGN).exists()
        else signer_box_for(base, doc.signer.full_name)
    )
    result = signing.sign_organisation(
        actor=actor,
        pdf=base,
        organisation=doc.organisation,
        signer_box=box,
        reason=f"Ban hành văn bản số {doc.notation}",
        secret=secret or None,
    )
    note, data = _signed_note(result)
    return _attach(
        actor=actor,
        document_id=doc.pk,
        base_blob_id=doc.final_pdf_id,
        pdf=result.pdf,
        action=OutAction.SEAL,
        note=note,
        data=data,
        dispatch=dispatch,
    )

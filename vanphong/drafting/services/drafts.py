"""Drafts: create from a template, upload versions, submit, approve, return with comments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, Secrecy, User
from vanphong.core.policy import can, require
from vanphong.core.text import nfc
from vanphong.documents import access
from vanphong.documents.models import DocumentType, IncomingDocument
from vanphong.drafting.docx_layout import LayoutData, blank_date_line, render_office_template
from vanphong.drafting.models import (
    Authority,
    Delivery,
    DispatchStatus,
    DocxTemplate,
    DraftVersion,
    OutAction,
    OutgoingDocument,
    OutStatus,
    Recipient,
    Relation,
    ReplyLink,
    ReviewChain,
    ReviewStep,
    SigningAuthority,
    StepKind,
    StepStatus,
)
from vanphong.drafting.render import render_draft, template_context
from vanphong.drafting.services.common import (
    begin,
    check_signer,
    clerk_ids,
    notify_after_commit,
    record,
)
from vanphong.files.models import Blob
from vanphong.files.store import FileBatch

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class RecipientLine:
    """One "Nơi nhận" line: an organisation of the directory or free text."""

    label: str = ""
    organisation: Organisation | None = None
    delivery: str = ""

    def resolved_delivery(self) -> str:
        if self.delivery:
            return self.delivery
        if self.organisation is None:
            return Delivery.NONE
        if self.organisation.served_here:
            return Delivery.INTERNAL
        return Delivery.EXCHANGE if self.organisation.identifier else Delivery.PAPER


@dataclass
class DraftData:
    doc_type: DocumentType
    summary: str
    signer: User
    recipients: Sequence[RecipientLine]
    body: str = ""
    authority: str = Authority.NONE
    signer_title: str = ""
    authority_body: str = ""
    urgency: int = 0
    secrecy: int = Secrecy.NONE
    replies_to: Sequence[IncomingDocument] = field(default_factory=list)
    relation: str = Relation.NONE
    related: OutgoingDocument | None = None
    copies: int = 1


def _validate(actor: User, data: DraftData) -> None:
    if not data.summary.strip():
        raise DomainError("Vui lòng nhập trích yếu.", field="summary")
    if not [line for line in data.recipients if line.label.strip() or line.organisation]:
        raise DomainError("Vui lòng nhập ít nhất một nơi nhận.", field="recipients")
    if data.secrecy not in Secrecy.values or data.secrecy > actor.clearance:
        raise DomainError("Đồng chí không đủ mức tiếp cận bí mật cho độ mật này.", field="secrecy")
    if data.secrecy > Secrecy.NONE and settings.NETWORK_ZONE == "connected":
        raise DomainError(
            "Văn bản mật không được soạn thảo, lưu trên mạng có kết nối ra ngoài. Hãy soạn trên "
            "mạng nội bộ độc lập theo quy định bảo vệ bí mật nhà nước.",
            field="secrecy",
        )
    if data.signer.organisation_id != actor.organisation_id or not data.signer.is_active:
        raise DomainError("Người ký phải là người của cơ quan ban hành.", field="signer")
    if data.authority not in Authority.values:
        raise DomainError("Thẩm quyền ký không hợp lệ.", field="authority")
    if data.copies < 1:
        raise DomainError("Số bản phải là số dương.", field="copies")
    if data.relation:
        related = data.related
        if related is None or related.organisation_id != actor.organisation_id:
            raise DomainError("Vui lòng chọn văn bản được đính chính/thay thế.", field="related")
        if not related.is_issued:
            raise DomainError(
                "Chỉ đính chính/thay thế văn bản đã ban hành; dự thảo thì sửa trực tiếp.",
                field="related",
            )
    for incoming in data.replies_to:
        if not can(actor, "documents.view", incoming):
            raise DomainError(
                f"Đồng chí không xem được văn bản đến số {incoming.arrival_number} nên không "
                "trả lời được văn bản đó.",
                field="replies_to",
            )


def _store_version(
    *,
    actor: User,
    doc: OutgoingDocument,
    blob: Blob,
    name: str,
    generated: bool,
    note: str = "",
) -> DraftVersion:
    last = doc.versions.aggregate(top=Max("number"))["top"] or 0
    return DraftVersion.objects.create(
        document=doc,
        number=last + 1,
        blob=blob,
        name=name,
        generated=generated,
        note=note[:300],
        uploaded_by=actor,
    )


def draft_create(*, actor: User, data: DraftData) -> OutgoingDocument:
    """Start a draft: metadata, recipients, replies, and version 1 generated from the template."""
    require(actor, "drafting.create", None, "Đồng chí không có quyền soạn thảo văn bản đi.")
    _validate(actor, data)
    if actor.organisation_id is None:
        raise DomainError("Tài khoản chưa thuộc cơ quan nào nên không soạn được văn bản đi.")
    authority = SigningAuthority.objects.filter(
        organisation_id=actor.organisation_id, user=data.signer, authority=data.authority
    ).first()
    with FileBatch() as batch, transaction.atomic():
        doc = OutgoingDocument.objects.create(
            organisation_id=actor.organisation_id,
            unit_id=actor.unit_id,
            doc_type=data.doc_type,
            summary=nfc(data.summary.strip()),
            body=nfc(data.body.strip()),
            urgency=data.urgency,
            secrecy=data.secrecy,
            signer=data.signer,
            authority=data.authority,
            signer_title=nfc(data.signer_title.strip())
            or (authority.title if authority else data.signer.position),
            authority_body=nfc(data.authority_body.strip())
            or (authority.body if authority else ""),
            drafter=actor,
            relation=data.relation,
            related=data.related if data.relation else None,
            copies=data.copies,
            keeping_unit=actor.unit.name if actor.unit else "",
        )
        for order, line in enumerate(data.recipients):
            label = nfc(line.label.strip()) or (
                line.organisation.full_name if line.organisation else ""
            )
            if not label:
                continue
            Recipient.objects.create(
                document=doc,
                order=order,
                organisation=line.organisation,
                label=label,
                delivery=line.resolved_delivery(),
                status=DispatchStatus.KEPT
                if line.resolved_delivery() == Delivery.NONE
                else DispatchStatus.PENDING,
            )
        for incoming in data.replies_to:
            ReplyLink.objects.get_or_create(outgoing=doc, incoming=incoming)
        content = render_draft(doc)
        blob = batch.add_bytes(content, name="du-thao.docx")
        _store_version(actor=actor, doc=doc, blob=blob, name="du-thao-v1.docx", generated=True)
        record(
            actor=actor,
            doc=doc,
            action=OutAction.CREATE,
            data={"type": data.doc_type.name, "replies": [i.pk for i in data.replies_to]},
        )
    return doc


def draft_upload_version(
    *, actor: User, document: OutgoingDocument | int, file: UploadedFile, note: str = ""
) -> DraftVersion:
    with FileBatch() as batch, transaction.atomic():
        doc = begin(
            actor=actor,
            document=document,
            permission="drafting.edit",
            message="Chỉ người soạn thảo tải lên phiên bản mới, khi dự thảo chưa trình hoặc bị "
            "trả lại.",
        )
        blob = batch.add(file)
        if blob.content_type != DOCX_TYPE:
            raise DomainError("Phiên bản dự thảo phải là tệp Word (DOCX).", field="file")
        version = _store_version(
            actor=actor,
            doc=doc,
            blob=blob,
            name=file.name or "du-thao.docx",
            generated=False,
            note=note,
        )
        record(
            actor=actor,
            doc=doc,
            action=OutAction.VERSION,
            note=note,
            data={"version": version.number},
        )
    return version


def _resolve_steps(doc: OutgoingDocument) -> list[tuple[int, str, User]]:
    chain = (
        ReviewChain.objects.filter(
            organisation_id=doc.organisation_id, doc_type=doc.doc_type
        ).first()
        or ReviewChain.objects.filter(
            organisation_id=doc.organisation_id, doc_type__isnull=True
        ).first()
    )
    if chain is None:
        raise DomainError(
            f"Chưa cấu hình quy trình trình duyệt cho {doc.doc_type.name.lower()}. Quản trị cần "
            "khai báo trước khi trình."
        )
    steps: list[tuple[int, str, User]] = []
    for step in chain.steps.order_by("order"):
        reviewer: User | None = None
        if step.kind == StepKind.UNIT_HEAD and doc.unit is not None:
            heads = [u for u in access.unit_heads(doc.unit) if u.pk != doc.drafter_id]
            reviewer = heads[0] if heads else None
        elif step.kind == StepKind.USER:
            reviewer = step.user
        elif step.kind == StepKind.SIGNER:
            reviewer = doc.signer
        if reviewer is None or not reviewer.is_active or reviewer.pk == doc.drafter_id:
            continue
        if steps and steps[-1][2].pk == reviewer.pk:
            continue  # the same person twice in a row decides once
        steps.append((step.order, step.label, reviewer))
    return steps


def draft_submit(
    *, actor: User, document: OutgoingDocument | int, note: str = ""
) -> OutgoingDocument:
    """Submit (or resubmit after a return) the latest version to the configured chain."""
    with transaction.atomic():
        doc = begin(
            actor=actor,
            document=document,
            permission="drafting.edit",
            message="Chỉ người soạn thảo trình dự thảo chưa trình hoặc bị trả lại.",
        )
        if not doc.recipients.exists():
            raise DomainError("Vui lòng nhập ít nhất một nơi nhận.", field="recipients")
        check_signer(doc)
        resubmit = doc.status == OutStatus.RETURNED
        steps = _resolve_steps(doc)
        doc.review_round += 1
        latest = doc.versions.order_by("-number").first()
        for index, (order, label, reviewer) in enumerate(steps):
            ReviewStep.objects.create(
                document=doc,
                round=doc.review_round,
                order=order,
                label=label,
                reviewer=reviewer,
                status=StepStatus.PENDING if index == 0 else StepStatus.WAITING,
            )
        if steps:
            doc.status, doc.current_step = OutStatus.IN_REVIEW, steps[0][0]
        else:
            doc.status, doc.current_step = OutStatus.APPROVED, 0
        doc.save(update_fields=["status", "current_step", "review_round", "updated_at"])
        record(
            actor=actor,
            doc=doc,
            action=OutAction.RESUBMIT if resubmit else OutAction.SUBMIT,
            note=note,
            data={
                "round": doc.review_round,
                "version": latest.number if latest else None,
                "chain": [f"{label}: {user.full_name}" for _, label, user in steps],
            },
        )
        if steps:
            notify_after_commit(
                user_ids=[steps[0][2].pk],
                doc=doc,
                title=f"Dự thảo chờ đồng chí duyệt: {doc.summary}",
            )
    return doc


def _pending_step(doc: OutgoingDocument) -> ReviewStep:
    return ReviewStep.objects.select_for_update().get(
        document=doc, round=doc.review_round, order=doc.current_step, status=StepStatus.PENDING
    )


def review_approve(
    *, actor: User, document: OutgoingDocument | int, comment: str = ""
) -> OutgoingDocument:
    with transaction.atomic():
        doc = begin(
            actor=actor,
            document=document,
            permission="drafting.review",
            message="Văn bản không ở bước chờ đồng chí duyệt.",
        )
        step = _pending_step(doc)
        latest = doc.versions.order_by("-number").first()
        step.status, step.comment = StepStatus.APPROVED, comment.strip()
        step.decided_at, step.version = timezone.now(), latest
        step.save()
        following = (
            ReviewStep.objects.filter(
                document=doc, round=doc.review_round, status=StepStatus.WAITING
            )
            .order_by("order")
            .first()
        )
        if following is not None:
            following.status = StepStatus.PENDING
            following.save(update_fields=["status"])
            doc.current_step = following.order
            notify_after_commit(
                user_ids=[following.reviewer_id],
                doc=doc,
                title=f"Dự thảo chờ đồng chí duyệt: {doc.summary}",
            )
        else:
            doc.status, doc.current_step = OutStatus.APPROVED, 0
            notify_after_commit(
                user_ids=[doc.drafter_id, *clerk_ids(doc.organisation_id)],
                doc=doc,
                title=f"Đã duyệt, chờ cấp số và ban hành: {doc.summary}",
            )
        doc.save(update_fields=["status", "current_step", "updated_at"])
        record(
            actor=actor,
            doc=doc,
            action=OutAction.APPROVE,
            note=comment.strip(),
            data={"step": step.label, "version": latest.number if latest else None},
        )
    return doc


def review_return(
    *, actor: User, document: OutgoingDocument | int, comment: str
) -> OutgoingDocument:
    if not comment.strip():
        raise DomainError("Vui lòng ghi ý kiến, yêu cầu sửa khi trả lại.", field="comment")
    with transaction.atomic():
        doc = begin(
            actor=actor,
            document=document,
            permission="drafting.review",
            message="Văn bản không ở bước chờ đồng chí duyệt.",
        )
        step = _pending_step(doc)
        latest = doc.versions.order_by("-number").first()
        step.status, step.comment = StepStatus.RETURNED, comment.strip()
        step.decided_at, step.version = timezone.now(), latest
        step.save()
        ReviewStep.objects.filter(
            document=doc, round=doc.review_round, status=StepStatus.WAITING
        ).update(status=StepStatus.SKIPPED)
        doc.status, doc.current_step = OutStatus.RETURNED, 0
        doc.save(update_fields=["status", "current_step", "updated_at"])
        notify_after_commit(
            user_ids=[doc.drafter_id],
            doc=doc,
            title=f"Dự thảo bị trả lại ({actor.full_name}): {doc.summary}",
        )
        record(
            actor=actor,
            doc=doc,
            action=OutAction.RETURN,
            note=comment.strip(),
            data={"step": step.label},
        )
    return doc


def template_upload(
    *, actor: User, organisation: Organisation, doc_type: DocumentType, file: UploadedFile
) -> DocxTemplate:
    """An office's own DOCX template; it is test-rendered now so a bad field is named at once."""
    require(actor, "drafting.configure", organisation, "Chỉ quản trị thay mẫu văn bản.")
    with FileBatch() as batch, transaction.atomic():
        blob = batch.add(file)
        if blob.content_type != DOCX_TYPE:
            raise DomainError("Mẫu văn bản phải là tệp Word (DOCX).", field="file")
        file.seek(0)
        sample = template_context(_sample_layout(organisation, doc_type, actor))
        render_office_template(file.read(), sample)
        template, _ = DocxTemplate.objects.update_or_create(
            organisation=organisation,
            doc_type=doc_type,
            defaults={"blob": blob, "name": file.name or "mau.docx", "uploaded_by": actor},
        )
        audit_record(
            actor=actor,
            action="outgoing.template",
            obj=template,
            summary=f"Thay mẫu {doc_type.name} của {organisation.full_name}",
        )
    return template


def _sample_layout(organisation: Organisation, doc_type: DocumentType, actor: User) -> LayoutData:
    return LayoutData(
        issuer_name=organisation.full_name,
        superior_heading=organisation.superior_heading,
        notation=f"Số      -{doc_type.abbr}/{organisation.issuer_abbr}",
        date_line=blank_date_line(organisation.place_name, timezone.localdate().year),
        type_name=doc_type.name,
        summary="Trích yếu mẫu",
        body="Nội dung mẫu",
        signer_title="Chức vụ",
        signer_name=actor.full_name,
        recipients=["Nơi nhận mẫu"],
    )

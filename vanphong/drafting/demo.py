"""Demo outgoing documents (văn bản đi) of the Văn phòng Tỉnh ủy, in every state of drafting.

Every document goes through the real services as the demo people: the chuyên viên drafts, the
unit head and the office leader review (approve or return with a comment), the văn thư numbers
the approved version, the signer signs the numbered PDF with the demo server key, the văn thư
adds the office signature and the document goes to the recipients (inside the node at once,
paper copies noted). History, numbers, audit rows and signatures are therefore genuine.

Only two shortcuts, both open to real users too: issue dates lie in the past (the service
accepts any date up to today, taken in date order so the register runs with the calendar), and
the final PDF is uploaded (made here with reportlab, as the incoming demo does) instead of being
converted from the DOCX by LibreOffice, which takes seconds per document and may be missing.

Idempotent: an office that already holds outgoing documents is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from vanphong.core.models import Organisation, User
from vanphong.documents import access
from vanphong.documents import demo_corpus as corpus
from vanphong.documents.demo_pdf import PdfDocument, render
from vanphong.documents.models import DocumentType, IncomingDocument, Status, WorkItem, WorkKind
from vanphong.drafting.models import (
    Delivery,
    DispatchStatus,
    OutgoingDocument,
    OutStatus,
    ReviewStep,
    StepStatus,
)
from vanphong.drafting.services import (
    DraftData,
    RecipientLine,
    draft_create,
    draft_submit,
    outgoing_issue,
    outgoing_mark_sent_paper,
    outgoing_recall,
    outgoing_seal,
    outgoing_sign,
    review_approve,
    review_return,
)
from vanphong.drafting.services.common import numbering_for
from vanphong.numbering.models import Counter
from vanphong.numbering.services import period_key_for
from vanphong.signing.demo import DEMO_KEY_PASSPHRASE

OFFICE = "000.00.01.T45"  # Văn phòng Tỉnh ủy
INTERNAL = ("000.00.02.T45", "000.00.03.T45", "000.01.10.T45")  # have a văn thư to receive
DRAFTERS = ("chuyenvien", "chuyenvien", "chuyenvien2", "chuyenvien3", "cvdv", "cvhcl")
SIGNERS = ("lanhdao", "lanhdao", "phochanh")
CLERK = "vanthu"

# Final state -> how many. Numbered ones are issued oldest first, so numbers follow the dates.
PLAN: tuple[tuple[str, int], ...] = (
    ("draft", 4),
    ("in_review", 3),  # waiting for the unit head
    ("in_review_leader", 3),  # the unit head approved; waiting for the office leader
    ("returned", 3),
    ("approved", 3),
    ("to_sign", 3),
    ("to_seal", 2),
    ("issued_unsent", 2),
    ("issued", 14),
    ("recalled", 1),
)
NUMBERED = {"to_sign", "to_seal", "issued_unsent", "issued", "recalled"}
TYPES = (
    "Công văn",
    "Công văn",
    "Công văn",
    "Công văn",
    "Báo cáo",
    "Báo cáo",
    "Kế hoạch",
    "Thông báo",
    "Tờ trình",
    "Giấy mời",
)
RETURN_COMMENTS = (
    "Đề nghị bổ sung số liệu của các đảng ủy trực thuộc và rà soát lại thể thức theo Hướng dẫn "
    "36-HD/VPTW.",
    "Phần đánh giá còn chung chung; đề nghị làm rõ hạn chế, nguyên nhân và trách nhiệm.",
    "Đề nghị xin ý kiến Ban Tổ chức Tỉnh ủy trước khi trình ký.",
)
APPROVE_COMMENTS = ("", "", "Đồng ý nội dung dự thảo.", "Đồng ý, trình ký ban hành.")
PAPER = ("Các huyện ủy, thị ủy, thành ủy", "Các đảng ủy trực thuộc Tỉnh ủy")
PAPER_METHODS = ("Bưu điện (thư bảo đảm)", "Giao trực tiếp")
RECALL_REASON = "Văn bản có sai sót về số liệu tại phụ lục; sẽ ban hành văn bản thay thế."


@dataclass
class Outgoing:
    state: str
    doc_type: DocumentType
    summary: str
    drafter: User
    signer: User
    recipients: list[RecipientLine]
    replies_to: list[IncomingDocument]
    issue_date: date | None = None


def _summary(type_name: str, rng: random.Random, on: date) -> str:
    """A corpus trích yếu; under a type heading ("BÁO CÁO") it goes on without the type name."""
    text = corpus.summary_for(type_name, rng, on)
    if type_name != "Công văn" and text.lower().startswith(type_name.lower()):
        text = text[len(type_name) :].strip()
    return text


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


class _Loader:
    def __init__(self, office: Organisation, rng: random.Random, today: date) -> None:
        self.office = office
        self.rng = rng
        self.today = today
        people = User.objects.filter(
            username__in={*DRAFTERS, *SIGNERS, CLERK}, organisation=office, is_active=True
        )
        self.people = {u.username: u for u in people}
        self.types = {t.name: t for t in DocumentType.objects.filter(is_active=True)}
        self.internal = list(Organisation.objects.filter(identifier__in=INTERNAL, is_active=True))
        self.replyable = self._replyable()

    def ready(self) -> bool:
        return CLERK in self.people and "lanhdao" in self.people and "Công văn" in self.types

    def _replyable(self) -> dict[int, list[IncomingDocument]]:
        """Per drafter: demo incoming documents they handle now (their reply closes the case)."""
        items = WorkItem.objects.filter(
            kind=WorkKind.HANDLE,
            status__in=["open", "active"],
            document__organisation=self.office,
            document__status=Status.IN_PROGRESS,
            document__secrecy=0,
        ).select_related("document")
        found: dict[int, list[IncomingDocument]] = {}
        for item in items.order_by("document__arrival_number"):
            found.setdefault(item.user_id, []).append(item.document)
        return found

    def plans(self) -> list[Outgoing]:
        rng = self.rng
        drafters = [self.people[d] for d in DRAFTERS if d in self.people]
        signers = [self.people[s] for s in SIGNERS if s in self.people]
        result = []
        seen: set[str] = set()
        for state, count in PLAN:
            for _ in range(count):
                type_name = rng.choice([t for t in TYPES if t in self.types])
                drafter = rng.choice(drafters)
                replies: list[IncomingDocument] = []
                pool = self.replyable.get(drafter.pk, [])
                if type_name in ("Công văn", "Báo cáo") and pool and rng.random() < 0.5:
                    replies = [pool.pop(0)]
                summary = _summary(type_name, rng, self.today)
                for _ in range(20):  # no two demo documents with the same trích yếu
                    if summary not in seen:
                        break
                    summary = _summary(type_name, rng, self.today)
                seen.add(summary)
                result.append(
                    Outgoing(
                        state=state,
                        doc_type=self.types[type_name],
                        summary=summary,
                        drafter=drafter,
                        signer=rng.choice(signers),
                        recipients=self.recipients(type_name, replies),
                        replies_to=replies,
                    )
                )
        numbered = [p for p in result if p.state in NUMBERED]
        days = sorted((rng.randint(0, 75) for _ in numbered), reverse=True)
        recent = {"to_sign": 1, "to_seal": 2, "issued_unsent": 3}
        for plan, ago in zip(numbered, days, strict=True):
            ago = min(ago, recent[plan.state]) if plan.state in recent else ago
            plan.issue_date = _weekday(self.today - timedelta(days=ago))
        # drafts first, then the numbered ones oldest first: each counter rises with the dates
        return [p for p in result if p.issue_date is None] + sorted(
            numbered, key=lambda p: p.issue_date or self.today
        )

    def recipients(self, type_name: str, replies: list[IncomingDocument]) -> list[RecipientLine]:
        rng = self.rng
        lines: list[RecipientLine] = []
        if replies and replies[0].sender.served_here and replies[0].sender != self.office:
            lines.append(RecipientLine(organisation=replies[0].sender))
        elif replies:
            lines.append(RecipientLine(label=replies[0].sender.full_name, delivery=Delivery.PAPER))
        else:
            chosen = rng.sample(self.internal, k=min(len(self.internal), rng.choice((1, 1, 2))))
            lines += [RecipientLine(organisation=org) for org in chosen]
        if type_name != "Công văn" and rng.random() < 0.5:
            lines.append(RecipientLine(label=rng.choice(PAPER), delivery=Delivery.PAPER))
        lines.append(RecipientLine(label="Thường trực Tỉnh ủy (để báo cáo)"))
        lines.append(RecipientLine(label="Lưu Văn phòng Tỉnh ủy"))
        return lines

    # --- the workflow ---------------------------------------------------------------------
    def run(self, plan: Outgoing) -> OutgoingDocument:
        rng = self.rng
        body = corpus.body_paragraphs(rng, self.today, plan.recipients[0].label or "các cơ quan")
        doc = draft_create(
            actor=plan.drafter,
            data=DraftData(
                doc_type=plan.doc_type,
                summary=plan.summary,
                body="\n".join(body),
                signer=plan.signer,
                recipients=plan.recipients,
                replies_to=plan.replies_to,
            ),
        )
        if plan.state == "draft":
            return doc
        if plan.state != "returned" and rng.random() < 0.3:
            self._round_returned(doc)  # history with a return and a resubmission
        draft_submit(actor=plan.drafter, document=doc.pk, note="Kính trình lãnh đạo xem xét.")
        if plan.state == "in_review":
            return doc
        if plan.state == "returned":
            self._approve(doc, count=rng.choice((0, 1)))
            self._return(doc)
            return doc
        if plan.state == "in_review_leader":
            self._approve(doc, count=1)
            return doc
        self._approve(doc)
        if plan.state == "approved":
            return doc
        return self._issue(doc, plan)

    def _pending(self, doc: OutgoingDocument) -> User | None:
        doc.refresh_from_db()
        if doc.status != OutStatus.IN_REVIEW:
            return None
        step = ReviewStep.objects.select_related("reviewer").get(
            document=doc, round=doc.review_round, status=StepStatus.PENDING
        )
        return step.reviewer

    def _approve(self, doc: OutgoingDocument, count: int | None = None) -> None:
        """Approve `count` steps of the chain (every step when None)."""
        done = 0
        while (count is None or done < count) and (reviewer := self._pending(doc)) is not None:
            comment = self.rng.choice(APPROVE_COMMENTS)
            review_approve(actor=reviewer, document=doc.pk, comment=comment)
            done += 1

    def _return(self, doc: OutgoingDocument) -> None:
        reviewer = self._pending(doc)
        if reviewer is not None:
            review_return(actor=reviewer, document=doc.pk, comment=self.rng.choice(RETURN_COMMENTS))

    def _round_returned(self, doc: OutgoingDocument) -> None:
        draft_submit(actor=doc.drafter, document=doc.pk)
        self._return(doc)

    def _issue(self, doc: OutgoingDocument, plan: Outgoing) -> OutgoingDocument:
        assert plan.issue_date is not None
        clerk = self.people[CLERK]
        pdf = self._pdf(doc, plan.issue_date)
        doc = outgoing_issue(
            actor=clerk, document=doc.pk, issue_date=plan.issue_date, final_pdf=pdf
        )
        if plan.state == "to_sign" or doc.status == OutStatus.ISSUED:
            return doc
        if doc.status == OutStatus.TO_SIGN:
            outgoing_sign(actor=doc.signer, document=doc.pk, secret=DEMO_KEY_PASSPHRASE)
        if plan.state == "to_seal":
            return doc
        doc = outgoing_seal(
            actor=clerk,
            document=doc.pk,
            secret=DEMO_KEY_PASSPHRASE,
            dispatch=plan.state != "issued_unsent",
        )
        if plan.state in ("issued", "recalled"):
            for line in doc.recipients.filter(
                delivery=Delivery.PAPER, status=DispatchStatus.PENDING
            ):
                if self.rng.random() < 0.8:
                    outgoing_mark_sent_paper(
                        actor=clerk,
                        recipient=line.pk,
                        sent_on=min(self.today, plan.issue_date + timedelta(days=1)),
                        method=self.rng.choice(PAPER_METHODS),
                    )
        if plan.state == "recalled":
            return outgoing_recall(actor=clerk, document=doc.pk, reason=RECALL_REASON)
        return doc

    def _pdf(self, doc: OutgoingDocument, issued: date) -> SimpleUploadedFile:
        """The numbered document as the văn thư would print it to PDF, with the number the
        counter gives next (the demo is the only one numbering now)."""
        numbering = numbering_for(doc)
        key = period_key_for(numbering.register, issued)
        last = Counter.objects.filter(register=numbering.register, period_key=key).values_list(
            "last_number", flat=True
        )
        notation = numbering.compose((last.first() or 0) + 1)
        recipients = [r.label for r in doc.recipients.order_by("order")]
        authority = f"{doc.authority} {doc.authority_body}".strip().upper()
        data, _ = render(
            PdfDocument(
                party=True,
                header=tuple(
                    line
                    for line in (doc.organisation.superior_heading, doc.organisation.full_name)
                    if line
                ),
                code_notation=notation,
                place=doc.organisation.place_name,
                issued=issued,
                type_name=doc.doc_type.name,
                summary=doc.summary,
                recipient=recipients[0],
                paragraphs=[p for p in doc.body.splitlines() if p.strip()],
                signer_authority=authority,
                signer_position=doc.signer_title.upper(),
                signer_name=doc.signer.full_name,
                copies_to=[f"- {label}," for label in recipients[1:-1]],
                signed_note="",
            )
        )
        name = notation.replace("/", "-") + ".pdf"
        return SimpleUploadedFile(name, data, content_type="application/pdf")


def load_demo_outgoing() -> int:
    """Draft, review, number, sign and send the demo office's outgoing documents; return how
    many were made (0 when the office already has outgoing documents)."""
    office = Organisation.objects.filter(identifier=OFFICE).first()
    if office is None or OutgoingDocument.objects.filter(organisation=office).exists():
        return 0
    loader = _Loader(office, random.Random(2026), access.today())
    if not loader.ready():
        return 0
    made = 0
    with transaction.atomic():
        for plan in loader.plans():
            loader.run(plan)
            made += 1
    return made

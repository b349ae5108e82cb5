"""Registration by the văn thư: numbers, duplicates, secrecy by network zone, files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation, OrgLevel, Secrecy, User
from vanphong.core.policy import require
from vanphong.core.text import fold, nfc
from vanphong.documents import access
from vanphong.documents.models import (
    DocumentType,
    EventAction,
    FileRole,
    IncomingDocument,
    Status,
    WorkItem,
    WorkKind,
)
from vanphong.documents.services.common import (
    attach_files,
    begin,
    finish_items,
    lock,
    record,
    record_many,
    save_status,
)
from vanphong.files.store import FileBatch
from vanphong.numbering.models import Register, RegisterKind
from vanphong.numbering.services import (
    Allocated,
    number_allocate,
    number_allocate_block,
    period_key_for,
)
from vanphong.signing.tasks import validate_document_files


@dataclass
class IncomingData:
    """The metadata of the incoming register (sổ văn bản đến)."""

    sender: Organisation
    code_notation: str
    document_date: date
    doc_type: DocumentType
    summary: str = ""
    arrival_date: date | None = None
    signer_name: str = ""
    page_count: int | None = None
    urgency: int = 0
    secrecy: int = Secrecy.NONE
    due_date: date | None = None
    notes: str = ""
    channel: str = "paper"
    register: Register | None = None
    files: Sequence[UploadedFile] = field(default_factory=list)


class DuplicateFound(DomainError):
    """Same sender + số ký hiệu + ngày văn bản already registered: the clerk must choose."""

    def __init__(self, earlier: list[IncomingDocument]) -> None:
        first = earlier[0]
        super().__init__(
            f"Văn bản này có thể đã vào sổ: số đến {first.arrival_number} ngày "
            f"{first.arrival_date:%d/%m/%Y} ({first.code_notation}). Hãy gắn là bản trùng hoặc "
            "ghi lý do để vẫn vào sổ.",
            field="code_notation",
        )
        self.earlier = earlier


def code_key(code_notation: str) -> str:
    """Normalised số ký hiệu for duplicate checks: "Số 05-CT/TU" == "05 - CT/TU"."""
    text = fold(code_notation).replace(" ", "")
    return text.removeprefix("so:").removeprefix("so")


def find_duplicates(
    *, actor: User, sender: Organisation, code_notation: str, document_date: date
) -> list[IncomingDocument]:
    from vanphong.core.policy import filter_visible

    candidates = IncomingDocument.objects.filter(  # type: ignore[misc]
        organisation_id=actor.organisation_id,
        sender=sender,
        code_key=code_key(code_notation),
        document_date=document_date,
    ).exclude(status=Status.CANCELLED)
    # Nearly every arrival is new: a plain probe on the `incoming_dup` index answers that without
    # building the visibility query; only real candidates go through the policy scope.
    # No ORDER BY: the model's default (arrival date) made SQLite walk the organisation's
    # register by date instead of using the index (0.5 s a probe at a million documents).
    if not candidates.order_by().values_list("pk", flat=True)[:1]:
        return []
    return list(filter_visible(actor, "documents.incoming", candidates).order_by("pk")[:5])


def _validate(data: IncomingData, today: date) -> None:
    _validate_fields(data, today)
    active = (
        Organisation.objects.filter(pk=data.sender.pk).values_list("is_active", flat=True).first()
        if data.sender.pk
        else None
    )
    _check_sender(active)


def _validate_fields(data: IncomingData, today: date) -> None:
    if not data.code_notation.strip():
        raise DomainError("Vui lòng nhập số và ký hiệu văn bản.", field="code_notation")
    if data.document_date > today:
        raise DomainError("Ngày văn bản không được sau ngày hôm nay.", field="document_date")
    arrival = data.arrival_date or today
    if arrival > today:
        raise DomainError("Ngày đến không được sau ngày hôm nay.", field="arrival_date")
    if data.document_date > arrival:
        raise DomainError("Ngày văn bản không được sau ngày đến.", field="document_date")
    if data.due_date is not None and data.due_date < arrival:
        raise DomainError("Hạn xử lý không được trước ngày đến.", field="due_date")
    if data.page_count is not None and data.page_count <= 0:
        raise DomainError("Số trang phải là số dương.", field="page_count")
    if data.secrecy not in Secrecy.values:
        raise DomainError("Mức độ mật không hợp lệ.", field="secrecy")


def _check_sender(active: bool | None) -> None:
    """`active`: the sender's `is_active` read from the directory, None if it is not there."""
    if active is None:
        raise DomainError(
            "Cơ quan gửi không có trong danh bạ. Hãy chọn lại hoặc thêm cơ quan gửi.",
            field="sender",
        )
    if not active:
        raise DomainError("Cơ quan gửi đã ngừng hoạt động trong danh bạ.", field="sender")


def register_for(*, organisation_id: int, secrecy: int, chosen: Register | None) -> Register:
    return _pick_register(_active_registers(organisation_id), secrecy=secrecy, chosen=chosen)


def _active_registers(organisation_id: int) -> list[Register]:
    """The organisation's incoming registers in use (usually two), in one query."""
    return list(
        Register.objects.filter(
            organisation_id=organisation_id, kind=RegisterKind.INCOMING, is_active=True
        ).order_by("pk")
    )


def _pick_register(registers: list[Register], *, secrecy: int, chosen: Register | None) -> Register:
    if chosen is not None:
        if not any(r.pk == chosen.pk for r in registers):
            raise DomainError(
                "Sổ đã chọn không phải sổ văn bản đến đang dùng của cơ quan.", field="register"
            )
        if chosen.for_secret and secrecy == Secrecy.NONE:
            raise DomainError("Sổ văn bản mật chỉ dùng cho văn bản có độ mật.", field="register")
        return chosen
    wanted = secrecy > Secrecy.NONE
    register = next((r for r in registers if r.for_secret == wanted), None) or next(
        (r for r in registers if not r.for_secret), None
    )
    if register is None:
        raise DomainError("Cơ quan chưa có sổ văn bản đến. Quản trị cần tạo sổ trước khi vào sổ.")
    return register


def _check(actor: User, data: IncomingData) -> bool:
    """Everything but the sender row and duplicates; returns whether the content is withheld."""
    secret_connected = data.secrecy > Secrecy.NONE and settings.NETWORK_ZONE == "connected"
    if secret_connected and data.files:
        raise DomainError(
            "Văn bản mật không được lưu tệp trên mạng kết nối (chỉ vào sổ số, ngày, nơi gửi, "
            "số ký hiệu). Hãy bỏ tệp đính kèm và quản lý bản giấy theo quy định.",
            field="files",
        )
    if not secret_connected and not data.summary.strip():
        raise DomainError("Vui lòng nhập trích yếu.", field="summary")
    if data.secrecy > actor.clearance:
        raise DomainError(
            "Đồng chí không đủ mức tiếp cận bí mật để vào sổ văn bản này.", field="secrecy"
        )
    return secret_connected


def _new_document(
    *,
    actor: User,
    data: IncomingData,
    register: Register,
    allocated: Allocated,
    arrival: date,
    withheld: bool,
    earlier: list[IncomingDocument],
    duplicate_reason: str,
) -> IncomingDocument:
    assert actor.organisation_id is not None
    return IncomingDocument(
        organisation_id=actor.organisation_id,
        register=register,
        period_key=allocated.period_key,
        arrival_number=allocated.number,
        arrival_date=arrival,
        channel=data.channel,
        sender=data.sender,
        code_notation=nfc(data.code_notation),
        code_key=code_key(data.code_notation),
        document_date=data.document_date,
        doc_type=data.doc_type,
        summary="" if withheld else nfc(data.summary),
        signer_name=nfc(data.signer_name),
        page_count=data.page_count,
        urgency=data.urgency,
        secrecy=data.secrecy,
        content_withheld=withheld,
        due_date=data.due_date,
        notes="" if withheld else data.notes.strip(),
        registered_by=actor,
        duplicate_of=earlier[0] if earlier else None,
        duplicate_reason=duplicate_reason.strip()[:300] if earlier else "",
    )


def _present_item(actor: User, doc: IncomingDocument) -> WorkItem:
    """The văn thư's "present" item; a new document has no items yet, so no lookup."""
    return WorkItem(
        document=doc, user=actor, kind=WorkKind.PRESENT, secrecy=doc.secrecy, assigned_by=actor
    )


def incoming_register(
    *, actor: User, data: IncomingData, duplicate_reason: str = "", today: date | None = None
) -> IncomingDocument:
    """Register one arrival: allocate the số đến, store files, open the clerk's work item."""
    today = today or access.today()
    require(
        actor,
        "documents.register",
        actor.organisation,
        "Chỉ văn thư của cơ quan mới được vào sổ văn bản đến.",
    )
    _validate(data, today)
    withheld = _check(actor, data)
    earlier = find_duplicates(
        actor=actor,
        sender=data.sender,
        code_notation=data.code_notation,
        document_date=data.document_date,
    )
    if earlier and not duplicate_reason.strip():
        raise DuplicateFound(earlier)
    with FileBatch() as batch, transaction.atomic():
        assert actor.organisation_id is not None
        register = register_for(
            organisation_id=actor.organisation_id, secrecy=data.secrecy, chosen=data.register
        )
        arrival = data.arrival_date or today
        allocated = number_allocate(register=register, on_date=arrival)
        doc = _new_document(
            actor=actor,
            data=data,
            register=register,
            allocated=allocated,
            arrival=arrival,
            withheld=withheld,
            earlier=earlier,
            duplicate_reason=duplicate_reason,
        )
        doc.save(force_insert=True)
        attach_files(actor=actor, doc=doc, files=data.files, role=FileRole.ORIGINAL, batch=batch)
        _present_item(actor, doc).save(force_insert=True)
        record(
            actor=actor,
            doc=doc,
            action=EventAction.REGISTER,
            from_status="",
            note=f"Lý do vẫn vào sổ khi trùng: {duplicate_reason}" if earlier else "",
            data={"register": register.name, "number": allocated.number, "files": len(data.files)},
        )
        if data.files:  # check the digital signatures of the PDFs once the entry is saved
            transaction.on_commit(lambda: validate_document_files(doc.pk), robust=True)
    return doc


def incoming_register_many(
    *, actor: User, items: Sequence[IncomingData], today: date | None = None
) -> list[IncomingDocument]:
    """Register many arrivals (a pile of paper post) in one transaction, all or nothing.

    The same checks as `incoming_register`, item by item; an item that may duplicate an earlier
    entry (or another item of the batch) stops the whole batch: the clerk registers it on its
    own, with a reason. Numbers follow the order of `items` in each register. One lock of the
    counter per register and of the audit chain for the batch, multi-row inserts for documents,
    work items, history and audit rows.
    """
    today = today or access.today()
    require(
        actor,
        "documents.register",
        actor.organisation,
        "Chỉ văn thư của cơ quan mới được vào sổ văn bản đến.",
    )
    assert actor.organisation_id is not None
    if not items:
        return []
    withheld: list[bool] = []
    senders = dict(
        Organisation.objects.filter(pk__in={d.sender.pk for d in items if d.sender.pk}).values_list(
            "pk", "is_active"
        )
    )
    keys: dict[tuple[int, str, date], int] = {}
    for n, data in enumerate(items, start=1):
        with _numbered(n):
            _validate_fields(data, today)
            _check_sender(senders.get(data.sender.pk) if data.sender.pk else None)
            withheld.append(_check(actor, data))
            key = (data.sender.pk, code_key(data.code_notation), data.document_date)
            if key in keys:
                raise DomainError(
                    f"Trùng số ký hiệu, cơ quan gửi và ngày văn bản với văn bản thứ {keys[key]} "
                    "trong cùng đợt.",
                    field="code_notation",
                )
            keys[key] = n
    _refuse_duplicates(actor, items)
    with FileBatch() as batch, transaction.atomic():
        registers = _active_registers(actor.organisation_id)
        chosen = [_pick_register(registers, secrecy=d.secrecy, chosen=d.register) for d in items]
        arrivals = [d.arrival_date or today for d in items]
        numbers: dict[int, Allocated] = {}
        groups: dict[tuple[int, str], list[int]] = {}
        for i, (register, arrival) in enumerate(zip(chosen, arrivals, strict=True)):
            groups.setdefault((register.pk, period_key_for(register, arrival)), []).append(i)
        for indexes in groups.values():
            first = indexes[0]
            block = number_allocate_block(
                register=chosen[first], on_date=arrivals[first], count=len(indexes)
            )
            numbers.update(zip(indexes, block, strict=True))
        docs = [
            _new_document(
                actor=actor,
                data=data,
                register=chosen[i],
                allocated=numbers[i],
                arrival=arrivals[i],
                withheld=withheld[i],
                earlier=[],
                duplicate_reason="",
            )
            for i, data in enumerate(items)
        ]
        IncomingDocument.objects.bulk_create(docs, batch_size=500)
        for doc, data in zip(docs, items, strict=True):
            attach_files(
                actor=actor, doc=doc, files=data.files, role=FileRole.ORIGINAL, batch=batch
            )
        WorkItem.objects.bulk_create([_present_item(actor, doc) for doc in docs], batch_size=500)
        record_many(
            actor=actor,
            rows=[
                (
                    doc,
                    EventAction.REGISTER,
                    {
                        "register": chosen[i].name,
                        "number": numbers[i].number,
                        "files": len(items[i].files),
                    },
                )
                for i, doc in enumerate(docs)
            ],
        )
        with_files = [doc.pk for doc, data in zip(docs, items, strict=True) if data.files]
        if with_files:
            transaction.on_commit(
                lambda: [validate_document_files(pk) for pk in with_files], robust=True
            )
    return docs


class _numbered:
    """Prefix a DomainError raised for the n-th item of a batch with its position."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, DomainError) and not isinstance(exc, DuplicateFound):
            exc.message = f"Văn bản thứ {self.n}: {exc.message}"
            exc.args = (exc.message,)


def _refuse_duplicates(actor: User, items: Sequence[IncomingData]) -> None:
    """One indexed query for the whole batch; the policy scope only if something matches."""
    from vanphong.core.policy import filter_visible

    wanted = {(d.sender.pk, code_key(d.code_notation), d.document_date): d for d in items}
    # The organisation is checked in Python: with it in the WHERE clause SQLite without
    # statistics preferred the organisation's date index over incoming_dup.
    candidates = IncomingDocument.objects.filter(
        code_key__in={key for _, key, _ in wanted},
        sender_id__in={pk for pk, _, _ in wanted},
        document_date__in={day for _, _, day in wanted},
    ).exclude(status=Status.CANCELLED)
    hits = [
        pk
        for pk, org, *key in candidates.order_by().values_list(
            "pk", "organisation_id", "sender_id", "code_key", "document_date"
        )
        if org == actor.organisation_id and tuple(key) in wanted
    ]
    if not hits:
        return
    visible = list(
        filter_visible(
            actor, "documents.incoming", IncomingDocument.objects.filter(pk__in=hits)
        ).order_by("pk")[:5]
    )
    if visible:
        raise DuplicateFound(visible)


def incoming_edit(
    *,
    actor: User,
    document: IncomingDocument | int,
    summary: str | None = None,
    notes: str | None = None,
    due_date: date | None = None,
    urgency: int | None = None,
    signer_name: str | None = None,
    page_count: int | None = None,
    files: Sequence[UploadedFile] = (),
) -> IncomingDocument:
    """Correct metadata or add files before routing. Numbers and sender never change here."""
    with FileBatch() as batch, transaction.atomic():
        doc, _ = begin(
            actor=actor,
            document=document,
            permission="documents.clerk_action",
            action=EventAction.EDIT,
        )
        changed: dict[str, object] = {}
        for name, value in (
            ("summary", summary),
            ("notes", notes),
            ("urgency", urgency),
            ("signer_name", signer_name),
            ("page_count", page_count),
        ):
            if value is not None and getattr(doc, name) != value:
                if doc.content_withheld and name in ("summary", "notes"):
                    raise DomainError(
                        "Văn bản mật trên mạng kết nối: không lưu trích yếu, ghi chú."
                    )
                changed[name] = value
                setattr(doc, name, value)
        if due_date is not None and due_date != doc.due_date:
            changed["due_date"] = due_date.isoformat()
            doc.due_date = due_date
        stored = attach_files(
            actor=actor, doc=doc, files=files, role=FileRole.ORIGINAL, batch=batch
        )
        if not changed and not stored:
            return doc
        doc.save()
        record(
            actor=actor,
            doc=doc,
            action=EventAction.EDIT,
            from_status=doc.status,
            data={"changed": sorted(changed), "files": len(stored)},
        )
    return doc


def incoming_cancel(
    *, actor: User, document: IncomingDocument | int, reason: str
) -> IncomingDocument:
    """Cancel a registration. The row and its number stay in the register, marked "hủy"."""
    if not reason.strip():
        raise DomainError("Vui lòng ghi lý do hủy vào sổ.", field="reason")
    with transaction.atomic():
        doc, to = begin(
            actor=actor,
            document=document,
            permission="documents.clerk_action",
            action=EventAction.CANCEL,
        )
        before = doc.status
        doc.cancel_reason = reason.strip()[:300]
        save_status(doc, to, "cancel_reason")
        finish_items(doc, kinds=None)
        finish_items(doc, kinds=[WorkKind.INFO])
        record(actor=actor, doc=doc, action=EventAction.CANCEL, from_status=before, note=reason)
    return doc


def incoming_attach_copy(
    *,
    actor: User,
    original: IncomingDocument | int,
    channel: str,
    note: str = "",
    files: Sequence[UploadedFile] = (),
) -> IncomingDocument:
    """The clerk decides an arrival is the same document as an earlier entry (e.g. the paper copy
    of an electronic arrival): no new number, the copy's files join the earlier entry."""
    with FileBatch() as batch, transaction.atomic():
        doc = lock(original)
        require(actor, "documents.clerk_action", doc)
        if doc.status == Status.CANCELLED:
            raise DomainError("Văn bản gốc đã bị hủy vào sổ; hãy vào sổ văn bản mới.")
        stored = attach_files(
            actor=actor, doc=doc, files=files, role=FileRole.ORIGINAL, batch=batch
        )
        label = "bản điện tử" if channel == "electronic" else "bản giấy"
        record(
            actor=actor,
            doc=doc,
            action=EventAction.LINK_DUPLICATE,
            from_status=doc.status,
            note=note or f"Nhận thêm {label} của cùng văn bản",
            data={"channel": channel, "files": [f.name for f in stored]},
        )
    return doc


def incoming_link_duplicate(
    *, actor: User, document: IncomingDocument | int, original: IncomingDocument
) -> IncomingDocument:
    """The clerk decides a new entry is the same document: it is cancelled and linked."""
    with transaction.atomic():
        doc, _ = begin(
            actor=actor,
            document=document,
            permission="documents.clerk_action",
            action=EventAction.LINK_DUPLICATE,
        )
        if original.pk == doc.pk or original.organisation_id != doc.organisation_id:
            raise DomainError("Văn bản gốc không hợp lệ.")
        before = doc.status
        doc.duplicate_of = original
        doc.cancel_reason = f"Trùng với số đến {original.arrival_number}"
        save_status(doc, Status.CANCELLED, "duplicate_of", "cancel_reason")
        finish_items(doc, kinds=None)
        record(
            actor=actor,
            doc=doc,
            action=EventAction.LINK_DUPLICATE,
            from_status=before,
            note=doc.cancel_reason,
            data={"original": original.pk},
        )
    return doc


def sender_create(
    *, actor: User, full_name: str, short_name: str = "", identifier: str = ""
) -> Organisation:
    """Add an external sender to the directory on the spot (văn thư or administrator)."""
    from vanphong.core.policy import can

    if not (
        can(actor, "documents.register", actor.organisation)
        or can(actor, "core.manage_reference_data")
    ):
        raise DomainError("Chỉ văn thư hoặc quản trị được thêm cơ quan gửi.")
    full_name = nfc(full_name)
    if len(full_name) < 3:
        raise DomainError("Tên cơ quan gửi quá ngắn.", field="full_name")
    if len(full_name) > 255 or len(nfc(short_name)) > 80:
        raise DomainError(
            "Tên cơ quan gửi quá dài (tối đa 255 ký tự, tên viết tắt 80 ký tự).",
            field="full_name",
        )
    identifier = identifier.strip().upper()
    if len(identifier) > 35:
        raise DomainError(
            "Mã định danh dài tối đa 35 ký tự (QĐ 20/2020/QĐ-TTg).", field="identifier"
        )
    if identifier:
        from django.core.exceptions import ValidationError

        from vanphong.core.models import identifier_validator

        try:
            identifier_validator(identifier)
        except ValidationError:
            raise DomainError(
                "Mã định danh không đúng định dạng (ví dụ 000.00.00.G22).", field="identifier"
            ) from None
        if Organisation.objects.filter(identifier=identifier).exists():
            raise DomainError("Mã định danh này đã có trong danh bạ.", field="identifier")
    existing = Organisation.objects.filter(
        search_name=fold(f"{full_name} {short_name} {identifier}")
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        level, _ = OrgLevel.objects.get_or_create(
            code="ngoai", defaults={"name": "Cơ quan, tổ chức khác", "rank": 9}
        )
        org = Organisation.objects.create(
            level=level, full_name=full_name, short_name=nfc(short_name), identifier=identifier
        )
        audit_record(
            actor=actor,
            action="core.sender_created",
            obj=org,
            summary=f"Thêm cơ quan gửi: {full_name}",
        )
    return org

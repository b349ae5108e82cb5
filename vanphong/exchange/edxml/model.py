"""The data carried by edXML packages (QCVN 102:2016), as immutable Python values.

Field names are the standard's element names in snake_case; dates and numbers are typed where the
standard defines them (PromulgationDate yyyy/MM/dd → `date`, Timestamp "yyyy/MM/dd HH:mm:ss" →
`datetime` in Vietnam time, amounts → `int`). Empty elements read as "" (text) or None (typed).
Two packages that carry the same information compare equal, whatever the XML spelling.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PREFIX = "edXML"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"

# Timestamps in edXML carry no zone; the national hub and the offices use Vietnam time.
VN_TZ = timezone(timedelta(hours=7), "ICT")


class BusinessType(enum.IntEnum):
    """BussinessDocType: what a document package does to the recipient's copy."""

    NEW = 0  # văn bản mới
    RECALL = 1  # thu hồi
    UPDATE = 2  # cập nhật
    REPLACE = 3  # thay thế

    @property
    def label(self) -> str:
        return _BUSINESS_LABELS[self]


_BUSINESS_LABELS = {
    BusinessType.NEW: "Văn bản mới",
    BusinessType.RECALL: "Thu hồi văn bản",
    BusinessType.UPDATE: "Cập nhật văn bản",
    BusinessType.REPLACE: "Thay thế văn bản",
}


class StatusCode(enum.StrEnum):
    """StatusCode of a status package (trạng thái xử lý văn bản phản hồi về bên gửi)."""

    ARRIVED = "01"  # đã đến
    REFUSED = "02"  # từ chối tiếp nhận
    ACCEPTED = "03"  # đã tiếp nhận (vào sổ)
    ASSIGNED = "04"  # đã phân công
    IN_PROGRESS = "05"  # đang xử lý
    DONE = "06"  # hoàn thành
    RECALL_REQUESTED = "13"  # đề nghị lấy lại / cập nhật
    RECALL_ACCEPTED = "15"  # đồng ý lấy lại / cập nhật
    RECALL_REFUSED = "16"  # từ chối lấy lại / cập nhật

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.REFUSED: "Từ chối tiếp nhận",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Đã phân công",
    StatusCode.IN_PROGRESS: "Đang xử lý",
    StatusCode.DONE: "Hoàn thành",
    StatusCode.RECALL_REQUESTED: "Đề nghị lấy lại/cập nhật",
    StatusCode.RECALL_ACCEPTED: "Đồng ý lấy lại/cập nhật",
    StatusCode.RECALL_REFUSED: "Từ chối lấy lại/cập nhật",
}


@dataclass(frozen=True)
class Organ:
    """From / To: an organisation (identifier per QĐ 20/2020/QĐ-TTg, e.g. 000.00.00.G22)."""

    organ_id: str
    organization_in_charge: str = ""
    organ_name: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Code:
    """Số và ký hiệu: CodeNumber (e.g. "7816") and CodeNotation (e.g. "VPCP-TTĐT")."""

    number: str = ""
    notation: str = ""

    def __str__(self) -> str:
        if self.number and self.notation:
            return f"{self.number}/{self.notation}"
        return self.number or self.notation


@dataclass(frozen=True)
class Promulgation:
    """PromulgationInfo: place and date of issue."""

    place: str = ""
    date: date | None = None


@dataclass(frozen=True)
class DocType:
    """DocumentType: Type (1 administrative, 2 legal), TypeDetail and the type's name."""

    type: int | None = None
    detail: int | None = None
    name: str = ""


@dataclass(frozen=True)
class SignerInfo:
    competence: str = ""  # thẩm quyền ký, e.g. "TL. BỘ TRƯỞNG"
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class OtherInfo:
    priority: int | None = None  # độ khẩn: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hẹn giờ
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFor:
    """The document (or, in a status package, the package) this one answers."""

    organ_id: str = ""
    code: str = ""
    promulgation_date: date | None = None
    document_id: str = ""


@dataclass(frozen=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class TraceHeader:
    organ_id: str
    timestamp: datetime | None = None


@dataclass(frozen=True)
class Receiver:
    """BussinessDocumentInfo/ReceiverList/Receiver (ReceiverType 0 existing, 1 added)."""

    organ_id: str
    receiver_type: int | None = None


@dataclass(frozen=True)
class DocumentInfoChange:
    """BussinessDocumentInfo of an update: which parts changed (DocumentInfo, DocumentReceiver)."""

    document_info: str = ""
    document_receiver: str = ""
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True)
class ReplacementInfo:
    """A document replaced by this one, and the organisations that received it."""

    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Business:
    """TraceHeaderList/Bussiness (the standard's spelling): new, recall, update or replace."""

    business_type: BusinessType = BusinessType.NEW
    document_id: str = ""  # the earlier package this one recalls/updates/replaces
    reason: str = ""
    paper: int | None = None  # 1 when a paper copy is also sent
    staff_info: StaffInfo | None = None
    document_info: DocumentInfoChange | None = None
    replacements: tuple[ReplacementInfo, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """One attachment: the Manifest entry joined with its AttachmentEncoded content."""

    content_id: str
    name: str
    data: bytes = field(repr=False)
    content_type: str = "application/octet-stream"
    description: str = ""

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class DocumentPackage:
    """A document package (gói tin văn bản)."""

    from_organ: Organ
    to: tuple[Organ, ...]
    document_id: str
    code: Code = Code()
    promulgation: Promulgation = Promulgation()
    document_type: DocType = DocType()
    subject: str = ""
    content: str = ""
    signer: SignerInfo = SignerInfo()
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    other_info: OtherInfo = OtherInfo()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = None
    trace_headers: tuple[TraceHeader, ...] = ()
    business: Business | None = None
    attachments: tuple[Attachment, ...] = ()

    @property
    def business_type(self) -> BusinessType:
        """A package without a Bussiness block is a new document."""
        return self.business.business_type if self.business else BusinessType.NEW


@dataclass(frozen=True)
class StatusPackage:
    """A status package (gói tin trạng thái) sent back to the document's sender."""

    from_organ: Organ
    response_for: ResponseFor
    status_code: StatusCode
    staff_info: StaffInfo = StaffInfo()
    description: str = ""
    timestamp: datetime | None = None


Package = DocumentPackage | StatusPackage


def make_document_id(organ_id: str, promulgation_date: date, code: Code | str) -> str:
    """The customary DocumentId: "<organ id>,<yyyy/MM/dd>,<number/notation>"."""
    return f"{organ_id},{promulgation_date:%Y/%m/%d},{code}"

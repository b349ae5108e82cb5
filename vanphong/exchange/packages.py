"""Between our records and edXML packages: what goes into a package, what comes out of one.

The codec (`vanphong.exchange.edxml`) reads, writes and signs; this module only maps fields.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vanphong.core.errors import DomainError
from vanphong.core.models import Organisation
from vanphong.exchange import edxml
from vanphong.exchange.edxml.model import VN_TZ
from vanphong.exchange.node import identity

if TYPE_CHECKING:
    from vanphong.drafting.models import OutgoingDocument

_UNSAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


def organ(org: Organisation) -> edxml.Organ:
    return edxml.Organ(
        organ_id=org.identifier,
        organ_name=org.full_name,
        organization_in_charge=org.parent.full_name if org.parent_id and org.parent else "",
        organ_add=org.place_name,
    )


def split_notation(notation: str, number: int | None) -> edxml.Code:
    """ "12-CV/VPTU" → Code("12", "CV/VPTU"); "7816/VPCP-TTĐT" → Code("7816", "VPCP-TTĐT")."""
    prefix = str(number) if number is not None else notation.split("-")[0].split("/")[0]
    for sep in ("-", "/"):
        if prefix and notation.startswith(prefix + sep):
            return edxml.Code(number=prefix, notation=notation[len(prefix) + 1 :])
    return edxml.Code(number="", notation=notation)


def join_code(code: edxml.Code) -> str:
    """The số và ký hiệu as offices write it: Party style "12-CV/VPTU" (the ký hiệu has a "/"),
    State style "7816/VPCP-TTĐT"."""
    if code.number and code.notation:
        sep = "-" if "/" in code.notation else "/"
        return f"{code.number}{sep}{code.notation}"
    return code.number or code.notation


def document_id_for(doc: OutgoingDocument) -> str:
    assert doc.issue_date is not None
    return edxml.make_document_id(doc.organisation.identifier, doc.issue_date, doc.notation)


def file_name(notation: str, ext: str = "pdf") -> str:
    base = _UNSAFE_NAME.sub("_", notation).strip("_") or "van-ban"
    return f"{base}.{ext}"


def sign(package: edxml.Package) -> bytes:
    """The package written and signed by this node (signed as built: not parsed again)."""
    node = identity()
    return edxml.write_signed(package, key_pem=node.key_pem, cert_pem=node.cert_pem)


def build_document(
    *,
    doc: OutgoingDocument,
    recipient: Organisation,
    attachments: list[tuple[str, bytes, str]],
    to_places: list[str],
) -> bytes:
    """The signed package of an issued outgoing document for one recipient organisation."""
    authority = " ".join(x for x in (doc.authority, doc.authority_body) if x).strip()
    package = edxml.DocumentPackage(
        from_organ=organ(doc.organisation),
        to=(organ(recipient),),
        document_id=document_id_for(doc),
        code=split_notation(doc.notation, doc.number),
        promulgation=edxml.Promulgation(place=doc.organisation.place_name, date=doc.issue_date),
        document_type=edxml.DocType(type=1, name=doc.doc_type.name),
        subject=doc.summary,
        signer=edxml.SignerInfo(
            competence=authority, position=doc.signer_title, full_name=doc.signer.full_name
        ),
        to_places=tuple(to_places),
        other_info=edxml.OtherInfo(
            priority=int(doc.urgency),
            promulgation_amount=doc.copies,
            page_amount=doc.page_count,
        ),
        trace_headers=(
            edxml.TraceHeader(
                organ_id=doc.organisation.identifier,
                timestamp=dt.datetime.now(VN_TZ).replace(microsecond=0),
            ),
        ),
        business=edxml.Business(business_type=edxml.BusinessType.NEW),
        attachments=tuple(
            edxml.Attachment(
                content_id=f"cid:{uuid.uuid4()}", name=name, data=data, content_type=content_type
            )
            for name, data, content_type in attachments
        ),
    )
    return sign(package)


def build_status(
    *,
    sender: Organisation,
    to_identifier: str,
    document_id: str,
    code_notation: str,
    document_date: dt.date | None,
    status: str,
    description: str,
    staff: str = "",
    department: str = "",
) -> bytes:
    """A signed status package about `document_id`, addressed to `to_identifier`
    (ResponseFor/OrganId names the organisation the status goes to, as in the national samples)."""
    package = edxml.StatusPackage(
        from_organ=organ(sender),
        response_for=edxml.ResponseFor(
            organ_id=to_identifier,
            code=code_notation,
            promulgation_date=document_date,
            document_id=document_id,
        ),
        status_code=edxml.StatusCode(status),
        staff_info=edxml.StaffInfo(department=department, staff=staff),
        description=description,
        timestamp=dt.datetime.now(VN_TZ).replace(microsecond=0),
    )
    return sign(package)


@dataclass(frozen=True)
class ArrivalData:
    """What the văn thư's register needs, read from a document package."""

    code_notation: str
    document_date: dt.date
    type_name: str
    summary: str
    signer_name: str
    signer_position: str
    urgency: int
    page_count: int | None
    due_date: dt.date | None


def arrival_data(package: edxml.DocumentPackage) -> ArrivalData:
    notation = join_code(package.code).strip()
    if not notation:
        raise DomainError("Gói tin thiếu số và ký hiệu văn bản (Code).")
    if package.promulgation.date is None:
        raise DomainError("Gói tin thiếu ngày ban hành (PromulgationDate).")
    priority = package.other_info.priority or 0
    return ArrivalData(
        code_notation=notation[:80],
        document_date=package.promulgation.date,
        type_name=package.document_type.name[:120],
        summary=package.subject,
        signer_name=package.signer.full_name[:150],
        signer_position=package.signer.position[:150],
        urgency=priority if 0 <= priority <= 4 else 0,
        page_count=package.other_info.page_amount
        if package.other_info.page_amount and package.other_info.page_amount > 0
        else None,
        due_date=package.due_date,
    )

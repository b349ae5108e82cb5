"""Writing edXML packages: DocumentPackage | StatusPackage → UTF-8 bytes.

Every element carries the `edXML:` prefix (the national hub rejects unprefixed children), the
envelope holds the header (MessageHeader, TraceHeaderList) and the body (Manifest), and the
attachments travel base64-encoded in AttachmentEncoded, outside the envelope, as QCVN 102:2016
places them. Elements the standard always carries are written even when empty; reading them back
gives the same package.
"""

from __future__ import annotations

import base64
from datetime import date, datetime

from lxml import etree

from vanphong.exchange.edxml.errors import EdxmlError
from vanphong.exchange.edxml.model import (
    NS,
    PREFIX,
    VN_TZ,
    Business,
    DocumentPackage,
    Organ,
    Package,
    ResponseFor,
    StaffInfo,
    StatusPackage,
)
from vanphong.exchange.edxml.reader import q


def _sub(parent: etree._Element, name: str, text: str | int | None = None) -> etree._Element:
    element = etree.SubElement(parent, q(name))
    if text is not None and text != "":
        element.text = str(text)
    return element


def _date(value: date | None) -> str:
    return value.strftime("%Y/%m/%d") if value else ""


def _datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime("%Y/%m/%d %H:%M:%S")


def _organ(parent: etree._Element, name: str, organ: Organ) -> None:
    if not organ.organ_id:
        raise EdxmlError("Không thể tạo gói tin: thiếu mã định danh cơ quan (OrganId).")
    element = _sub(parent, name)
    _sub(element, "OrganId", organ.organ_id)
    _sub(element, "OrganizationInCharge", organ.organization_in_charge)
    _sub(element, "OrganName", organ.organ_name)
    _sub(element, "OrganAdd", organ.organ_add)
    _sub(element, "Email", organ.email)
    _sub(element, "Telephone", organ.telephone)
    _sub(element, "Fax", organ.fax)
    _sub(element, "Website", organ.website)


def _response_for(parent: etree._Element, response: ResponseFor) -> None:
    element = _sub(parent, "ResponseFor")
    _sub(element, "OrganId", response.organ_id)
    _sub(element, "Code", response.code)
    _sub(element, "PromulgationDate", _date(response.promulgation_date))
    _sub(element, "DocumentId", response.document_id)


def _staff(parent: etree._Element, staff: StaffInfo) -> None:
    element = _sub(parent, "StaffInfo")
    _sub(element, "Department", staff.department)
    _sub(element, "Staff", staff.staff)
    _sub(element, "Email", staff.email)
    _sub(element, "Mobile", staff.mobile)


def _root() -> tuple[etree._Element, etree._Element, etree._Element]:
    root = etree.Element(q("edXML"), nsmap={PREFIX: NS})
    envelope = _sub(root, "edXMLEnvelope")
    header = _sub(envelope, "edXMLHeader")
    return root, envelope, header


def tree(package: Package) -> etree._Element:
    """The package's root element, indented as it is written (the whitespace is part of what a
    signature covers, so it is added before signing, not when serialising)."""
    root = _status_tree(package) if isinstance(package, StatusPackage) else _document_tree(package)
    etree.indent(root)
    return root


def write(package: Package) -> bytes:
    """The edXML bytes of a package (UTF-8, with the XML declaration), unsigned."""
    return etree.tostring(tree(package), xml_declaration=True, encoding="UTF-8") + b"\n"


def _status_tree(package: StatusPackage) -> etree._Element:
    if not package.response_for.document_id:
        raise EdxmlError("Không thể tạo gói tin trạng thái: thiếu DocumentId của văn bản.")
    root, _envelope, header = _root()
    mh = _sub(header, "MessageHeader")
    _organ(mh, "From", package.from_organ)
    _response_for(mh, package.response_for)
    _staff(mh, package.staff_info)
    _sub(mh, "StatusCode", package.status_code.value)
    _sub(mh, "Description", package.description)
    _sub(mh, "Timestamp", _datetime(package.timestamp))
    return root


def _document_tree(package: DocumentPackage) -> etree._Element:
    if not package.document_id:
        raise EdxmlError("Không thể tạo gói tin văn bản: thiếu DocumentId.")
    if not package.to:
        raise EdxmlError("Không thể tạo gói tin văn bản: chưa có nơi nhận.")
    root, envelope, header = _root()
    mh = _sub(header, "MessageHeader")
    _organ(mh, "From", package.from_organ)
    for organ in package.to:
        _organ(mh, "To", organ)
    _sub(mh, "DocumentId", package.document_id)
    code = _sub(mh, "Code")
    _sub(code, "CodeNumber", package.code.number)
    _sub(code, "CodeNotation", package.code.notation)
    promulgation = _sub(mh, "PromulgationInfo")
    _sub(promulgation, "Place", package.promulgation.place)
    _sub(promulgation, "PromulgationDate", _date(package.promulgation.date))
    doc_type = _sub(mh, "DocumentType")
    _sub(doc_type, "Type", package.document_type.type)
    _sub(doc_type, "TypeDetail", package.document_type.detail)
    _sub(doc_type, "TypeName", package.document_type.name)
    _sub(mh, "Subject", package.subject)
    _sub(mh, "Content", package.content)
    signer = _sub(mh, "SignerInfo")
    _sub(signer, "Competence", package.signer.competence)
    _sub(signer, "Position", package.signer.position)
    _sub(signer, "FullName", package.signer.full_name)
    if package.due_date:
        _sub(mh, "DueDate", _date(package.due_date))
    if package.to_places:
        places = _sub(mh, "ToPlaces")
        for place in package.to_places:
            _sub(places, "Place", place)
    info = package.other_info
    other = _sub(mh, "OtherInfo")
    _sub(other, "Priority", info.priority)
    _sub(other, "SphereOfPromulgation", info.sphere_of_promulgation)
    _sub(other, "TyperNotation", info.typer_notation)
    _sub(other, "PromulgationAmount", info.promulgation_amount)
    _sub(other, "PageAmount", info.page_amount)
    if info.direction is not None:
        _sub(other, "Direction", "true" if info.direction else "false")
    if info.appendixes:
        appendixes = _sub(other, "Appendixes")
        for appendix in info.appendixes:
            _sub(appendixes, "Appendix", appendix)
    for response in package.response_for:
        _response_for(mh, response)
    if package.steering_type is not None:
        _sub(mh, "SteeringType", package.steering_type)

    trace_list = _sub(header, "TraceHeaderList")
    for trace in package.trace_headers:
        element = _sub(trace_list, "TraceHeader")
        _sub(element, "OrganId", trace.organ_id)
        _sub(element, "Timestamp", _datetime(trace.timestamp))
    if package.business is not None:
        _business(trace_list, package.business)

    manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    seen: set[str] = set()
    for attachment in package.attachments:
        if not attachment.content_id or attachment.content_id in seen:
            raise EdxmlError(
                f"Không thể tạo gói tin: tệp “{attachment.name}” thiếu ContentId hoặc trùng."
            )
        seen.add(attachment.content_id)
        ref = _sub(manifest, "Reference")
        _sub(ref, "ContentId", attachment.content_id)
        _sub(ref, "ContentType", attachment.content_type)
        _sub(ref, "AttachmentName", attachment.name)
        _sub(ref, "Description", attachment.description)
    if package.attachments:
        encoded = _sub(root, "AttachmentEncoded")
        for attachment in package.attachments:
            item = _sub(encoded, "Attachment")
            _sub(item, "ContentId", attachment.content_id)
            _sub(item, "AttachmentName", attachment.name)
            _sub(item, "Description", attachment.description)
            _sub(item, "ContentType", attachment.content_type)
            content = _sub(item, "ContentTransferEncoded")
            content.text = base64.b64encode(attachment.data).decode("ascii")
    return root


def _business(parent: etree._Element, business: Business) -> None:
    element = _sub(parent, "Bussiness")  # the standard's spelling
    _sub(element, "DocumentId", business.document_id)
    _sub(element, "BussinessDocType", int(business.business_type))
    _sub(element, "BussinessDocReason", business.reason)
    _sub(element, "Paper", business.paper)
    if business.document_info is not None:
        info = _sub(element, "BussinessDocumentInfo")
        _sub(info, "DocumentInfo", business.document_info.document_info)
        _sub(info, "DocumentReceiver", business.document_info.document_receiver)
        receivers = _sub(info, "ReceiverList")
        for receiver in business.document_info.receivers:
            item = _sub(receivers, "Receiver")
            _sub(item, "OrganId", receiver.organ_id)
            _sub(item, "ReceiverType", receiver.receiver_type)
    if business.replacements:
        replacements = _sub(element, "ReplacementInfoList")
        for replacement in business.replacements:
            item = _sub(replacements, "ReplacementInfo")
            _sub(item, "DocumentId", replacement.document_id)
            organs = _sub(item, "OrganIdList")
            for organ_id in replacement.organ_ids:
                _sub(organs, "OrganId", organ_id)
    if business.staff_info is not None:
        _staff(element, business.staff_info)

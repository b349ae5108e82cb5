"""Safe reading of edXML packages: bytes → DocumentPackage | StatusPackage.

The bytes come from other organisations' software, so the reader trusts nothing: a size limit,
UTF-8 only, no DOCTYPE or ENTITY declarations at all (no entity bombs, no external entities), no
network, libxml2's default limits on text nodes and depth (huge_tree off), and every missing or
malformed field is a Vietnamese EdxmlError naming the field, never a crash.

Elements are matched by namespace, so both spellings found in the field are read: the samples'
default-namespace root (<edXML xmlns="…">) and the prefixed <edXML:…> elements we write.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from datetime import date, datetime

from lxml import etree

from vanphong.exchange.edxml.errors import EdxmlError
from vanphong.exchange.edxml.model import (
    NS,
    PREFIX,
    VN_TZ,
    Attachment,
    Business,
    BusinessType,
    Code,
    DocType,
    DocumentInfoChange,
    DocumentPackage,
    Organ,
    OtherInfo,
    Package,
    Promulgation,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
)

XLINK_NS = "http://www.w3.org/1999/xlink"
# libxml2 refuses a text node over this many characters unless huge_tree is on (which we keep off):
# one attachment's base64 text, so about 7.5 MB of file per attachment.
MAX_TEXT_NODE = 10_000_000
MAX_ATTACHMENT_BYTES = MAX_TEXT_NODE * 3 // 4

# QĐ 20/2020/QĐ-TTg: up to 35 characters, digits and capital letters in dotted groups.
ORGAN_ID_RE = re.compile(r"^[0-9A-Z]+(?:\.[0-9A-Z]+)*$")
_ROOT_TAG_RE = re.compile(rb"<(?![?!])[A-Za-z_][\w.:-]*")
_UNDECLARED_KNOWN_PREFIX_RE = re.compile(r"Namespace prefix (?:edXML|xlink) .* is not defined")
_ENCODING_RE = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DATE_FORMATS = ("%Y/%m/%d", "%Y-%m-%d")
_DATETIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def q(name: str) -> str:
    """The qualified (Clark) name of an edXML element."""
    return f"{{{NS}}}{name}"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " MB"


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _check_prolog(data: bytes, max_bytes: int) -> bytes:
    """Refuse what must never reach the XML parser; return the bytes to parse (BOM removed)."""
    if not data or not data.strip():
        raise EdxmlError("Gói tin rỗng: không có dữ liệu edXML.")
    if len(data) > max_bytes:
        raise EdxmlError(
            f"Gói tin quá lớn ({_mb(len(data))}); giới hạn của hệ thống là {_mb(max_bytes)}."
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EdxmlError("Gói tin edXML phải được mã hóa UTF-8 (nhận được UTF-16).")
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    first = body.find(b"<")
    if first < 0:
        raise EdxmlError("Dữ liệu nhận được không phải XML (không có thẻ nào).")
    if first > 0 and body[:first].strip():
        stray = body[:first][:20].decode("utf-8", "replace")
        raise EdxmlError(
            f"Gói tin có {first} byte lạ (“{stray}”) trước phần khai báo XML (<?xml …?>): "
            "gói tin bị hỏng khi tạo hoặc truyền, đề nghị đơn vị gửi gửi lại."
        )
    if body.startswith(b"<?xml"):
        end = body.find(b"?>")
        match = _ENCODING_RE.search(body[: end if end > 0 else 200])
        if match and match.group(1).decode("ascii").lower().replace("_", "-") not in (
            "utf-8",
            "utf8",
        ):
            raise EdxmlError(
                f"Gói tin edXML phải được mã hóa UTF-8 "
                f"(khai báo là {match.group(1).decode('ascii')})."
            )
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise EdxmlError(
            "Gói tin chứa khai báo DOCTYPE/ENTITY: edXML không dùng DTD, gói tin bị từ chối để "
            "phòng tấn công thực thể XML (entity bomb, đọc tệp ngoài)."
        )
    return body


def _syntax_error(exc: etree.XMLSyntaxError) -> EdxmlError:
    text = str(exc)
    if "Text node too long" in text or "Huge input lookup" in text:
        return EdxmlError(
            "Gói tin có một phần nội dung quá lớn (tệp đính kèm vượt khoảng "
            f"{_mb(MAX_ATTACHMENT_BYTES)} một tệp): hệ thống không đọc nội dung lớn như vậy "
            "trong một gói edXML."
        )
    line = exc.lineno or 0
    if "Premature end" in text or "EndTag" in text or "end of data" in text:
        what = "gói tin bị cắt cụt hoặc thiếu thẻ đóng"
    elif "Namespace prefix" in text:
        what = "dùng tiền tố không gian tên chưa khai báo"
    else:
        what = "sai cú pháp XML"
    return EdxmlError(f"Gói tin không phải XML hợp lệ ({what}, dòng {line}): {text}")


def _declare_known_prefixes(body: bytes) -> bytes:
    """Declare edXML: and xlink: on the root when the sender used them without declaring them.

    Found in the field: the prefix declared on edXMLEnvelope only, then used on AttachmentEncoded
    outside it, and xlink:href on Manifest references with no xlink declaration at all.
    """
    match = _ROOT_TAG_RE.search(body)
    if match is None:
        return body
    start_tag = body[match.start() : body.find(b">", match.start())]
    missing = [
        f' xmlns:{prefix}="{uri}"'.encode("ascii")
        for prefix, uri in ((PREFIX, NS), ("xlink", XLINK_NS))
        if f"xmlns:{prefix}=".encode("ascii") not in start_tag
    ]
    return body[: match.end()] + b"".join(missing) + body[match.end() :]


def load_xml(data: bytes, *, max_bytes: int) -> etree._Element:
    """Parse package bytes safely into the root element; raise EdxmlError on anything odd."""
    body = _check_prolog(data, max_bytes)
    try:
        root = etree.fromstring(body, _safe_parser())
    except etree.XMLSyntaxError as exc:
        if _UNDECLARED_KNOWN_PREFIX_RE.search(str(exc)):
            try:
                root = etree.fromstring(_declare_known_prefixes(body), _safe_parser())
            except etree.XMLSyntaxError as again:
                raise _syntax_error(again) from again
        else:
            raise _syntax_error(exc) from exc
    except ValueError as exc:  # e.g. lxml refusing an encoding declaration it cannot honour
        raise EdxmlError(f"Gói tin không phải XML hợp lệ: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise EdxmlError("Gói tin chứa khai báo DOCTYPE: edXML không dùng DTD.")
    if root.tag != q("edXML"):
        qname = etree.QName(root)
        if qname.localname == "edXML":
            got = qname.namespace or "không có"
            raise EdxmlError(
                f"Gói tin không dùng không gian tên của QCVN 102:2016 ({NS}); "
                f"không gian tên nhận được: {got}."
            )
        raise EdxmlError(
            f"Phần tử gốc của gói tin phải là edXML:edXML (nhận được “{qname.localname}”)."
        )
    return root


# ---------------------------------------------------------------------------------------- fields


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    return parent.find(q(name))


def _required(parent: etree._Element, name: str, where: str) -> etree._Element:
    element = parent.find(q(name))
    if element is None:
        raise EdxmlError(f"Gói tin thiếu phần tử {name} trong {where}.")
    return element


def _text(parent: etree._Element | None, name: str) -> str:
    if parent is None:
        return ""
    element = parent.find(q(name))
    if element is None or element.text is None:
        return ""
    return element.text.strip()


def _texts(parent: etree._Element | None, name: str) -> tuple[str, ...]:
    if parent is None:
        return ()
    return tuple(t for e in parent.findall(q(name)) if (t := (e.text or "").strip()))


def _int(parent: etree._Element | None, name: str) -> int | None:
    value = _text(parent, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise EdxmlError(f"Trường {name} phải là số nguyên (nhận được “{value[:40]}”).") from None


def _bool(parent: etree._Element | None, name: str) -> bool | None:
    value = _text(parent, name).lower()
    if not value:
        return None
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise EdxmlError(f"Trường {name} phải là true hoặc false (nhận được “{value[:40]}”).")


def _date(parent: etree._Element | None, name: str) -> date | None:
    value = _text(parent, name)
    if not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise EdxmlError(f"Trường {name} phải là ngày dạng yyyy/MM/dd (nhận được “{value[:40]}”).")


def _datetime(parent: etree._Element | None, name: str) -> datetime | None:
    value = _text(parent, name)
    if not value:
        return None
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=VN_TZ)
        except ValueError:
            continue
    raise EdxmlError(
        f"Trường {name} phải là thời điểm dạng yyyy/MM/dd HH:mm:ss (nhận được “{value[:40]}”)."
    )


def _organ(element: etree._Element, role: str) -> Organ:
    organ_id = _text(element, "OrganId")
    if not organ_id:
        raise EdxmlError(f"Gói tin thiếu mã định danh cơ quan (OrganId) của {role}.")
    if len(organ_id) > 35 or not ORGAN_ID_RE.match(organ_id):
        raise EdxmlError(
            f"Mã định danh cơ quan của {role} không hợp lệ: “{organ_id[:40]}” (theo QĐ 20/2020/"
            "QĐ-TTg: tối đa 35 ký tự gồm chữ số và chữ in hoa, các nhóm cách nhau bởi dấu chấm)."
        )
    return Organ(
        organ_id=organ_id,
        organization_in_charge=_text(element, "OrganizationInCharge"),
        organ_name=_text(element, "OrganName"),
        organ_add=_text(element, "OrganAdd"),
        email=_text(element, "Email"),
        telephone=_text(element, "Telephone"),
        fax=_text(element, "Fax"),
        website=_text(element, "Website"),
    )


def _response_for(element: etree._Element) -> ResponseFor:
    return ResponseFor(
        organ_id=_text(element, "OrganId"),
        code=_text(element, "Code"),
        promulgation_date=_date(element, "PromulgationDate"),
        document_id=_text(element, "DocumentId"),
    )


def _staff(element: etree._Element | None) -> StaffInfo | None:
    if element is None:
        return None
    return StaffInfo(
        department=_text(element, "Department"),
        staff=_text(element, "Staff"),
        email=_text(element, "Email"),
        mobile=_text(element, "Mobile"),
    )


# -------------------------------------------------------------------------------------- packages


def element_to_package(root: etree._Element) -> Package:
    envelope = _required(root, "edXMLEnvelope", "edXML")
    header = _required(envelope, "edXMLHeader", "edXMLEnvelope")
    mh = _required(header, "MessageHeader", "edXMLHeader")
    if _child(mh, "StatusCode") is not None:
        return _status_package(mh)
    return _document_package(root, envelope, header, mh)


def _status_package(mh: etree._Element) -> StatusPackage:
    raw = _text(mh, "StatusCode")
    try:
        code = StatusCode(raw)
    except ValueError:
        raise EdxmlError(
            f"Mã trạng thái “{raw[:10]}” không có trong QCVN 102:2016 "
            "(01, 02, 03, 04, 05, 06, 13, 15, 16)."
        ) from None
    response = _child(mh, "ResponseFor")
    if response is None or not _text(response, "DocumentId"):
        raise EdxmlError(
            "Gói tin trạng thái thiếu ResponseFor/DocumentId: không biết trạng thái này thuộc văn "
            "bản nào."
        )
    return StatusPackage(
        from_organ=_organ(_required(mh, "From", "MessageHeader"), "đơn vị gửi trạng thái"),
        response_for=_response_for(response),
        status_code=code,
        staff_info=_staff(_child(mh, "StaffInfo")) or StaffInfo(),
        description=_text(mh, "Description"),
        timestamp=_datetime(mh, "Timestamp"),
    )


def _document_package(
    root: etree._Element, envelope: etree._Element, header: etree._Element, mh: etree._Element
) -> DocumentPackage:
    document_id = _text(mh, "DocumentId")
    if not document_id:
        raise EdxmlError("Gói tin văn bản thiếu DocumentId (mã định danh văn bản trên trục).")
    recipients = mh.findall(q("To"))
    if not recipients:
        raise EdxmlError("Gói tin văn bản không có nơi nhận (To).")
    code = _child(mh, "Code")
    promulgation = _child(mh, "PromulgationInfo")
    doc_type = _child(mh, "DocumentType")
    signer = _child(mh, "SignerInfo")
    other = _child(mh, "OtherInfo")
    trace_list = _child(header, "TraceHeaderList")
    responses = tuple(
        r
        for r in (_response_for(e) for e in mh.findall(q("ResponseFor")))
        if r != ResponseFor()  # an all-empty ResponseFor carries nothing
    )
    return DocumentPackage(
        from_organ=_organ(_required(mh, "From", "MessageHeader"), "đơn vị gửi"),
        to=tuple(_organ(e, "nơi nhận") for e in recipients),
        document_id=document_id,
        code=Code(number=_text(code, "CodeNumber"), notation=_text(code, "CodeNotation")),
        promulgation=Promulgation(
            place=_text(promulgation, "Place"), date=_date(promulgation, "PromulgationDate")
        ),
        document_type=DocType(
            type=_int(doc_type, "Type"),
            detail=_int(doc_type, "TypeDetail"),
            name=_text(doc_type, "TypeName"),
        ),
        subject=_text(mh, "Subject"),
        content=_text(mh, "Content"),
        signer=SignerInfo(
            competence=_text(signer, "Competence"),
            position=_text(signer, "Position"),
            full_name=_text(signer, "FullName"),
        ),
        due_date=_date(mh, "DueDate"),
        to_places=_texts(_child(mh, "ToPlaces"), "Place"),
        other_info=OtherInfo(
            priority=_int(other, "Priority"),
            sphere_of_promulgation=_text(other, "SphereOfPromulgation"),
            typer_notation=_text(other, "TyperNotation"),
            promulgation_amount=_int(other, "PromulgationAmount"),
            page_amount=_int(other, "PageAmount"),
            direction=_bool(other, "Direction"),
            appendixes=_texts(
                _child(other, "Appendixes") if other is not None else None, "Appendix"
            ),
        ),
        response_for=responses,
        steering_type=_int(mh, "SteeringType"),
        trace_headers=tuple(
            TraceHeader(organ_id=_text(e, "OrganId"), timestamp=_datetime(e, "Timestamp"))
            for e in (trace_list.findall(q("TraceHeader")) if trace_list is not None else ())
        ),
        business=_business(_child(trace_list, "Bussiness") if trace_list is not None else None),
        attachments=_attachments(root, envelope),
    )


def _business(element: etree._Element | None) -> Business | None:
    if element is None:
        return None
    raw = _int(element, "BussinessDocType")
    try:
        kind = BusinessType(raw if raw is not None else 0)
    except ValueError:
        raise EdxmlError(
            f"Loại nghiệp vụ (BussinessDocType) “{raw}” không hợp lệ: 0 mới, 1 thu hồi, "
            "2 cập nhật, 3 thay thế."
        ) from None
    info = _child(element, "BussinessDocumentInfo")
    change = None
    if info is not None:
        receivers = _child(info, "ReceiverList")
        change = DocumentInfoChange(
            document_info=_text(info, "DocumentInfo"),
            document_receiver=_text(info, "DocumentReceiver"),
            receivers=tuple(
                Receiver(organ_id=_text(r, "OrganId"), receiver_type=_int(r, "ReceiverType"))
                for r in (receivers.findall(q("Receiver")) if receivers is not None else ())
            ),
        )
    replacements = _child(element, "ReplacementInfoList")
    return Business(
        business_type=kind,
        document_id=_text(element, "DocumentId"),
        reason=_text(element, "BussinessDocReason"),
        paper=_int(element, "Paper"),
        staff_info=_staff(_child(element, "StaffInfo")),
        document_info=change,
        replacements=tuple(
            ReplacementInfo(
                document_id=_text(r, "DocumentId"),
                organ_ids=_texts(_child(r, "OrganIdList"), "OrganId"),
            )
            for r in (
                replacements.findall(q("ReplacementInfo")) if replacements is not None else ()
            )
        ),
    )


def _decode(text: str, name: str) -> bytes:
    compact = "".join(text.split())
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise EdxmlError(
            f"Nội dung tệp đính kèm “{name}” (ContentTransferEncoded) không phải dữ liệu base64 "
            "hợp lệ."
        ) from None


def _attachments(root: etree._Element, envelope: etree._Element) -> tuple[Attachment, ...]:
    body = _child(envelope, "edXMLBody")
    manifest = _child(body, "edXMLManifest") if body is not None else None
    declared: dict[str, etree._Element] = {}
    for ref in manifest.findall(q("Reference")) if manifest is not None else ():
        content_id = _text(ref, "ContentId")
        if not content_id:
            raise EdxmlError("Một mục trong Manifest không có ContentId.")
        if content_id in declared:
            raise EdxmlError(f"Manifest khai báo hai lần tệp đính kèm {content_id}.")
        declared[content_id] = ref
    result: list[Attachment] = []
    seen: set[str] = set()
    for encoded in root.findall(q("AttachmentEncoded")):
        for item in encoded.findall(q("Attachment")):
            content_id = _text(item, "ContentId")
            name = _text(item, "AttachmentName")
            ref = declared.get(content_id)
            if ref is None:
                raise EdxmlError(
                    f"Tệp đính kèm “{name or content_id}” không được khai báo trong Manifest."
                )
            if content_id in seen:
                raise EdxmlError(f"Tệp đính kèm {content_id} xuất hiện hai lần trong gói tin.")
            seen.add(content_id)
            name = name or _text(ref, "AttachmentName")
            if not name:
                raise EdxmlError(f"Tệp đính kèm {content_id} không có tên (AttachmentName).")
            encoded_text = _child(item, "ContentTransferEncoded")
            if encoded_text is None:
                raise EdxmlError(
                    f"Tệp đính kèm “{name}” không có nội dung (ContentTransferEncoded)."
                )
            result.append(
                Attachment(
                    content_id=content_id,
                    name=name,
                    data=_decode(encoded_text.text or "", name),
                    content_type=_text(item, "ContentType")
                    or _text(ref, "ContentType")
                    or "application/octet-stream",
                    description=_text(ref, "Description") or _text(item, "Description"),
                )
            )
    missing = [cid for cid in declared if cid not in seen]
    if missing:
        names = ", ".join(_text(declared[c], "AttachmentName") or c for c in missing)
        raise EdxmlError(
            f"Manifest khai báo tệp đính kèm nhưng gói tin không chứa nội dung: {names}."
        )
    return tuple(result)

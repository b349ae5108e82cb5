"""edXML codec: the field samples read to the right fields, round trip, and bad input is refused.

The field samples are read from ../shared/testdata/edxml (not copied into the repository: they
carry no open licence); those tests skip when the folder is absent. Our own packages come from
vanphong.exchange.edxml.samples.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from lxml import etree

from tests.edxml_samples import SAMPLES, needs_samples
from vanphong.exchange import edxml
from vanphong.exchange.edxml import (
    BusinessType,
    DocumentPackage,
    EdxmlError,
    StatusCode,
    StatusPackage,
)
from vanphong.exchange.edxml import samples as s
from vanphong.exchange.edxml.model import NS, VN_TZ

EDOC_SIZE = 270_823  # bytes of the .doc (a zip) carried by every edoc_* sample


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def document(name: str) -> DocumentPackage:
    package = edxml.parse(sample(name))
    assert isinstance(package, DocumentPackage)
    return package


def assert_prefixed(data: bytes) -> None:
    """Every element in the edXML namespace is written with the edXML: prefix."""
    root = etree.fromstring(data)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    assert elements
    for element in elements:
        if etree.QName(element).namespace == NS:
            assert element.prefix == "edXML", element.tag
    assert b"xmlns=" not in data  # no default namespace anywhere


def assert_round_trip(data: bytes) -> None:
    package = edxml.parse(data)
    written = edxml.write(package)
    assert written.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert_prefixed(written)
    assert edxml.parse(written) == package


# ------------------------------------------------------------------------------ field samples


@needs_samples
def test_update_sample_reads_every_header_field() -> None:
    package = document("edoc_update.edxml")
    assert package.from_organ.organ_id == "000.00.00.G22"
    assert package.from_organ.organ_name == "Văn phòng Chính phủ"
    assert package.from_organ.organ_add == "Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội"
    assert package.from_organ.fax == "048989898789"
    assert [o.organ_id for o in package.to] == ["000.00.00.H41", "000.00.00.H14", "000.00.00.G17"]
    assert package.to[1].organ_name == "UBND Tỉnh Cao Bằng"
    assert package.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert (package.code.number, package.code.notation) == ("7816", "VPCP-TTĐT")
    assert str(package.code) == "7816/VPCP-TTĐT"
    assert package.promulgation.place == "Hà Nội"
    assert package.promulgation.date == dt.date(2018, 9, 28)
    assert (package.document_type.type, package.document_type.detail) == (1, 0)
    assert package.document_type.name == "Công văn"
    assert package.subject == "V/v kết nối, liên thông phần mềm quản lý văn bản"
    assert package.signer.competence == "TL. BO TRUONG"
    assert package.signer.full_name == "Nguyen Thanh Phuc"
    assert package.due_date == dt.date(2018, 9, 28)
    assert package.to_places == ("Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP")
    other = package.other_info
    assert (other.priority, other.promulgation_amount, other.page_amount) == (0, 2, 22)
    assert other.sphere_of_promulgation == "Liên thông văn bản quốc gia"
    assert other.typer_notation == "TVC"
    assert other.direction is False
    assert other.appendixes == ("Công văn về việc kết nối, liên thông phần mềm quản lý văn bản",)
    assert package.steering_type == 1
    assert package.trace_headers == (
        edxml.TraceHeader("000.00.00.G22", dt.datetime(2018, 9, 28, 0, 0, tzinfo=VN_TZ)),
    )


@needs_samples
def test_update_sample_business_block_and_attachment() -> None:
    package = document("edoc_update.edxml")
    business = package.business
    assert business is not None
    assert package.business_type is BusinessType.UPDATE
    assert business.document_id == "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT"
    assert business.reason == "Cập nhật văn bản điện tử"
    assert business.paper == 0
    assert business.staff_info is not None
    assert business.staff_info.staff == "Nguyễn Thị Ngọc Trâm"
    assert business.document_info is not None
    assert business.document_info.receivers == (
        edxml.Receiver("000.00.00.H41", 0),
        edxml.Receiver("000.00.00.H14", 1),
    )
    (attachment,) = package.attachments
    assert attachment.content_id == "cid:209"
    assert attachment.name == "1896_QD-TTg_m_294779.doc"
    assert attachment.content_type == "application/zip"
    assert attachment.size == EDOC_SIZE
    assert attachment.data.startswith(b"PK\x03\x04")  # really a zip, decoded from base64


@needs_samples
def test_replacement_and_revocation_samples() -> None:
    replacement = document("edoc_replacement.edxml")
    assert replacement.business_type is BusinessType.REPLACE
    assert replacement.business is not None
    assert replacement.business.reason == "Văn bản thay thế"
    assert [r.document_id for r in replacement.business.replacements] == [
        "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT"
    ] * 2
    assert replacement.business.replacements[1].organ_ids == ("000.00.00.H41", "000.00.00.H14")
    assert replacement.attachments[0].size == EDOC_SIZE

    revocation = document("edoc_revocation.edxml")
    assert revocation.business_type is BusinessType.RECALL
    assert revocation.business is not None
    assert revocation.business.reason == "Thu hồi văn bản điện tử"
    assert revocation.response_for == (
        edxml.ResponseFor(
            organ_id="000.00.00.H14",
            code="267/VPCP-TTĐT",
            promulgation_date=dt.date(2018, 9, 28),
            document_id="000.00.04.G14,2012/08/06,267/VPCP-TTĐT",
        ),
    )


@needs_samples
def test_new_document_sample_with_stray_bytes_is_refused_clearly() -> None:
    with pytest.raises(EdxmlError) as caught:
        edxml.parse(sample("edoc_new.edxml"))
    assert "4 byte lạ (“1212”) trước phần khai báo XML" in caught.value.message
    # Without the stray bytes it is a well-formed new-document package.
    package = edxml.parse(sample("edoc_new.edxml")[4:])
    assert isinstance(package, DocumentPackage)
    assert package.business_type is BusinessType.NEW
    assert package.from_organ.organ_id == "002.00.20.H13"
    assert [o.organ_id for o in package.to] == ["28.22.H17"]
    assert package.to[0].organization_in_charge.startswith("UBND xã Hòa Sơn")  # stripped
    assert package.code.number == "74fass22"


@needs_samples
def test_jmeter_template_sample_refuses_its_placeholder_attachment() -> None:
    """edoc.edxml is a load-test template: undeclared prefixes and a ${…} placeholder file."""
    data = sample("edoc.edxml")
    with pytest.raises(EdxmlError) as caught:
        edxml.parse(data)
    assert "“GUIDE_INSTALL OPENVPN.SIGNED.PDF”" in caught.value.message
    assert "base64" in caught.value.message
    # With real content in place of the placeholder, the header reads (the undeclared edXML: and
    # xlink: prefixes the template uses are tolerated) and the empty ResponseFor is dropped.
    filled = data.replace(b"${__StringFromFile(test.txt,,,)}", base64.b64encode(b"%PDF-1.4\n"))
    package = edxml.parse(filled)
    assert isinstance(package, DocumentPackage)
    assert package.document_id == "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"
    assert package.from_organ.organ_id == "002.00.20.H13"
    assert package.to[0].organ_id == "000.00.15.H51"
    assert (package.code.number, package.code.notation) == ("12234555512", "PRO-TEST-CASE1")
    assert package.document_type == edxml.DocType(type=1, detail=None, name="Thông tư")
    assert package.promulgation.date == dt.date(2019, 1, 17)
    assert package.response_for == ()
    assert package.business is None and package.business_type is BusinessType.NEW
    (attachment,) = package.attachments
    assert (attachment.name, attachment.content_type) == (
        "GUIDE_INSTALL OPENVPN.SIGNED.PDF",
        "application/pdf",
    )
    assert attachment.description == "Description 1"
    assert attachment.data == b"%PDF-1.4\n"
    assert_round_trip(filled)


STATUS_SAMPLES = {
    "status.edxml": StatusCode.ARRIVED,
    "status_inbox_01.edxml": StatusCode.ARRIVED,
    "status_rejection_02.edxml": StatusCode.REFUSED,
    "status_acceptance_03.edxml": StatusCode.ACCEPTED,
    "status_assignment_04.edxml": StatusCode.ASSIGNED,
    "status_processing_05.edxml": StatusCode.IN_PROGRESS,
    "status_finish_06.edxml": StatusCode.DONE,
    "status_cancellation_13.edxml": StatusCode.RECALL_REQUESTED,
    "status_change-acceptance_15.edxml": StatusCode.RECALL_ACCEPTED,
    "status_change-rejection_16.edxml": StatusCode.RECALL_REFUSED,
}


@needs_samples
@pytest.mark.parametrize("name", sorted(STATUS_SAMPLES))
def test_status_samples(name: str) -> None:
    package = edxml.parse(sample(name))
    assert isinstance(package, StatusPackage)
    assert package.status_code is STATUS_SAMPLES[name]
    # The recall request (13) goes from the sender to the recipient; the others come back.
    sender, recipient = ("000.00.00.G22", "000.00.00.H41")
    if package.status_code is not StatusCode.RECALL_REQUESTED:
        sender, recipient = recipient, sender
    assert package.from_organ.organ_id == sender
    assert package.response_for.organ_id == recipient
    assert package.response_for.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert package.timestamp is not None and package.timestamp.tzinfo is not None
    assert_round_trip(sample(name))


@needs_samples
def test_status_sample_fields() -> None:
    package = edxml.parse(sample("status_inbox_01.edxml"))
    assert isinstance(package, StatusPackage)
    assert package.response_for.code == "7816/VPCP-TTĐT"
    assert package.response_for.promulgation_date == dt.date(2015, 9, 30)
    assert package.staff_info == edxml.StaffInfo(
        department="Phong hanh chinh",
        staff="Nguyen thi ngoc tram",
        email="ngoctram@nghean.vn",
        mobile="84912000001",
    )
    assert package.description.startswith("Văn thư - Phòng Văn thư - Lưu trữ: Đã đến")
    assert package.timestamp == dt.datetime(2015, 9, 20, 11, 8, 36, tzinfo=VN_TZ)


@needs_samples
@pytest.mark.parametrize(
    "name", ["edoc_update.edxml", "edoc_replacement.edxml", "edoc_revocation.edxml"]
)
def test_document_samples_round_trip(name: str) -> None:
    assert_round_trip(sample(name))


# -------------------------------------------------------------------------- our own packages

SENDER = s.organ("000.00.01.H42", "Văn phòng Tỉnh ủy Hà Tĩnh")
RECIPIENT = s.organ("000.00.02.H42", "Ban Tổ chức Tỉnh ủy Hà Tĩnh")


def our_package(**extra: object) -> DocumentPackage:
    pdf = s.pdf_bytes(title="Cong van 15", size=20_000, seed=15)
    return s.document_package(
        sender=SENDER,
        recipients=[RECIPIENT],
        number=15,
        notation="CV/VPTU",
        files=[("cong-van-15.pdf", pdf), ("phu-luc.pdf", s.pdf_bytes(title="Phu luc"))],
        **extra,  # type: ignore[arg-type]
    )


def test_written_package_layout() -> None:
    package = our_package()
    data = edxml.write(package)
    assert_prefixed(data)
    root = etree.fromstring(data)
    children = [etree.QName(c).localname for c in root]
    assert children == ["edXMLEnvelope", "AttachmentEncoded"]  # attachments outside the envelope
    q = f"{{{NS}}}"
    header = root.find(f"{q}edXMLEnvelope/{q}edXMLHeader")
    assert header is not None
    assert [etree.QName(c).localname for c in header] == ["MessageHeader", "TraceHeaderList"]
    date = root.findtext(f".//{q}PromulgationInfo/{q}PromulgationDate")
    assert date == "2026/11/20"
    assert root.findtext(f".//{q}TraceHeader/{q}Timestamp") == "2026/11/20 08:30:00"
    manifest = root.findall(f".//{q}edXMLManifest/{q}Reference/{q}AttachmentName")
    assert [m.text for m in manifest] == ["cong-van-15.pdf", "phu-luc.pdf"]
    parsed = edxml.parse(data)
    assert parsed == package
    assert parsed.attachments[0].data.startswith(b"%PDF-1.7")
    assert parsed.attachments[0].size == len(package.attachments[0].data)


def test_our_business_types_and_status_round_trip() -> None:
    for kind in BusinessType:
        business = edxml.Business(
            business_type=kind,
            document_id="000.00.01.H42,2026/11/01,9/CV/VPTU" if kind else "",
            reason=kind.label,
            paper=0,
            replacements=(edxml.ReplacementInfo("000.00.01.H42,2026/11/01,9/CV/VPTU", ("A.1",)),)
            if kind is BusinessType.REPLACE
            else (),
        )
        package = our_package(business=business)
        assert edxml.parse(edxml.write(package)) == package
    status = s.status_package(
        sender=RECIPIENT, document=our_package(), status_code=StatusCode.ASSIGNED
    )
    written = edxml.write(status)
    assert_prefixed(written)
    assert edxml.parse(written) == status
    assert b"<edXML:Timestamp>2026/11/20 09:00:00</edXML:Timestamp>" in written
    # An aware UTC timestamp is written in Vietnam time and reads back as the same instant.
    utc = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    written = edxml.write(
        s.status_package(
            sender=RECIPIENT, document=our_package(), status_code=StatusCode.DONE, at=utc
        )
    )
    assert b"2026/11/20 09:00:00" in written
    back = edxml.parse(written)
    assert isinstance(back, StatusPackage) and back.timestamp == utc


def test_package_hash_is_sha256_of_the_bytes() -> None:
    data = edxml.write(our_package())
    assert len(edxml.package_hash(data)) == 64
    assert edxml.package_hash(data) != edxml.package_hash(data + b"\n")


# ------------------------------------------------------------------------------- bad input


def refused(data: bytes, expected: str, **kwargs: int) -> None:
    with pytest.raises(EdxmlError) as caught:
        edxml.parse(data, **kwargs)
    assert expected in caught.value.message, caught.value.message


def test_entity_bomb_is_refused_before_parsing() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol4;</edXML>"""
    refused(bomb, "DOCTYPE/ENTITY")


def test_external_entity_is_refused() -> None:
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><x>&xxe;</x></edXML>"""
    refused(xxe, "DOCTYPE/ENTITY")


def test_doctype_alone_is_refused() -> None:
    data = edxml.write(our_package()).replace(
        b"?>\n", b'?>\n<!DOCTYPE edXML SYSTEM "http://example.invalid/edxml.dtd">\n', 1
    )
    refused(data, "DOCTYPE")


def test_oversized_input_is_refused() -> None:
    data = edxml.write(our_package())
    refused(data, "Gói tin quá lớn", max_bytes=len(data) - 1)
    assert isinstance(edxml.parse(data, max_bytes=len(data)), DocumentPackage)


def test_attachment_over_libxml_text_limit_is_refused_clearly() -> None:
    huge = b"A" * 10_000_004
    data = edxml.write(our_package()).replace(
        b"<edXML:ContentTransferEncoded>", b"<edXML:ContentTransferEncoded>" + huge, 1
    )
    refused(data, "tệp đính kèm vượt khoảng 7,2 MB")


def test_truncated_xml_is_refused() -> None:
    data = edxml.write(our_package())
    refused(data[: len(data) // 2], "bị cắt cụt")


def test_wrong_namespace_is_refused() -> None:
    data = edxml.write(our_package()).replace(NS.encode(), b"http://example.invalid/edxml")
    refused(data, "không dùng không gian tên của QCVN 102:2016")
    refused(b"<?xml version='1.0'?><edXML><x/></edXML>", "không gian tên nhận được: không có")
    refused(b"<?xml version='1.0'?><html/>", "Phần tử gốc")


def test_empty_and_non_xml_input_is_refused() -> None:
    refused(b"", "Gói tin rỗng")
    refused(b"   \n", "Gói tin rỗng")
    refused(b"not xml at all", "không phải XML")
    refused(b"\xff\xfe<\x00", "UTF-8")
    refused(b'<?xml version="1.0" encoding="ISO-8859-1"?><edXML/>', "UTF-8")


def test_missing_document_id_and_bad_fields_are_refused() -> None:
    data = edxml.write(our_package())
    start = data.index(b"<edXML:DocumentId>")
    end = data.index(b"</edXML:DocumentId>") + len(b"</edXML:DocumentId>")
    refused(data[:start] + data[end:], "thiếu DocumentId")
    refused(
        data.replace(b"Date>2026/11/20<", b"Date>20/11/2026<", 1), "PromulgationDate phải là ngày"
    )
    refused(data.replace(b"<edXML:PageAmount>1<", "<edXML:PageAmount>một<".encode()), "PageAmount")
    refused(data.replace(b"000.00.01.H42", b"../../etc", 1), "Mã định danh cơ quan")
    refused(
        data.replace(b"<edXML:MessageHeader>", b"<edXML:Other>").replace(
            b"</edXML:MessageHeader>", b"</edXML:Other>"
        ),
        "thiếu phần tử MessageHeader",
    )
    refused(
        data.replace(b"<edXML:BussinessDocType>0", b"<edXML:BussinessDocType>7"), "BussinessDocType"
    )


def test_attachment_and_manifest_must_agree() -> None:
    data = edxml.write(our_package())
    first_cid = our_package().attachments[0].content_id.encode()
    refused(
        data.replace(b"<edXML:ContentId>" + first_cid, b"<edXML:ContentId>cid:x", 1),
        "“cong-van-15.pdf” không được khai báo trong Manifest",
    )
    start = data.index(b"<edXML:Attachment>")
    end = data.index(b"</edXML:Attachment>") + len(b"</edXML:Attachment>")
    refused(
        data[:start] + data[end:],
        "Manifest khai báo tệp đính kèm nhưng gói tin không chứa nội dung: cong-van-15.pdf",
    )
    refused(
        data.replace(b"<edXML:ContentTransferEncoded>", b"<edXML:ContentTransferEncoded>*", 1),
        "không phải dữ liệu base64",
    )


def test_status_package_with_unknown_code_is_refused() -> None:
    status = edxml.write(
        s.status_package(sender=RECIPIENT, document=our_package(), status_code=StatusCode.DONE)
    )
    refused(status.replace(b"<edXML:StatusCode>06", b"<edXML:StatusCode>99"), "Mã trạng thái")
    refused(
        status.replace(
            b"<edXML:Timestamp>2026/11/20 09:00:00", "<edXML:Timestamp>hôm qua".encode()
        ),
        "Timestamp",
    )

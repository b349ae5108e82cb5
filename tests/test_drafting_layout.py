"""The generated draft follows the Party layout (36-HD/VPTW); office templates; versions."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from tests.outgoing_support import configure, docx_of, new_draft
from vanphong.core.errors import DomainError
from vanphong.drafting.docx_layout import finalize_docx, vn_date_line
from vanphong.drafting.models import Authority, DraftVersion
from vanphong.drafting.services import (
    RecipientLine,
    draft_submit,
    draft_upload_version,
    template_upload,
)
from vanphong.files.store import open_blob

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _texts(cell: Any) -> list[str]:
    return [p.text for p in cell.paragraphs]


def test_the_generated_draft_has_every_mandatory_element_in_its_place(demo: Any) -> None:
    configure(demo, "tu")
    demo.orgs["tu"].superior_heading = "ĐẢNG BỘ TỈNH HÒA BÌNH XANH"
    demo.orgs["tu"].place_name = "Hòa Bình Xanh"
    demo.orgs["tu"].save()
    bithu = demo.user("bithu")
    bithu.organisation = demo.orgs["tu"]
    bithu.save()
    doc = new_draft(
        demo,
        drafter="bithu",
        type_name="Chỉ thị",
        summary="về tăng cường công tác văn thư, lưu trữ",
        body="Đoạn thứ nhất.\nĐoạn thứ hai.",
        signer=bithu,
        authority=Authority.TM,
        authority_body="Ban Thường vụ",
        signer_title="Bí thư",
        recipients=[
            RecipientLine(organisation=demo.orgs["vptu"]),
            RecipientLine(label="Các huyện ủy"),
        ],
    )
    document = docx_of(doc.versions.get().blob)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert document.styles["Normal"].font.name == "Times New Roman"

    body = document.paragraphs
    assert body[0].text == "DỰ THẢO" and body[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT

    header, footer = document.tables
    left, right = header.rows[0].cells
    assert round(header.columns[0].width.mm) == 68 and round(header.columns[1].width.mm) == 97
    assert _texts(left) == [
        "ĐẢNG BỘ TỈNH HÒA BÌNH XANH",
        "TỈNH ỦY HÒA BÌNH XANH",
        "*",
        "Số      -CT/TU",
    ]
    assert left.paragraphs[1].runs[0].bold
    party = right.paragraphs[0]
    assert party.text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert party.runs[0].underline and party.runs[0].bold
    date_line = right.paragraphs[-1]
    assert date_line.text == f"Hòa Bình Xanh, ngày     tháng     năm {dt.date.today().year}"
    assert date_line.runs[0].italic

    texts = [p.text for p in body]
    type_at = texts.index("CHỈ THỊ")
    assert texts[type_at + 1] == "về tăng cường công tác văn thư, lưu trữ"
    for paragraph in body[type_at : type_at + 2]:
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER and paragraph.runs[0].bold
    first_body = body[texts.index("Đoạn thứ nhất.")]
    assert first_body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert round(first_body.paragraph_format.first_line_indent.mm, 1) == 12.7
    assert texts.index("Đoạn thứ nhất.") > type_at

    recipients, signature = footer.rows[0].cells
    assert _texts(recipients) == [
        "Nơi nhận:",
        "- Văn phòng Tỉnh ủy,",
        "- Các huyện ủy,",
        "- Lưu Văn phòng.",
    ]
    assert recipients.paragraphs[0].runs[0].underline
    signed = _texts(signature)
    assert signed[0] == "T/M BAN THƯỜNG VỤ" and signed[1] == "BÍ THƯ"
    assert signed[-1] == bithu.full_name
    assert header._tbl.getprevious() is not None  # the mark sits above the header table
    assert round(section.left_margin.mm) == 30 and round(section.right_margin.mm) == 15


def test_a_cong_van_carries_its_summary_under_the_number(demo: Any) -> None:
    configure(demo)
    doc = new_draft(demo)
    document = docx_of(doc.versions.get().blob)
    left = document.tables[0].rows[0].cells[0]
    assert _texts(left)[-2:] == [
        "Số      -CV/VPTU",
        "V/v tổng kết công tác văn thư, lưu trữ năm 2026",
    ]
    assert left.paragraphs[-1].runs[0].italic
    assert "CÔNG VĂN" not in [p.text for p in document.paragraphs]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2018, 10, 12), "Quảng Nam, ngày 12 tháng 10 năm 2018"),
        (dt.date(2026, 1, 5), "Quảng Nam, ngày 05 tháng 01 năm 2026"),
        (dt.date(2026, 2, 28), "Quảng Nam, ngày 28 tháng 02 năm 2026"),
        (dt.date(2026, 3, 9), "Quảng Nam, ngày 09 tháng 3 năm 2026"),
    ],
)
def test_the_date_line_pads_days_below_ten_and_the_first_two_months(
    day: dt.date, expected: str
) -> None:
    assert vn_date_line("Quảng Nam", day) == expected


def test_issuance_writes_the_number_and_date_and_drops_the_draft_mark(demo: Any) -> None:
    configure(demo)
    doc = new_draft(demo)
    with open_blob(doc.versions.get().blob) as handle:
        final = finalize_docx(
            handle.read(),
            notation="07-CV/VPTU",
            date_line="ngày 05 tháng 3 năm 2026",
            state_style=False,
        )
    document = Document(io.BytesIO(final))
    left, right = document.tables[0].rows[0].cells
    assert "Số 07-CV/VPTU" in _texts(left)
    assert right.paragraphs[-1].text == "ngày 05 tháng 3 năm 2026"
    assert "DỰ THẢO" not in [p.text for p in document.paragraphs]


def _office_template(text: str) -> bytes:
    document = Document()
    document.add_paragraph("{{ co_quan_ban_hanh }}")
    document.add_paragraph("{{ so_ky_hieu }}")
    document.add_paragraph("{{ ngay_thang }}")
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_an_office_template_renders_with_autoescape(demo: Any) -> None:
    configure(demo)
    template_upload(
        actor=demo.user("admin"),
        organisation=demo.orgs["vptu"],
        doc_type=demo.doc_type("Công văn"),
        file=SimpleUploadedFile("mau.docx", _office_template("{{ trich_yeu }}"), DOCX),
    )
    doc = new_draft(demo, summary="V/v chi <tối đa> 5 triệu & báo cáo")
    document = docx_of(doc.versions.get().blob)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Văn phòng Tỉnh ủy"
    assert texts[1] == "Số      -CV/VPTU"
    assert texts[3] == "V/v chi <tối đa> 5 triệu & báo cáo"


def test_a_template_with_an_unknown_field_is_refused_naming_the_field(demo: Any) -> None:
    with pytest.raises(DomainError, match="“ten_sai”"):
        template_upload(
            actor=demo.user("admin"),
            organisation=demo.orgs["vptu"],
            doc_type=demo.doc_type("Công văn"),
            file=SimpleUploadedFile("mau.docx", _office_template("{{ ten_sai }}"), DOCX),
        )


def test_every_version_is_kept_and_only_docx_is_accepted(demo: Any) -> None:
    configure(demo)
    doc = new_draft(demo)
    drafter = demo.user("chuyenvien")
    v2 = draft_upload_version(
        actor=drafter,
        document=doc,
        file=SimpleUploadedFile("v2.docx", _office_template("sửa lần 2"), DOCX),
        note="Sửa theo góp ý",
    )
    assert v2.number == 2
    assert list(DraftVersion.objects.filter(document=doc).values_list("number", flat=True)) == [
        1,
        2,
    ]
    from tests.conftest import pdf_bytes

    with pytest.raises(DomainError, match="DOCX"):
        draft_upload_version(
            actor=drafter,
            document=doc,
            file=SimpleUploadedFile("v3.pdf", pdf_bytes(), "application/pdf"),
        )
    draft_submit(actor=drafter, document=doc)
    with pytest.raises(PermissionDenied):
        draft_upload_version(
            actor=drafter,
            document=doc,
            file=SimpleUploadedFile("v3.docx", _office_template("x"), DOCX),
        )
    with pytest.raises(PermissionDenied):
        draft_upload_version(
            actor=demo.user("chuyenvien2"),
            document=doc,
            file=SimpleUploadedFile("v3.docx", _office_template("x"), DOCX),
        )

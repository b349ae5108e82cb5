"""Build the DOCX of a draft: the office's own template if it has one, else the default layout."""

from __future__ import annotations

from django.utils import timezone

from vanphong.core.errors import DomainError
from vanphong.core.models import Secrecy
from vanphong.documents.models import Urgency
from vanphong.drafting.docx_layout import (
    DRAFT_MARK,
    LayoutData,
    blank_date_line,
    build_party_docx,
    render_office_template,
)
from vanphong.drafting.models import DocxTemplate, OutgoingDocument
from vanphong.files.store import open_blob


def number_placeholder(doc: OutgoingDocument) -> str:
    from vanphong.drafting.services.common import numbering_for

    try:
        numbering = numbering_for(doc)
    except DomainError:
        return f"Số      -{doc.doc_type.abbr}/{doc.organisation.issuer_abbr}"
    composed = numbering.compose(0).removeprefix("00")
    if numbering.style == "state":
        return f"Số:      {composed}"
    return f"Số      {composed}"


def layout_data(doc: OutgoingDocument) -> LayoutData:
    org = doc.organisation
    year = timezone.localdate().year
    return LayoutData(
        issuer_name=org.full_name,
        superior_heading=org.superior_heading or (org.parent.full_name if org.parent else ""),
        notation=number_placeholder(doc),
        date_line=blank_date_line(org.place_name, year),
        type_name=doc.doc_type.name,
        summary=doc.summary,
        body=doc.body,
        authority=doc.authority,
        authority_body=doc.authority_body,
        signer_title=doc.signer_title,
        signer_name=doc.signer.full_name,
        recipients=[line.label for line in doc.recipients.all()],
        draft=True,
        secrecy_mark=Secrecy(doc.secrecy).label if doc.secrecy else "",
        urgency_mark=Urgency(doc.urgency).label if doc.urgency else "",
    )


TEMPLATE_FIELDS = {
    "co_quan_cap_tren": "cơ quan cấp trên",
    "co_quan_ban_hanh": "cơ quan ban hành",
    "so_ky_hieu": "dòng “Số ...” (để trống số cho đến khi ban hành)",
    "ngay_thang": "địa danh, ngày tháng (để trống ngày cho đến khi ban hành)",
    "loai_van_ban": "tên loại văn bản",
    "trich_yeu": "trích yếu",
    "noi_dung": "nội dung (cả đoạn)",
    "doan_van": "danh sách đoạn văn (dùng {%p for d in doan_van %})",
    "tham_quyen": "thẩm quyền ký (T/M ..., K/T ...)",
    "chuc_vu": "chức vụ người ký",
    "nguoi_ky": "họ tên người ký",
    "noi_nhan": "danh sách nơi nhận",
    "du_thao": "chữ “DỰ THẢO” khi còn là dự thảo",
    "do_mat": "độ mật",
    "do_khan": "độ khẩn",
}


def template_context(data: LayoutData) -> dict[str, object]:
    return {
        "co_quan_cap_tren": data.superior_heading,
        "co_quan_ban_hanh": data.issuer_name,
        "so_ky_hieu": data.notation,
        "ngay_thang": data.date_line,
        "loai_van_ban": data.type_name,
        "trich_yeu": data.summary,
        "noi_dung": data.body,
        "doan_van": [line for line in data.body.splitlines() if line.strip()],
        "tham_quyen": f"{data.authority} {data.authority_body}".strip(),
        "chuc_vu": data.signer_title,
        "nguoi_ky": data.signer_name,
        "noi_nhan": data.recipients,
        "du_thao": DRAFT_MARK if data.draft else "",
        "do_mat": data.secrecy_mark,
        "do_khan": data.urgency_mark,
    }


def render_draft(doc: OutgoingDocument) -> bytes:
    data = layout_data(doc)
    template = (
        DocxTemplate.objects.select_related("blob")
        .filter(organisation_id=doc.organisation_id, doc_type_id=doc.doc_type_id)
        .first()
    )
    if template is None:
        return build_party_docx(data)
    with open_blob(template.blob) as handle:
        raw = handle.read()
    return render_office_template(raw, template_context(data))

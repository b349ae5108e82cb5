"""GET /api/v1/search: the search page's search, same rules (permissions in the query)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from vanphong.core.models import User
from vanphong.documents.models import Status
from vanphong.search import selectors
from vanphong.search.backends import MAX_RESULTS
from vanphong.search.models import Kind

router = Router()


class SearchQuery(Schema):
    q: str = Field("", description='Từ khóa; "cụm từ", tiền tố*; có dấu = khớp đúng dấu')
    kind: Kind | None = Field(
        None, description="Loại (hướng): văn bản đến, hồ sơ lưu trữ (chỉ người được xem lưu trữ)"
    )
    doc_type_id: int | None = None
    year: int | None = Field(None, ge=1945, le=2100)
    date_from: date | None = None
    date_to: date | None = None
    sender_id: int | None = None
    lead_unit_id: int | None = Field(None, description="Đơn vị chủ trì")
    status: Status | None = None
    urgency: int | None = Field(None, ge=0, le=4)
    sort: Literal["relevance", "date"] = "relevance"
    page: int = Field(1, ge=1, le=selectors.MAX_PAGE)
    per_page: int = Field(selectors.PER_PAGE, ge=1, le=selectors.MAX_PER_PAGE)


class HitOut(Schema):
    kind: str
    label: str = Field(description="Tên loại: “Văn bản đến”, “Hồ sơ lưu trữ”")
    id: int
    url: str
    number: str
    code_notation: str
    title_html: str = Field(description="Trích yếu, từ khớp trong <mark>, đã thoát HTML")
    snippet_html: str
    date: date
    sender: str
    doc_type: str
    status: str
    secrecy: str
    rank: float


class SearchOut(Schema):
    total: int = Field(
        description=f"Số kết quả khớp (văn bản, hồ sơ lưu trữ), tối đa {MAX_RESULTS}, xem `more`"
    )
    more: bool = Field(description=f"Có hơn {MAX_RESULTS} kết quả khớp: hãy thu hẹp từ khóa")
    page: int
    pages: int
    message: str
    notices: list[str]
    results: list[HitOut]


class ErrorOut(Schema):
    detail: str


@router.get(
    "",
    response={200: SearchOut, 401: ErrorOut},
    summary="Tìm kiếm toàn văn",
    description=(
        "Tìm trong trích yếu, số ký hiệu, cơ quan gửi, người ký, ghi chú và nội dung tệp đính kèm "
        "của mọi văn bản người dùng được xem; với người được xem lưu trữ, cả hồ sơ lưu trữ (số "
        "ký hiệu, trích yếu, cơ quan ban hành, nội dung bản quét đã nhận dạng chữ). Không dấu "
        "khớp mọi cách viết có dấu; có dấu khớp đúng từ đó. Số lượng và các trang chỉ gồm văn "
        "bản, hồ sơ được phép xem."
    ),
)
def search(request: HttpRequest, params: Query[SearchQuery]) -> SearchOut:
    user = request.user
    assert isinstance(user, User)
    values = params.dict()
    values["status"] = values["status"] or ""
    values["kind"] = values["kind"] or ""
    page = selectors.search(user, selectors.SearchParams(**values))
    return SearchOut(
        total=page.shown_total,
        more=page.more,
        page=page.params.page,
        pages=page.pages,
        message=page.message,
        notices=page.query.notices,
        results=[
            HitOut(
                kind=h.kind,
                label=h.label,
                id=h.object_id,
                url=h.url,
                number=h.number,
                code_notation=h.code_notation,
                title_html=str(h.title),
                snippet_html=str(h.snippet),
                date=h.date,
                sender=h.sender,
                doc_type=h.doc_type,
                status=h.status,
                secrecy=h.secrecy,
                rank=h.rank,
            )
            for h in page.hits
        ],
    )

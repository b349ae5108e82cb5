"""Pages of the incoming-documents module (work lists, register, detail, actions)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from vanphong.core.models import User
from vanphong.documents import selectors


def worklist(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    tab = request.GET.get("tab", "cho_xu_ly")
    if tab not in selectors.TABS:
        tab = "cho_xu_ly"
    page = selectors.worklist_page(request.user, tab, selectors.ListFilters(), 1)
    return render(
        request, "documents/worklist.html", {"tab": tab, "page": page, "tabs": selectors.TABS}
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    assert isinstance(request.user, User)
    doc = selectors.document_detail(request.user, pk)
    if doc is None:
        raise Http404("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    return render(request, "documents/detail.html", {"doc": doc, "events": selectors.timeline(doc)})


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404("Đang xây dựng")


register_list = create = delegations = sender_search = sender_create = _todo
file_download = action = _todo

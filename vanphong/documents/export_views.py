"""Download the paper registers of incoming documents (sổ đăng ký, sổ theo dõi giải quyết)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.policy import require
from vanphong.documents import access, exports


@require_GET
def export_register(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    """`/van-ban-den/xuat/<kind>.<fmt>?tu_ngay=dd/mm/yyyy&den_ngay=dd/mm/yyyy[&so=<mã sổ>]`."""
    assert isinstance(request.user, User)
    require(
        request.user,
        "documents.export_register",
        request.user.organisation,
        "Đồng chí không có quyền in, xuất sổ văn bản đến.",
    )
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise Http404("Không có mẫu sổ hoặc định dạng tệp này.")
    try:
        date_from, date_to = exports.parse_range(
            request.GET.get("tu_ngay"), request.GET.get("den_ngay"), access.today()
        )
        result = exports.register_export(
            actor=request.user,
            kind=kind,
            fmt=fmt,
            date_from=date_from,
            date_to=date_to,
            register_code=request.GET.get("so", "").strip(),
            request=request,
        )
    except DomainError as error:
        return render(
            request,
            "documents/export_error.html",
            {"message": error.message, "kind": exports.KINDS[kind]},
            status=400,
        )
    return FileResponse(
        result.file,
        as_attachment=True,
        filename=result.filename,
        content_type=result.content_type,
    )

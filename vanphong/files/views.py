"""Pages of the files app: a document's extraction card (polled) and its searchable PDF/A."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from vanphong.core.policy import can
from vanphong.documents import selectors as documents
from vanphong.documents import services
from vanphong.documents.models import DocumentFile, IncomingDocument
from vanphong.documents.web import current_user
from vanphong.files.models import BlobText, ExtractStatus
from vanphong.files.store import iter_blob
from vanphong.files.templatetags.extraction import extraction_context

NOT_FOUND = "Không tìm thấy văn bản hoặc đồng chí không có quyền xem."


def _document(request: HttpRequest, pk: int) -> IncomingDocument:
    doc = documents.document_detail(current_user(request), pk)
    if doc is None:
        raise Http404(NOT_FOUND)
    return doc


@require_GET
def extraction(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk)
    context = extraction_context(current_user(request), doc)
    return render(request, "files/_extraction.html", context)


@require_GET
def searchable(request: HttpRequest, pk: int, file_id: int) -> StreamingHttpResponse:
    doc = _document(request, pk)
    if not can(current_user(request), "documents.download", doc):
        raise PermissionDenied("Đồng chí không có quyền tải tệp của văn bản này.")
    file = DocumentFile.objects.filter(document=doc, pk=file_id).first()
    state = (
        BlobText.objects.filter(blob_id=file.blob_id, status=ExtractStatus.DONE).first()
        if file
        else None
    )
    if file is None or state is None or state.searchable is None:
        raise Http404("Tệp này chưa có bản PDF/A nhận dạng chữ.")
    if doc.is_secret:
        services.secret_access_record(actor=current_user(request), document=doc, what="download")
    stem = file.name.rsplit(".", 1)[0]
    response = StreamingHttpResponse(iter_blob(state.searchable), content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=f"{stem}-ocr.pdf") or ""
    )
    response["Content-Length"] = str(state.searchable.size)
    return response

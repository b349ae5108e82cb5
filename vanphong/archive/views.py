"""Pages of the "Lưu trữ" module: archive records, digitisation batches and their progress."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vanphong.archive import selectors, services
from vanphong.archive.forms import BatchForm
from vanphong.archive.models import (
    BatchSource,
    DigitisationBatch,
    ItemStatus,
    RecordFile,
)
from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.policy import can, require
from vanphong.documents.web import current_user, error_message, is_partial
from vanphong.files.models import Blob, BlobText, ExtractStatus
from vanphong.files.store import iter_blob

NOT_FOUND = "Không tìm thấy tài liệu hoặc đồng chí không có quyền xem."
BATCH_NOT_FOUND = "Không tìm thấy lô số hóa hoặc đồng chí không có quyền xem."


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("trang", "1")
    return max(1, min(int(raw), 10_000)) if raw.isdigit() else 1


@require_GET
def record_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user, "archive.view", None, "Đồng chí không có quyền xem kho lưu trữ.")
    q = request.GET.get("q", "").strip()[:200]
    page = _page(request)
    rows, has_next = selectors.records_page(user, q, page)
    return render(
        request,
        "archive/list.html",
        {
            "records": rows,
            "q": q,
            "page": page,
            "has_next": has_next,
            "can_import": can(user, "archive.import", user.organisation),
        },
    )


@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    record = selectors.record_detail(user, pk)
    if record is None:
        raise Http404(NOT_FOUND)
    return render(
        request,
        "archive/detail.html",
        {"record": record, "files": selectors.record_files(record)},
    )


def _stream(blob: Blob, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(iter_blob(blob), content_type=blob.content_type)
    response["Content-Length"] = str(blob.size)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def file_download(request: HttpRequest, pk: int, file_id: int, kind: str) -> StreamingHttpResponse:
    user = current_user(request)
    record = selectors.record_detail(user, pk)
    if record is None:
        raise Http404(NOT_FOUND)
    stored = get_object_or_404(RecordFile.objects.select_related("blob"), pk=file_id, record=record)
    blob, name = stored.blob, stored.name
    if kind == "ocr":
        state = BlobText.objects.filter(blob_id=stored.blob_id, status=ExtractStatus.DONE).first()
        if state is None or state.searchable is None:
            raise Http404("Tệp này chưa có bản PDF nhận dạng chữ.")
        blob, name = state.searchable, name.rsplit(".", 1)[0] + "-ocr.pdf"
    if record.secrecy:
        audit_record(
            actor=user,
            action="archive.secret_download",
            obj=record,
            summary=f"Tải tệp của tài liệu mật: {name}",
            request=request,
        )
    return _stream(blob, name)


@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(
        user,
        "archive.import",
        user.organisation,
        "Chỉ cán bộ lưu trữ hoặc văn thư của cơ quan mới được số hóa tài liệu.",
    )
    form = BatchForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["source"] == BatchSource.ZIP:
                created = services.batch_create_from_zip(
                    actor=user, upload=form.cleaned_data["archive"], options=form.options()
                )
            else:
                created = services.batch_create_from_folder(
                    actor=user, folder=form.cleaned_data["folder"], options=form.options()
                )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if created.reused:
                messages.info(
                    request,
                    "Tệp ZIP này (cùng tệp CSV) đã được nhập ở lô này; hệ thống không nhập lại.",
                )
            else:
                messages.success(request, f"Đã tạo lô số hóa với {created.batch.total} tệp.")
            return redirect("archive:batch", pk=created.batch.pk)
    form.mark_invalid()
    return render(
        request,
        "archive/batches.html",
        {"form": form, "batches": selectors.batches(user)[:100]},
    )


def _batch_or_404(request: HttpRequest, pk: int) -> DigitisationBatch:
    batch = selectors.batch_detail(current_user(request), pk)
    if batch is None:
        raise Http404(BATCH_NOT_FOUND)
    return batch


@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    batch = _batch_or_404(request, pk)
    status = request.GET.get("loc", "")
    status = status if status in ItemStatus.values else ""
    page = _page(request)
    items, has_next = selectors.batch_items(batch, status=status, page=page)
    context = {
        "batch": batch,
        "progress": selectors.batch_progress(batch),
        "items": items,
        "has_next": has_next,
        "page": page,
        "status": status,
        "statuses": ItemStatus.choices,
        "FAILED": ItemStatus.FAILED,
        "can_retry": can(user, "archive.import", user.organisation),
    }
    return render(request, "archive/batch.html", context)


@require_GET
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    progress = selectors.batch_progress(batch)
    response = render(request, "archive/_progress.html", {"batch": batch, "progress": progress})
    if not progress.busy:
        response["HX-Refresh"] = "true"  # finished: reload the page once to show the results
    return response


@require_POST
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    batch = _batch_or_404(request, pk)
    raw = request.POST.get("item", "")
    try:
        count = services.batch_retry(
            actor=user, batch=batch, item_ids=[int(raw)] if raw.isdigit() else None
        )
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, f"Đã đưa {count} tệp lỗi vào hàng đợi xử lý lại.")
    if is_partial(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect("archive:batch", pk=batch.pk)

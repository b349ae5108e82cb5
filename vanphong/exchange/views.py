"""Pages of the exchange: the inbox endpoint, arrivals waiting for the văn thư, the directory,
the message log, and the status timeline shown on an outgoing document."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vanphong.core.errors import DomainError
from vanphong.core.policy import can, require
from vanphong.documents.services import DuplicateFound
from vanphong.documents.web import current_user, error_message
from vanphong.drafting import selectors as drafting_selectors
from vanphong.exchange import batch, exports, node, selectors, services
from vanphong.exchange.forms import AcceptForm, LogFilterForm, PeerForm
from vanphong.exchange.models import ArrivalFile, ArrivalState, Peer, RecallState
from vanphong.exchange.services.arrivals import guess_doc_type
from vanphong.exchange.services.inbox import inbox_refuse_unread
from vanphong.files.store import iter_blob

XML_TYPES = {"application/xml", "text/xml", "application/edxml+xml", "application/octet-stream"}
_READ_CHUNK = 1024 * 1024


# --- the inbox endpoint (other nodes post here) --------------------------------------------


@csrf_exempt
@login_not_required
@require_POST
def inbox(request: HttpRequest) -> HttpResponse:
    """POST one signed edXML package; 200 with the signed receipt, or 4xx with the reason.
    Another vanphong node may POST a batch of packages instead (`exchange.batch`)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    limit = settings.EXCHANGE_MAX_PACKAGE_BYTES
    is_batch = request.content_type == batch.CONTENT_TYPE
    if request.content_type not in XML_TYPES and not is_batch:
        answer = inbox_refuse_unread(
            status=415,
            code="unsupported_media_type",
            message="Gói tin phải gửi dạng XML (Content-Type: application/xml).",
            size=0,
            remote_addr=remote,
        )
        return _json(answer.body, answer.status)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        answer = inbox_refuse_unread(
            status=413,
            code="too_large",
            message=f"Gói tin vượt quá dung lượng cho phép ({limit // 2**20} MB).",
            size=declared,
            remote_addr=remote,
        )
        return _json(answer.body, answer.status)
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = request.read(_READ_CHUNK)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    body = b"".join(parts)
    if is_batch and size <= limit:
        inline = (request.content_params or {}).get("statuses") == "inline"
        result = services.inbox_receive_batch(body=body, remote_addr=remote, inline=inline)
    else:
        result = services.inbox_receive(body=body, remote_addr=remote)
    return _json(result.body, result.status)


def _json(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


# --- arrivals (văn bản điện tử chờ tiếp nhận) -----------------------------------------------


@require_GET
def pending(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    which = "da" if request.GET.get("ds") == "da" else "cho"
    can_receive = can(user, "exchange.receive")
    rows = selectors.arrivals(user, which)[:200] if can_receive else []
    return render(
        request,
        "exchange/pending.html",
        {
            "rows": rows,
            "which": which,
            "can_receive": can_receive,
            "can_manage": can(user, "exchange.manage_directory"),
            "can_log": can(user, "exchange.view_log"),
        },
    )


def _arrival_or_404(request: HttpRequest, pk: int) -> Any:
    arrival = selectors.arrival_detail(current_user(request), pk)
    if arrival is None:
        raise Http404("Không tìm thấy văn bản điện tử hoặc đồng chí không có quyền xem.")
    return arrival


@require_GET
def arrival_detail(request: HttpRequest, pk: int) -> HttpResponse:
    arrival = _arrival_or_404(request, pk)
    guessed = guess_doc_type(arrival)
    return render(
        request,
        "exchange/arrival.html",
        {
            "arrival": arrival,
            "files": arrival.files.select_related("blob"),
            "accept_form": AcceptForm(
                initial={"doc_type": guessed.pk if guessed else None, "due_date": arrival.due_date}
            ),
            "type_known": guessed is not None,
            "can_decide": arrival.state == ArrivalState.PENDING,
            "recall_waiting": arrival.recall_state == RecallState.REQUESTED,
            "statuses": arrival.messages.filter(direction="out").order_by("created_at", "id"),
        },
    )


@require_GET
def arrival_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    arrival = _arrival_or_404(request, pk)
    item = ArrivalFile.objects.filter(arrival=arrival, pk=file_pk).select_related("blob").first()
    if item is None:
        raise Http404("Không có tệp này.")
    return FileResponse(
        iter_blob(item.blob),
        as_attachment=request.GET.get("tai") == "1",
        filename=item.name,
        content_type=item.blob.content_type,
    )


@require_POST
def arrival_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = current_user(request)
    arrival = _arrival_or_404(request, pk)
    post = request.POST
    try:
        if name == "tiep-nhan":
            form = AcceptForm(post)
            if not form.is_valid():
                raise DomainError("Vui lòng chọn loại văn bản; hạn xử lý ghi dạng dd/mm/yyyy.")
            doc = services.arrival_accept(
                actor=user,
                arrival=arrival,
                doc_type=form.cleaned_data["doc_type"],
                due_date=form.cleaned_data["due_date"],
                duplicate_reason=form.cleaned_data["duplicate_reason"],
            )
            messages.success(
                request,
                f"Đã tiếp nhận và vào sổ văn bản đến số {doc.arrival_number}; đã báo nơi gửi.",
            )
            return redirect("documents:detail", pk=doc.pk)
        if name == "tu-choi":
            services.arrival_refuse(actor=user, arrival=arrival, reason=post.get("reason", ""))
            done = "Đã từ chối tiếp nhận; lý do đã được gửi về nơi gửi."
        elif name == "dong-y-thu-hoi":
            services.recall_answer(
                actor=user, arrival=arrival, accept=True, note=post.get("note", "")
            )
            done = "Đã đồng ý thu hồi; đã báo nơi gửi."
        elif name == "tu-choi-thu-hoi":
            services.recall_answer(
                actor=user, arrival=arrival, accept=False, note=post.get("note", "")
            )
            done = "Đã từ chối đề nghị thu hồi; đã báo nơi gửi."
        else:
            raise Http404("Không có thao tác này.")
    except DuplicateFound as exc:
        messages.error(request, exc.message)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, done)
    return redirect("exchange:arrival", pk=arrival.pk)


# --- directory (danh bạ liên thông) and this node ---------------------------------------------


def _require_admin(request: HttpRequest) -> Any:
    user = current_user(request)
    require(user, "exchange.manage_directory", None, "Chỉ quản trị hệ thống được xem trang này.")
    return user


def _node_context() -> dict[str, Any]:
    identity = node.identity()
    cert = identity.certificate
    return {
        "fingerprint": identity.fingerprint,
        "subject": cert.subject.rfc4514_string(),
        "not_after": cert.not_valid_after_utc,
        "served": node.served_organisations(),
        "inbox_url": node.inbox_url(),
        "is_hub": settings.EXCHANGE_HUB,
        "base_url_set": bool(settings.EXCHANGE_BASE_URL),
    }


@require_http_methods(["GET", "POST"])
def directory(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _require_admin(request)
    peer = Peer.objects.filter(pk=pk).first() if pk else None
    if pk and peer is None:
        raise Http404("Không có cơ quan này trong danh bạ.")
    if request.method == "POST":
        form = PeerForm(request.POST)
        if form.is_valid():
            try:
                saved = services.peer_save(actor=user, data=form.to_data())
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Đã lưu {saved.name} ({saved.identifier}) vào danh bạ.")
                return redirect("exchange:directory")
    else:
        form = PeerForm.for_peer(peer) if peer else PeerForm(initial={"is_active": True})
    return render(
        request,
        "exchange/directory.html",
        {"peers": selectors.peers(), "form": form, "editing": peer, "node": _node_context()},
    )


@require_POST
def directory_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_admin(request)
    try:
        services.peer_delete(actor=user, peer=pk)
    except Peer.DoesNotExist:
        raise Http404("Không có cơ quan này trong danh bạ.") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã xóa khỏi danh bạ liên thông.")
    return redirect("exchange:directory")


@require_GET
def directory_export(request: HttpRequest) -> HttpResponse:
    user = _require_admin(request)
    data = services.directory_export(actor=user)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="danh-ba-lien-thong.json"'
    return response


@require_GET
def node_entries(request: HttpRequest) -> HttpResponse:
    """This node's own organisations as a directory file (to hand to the province)."""
    _require_admin(request)
    from vanphong.exchange.services.directory import node_entries_file

    response = HttpResponse(node_entries_file(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="may-chu-nay.json"'
    return response


@require_GET
def node_certificate(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    response = HttpResponse(node.identity().cert_pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="chung-thu-may-chu.pem"'
    return response


@require_POST
def directory_import(request: HttpRequest) -> HttpResponse:
    user = _require_admin(request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Vui lòng chọn tệp danh bạ (JSON).")
        return redirect("exchange:directory")
    if upload.size and upload.size > 20 * 1024 * 1024:
        messages.error(request, "Tệp danh bạ quá lớn (tối đa 20 MB).")
        return redirect("exchange:directory")
    try:
        result = services.directory_import(actor=user, data=upload.read())
    except DomainError as exc:
        messages.error(request, f"Không nhập được danh bạ: {exc.message}")
    else:
        messages.success(
            request,
            f"Đã nhập danh bạ: {result.created} cơ quan mới, {result.updated} cơ quan cập nhật.",
        )
    return redirect("exchange:directory")


# --- message log ------------------------------------------------------------------------------


def _log_filter(request: HttpRequest) -> tuple[LogFilterForm, selectors.LogFilter]:
    form = LogFilterForm(request.GET or None)
    flt = selectors.LogFilter()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        flt = selectors.LogFilter(
            direction=d["chieu"],
            state=d["trang_thai"],
            kind=d["loai"],
            peer=d["co_quan"].strip().upper(),
            document_id=d["document_id"].strip(),
            date_from=d["tu_ngay"],
            date_to=d["den_ngay"],
        )
    return form, flt


@require_GET
def log(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user, "exchange.view_log", None, "Đồng chí không có quyền xem nhật ký liên thông.")
    form, flt = _log_filter(request)
    rows = list(selectors.messages(user, flt)[:201])
    return render(
        request,
        "exchange/log.html",
        {
            "form": form,
            "rows": rows[:200],
            "more": len(rows) > 200,
            "problems": list(selectors.outbox_problems(user)[:50]),
            "query": request.GET.urlencode(),
            "can_retry": can(user, "exchange.manage_directory"),
        },
    )


@require_GET
def log_export(request: HttpRequest, fmt: str) -> FileResponse:
    user = current_user(request)
    if fmt not in exports.FORMATS:
        raise Http404("Không có định dạng này.")
    _, flt = _log_filter(request)
    result = exports.log_export(
        actor=user, messages=selectors.messages(user, flt), fmt=fmt, description=""
    )
    return FileResponse(
        result.file, as_attachment=True, filename=result.filename, content_type=result.content_type
    )


@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    require(user, "exchange.view_log", None, "Đồng chí không có quyền xem nhật ký liên thông.")
    message = selectors.message_detail(user, pk)
    if message is None:
        raise Http404("Không có gói tin này.")
    return render(
        request,
        "exchange/message.html",
        {"m": message, "can_retry": can(user, "exchange.manage_directory")},
    )


@require_GET
def message_body(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    require(user, "exchange.view_log", None, "Đồng chí không có quyền xem nhật ký liên thông.")
    message = selectors.message_detail(user, pk)
    if message is None or message.body is None:
        raise Http404("Nội dung gói tin không còn lưu (đã quá thời hạn lưu giữ).")
    response = HttpResponse(bytes(message.body), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="goi-tin-{message.pk}.edxml"'
    return response


@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    try:
        services.retry_now(actor=user, message=pk)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, "Đã đưa gói tin vào hàng gửi lại ngay.")
    return redirect("exchange:message", pk=pk)


# --- status timeline on an outgoing document (htmx polling) ---------------------------------


@require_GET
def outgoing_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    doc = drafting_selectors.detail(user, pk)
    if doc is None:
        raise Http404("Không tìm thấy văn bản hoặc đồng chí không có quyền xem.")
    dispatches = selectors.timeline(user, doc)
    if not dispatches:
        return HttpResponse("", status=286)  # htmx: stop polling, nothing sent by exchange
    return render(request, "exchange/_timeline.html", {"dispatches": dispatches, "doc": doc})

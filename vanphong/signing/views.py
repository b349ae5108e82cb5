"""Pages: trust roots, CRLs and the organisations' own keys (administrator), my certificates
and the desk agent (everyone), and checking the signatures of any PDF."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.core.policy import can, require
from vanphong.files.models import Blob
from vanphong.files.store import FileBatch, open_blob
from vanphong.signing import selectors, services, trust_services
from vanphong.signing.models import (
    AgentPairing,
    BlobValidation,
    CaCertificate,
    CertSource,
    RevocationList,
    SigningProfile,
    UserCertificate,
)

MAX_CERT_BYTES = 64 * 1024
MAX_CRL_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label="Tệp")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the login middleware guarantees it
    return request.user


def _read(form: UploadForm, limit: int) -> bytes:
    upload = form.cleaned_data["file"]
    if upload.size > limit:
        raise DomainError(f"Tệp quá lớn (tối đa {limit // 1024} KB).")
    return bytes(upload.read())


@require_http_methods(["GET", "POST"])
def trust(request: HttpRequest) -> HttpResponse:
    require(request.user, "signing.view_trust")
    manage = can(request.user, "signing.manage_trust")
    ca_form, crl_form = UploadForm(prefix="ca"), UploadForm(prefix="crl")
    if request.method == "POST":
        require(request.user, "signing.manage_trust")
        which = request.POST.get("which")
        form = UploadForm(request.POST, request.FILES, prefix=which if which == "ca" else "crl")
        if which == "ca":
            ca_form = form
        else:
            crl_form = form
        if form.is_valid():
            try:
                if which == "ca":
                    ca = trust_services.ca_certificate_add(
                        actor=_user(request), data=_read(form, MAX_CERT_BYTES)
                    )
                    messages.success(request, f"Đã thêm chứng thư {ca.subject}.")
                else:
                    crl = trust_services.crl_import(
                        actor=_user(request),
                        data=_read(form, MAX_CRL_BYTES),
                        name=form.cleaned_data["file"].name,
                    )
                    messages.success(request, f"Đã nhập CRL của {crl.issuer}.")
                return redirect("signing:trust")
            except DomainError as exc:
                form.add_error("file", exc.message)
    now = timezone.now()
    crls = list(
        RevocationList.objects.select_related("verified_by").order_by("issuer", "-this_update")
    )
    newest: set[str] = set()
    for row in crls:
        row.is_current = row.issuer not in newest  # type: ignore[attr-defined]
        newest.add(row.issuer)
        row.is_stale = bool(row.next_update and row.next_update < now)  # type: ignore[attr-defined]
    return render(
        request,
        "signing/trust.html",
        {
            "cas": CaCertificate.objects.all(),
            "crls": crls,
            "org_keys": selectors.organisation_keys_for(_user(request)),
            "warn_days": settings.SIGNING_EXPIRY_WARN_DAYS,
            "now": now,
            "manage": manage,
            "ca_form": ca_form,
            "crl_form": crl_form,
        },
    )


@require_POST
def ca_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    ca = get_object_or_404(CaCertificate, pk=pk)
    trust_services.ca_certificate_set_active(actor=_user(request), ca=ca, active=not ca.is_active)
    return redirect("signing:trust")


@require_POST
def organisation_key_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the certificate from an organisation's key again (after the key was renewed)."""
    profile = get_object_or_404(SigningProfile, pk=pk, organisation__isnull=False)
    try:
        trust_services.organisation_certificate_refresh(actor=_user(request), profile=profile)
        messages.success(request, f"Đã đọc lại chứng thư: {profile.cert_subject}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("signing:trust")


@require_http_methods(["GET", "POST"])
def certificates(request: HttpRequest) -> HttpResponse:
    require(request.user, "signing.register_certificate")
    form = UploadForm()
    pairing_code = ""
    if request.method == "POST" and request.POST.get("which") == "pair":
        pairing_code = services.agent_pair(actor=_user(request))
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                row = trust_services.certificate_register(
                    actor=_user(request), data=_read(form, MAX_CERT_BYTES)
                )
                messages.success(request, f"Đã đăng ký chứng thư {row.common_name}.")
                return redirect("signing:certificates")
            except DomainError as exc:
                form.add_error("file", exc.message)
    rows = UserCertificate.objects.filter(user=_user(request))
    return render(
        request,
        "signing/certificates.html",
        {
            "certificates": rows,
            "form": form,
            "pairing_code": pairing_code,
            "origin": f"{request.scheme}://{request.get_host()}",
            "paired": AgentPairing.objects.filter(user=_user(request)).exists(),
            "agent_url": settings.SIGNING_AGENT_URL,
            "now": timezone.now(),
        },
    )


@require_POST
def certificate_from_agent(request: HttpRequest) -> HttpResponse:
    """The page read the certificate from the agent and posts it here (base64 DER)."""
    from vanphong_signer.protocol import b64d

    try:
        data = b64d(str(json.loads(request.body or b"{}").get("certificate", "")))
        row = trust_services.certificate_register(
            actor=_user(request), data=data, source=CertSource.AGENT
        )
    except (ValueError, json.JSONDecodeError):
        return JsonResponse({"error": "Dữ liệu chứng thư không đúng định dạng."}, status=400)
    except DomainError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse({"ok": True, "name": row.common_name})


@require_POST
def certificate_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(UserCertificate, pk=pk)
    trust_services.certificate_deactivate(actor=_user(request), certificate=row)
    messages.success(request, "Đã ngừng dùng chứng thư.")
    return redirect("signing:certificates")


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Check the signatures of a PDF signed elsewhere (validated like any arrival)."""
    form = UploadForm(request.POST or None, request.FILES or None)
    validation = None
    if request.method == "POST" and form.is_valid():
        try:
            with FileBatch() as batch:
                blob = batch.add(form.cleaned_data["file"])
            validation = services.signature_validate_blob(blob=blob)
        except DomainError as exc:
            form.add_error("file", exc.message)
    return render(request, "signing/check.html", {"form": form, "validation": validation})


_SIGNED_KEY = "vp_signed_blobs"


def _remember_signed(request: HttpRequest, pdf: bytes, name: str) -> str:
    """Store the signed PDF, validate it, and let this session download it."""
    with FileBatch() as batch:
        blob = batch.add_bytes(pdf, name=name)
    services.signature_validate_blob(blob=blob)
    allowed = [*request.session.get(_SIGNED_KEY, [])[-19:], blob.sha256]
    request.session[_SIGNED_KEY] = allowed
    return blob.sha256


@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest) -> HttpResponse:
    """Sign a PDF with one's own signature: at once with a server-side key, or through the
    desk agent (the page relays the request to vanphong-signer and the answer back)."""
    require(request.user, "signing.sign_personal")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > settings.UPLOAD_MAX_BYTES:
                raise DomainError("Tệp PDF vượt quá dung lượng cho phép.")
            result = services.sign_personal(actor=_user(request), pdf=bytes(upload.read()))
            if isinstance(result, services.SignedPdf):
                sha = _remember_signed(request, result.pdf, upload.name)
                return redirect("signing:signed", sha=sha)
            return render(
                request,
                "signing/sign.html",
                {
                    "payload": result.payload,
                    "name": upload.name,
                    "agent_url": settings.SIGNING_AGENT_URL,
                },
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
    return render(request, "signing/sign.html", {"form": form})


@require_POST
def agent_complete(request: HttpRequest) -> HttpResponse:
    try:
        body = json.loads(request.body or b"{}")
        result = services.agent_complete(
            actor=_user(request),
            pending_id=str(body.get("pending_id", "")),
            response=dict(body.get("response") or {}),
        )
    except (ValueError, TypeError, json.JSONDecodeError):
        return JsonResponse({"error": "Dữ liệu gửi lên không đúng định dạng."}, status=400)
    except DomainError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    sha = _remember_signed(request, result.pdf, f"{result.field_name}.pdf")
    return JsonResponse({"url": reverse("signing:signed", args=[sha])})


def _signed_blob(request: HttpRequest, sha: str) -> Blob:
    if sha not in request.session.get(_SIGNED_KEY, []):
        raise Http404
    return get_object_or_404(Blob, sha256=sha)


def signed(request: HttpRequest, sha: str) -> HttpResponse:
    blob = _signed_blob(request, sha)
    validation = BlobValidation.objects.filter(blob=blob).first()
    return render(request, "signing/signed.html", {"sha": sha, "validation": validation})


def download(request: HttpRequest, sha: str) -> FileResponse:
    blob = _signed_blob(request, sha)
    return FileResponse(
        open_blob(blob),
        as_attachment=True,
        filename="van-ban-da-ky.pdf",
        content_type="application/pdf",
    )

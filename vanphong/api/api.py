"""The JSON API under /api/v1/ with its OpenAPI 3 document at /api/v1/openapi.json."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError

from vanphong.api.auth import BearerToken
from vanphong.core.errors import DomainError
from vanphong.core.models import User

api = NinjaAPI(
    title="vanphong API",
    version="1",
    description=(
        "API của hệ thống văn phòng điện tử vanphong. Xác thực: `Authorization: Bearer <mã>`."
    ),
    auth=BearerToken(),
    urls_namespace="api",
    docs_url=None,
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=400)


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or "Đồng chí không có quyền thực hiện thao tác này."
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Không tìm thấy."}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "Chưa xác thực: thiếu hoặc sai mã truy cập (Bearer token)."},
        status=401,
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Dữ liệu gửi lên không hợp lệ.", "errors": exc.errors}, status=422
    )


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    position: str
    organisation: str | None
    unit: str | None
    roles: list[str]
    clearance: int


@api.get("/me", response=MeOut, tags=["core"], summary="Người dùng hiện tại")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    assert isinstance(user, User)
    return MeOut(
        id=user.pk,
        username=user.username,
        full_name=user.full_name,
        position=user.position,
        organisation=str(user.organisation) if user.organisation_id else None,
        unit=str(user.unit) if user.unit_id else None,
        roles=sorted(user.role_set),
        clearance=user.clearance,
    )


def _register_routers() -> None:
    from vanphong.documents.api import router as documents_router

    api.add_router("/incoming", documents_router, tags=["incoming"])
    from vanphong.search.api import router as search_router

    api.add_router("/search", search_router, tags=["search"])
    from vanphong.drafting.api import router as drafting_router

    api.add_router("/outgoing", drafting_router, tags=["outgoing"])
    from vanphong.exchange.api import router as exchange_router

    api.add_router("/exchange", exchange_router, tags=["exchange"])


_register_routers()

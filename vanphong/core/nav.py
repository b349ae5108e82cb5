"""The modules shown in the navigation, and hooks other apps use to add counts and panels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from vanphong.core.models import User
from vanphong.core.policy import can


@dataclass(frozen=True)
class Module:
    key: str
    label: str
    icon: str
    url_name: str | None  # None: not built yet, the placeholder page says what will come
    coming: str = ""
    # The policy action the module's landing page requires (None: every signed-in person)
    permission: str | None = None


MODULES: list[Module] = [
    Module(
        "dashboard", "Tổng quan", "fa-gauge", "core:dashboard", permission="core.view_dashboard"
    ),
    Module("incoming", "Văn bản đến", "fa-inbox", "documents:worklist"),
    Module(
        "outgoing",
        "Văn bản đi",
        "fa-paper-plane",
        "drafting:list",
        "Soạn thảo theo thể thức Hướng dẫn 36-HD/VPTW, trình duyệt nhiều cấp, cấp số khi "
        "ban hành, sổ văn bản đi theo Nghị định 30.",
    ),
    Module(
        "signing",
        "Ký số",
        "fa-signature",
        "signing:check",
        "Ký số PAdES bằng USB token, khóa của cơ quan hoặc dịch vụ ký từ xa; kiểm tra chữ ký "
        "của mọi văn bản đến.",
    ),
    Module(
        "exchange",
        "Liên thông",
        "fa-right-left",
        "exchange:pending",
        "Gửi, nhận văn bản điện tử dạng gói edXML giữa các cơ quan, trạng thái xử lý phản hồi "
        "tự động.",
    ),
    Module(
        "search",
        "Tìm kiếm",
        "fa-magnifying-glass",
        "search:page",
        "Tìm kiếm toàn văn tiếng Việt có dấu và không dấu, nhận dạng chữ (OCR) bản quét.",
    ),
    Module(
        "archive",
        "Lưu trữ",
        "fa-box-archive",
        "archive:list",
        "Danh mục hồ sơ, lập hồ sơ, thời hạn bảo quản, nộp lưu và số hóa tài liệu.",
        permission="archive.view",
    ),
    Module(
        "petitions",
        "Đơn thư",
        "fa-envelope-open-text",
        None,
        "Tiếp nhận, phân loại, xử lý đơn thư khiếu nại, tố cáo, kiến nghị, phản ánh và tiếp "
        "công dân.",
    ),
    Module(
        "programs",
        "Chương trình, lịch",
        "fa-calendar-days",
        None,
        "Chương trình công tác toàn khóa, năm, tháng; lịch làm việc tuần của Thường trực.",
    ),
    Module(
        "followups",
        "Theo dõi nhiệm vụ",
        "fa-list-check",
        None,
        "Nhiệm vụ từ nghị quyết, kết luận: đơn vị chủ trì, hạn, tiến độ, đôn đốc.",
    ),
    Module(
        "meetings",
        "Họp không giấy",
        "fa-people-group",
        None,
        "Chuẩn bị tài liệu họp, biểu quyết và ghi chú trên thiết bị di động.",
    ),
    Module(
        "reports",
        "Báo cáo thống kê",
        "fa-chart-column",
        None,
        "Báo cáo định kỳ gửi cấp trên, số liệu đầy đủ theo từng đơn vị.",
    ),
]

CountHook = Callable[[User], dict[str, int]]
PanelHook = Callable[[HttpRequest], tuple[str, dict[str, Any]] | None]
_count_hooks: list[CountHook] = []
_panel_hooks: list[PanelHook] = []


def register_counts(func: CountHook) -> CountHook:
    _count_hooks.append(func)
    return func


def register_dashboard_panel(func: PanelHook) -> PanelHook:
    _panel_hooks.append(func)
    return func


def counts_for(user: User) -> dict[str, int]:
    counts: dict[str, int] = {}
    for hook in _count_hooks:
        counts.update(hook(user))
    return counts


def counts_for_request(request: HttpRequest, user: User) -> dict[str, int]:
    """`counts_for`, computed once per request: a page that shows counts of its own (the work
    list's tabs) and the navigation of the shell share one set of queries."""
    cached = getattr(request, "_vp_nav_counts", None)
    if cached is None or cached[0] != user.pk:
        cached = (user.pk, counts_for(user))
        request._vp_nav_counts = cached  # type: ignore[attr-defined]
    return cached[1]


def panels_for(request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    panels = []
    for hook in _panel_hooks:
        panel = hook(request)
        if panel is not None:
            panels.append(panel)
    return panels


def modules_for(user: User) -> list[Module]:
    """The modules this person may open: the same policy rule as the module's landing view."""
    return [m for m in MODULES if m.permission is None or can(user, m.permission)]


def module_by_key(key: str) -> Module | None:
    return next((m for m in MODULES if m.key == key), None)

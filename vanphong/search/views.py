"""The search page /tim-kiem/: results as the user types (htmx), filters, saved searches."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from vanphong.core.errors import DomainError
from vanphong.documents.web import current_user, is_partial
from vanphong.search import selectors, services
from vanphong.search.forms import PARAMS, SavedSearchForm, SearchForm
from vanphong.search.models import SavedSearch


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("trang", "1")
    return max(1, int(raw)) if raw.isdigit() and len(raw) < 5 else 1


def saved_url(saved: SavedSearch) -> str:
    params = {"q": saved.query, **saved.params}
    return "?" + urlencode({k: v for k, v in params.items() if k in PARAMS and v})


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = SearchForm(request.GET or None, user=user)
    page = None
    if request.GET:
        form.is_valid()  # an invalid filter is left out and its error shown beside it
        typing = request.GET.get("dang_go") == "1"
        params = form.params(page=_page_number(request), typing=typing)
        page = selectors.search(user, params)
    base_query = urlencode([(k, str(v)) for k, v in request.GET.items() if k in PARAMS and v])
    context = {
        "form": form,
        "page": page,
        "base_query": base_query,
        "saved": [(s, saved_url(s)) for s in selectors.saved_searches(user)],
        "save_form": SavedSearchForm(),
        "reads_archive": selectors.reads_archive(user),
    }
    if is_partial(request):
        return render(request, "search/_results.html", context)
    return render(request, "search/page.html", context)


@require_POST
def save_search(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = SavedSearchForm(request.POST)
    search_form = SearchForm(request.POST, user=user)
    search_form.is_valid()
    params = {k: request.POST.get(k, "") for k in PARAMS if k != "q"}
    if not form.is_valid():
        messages.error(request, "Vui lòng đặt tên cho tìm kiếm cần lưu.")
    else:
        try:
            saved = services.saved_search_create(
                actor=user,
                name=form.cleaned_data["name"],
                query=request.POST.get("q", ""),
                params={k: v for k, v in params.items() if v},
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Đã lưu tìm kiếm “{saved.name}”.")
            return redirect("/tim-kiem/" + saved_url(saved))
    return redirect("search:page")


@require_POST
def delete_saved(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    try:
        services.saved_search_delete(actor=user, saved=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã xóa tìm kiếm đã lưu.")
    return redirect("search:page")

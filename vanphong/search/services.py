"""Writes of the search app: a user's saved searches."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from vanphong.core.errors import DomainError
from vanphong.core.models import User
from vanphong.search.models import SavedSearch

MAX_SAVED = 50


def saved_search_create(
    *, actor: User, name: str, query: str, params: dict[str, Any]
) -> SavedSearch:
    name = " ".join(name.split())[:100]
    if not name:
        raise DomainError("Vui lòng đặt tên cho tìm kiếm cần lưu.", field="name")
    clean = {k: str(v) for k, v in params.items() if v not in (None, "") and k != "q"}
    with transaction.atomic():
        existing = SavedSearch.objects.select_for_update().filter(user=actor, name=name).first()
        if existing is not None:
            existing.query, existing.params = query[:200], clean
            existing.save(update_fields=["query", "params"])
            return existing
        if SavedSearch.objects.filter(user=actor).count() >= MAX_SAVED:
            raise DomainError(
                f"Mỗi người lưu tối đa {MAX_SAVED} tìm kiếm; hãy xóa bớt tìm kiếm cũ.", field="name"
            )
        return SavedSearch.objects.create(user=actor, name=name, query=query[:200], params=clean)


def saved_search_delete(*, actor: User, saved: SavedSearch | int) -> None:
    pk = saved if isinstance(saved, int) else saved.pk
    deleted, _ = SavedSearch.objects.filter(user=actor, pk=pk).delete()
    if not deleted:
        raise DomainError("Không tìm thấy tìm kiếm đã lưu.")

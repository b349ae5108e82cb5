"""The message log is read-only in the admin site (evidence); the directory is edited on its own
page (/lien-thong/danh-ba/) because every change goes through the services and the audit log."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vanphong.exchange.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ["created_at", "direction", "kind", "status_code", "from_identifier"]
    list_filter = ["direction", "kind", "state"]
    search_fields = ["document_id", "sha256", "from_identifier", "to_identifier"]
    exclude = ["body"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

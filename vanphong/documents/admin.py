from django.contrib import admin

from vanphong.documents.models import Delegation, DocumentType


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin[DocumentType]):
    list_display = ["name", "abbr", "order", "is_active"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin[Delegation]):
    list_display = ["from_user", "to_user", "start_date", "end_date", "revoked_at"]

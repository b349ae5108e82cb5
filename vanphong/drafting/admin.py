"""Configuration of outgoing documents in the admin site: counters, review chains, signers.

Issued documents are not edited here (read-only list); drafts and issuance go through the pages.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from vanphong.drafting.models import (
    DocxTemplate,
    OutgoingDocument,
    ReviewChain,
    ReviewChainStep,
    SignatureRequirement,
    SigningAuthority,
)
from vanphong.numbering.models import OutgoingNumbering


@admin.register(OutgoingNumbering)
class OutgoingNumberingAdmin(admin.ModelAdmin[OutgoingNumbering]):
    list_display = ["register", "abbr", "issuer_code", "style", "types"]
    list_filter = ["register__organisation", "style"]
    filter_horizontal = ["doc_types"]

    @admin.display(description="loại văn bản dùng chung bộ đếm")
    def types(self, obj: OutgoingNumbering) -> str:
        return ", ".join(t.name for t in obj.doc_types.all())


class StepInline(admin.TabularInline[ReviewChainStep, ReviewChain]):
    model = ReviewChainStep
    extra = 1


@admin.register(ReviewChain)
class ReviewChainAdmin(admin.ModelAdmin[ReviewChain]):
    list_display = ["name", "organisation", "doc_type"]
    list_filter = ["organisation"]
    inlines = [StepInline]


@admin.register(SigningAuthority)
class SigningAuthorityAdmin(admin.ModelAdmin[SigningAuthority]):
    list_display = ["user", "organisation", "doc_type", "authority", "title", "body"]
    list_filter = ["organisation", "authority"]


@admin.register(SignatureRequirement)
class SignatureRequirementAdmin(admin.ModelAdmin[SignatureRequirement]):
    """Which digital signatures a type needs before the văn thư may send it."""

    list_display = ["organisation", "doc_type", "signer_signature", "organisation_signature"]
    list_filter = ["organisation", "signer_signature", "organisation_signature"]
    list_editable = ["signer_signature", "organisation_signature"]


@admin.register(DocxTemplate)
class DocxTemplateAdmin(admin.ModelAdmin[DocxTemplate]):
    """Listed only: a template is uploaded through `template_upload`, which test-renders it."""

    list_display = ["name", "organisation", "doc_type", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutgoingDocument)
class OutgoingDocumentAdmin(admin.ModelAdmin[OutgoingDocument]):
    list_display = ["notation", "doc_type", "summary", "status", "issue_date", "organisation"]
    list_filter = ["organisation", "status", "doc_type"]
    search_fields = ["notation", "summary"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

"""Django admin for reference data, in Vietnamese. Audit rows are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from vanphong.core.models import (
    ApiToken,
    AuditEvent,
    Organisation,
    OrgLevel,
    Unit,
    User,
    UserRole,
)


@admin.register(OrgLevel)
class OrgLevelAdmin(admin.ModelAdmin[OrgLevel]):
    list_display = ["name", "code", "rank", "historical"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["full_name", "short_name", "issuer_abbr", "identifier", "level", "served_here"]
    list_filter = ["level", "served_here", "is_active"]
    search_fields = ["full_name", "short_name", "identifier", "search_name"]
    autocomplete_fields = ["parent"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ["name", "short_name", "organisation", "order", "is_active"]
    list_filter = ["organisation"]
    search_fields = ["name"]


class UserRoleInline(admin.TabularInline[UserRole, User]):
    model = UserRole
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "position", "unit", "clearance", "is_active"]
    list_filter = ["organisation", "unit", "clearance", "is_active"]
    search_fields = ["username", "full_name", "email"]
    inlines = [UserRoleInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Thông tin",
            {
                "fields": (
                    "full_name",
                    "email",
                    "phone",
                    "organisation",
                    "unit",
                    "position",
                    "clearance",
                )
            },
        ),
        ("Bảo mật", {"fields": ("is_active", "is_staff", "is_superuser", "totp_enabled")}),
        ("Thời gian", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "full_name",
                    "password1",
                    "password2",
                    "organisation",
                    "unit",
                    "position",
                    "clearance",
                )
            },
        ),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """People named in the audit log are deactivated, never deleted (see core.signals)."""
        if obj is not None and AuditEvent.objects.filter(actor=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "user", "created_at", "last_used_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["id", "created_at", "actor_name", "action", "summary", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_name", "summary", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

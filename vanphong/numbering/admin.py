from django.contrib import admin

from vanphong.numbering.models import Counter, Register, Term


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin[Register]):
    list_display = ["name", "organisation", "kind", "for_secret", "restart_rule", "is_active"]
    list_filter = ["kind", "organisation", "for_secret"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin[Term]):
    list_display = ["name", "organisation", "start_date"]


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin[Counter]):
    list_display = ["register", "period_key", "last_number"]
    readonly_fields = ["register", "period_key", "last_number"]

    def has_add_permission(self, request: object) -> bool:  # type: ignore[override]
        return False

"""Signing profiles are configured by the administrator in the admin site (which key signs for
whom); trust roots and CRLs have their own page because imports go through the services."""

from django.contrib import admin

from vanphong.signing.models import SigningProfile


@admin.register(SigningProfile)
class SigningProfileAdmin(admin.ModelAdmin[SigningProfile]):
    list_display = ["__str__", "backend", "token_label", "key_label", "updated_at"]
    list_filter = ["backend"]
    raw_id_fields = ["user", "organisation", "image"]
    fields = [
        "user",
        "organisation",
        "backend",
        "pkcs12_path",
        "pkcs11_module",
        "token_label",
        "key_label",
        "secret_name",
        "image",
    ]

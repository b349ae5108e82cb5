"""Certificate names are stored in asn1crypto's English form and shown with Vietnamese labels."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509

from vanphong.signing.templatetags.cert_names import cert_name
from vanphong.signing.trust import name_display, name_label, name_text


def _name(**fields: str) -> asn1_x509.Name:
    return asn1_x509.Name.build(fields)


def test_the_stored_english_form_is_shown_with_vietnamese_labels() -> None:
    name = _name(
        country_name="VN",
        organization_name="Ban Cơ yếu Chính phủ",
        organizational_unit_name="Cục Chứng thực số",
        common_name="Nguyễn Văn An",
    )
    stored = name_text(name)
    assert stored.startswith("Common Name: Nguyễn Văn An")  # the key CRLs are matched by
    assert name_display(stored) == (
        "Tên: Nguyễn Văn An, Đơn vị: Cục Chứng thực số, Tổ chức: Ban Cơ yếu Chính phủ, Quốc gia: VN"
    )
    assert name_label(name) == name_display(stored)
    assert cert_name(stored) == name_display(stored)


def test_a_value_with_a_comma_keeps_the_semicolon_separator() -> None:
    stored = name_text(_name(common_name="Sở Nội vụ, tỉnh A", country_name="VN"))
    assert stored == "Common Name: Sở Nội vụ, tỉnh A; Country: VN"
    assert name_display(stored) == "Tên: Sở Nội vụ, tỉnh A; Quốc gia: VN"


def test_other_text_is_left_as_it_is() -> None:
    for text in ("", "CN=Nguyễn Văn An, C=VN", "Tên: Nguyễn Văn An", "Common Name"):
        assert name_display(text) == text
    assert cert_name(None) == ""


def test_an_attribute_without_a_vietnamese_label_keeps_its_own() -> None:
    assert name_display("Common Name: A, Business Category: B") == ("Tên: A, Business Category: B")


def test_the_signature_panel_names_the_issuer_in_vietnamese() -> None:
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    issuer = name_text(_name(organization_name="Ban Cơ yếu Chính phủ", common_name="CA"))
    sig = SimpleNamespace(
        verdict="valid",
        get_verdict_display="Hợp lệ",
        signer_name="Nguyễn Văn An",
        signing_time=None,
        reason="",
        issuer=issuer,
        serial="0A",
    )
    validation = SimpleNamespace(error="", signatures=SimpleNamespace(all=[sig]), validated_at=None)
    html = render_to_string("signing/_validation.html", {"validation": validation})
    assert "Tổ chức cấp: Tên: CA, Tổ chức: Ban Cơ yếu Chính phủ" in html
    assert "Common Name" not in html

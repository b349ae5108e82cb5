"""Forms of the exchange pages."""

from __future__ import annotations

from typing import Any

from django import forms

from vanphong.documents.models import DocumentType
from vanphong.exchange.models import Direction, Kind, Peer, State
from vanphong.exchange.services.directory import PeerData


class PeerForm(forms.Form):
    identifier = forms.CharField(label="Mã định danh", max_length=35)
    name = forms.CharField(label="Tên cơ quan", max_length=255)
    inbox_url = forms.CharField(
        label="Địa chỉ nhận gói tin (inbox)",
        max_length=500,
        required=False,
        help_text="Ví dụ https://vanphong.tinhuy.vn/lien-thong/inbox/",
    )
    certificate_pem = forms.CharField(
        label="Chứng thư số của máy chủ (PEM)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace small"}),
    )
    is_hub = forms.BooleanField(label="Là trục liên thông (chuyển tiếp)", required=False)
    via_hub = forms.ChoiceField(label="Gửi qua trục", required=False)
    is_active = forms.BooleanField(label="Đang dùng", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hubs = Peer.objects.filter(is_hub=True).order_by("identifier")
        via_hub = self.fields["via_hub"]
        assert isinstance(via_hub, forms.ChoiceField)
        via_hub.choices = [("", "— Gửi trực tiếp —")] + [
            (h.identifier, f"{h.name} ({h.identifier})") for h in hubs
        ]
        for name, field in self.fields.items():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
            if name == "via_hub":
                css = "form-select"
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {existing}".strip()

    @classmethod
    def for_peer(cls, peer: Peer) -> PeerForm:
        return cls(
            initial={
                "identifier": peer.identifier,
                "name": peer.name,
                "inbox_url": peer.inbox_url,
                "certificate_pem": peer.certificate_pem,
                "is_hub": peer.is_hub,
                "via_hub": peer.via_hub.identifier if peer.via_hub else "",
                "is_active": peer.is_active,
            }
        )

    def to_data(self) -> PeerData:
        d = self.cleaned_data
        return PeerData(
            identifier=d["identifier"],
            name=d["name"],
            inbox_url=d["inbox_url"],
            certificate_pem=d["certificate_pem"],
            is_hub=d["is_hub"],
            via_hub=d["via_hub"],
            is_active=d["is_active"],
        )


class AcceptForm(forms.Form):
    doc_type = forms.ModelChoiceField(
        label="Loại văn bản",
        queryset=DocumentType.objects.filter(is_active=True),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    due_date = forms.DateField(
        label="Hạn xử lý", required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    duplicate_reason = forms.CharField(
        label="Lý do vẫn vào sổ khi trùng",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class LogFilterForm(forms.Form):
    chieu = forms.ChoiceField(
        label="Chiều", required=False, choices=[("", "Tất cả"), *Direction.choices]
    )
    trang_thai = forms.ChoiceField(
        label="Trạng thái", required=False, choices=[("", "Tất cả"), *State.choices]
    )
    loai = forms.ChoiceField(
        label="Loại gói", required=False, choices=[("", "Tất cả"), *Kind.choices]
    )
    co_quan = forms.CharField(label="Mã cơ quan", required=False, max_length=35)
    document_id = forms.CharField(label="DocumentId", required=False, max_length=255)
    tu_ngay = forms.DateField(label="Từ ngày", required=False)
    den_ngay = forms.DateField(label="Đến ngày", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm"
            if isinstance(field, forms.DateField):
                field.widget.attrs["placeholder"] = "dd/mm/yyyy"

"""The search form (Vietnamese parameter names in the URL, like the other lists)."""

from __future__ import annotations

from typing import Any

from django import forms

from vanphong.core.models import Organisation, Unit, User
from vanphong.documents.models import DocumentType, Status, Urgency
from vanphong.search.models import Kind
from vanphong.search.query import MAX_QUERY_CHARS
from vanphong.search.selectors import SORTS, SearchParams, reads_archive

# URL parameter → SearchParams field
PARAMS = {
    "q": "q",
    "huong": "kind",
    "loai": "doc_type_id",
    "nam": "year",
    "tu_ngay": "date_from",
    "den_ngay": "date_to",
    "noi_gui": "sender_id",
    "don_vi": "lead_unit_id",
    "trang_thai": "status",
    "do_khan": "urgency",
    "sap_xep": "sort",
}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Từ khóa",
        required=False,
        max_length=MAX_QUERY_CHARS * 50,  # longer input is cut by the parser, with a notice
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": 'Ví dụ: dang uy, "nghị quyết", 05-CT/TU, quyet*',
                "autocomplete": "off",
                "autofocus": True,
            }
        ),
    )
    huong = forms.ChoiceField(
        label="Loại hồ sơ", required=False, choices=[("", "Tất cả"), *Kind.choices]
    )
    loai = forms.ModelChoiceField(
        label="Loại văn bản",
        required=False,
        queryset=DocumentType.objects.filter(is_active=True),
        empty_label="Tất cả",
    )
    nam = forms.IntegerField(label="Năm", required=False, min_value=1945, max_value=2100)
    tu_ngay = forms.DateField(label="Từ ngày", required=False, widget=DATE)
    den_ngay = forms.DateField(label="Đến ngày", required=False, widget=DATE)
    noi_gui = forms.ModelChoiceField(
        label="Cơ quan gửi",
        required=False,
        queryset=Organisation.objects.order_by("full_name"),
        empty_label="Tất cả",
    )
    don_vi = forms.ModelChoiceField(
        label="Đơn vị chủ trì", required=False, queryset=Unit.objects.none(), empty_label="Tất cả"
    )
    trang_thai = forms.ChoiceField(
        label="Trạng thái", required=False, choices=[("", "Tất cả"), *Status.choices]
    )
    do_khan = forms.TypedChoiceField(
        label="Độ khẩn",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Tất cả"), *Urgency.choices],
    )
    sap_xep = forms.ChoiceField(label="Sắp xếp", required=False, choices=list(SORTS.items()))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["don_vi"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(organisation_id=user.organisation_id or 0)
        if not reads_archive(user):  # the archive kind is offered to its readers only
            kinds = self.fields["huong"]
            assert isinstance(kinds, forms.ChoiceField)
            kinds.choices = [("", "Tất cả"), (Kind.INCOMING.value, Kind.INCOMING.label)]
        for name, each in self.fields.items():
            if name == "q":
                each.widget.attrs["class"] = "form-control"
                continue
            select = isinstance(each.widget, forms.Select)
            css = "form-select form-select-sm" if select else "form-control form-control-sm"
            each.widget.attrs["class"] = f"{css} vp-search-filter"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("tu_ngay"), data.get("den_ngay")
        if start and end and start > end:
            self.add_error("den_ngay", "“Đến ngày” phải sau “Từ ngày”.")
        return data

    def params(self, *, page: int = 1, typing: bool = False) -> SearchParams:
        """Valid fields only: an invalid filter is ignored (and its error shown)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        values: dict[str, Any] = {"page": page, "typing": typing}
        for name, target in PARAMS.items():
            value = data.get(name)
            if value in (None, ""):
                continue
            values[target] = getattr(value, "pk", value)
        return SearchParams(**values)

    @property
    def is_filtered(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return any(data.get(n) not in (None, "") for n in PARAMS if n not in ("q", "sap_xep"))


class SavedSearchForm(forms.Form):
    name = forms.CharField(label="Tên tìm kiếm", max_length=100)

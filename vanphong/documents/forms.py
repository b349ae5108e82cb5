"""Forms of the incoming-documents pages: registration, duplicates, filters, senders, delegations.

The per-action forms of the detail page live in `action_forms.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from vanphong.core.models import Organisation, Secrecy, User
from vanphong.documents import catalog, selectors
from vanphong.documents.models import Channel, DocumentType, Status, Urgency
from vanphong.documents.services import IncomingData

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
ALLOWED_EXTENSIONS = {".pdf", ".docx", ".jpg", ".jpeg", ".png", ".tif", ".tiff"}
FILE_ACCEPT = ",".join(sorted(ALLOWED_EXTENSIONS))
SORT_LABELS = {
    "moi_nhat": "Mới nhất",
    "cu_nhat": "Cũ nhất",
    "han_xu_ly": "Hạn xử lý gần nhất",
    "do_khan": "Khẩn nhất",
}
# What a ModelChoiceField says about a value it does not know (kept for the catalogue fields).
_MODEL_INVALID_CHOICE = forms.ModelChoiceField.default_error_messages["invalid_choice"]


class QuickSelect(forms.Select):
    """A <select> whose options are written in Python rather than through one widget template
    per option: the same HTML as Django's templates (value, attributes, `selected`), in a tenth
    of the time, which matters on pages rendered on every filter change (the work lists)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))
        ]
        for group, options, _ in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            parts.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    str(option["value"]),
                    flatatt(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # every part is escaped by format_html / flatatt


class QuickInputMixin:
    """An <input> written in Python: Django's input.html and attrs.html (type, name, value,
    then the attributes in order; True as a bare name, False left out), without the template."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        shown = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            format_html(' value="{}"', str(shown)) if shown is not None else "",
            flatatt(widget["attrs"]),
        )


class QuickTextInput(QuickInputMixin, forms.TextInput):
    pass


class QuickDateInput(QuickInputMixin, forms.DateInput):
    pass


class StyledForm(forms.Form):
    """Adds the Bootstrap classes every widget needs, so templates stay short."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_styles()

    def apply_styles(self) -> None:
        """Idempotent: call again after replacing fields."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"  # radios, checkboxes and checkbox lists
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])

    def mark_invalid(self) -> None:
        """Flag widgets of fields with errors (Bootstrap's .is-invalid); call after validation."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    widget.attrs["class"] = " ".join([*classes, "is-invalid"])
                widget.attrs["aria-invalid"] = "true"


def date_field(
    label: str,
    *,
    required: bool = True,
    widget_class: type[forms.DateInput] = forms.DateInput,
    **attrs: Any,
) -> forms.DateField:
    """A date typed as dd/mm/yyyy, as the offices write it."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=widget_class(
            format="%d/%m/%Y",
            attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "off", **attrs},
        ),
        error_messages={
            "required": f"Vui lòng nhập {label.lower()}.",
            "invalid": f"{label} không hợp lệ: hãy nhập theo dạng dd/mm/yyyy.",
        },
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the extension is checked here, the content by the store."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": FILE_ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        for item in items:
            if isinstance(item, UploadedFile) and (problem := upload_problem(item)):
                raise forms.ValidationError(problem, code="file_type")
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in items]
        files = [f for f in cleaned if f]
        if self.required and not files:
            raise forms.ValidationError("Vui lòng chọn ít nhất một tệp.", code="required")
        return files


def upload_problem(upload: UploadedFile) -> str | None:
    """Why this chosen file cannot be taken before its content is read, or None."""
    if PurePath(upload.name or "").suffix.lower() not in ALLOWED_EXTENSIONS:
        return f"Tệp “{upload.name}” không đúng định dạng cho phép (PDF, DOCX, JPEG, PNG, TIFF)."
    if not upload.size:
        return (
            f"Tệp “{upload.name}” rỗng (0 byte): có thể tệp chưa được lưu hoặc sao chép hỏng. "
            "Hãy chọn đúng tệp văn bản."
        )
    return None


def secret_connected(secrecy: int | None) -> bool:
    """A secret document on a connected network keeps only its register entry."""
    return bool(secrecy) and settings.NETWORK_ZONE == "connected"


def secrecy_choices(user: User) -> list[tuple[int, str]]:
    return [(value, label) for value, label in Secrecy.choices if value <= user.clearance]


class IncomingForm(StyledForm):
    """The incoming register's metadata plus the files (sổ văn bản đến)."""

    arrival_date = date_field("Ngày đến")
    channel = forms.ChoiceField(
        label="Hình thức nhận",
        choices=Channel.choices,
        initial=Channel.PAPER,
        widget=forms.RadioSelect,
        error_messages={"required": "Vui lòng chọn hình thức nhận."},
    )
    sender = forms.ModelChoiceField(
        label="Cơ quan gửi",
        queryset=Organisation.objects.filter(is_active=True),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Vui lòng chọn cơ quan gửi.",
            "invalid_choice": "Cơ quan gửi không có trong danh bạ; hãy chọn lại.",
        },
    )
    code_notation = forms.CharField(
        label="Số và ký hiệu",
        max_length=80,
        widget=forms.TextInput(attrs={"placeholder": "Ví dụ: 123-CV/VPTW", "autocomplete": "off"}),
        error_messages={"required": "Vui lòng nhập số và ký hiệu văn bản."},
    )
    document_date = date_field("Ngày văn bản")
    doc_type = forms.ModelChoiceField(
        label="Loại văn bản",
        queryset=DocumentType.objects.filter(is_active=True),
        empty_label="— Chọn loại văn bản —",
        error_messages={
            "required": "Vui lòng chọn loại văn bản.",
            "invalid_choice": "Loại văn bản không hợp lệ.",
        },
    )
    summary = forms.CharField(
        label="Trích yếu",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signer_name = forms.CharField(label="Người ký", max_length=150, required=False)
    page_count = forms.IntegerField(
        label="Số trang",
        required=False,
        min_value=1,
        max_value=100000,
        error_messages={
            "invalid": "Số trang phải là số nguyên.",
            "min_value": "Số trang phải là số dương.",
            "max_value": "Số trang quá lớn.",
        },
    )
    urgency = forms.TypedChoiceField(
        label="Mức độ khẩn", choices=Urgency.choices, coerce=int, initial=Urgency.NORMAL
    )
    secrecy = forms.TypedChoiceField(
        label="Mức độ mật",
        choices=Secrecy.choices,
        coerce=int,
        initial=Secrecy.NONE,
        error_messages={"invalid_choice": "Đồng chí không được vào sổ văn bản ở mức độ mật này."},
    )
    due_date = date_field("Hạn xử lý", required=False)
    notes = forms.CharField(
        label="Ghi chú", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachments = MultipleFileField(label="Tệp văn bản")

    def __init__(
        self, *args: Any, user: User, held: Sequence[UploadedFile] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.held = list(held)  # files kept from the previous submit (files.holding)
        secrecy = self.fields["secrecy"]
        assert isinstance(secrecy, forms.TypedChoiceField)
        secrecy.choices = secrecy_choices(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "attachments" in data:
            data["attachments"] = [*self.held, *data["attachments"]]
        if secret_connected(data.get("secrecy")):
            if data.get("attachments"):
                self.add_error(
                    "attachments",
                    "Văn bản mật trên mạng kết nối: không được đính kèm tệp. Hãy bỏ tệp và quản "
                    "lý bản giấy theo quy định bảo vệ bí mật nhà nước.",
                )
            data["summary"] = ""
            data["notes"] = ""
        elif "secrecy" in data and not (data.get("summary") or "").strip():
            self.add_error("summary", "Vui lòng nhập trích yếu.")
        return data

    def sender_choice(self) -> Organisation | None:
        """The sender currently chosen (bound or initial), for the picker's visible label."""
        raw = self["sender"].value()
        if isinstance(raw, Organisation):
            return raw
        if raw in (None, ""):
            return None
        try:
            return Organisation.objects.filter(pk=int(raw), is_active=True).first()
        except (TypeError, ValueError):
            return None

    def withheld(self) -> bool:
        """Whether the current secrecy (bound or initial) hides the content fields."""
        try:
            return secret_connected(int(self["secrecy"].value() or 0))
        except (TypeError, ValueError):
            return False

    def to_data(self) -> IncomingData:
        d = self.cleaned_data
        return IncomingData(
            sender=d["sender"],
            code_notation=d["code_notation"],
            document_date=d["document_date"],
            doc_type=d["doc_type"],
            summary=d.get("summary", ""),
            arrival_date=d["arrival_date"],
            signer_name=d.get("signer_name", ""),
            page_count=d.get("page_count"),
            urgency=d["urgency"],
            secrecy=d["secrecy"],
            due_date=d.get("due_date"),
            notes=d.get("notes", ""),
            channel=d["channel"],
            files=list(d.get("attachments") or []),
        )


class DuplicateChoiceForm(forms.Form):
    """The clerk's answer to a duplicate warning: the same document, or register it anyway."""

    duplicate_choice = forms.ChoiceField(choices=[("same", "same"), ("new", "new")])
    duplicate_of = forms.IntegerField(required=False)
    duplicate_reason = forms.CharField(
        label="Lý do vẫn vào sổ",
        max_length=300,
        required=False,
        error_messages={"max_length": "Lý do dài tối đa 300 ký tự."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("duplicate_choice")
        if choice == "new" and not (data.get("duplicate_reason") or "").strip():
            self.add_error("duplicate_reason", "Vui lòng ghi lý do vẫn vào sổ văn bản trùng.")
        if choice == "same" and not data.get("duplicate_of"):
            self.add_error("duplicate_of", "Hãy chọn văn bản đã vào sổ trước đó.")
        return data


class ListFilterForm(StyledForm):
    """Filters shared by the work lists and the register; bad values are shown and ignored."""

    tu_ngay = date_field("Từ ngày", required=False, widget_class=QuickDateInput)
    den_ngay = date_field("Đến ngày", required=False, widget_class=QuickDateInput)
    noi_gui = forms.ModelChoiceField(
        label="Cơ quan gửi",
        queryset=Organisation.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )
    # Document types and units come from the per-process catalogue (choices set in __init__):
    # no query and no model instances per request; the same options, values and messages.
    loai = forms.TypedChoiceField(
        label="Loại văn bản",
        coerce=int,
        empty_value=None,
        required=False,
        widget=QuickSelect,
        error_messages={"invalid_choice": _MODEL_INVALID_CHOICE},
    )
    do_khan = forms.TypedChoiceField(
        label="Độ khẩn",
        choices=[("", "Mọi độ khẩn"), *Urgency.choices],
        coerce=int,
        empty_value=None,
        required=False,
        widget=QuickSelect,
    )
    don_vi = forms.TypedChoiceField(
        label="Đơn vị chủ trì",
        coerce=int,
        empty_value=None,
        required=False,
        widget=QuickSelect,
        error_messages={"invalid_choice": _MODEL_INVALID_CHOICE},
    )
    trang_thai = forms.ChoiceField(
        label="Trạng thái",
        choices=[("", "Mọi trạng thái"), *Status.choices],
        required=False,
        widget=QuickSelect,
    )
    tu_khoa = forms.CharField(
        label="Tìm theo số ký hiệu, trích yếu",
        max_length=100,
        required=False,
        widget=QuickTextInput(attrs={"type": "search", "placeholder": "Số ký hiệu, trích yếu…"}),
    )
    sap_xep = forms.ChoiceField(
        label="Sắp xếp",
        choices=list(SORT_LABELS.items()),
        required=False,
        widget=QuickSelect,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        doc_type, unit = self.fields["loai"], self.fields["don_vi"]
        assert isinstance(doc_type, forms.ChoiceField) and isinstance(unit, forms.ChoiceField)
        doc_type.choices = [("", "Tất cả loại"), *catalog.doc_type_choices()]
        unit.choices = [("", "Mọi đơn vị"), *catalog.unit_choices(user.organisation_id)]
        self.organisation_id = user.organisation_id

    def to_filters(self) -> selectors.ListFilters:
        if not self.is_bound:
            return selectors.ListFilters()
        self.is_valid()
        d = self.cleaned_data
        sort = d.get("sap_xep") or "moi_nhat"
        sender = d.get("noi_gui")

        return selectors.ListFilters(
            date_from=d.get("tu_ngay"),
            date_to=d.get("den_ngay"),
            sender_id=sender.pk if sender else None,
            doc_type_id=d.get("loai"),
            urgency=d.get("do_khan"),
            unit_id=d.get("don_vi"),
            status=d.get("trang_thai") or None,
            text=d.get("tu_khoa") or "",
            sort=sort if sort in selectors.SORTS else "moi_nhat",
        )

    def sender_choice(self) -> Organisation | None:
        if self.is_bound and self.is_valid():
            sender = self.cleaned_data.get("noi_gui")
            return sender if isinstance(sender, Organisation) else None
        return None

    def has_input(self) -> bool:
        """Whether anything was typed or chosen (a filter or the sort order): if not, the panel
        is the same for everyone in the organisation."""
        return self.is_bound and any(self.data.get(name) for name in self.fields)

    def is_filtered(self) -> bool:
        """Whether any filter (not just the sort order) is set."""
        if not self.is_bound:
            return False
        return any(self.data.get(name) for name in self.fields if name != "sap_xep")


class SenderCreateForm(StyledForm):
    """A new external sender; its inputs belong to a separate <form> by the HTML form attribute,
    so they can sit next to the picker inside the registration form."""

    FORM_ID = "sender-create-form"

    full_name = forms.CharField(
        label="Tên cơ quan gửi",
        max_length=255,
        error_messages={"required": "Vui lòng nhập tên cơ quan gửi."},
    )
    short_name = forms.CharField(label="Tên viết tắt", max_length=80, required=False)
    identifier = forms.CharField(
        label="Mã định danh",
        max_length=35,
        required=False,
        help_text="Nếu có, ví dụ 000.00.00.G22.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["form"] = self.FORM_ID


class DelegationForm(StyledForm):
    to_user = forms.ModelChoiceField(
        label="Người được ủy quyền",
        queryset=User.objects.none(),
        empty_label="— Chọn người được ủy quyền —",
        error_messages={
            "required": "Vui lòng chọn người được ủy quyền.",
            "invalid_choice": "Người được chọn không hợp lệ.",
        },
    )
    start_date = date_field("Từ ngày")
    end_date = date_field("Đến hết ngày")
    note = forms.CharField(label="Ghi chú", max_length=300, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            User.objects.filter(organisation=user.organisation, is_active=True)
            .exclude(pk=user.pk)
            .select_related("unit")
            .order_by("full_name")
        )
        field.label_from_instance = person_label  # type: ignore[method-assign, assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("end_date", "Ngày kết thúc phải sau ngày bắt đầu.")
        return data


def person_label(user: User) -> str:
    where = user.position or (str(user.unit) if user.unit_id else "")
    return f"{user.full_name or user.username} — {where}" if where else str(user)

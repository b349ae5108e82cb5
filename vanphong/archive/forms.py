"""Forms of the archive pages; the services do the real checking."""

from __future__ import annotations

from typing import Any

from django import forms

from vanphong.archive.models import BatchSource, BatchTarget
from vanphong.archive.services import BatchOptions
from vanphong.core.models import Organisation, Role, Secrecy, User
from vanphong.documents.forms import StyledForm
from vanphong.documents.models import DocumentType


class BatchForm(StyledForm):
    source = forms.ChoiceField(
        label="Nguồn bản quét",
        choices=BatchSource.choices,
        initial=BatchSource.ZIP,
        widget=forms.RadioSelect,
    )
    archive = forms.FileField(
        label="Tệp ZIP các bản quét",
        required=False,
        help_text="PDF, TIFF (nhiều trang được ghép thành một PDF), JPEG, PNG. Có thể kèm một "
        "tệp CSV mô tả ở thư mục gốc của ZIP.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    folder = forms.CharField(
        label="Thư mục trên máy chủ",
        required=False,
        max_length=500,
        help_text="Đường dẫn nằm trong thư mục số hóa do quản trị cấu hình "
        "(ARCHIVE_IMPORT_ROOT), ví dụ: 2024/phong-luu-tru-01",
    )
    csv = forms.FileField(
        label="Tệp CSV mô tả (không bắt buộc)",
        required=False,
        help_text="Cột: tên tệp, số ký hiệu, ngày văn bản, loại, trích yếu, số trang, cơ quan "
        "ban hành, hồ sơ, thời hạn bảo quản (hoặc FileName, CodeNotation, IssuedDate, TypeName, "
        "Subject, PageAmount, OrganName, FileNotation, Maintenance).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    target = forms.ChoiceField(
        label="Nhập thành", choices=BatchTarget.choices, initial=BatchTarget.ARCHIVE
    )
    secrecy = forms.TypedChoiceField(
        label="Độ mật của cả lô", choices=Secrecy.choices, coerce=int, initial=Secrecy.NONE
    )
    default_sender = forms.ModelChoiceField(
        label="Cơ quan gửi mặc định (văn bản đến)",
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
    )
    default_doc_type = forms.ModelChoiceField(
        label="Loại văn bản mặc định (văn bản đến)",
        queryset=DocumentType.objects.filter(is_active=True),
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target, secrecy = self.fields["target"], self.fields["secrecy"]
        assert isinstance(target, forms.ChoiceField) and isinstance(secrecy, forms.ChoiceField)
        if not user.has_role(Role.VAN_THU):
            target.choices = [(BatchTarget.ARCHIVE, BatchTarget.ARCHIVE.label)]
            del self.fields["default_sender"], self.fields["default_doc_type"]
        secrecy.choices = [c for c in Secrecy.choices if c[0] <= user.clearance]
        self.apply_styles()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") == BatchSource.ZIP and not data.get("archive"):
            self.add_error("archive", "Vui lòng chọn tệp ZIP.")
        if data.get("source") == BatchSource.FOLDER and not data.get("folder", "").strip():
            self.add_error("folder", "Vui lòng nhập đường dẫn thư mục.")
        return data

    def options(self) -> BatchOptions:
        data = self.cleaned_data
        return BatchOptions(
            target=data["target"],
            secrecy=data["secrecy"],
            default_sender=data.get("default_sender"),
            default_doc_type=data.get("default_doc_type"),
            csv=data.get("csv"),
        )

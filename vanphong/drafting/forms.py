"""Forms of the outgoing-documents pages; the services do the real checking."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import Truncator

from vanphong.core.models import Organisation, Secrecy, User
from vanphong.core.policy import filter_visible
from vanphong.documents.forms import StyledForm
from vanphong.documents.models import OPEN_STATUSES, DocumentType, IncomingDocument, Urgency
from vanphong.drafting.models import (
    Authority,
    OutgoingDocument,
    OutStatus,
    Relation,
    SigningAuthority,
)
from vanphong.drafting.services import DraftData, RecipientLine


def reply_choice_label(doc: IncomingDocument) -> str:
    """An option of the "Trả lời văn bản đến" picker: arrival number, số ký hiệu and the start of
    the summary. A secret document shows its secrecy level instead of its summary: the picker is
    a plain list, read over a shoulder as easily as the register's masked rows."""
    parts = [f"Số đến {doc.arrival_number}"]
    if doc.code_notation:
        parts.append(doc.code_notation)
    if doc.is_secret or doc.content_withheld:
        parts.append(f"[{doc.get_secrecy_display()}]")
    elif doc.summary:
        parts.append(Truncator(" ".join(doc.summary.split())).chars(80))
    return " – ".join(parts)


class DraftForm(StyledForm):
    doc_type = forms.ModelChoiceField(
        label="Loại văn bản",
        queryset=DocumentType.objects.filter(is_active=True),
        empty_label="— Chọn loại văn bản —",
    )
    summary = forms.CharField(label="Trích yếu", widget=forms.Textarea(attrs={"rows": 2}))
    body = forms.CharField(
        label="Nội dung", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    signer = forms.ModelChoiceField(
        label="Người ký", queryset=User.objects.none(), empty_label="— Chọn người ký —"
    )
    authority = forms.ChoiceField(label="Thẩm quyền ký", choices=Authority.choices, required=False)
    urgency = forms.TypedChoiceField(
        label="Mức độ khẩn", choices=Urgency.choices, coerce=int, initial=Urgency.NORMAL
    )
    secrecy = forms.TypedChoiceField(
        label="Mức độ mật", choices=Secrecy.choices, coerce=int, initial=Secrecy.NONE
    )
    recipient_orgs = forms.ModelMultipleChoiceField(
        label="Nơi nhận trong danh bạ",
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        help_text="Giữ Ctrl (hoặc Shift) để chọn nhiều nơi.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    recipient_text = forms.CharField(
        label="Nơi nhận khác (mỗi dòng một nơi, gửi bản giấy hoặc để báo cáo)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    replies_to = forms.ModelMultipleChoiceField(
        label="Trả lời văn bản đến",
        queryset=IncomingDocument.objects.none(),
        required=False,
        help_text="Giữ Ctrl (hoặc Shift) để chọn nhiều văn bản.",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    relation = forms.ChoiceField(
        label="Đính chính, thay thế", choices=Relation.choices, required=False
    )
    related = forms.ModelChoiceField(
        label="Văn bản được đính chính/thay thế",
        queryset=OutgoingDocument.objects.none(),
        required=False,
        empty_label="— Không —",
    )
    copies = forms.IntegerField(label="Số bản", min_value=1, initial=1)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_id = user.organisation_id or 0
        signers = SigningAuthority.objects.filter(organisation_id=org_id).values("user_id")
        self.fields["signer"].queryset = User.objects.filter(pk__in=signers, is_active=True)  # type: ignore[attr-defined]
        self.fields["recipient_orgs"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).exclude(pk=org_id)
        visible = filter_visible(user, "documents.incoming", IncomingDocument.objects.all())
        # the 200 newest open documents, as a filterable queryset: the field validates a choice
        # with .filter(), which a sliced queryset refuses ("“230” is not a valid value.")
        newest = visible.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True)[:200]
        self.fields["replies_to"].queryset = visible.filter(pk__in=list(newest))  # type: ignore[attr-defined]
        self.fields["replies_to"].label_from_instance = reply_choice_label  # type: ignore[attr-defined]
        from vanphong.drafting import selectors

        self.fields["related"].queryset = selectors.visible(user).filter(  # type: ignore[attr-defined]
            status=OutStatus.ISSUED
        )
        self.apply_styles()

    def to_data(self) -> DraftData:
        data = self.cleaned_data
        lines = [RecipientLine(organisation=org) for org in data["recipient_orgs"]]
        lines += [
            RecipientLine(label=line.strip(" -,;"))
            for line in data["recipient_text"].splitlines()
            if line.strip(" -,;")
        ]
        return DraftData(
            doc_type=data["doc_type"],
            summary=data["summary"],
            body=data["body"],
            signer=data["signer"],
            authority=data["authority"] or "",
            urgency=data["urgency"],
            secrecy=data["secrecy"],
            recipients=lines,
            replies_to=list(data["replies_to"]),
            relation=data["relation"] or "",
            related=data["related"],
            copies=data["copies"],
        )


class VersionForm(forms.Form):
    file = forms.FileField(label="Tệp DOCX")
    note = forms.CharField(label="Ghi chú", required=False, max_length=300)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="Ý kiến", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class IssueForm(forms.Form):
    issue_date = forms.DateField(label="Ngày ban hành", required=False)
    final_pdf = forms.FileField(
        label="Bản PDF cuối (để trống: hệ thống tự chuyển từ DOCX)", required=False
    )
    copies = forms.IntegerField(label="Số bản", min_value=1, required=False)


class RecallForm(forms.Form):
    reason = forms.CharField(label="Lý do thu hồi", max_length=300)


class PaperForm(forms.Form):
    recipient = forms.IntegerField(widget=forms.HiddenInput)
    sent_on = forms.DateField(label="Ngày gửi")
    method = forms.CharField(label="Hình thức gửi", max_length=120)


class ExportForm(forms.Form):
    tu_ngay = forms.DateField(label="Từ ngày")
    den_ngay = forms.DateField(label="Đến ngày")


class TemplateForm(StyledForm):
    doc_type = forms.ModelChoiceField(
        label="Loại văn bản",
        queryset=DocumentType.objects.filter(is_active=True),
        empty_label="— Chọn loại văn bản —",
    )
    file = forms.FileField(label="Mẫu Word (DOCX, docxtpl)")

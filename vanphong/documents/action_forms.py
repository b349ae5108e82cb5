"""One form per action of the detail page (phiếu giải quyết văn bản đến).

Every form takes the document and the acting user, so its choices are only the people and units
the service will accept (same organisation, active, cleared for the document's secrecy).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from vanphong.core.models import Unit, User
from vanphong.documents import access
from vanphong.documents.forms import (
    MultipleFileField,
    StyledForm,
    date_field,
    person_label,
)
from vanphong.documents.models import Delegation, IncomingDocument, Urgency, WorkKind


def routers(doc: IncomingDocument) -> QuerySet[User]:
    """Leaders who may route the document: office leadership, Thường trực, or their delegates."""
    today = access.today()
    delegates = Delegation.objects.filter(
        start_date__lte=today,
        end_date__gte=today,
        revoked_at__isnull=True,
        from_user__organisation_id=doc.organisation_id,
        from_user__is_active=True,
    ).values("to_user_id")
    return (
        User.objects.filter(
            organisation_id=doc.organisation_id, is_active=True, clearance__gte=doc.secrecy
        )
        .filter(Q(roles__role__in=access.ROUTER_ROLES) | Q(pk__in=delegates))
        .select_related("unit")
        .distinct()
        .order_by("full_name")
    )


def colleagues(doc: IncomingDocument) -> QuerySet[User]:
    """People of the document's organisation cleared for its secrecy."""
    return (
        User.objects.filter(
            organisation_id=doc.organisation_id, is_active=True, clearance__gte=doc.secrecy
        )
        .select_related("unit")
        .order_by("unit__order", "full_name")
    )


def units_of(doc: IncomingDocument) -> QuerySet[Unit]:
    return Unit.objects.filter(organisation_id=doc.organisation_id, is_active=True)


def _people(queryset: QuerySet[User], label: str, *, required: bool) -> forms.Field:
    field: forms.ModelChoiceField[User] | forms.ModelMultipleChoiceField[User]
    if required:
        field = forms.ModelChoiceField(
            label=label,
            queryset=queryset,
            empty_label="— Chọn —",
            error_messages={
                "required": f"Vui lòng chọn {label.lower()}.",
                "invalid_choice": "Người được chọn không hợp lệ.",
            },
        )
    else:
        field = forms.ModelMultipleChoiceField(
            label=label,
            queryset=queryset,
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 6}),
            help_text="Giữ Ctrl (hoặc Shift) để chọn nhiều người.",
            error_messages={"invalid_choice": "Người được chọn không hợp lệ."},
        )
    field.label_from_instance = person_label  # type: ignore[method-assign, assignment]
    return field


def _note(label: str = "Ghi chú", *, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Vui lòng nhập {label.lower()}."},
    )


class ActionForm(StyledForm):
    """Base: knows the document and the actor; ids are unique per action on the page."""

    def __init__(self, *args: Any, doc: IncomingDocument, user: User, **kwargs: Any) -> None:
        self.doc = doc
        self.user = user
        kwargs.setdefault("auto_id", f"id_{self.slug}_%s")
        super().__init__(*args, **kwargs)
        self.setup()
        self.apply_styles()

    slug = "action"

    def setup(self) -> None:
        """Set querysets and initial values from the document."""


class NoFieldsForm(ActionForm):
    slug = "simple"


class NoteForm(ActionForm):
    slug = "note"
    note = _note()


class PresentForm(ActionForm):
    slug = "present"
    to = forms.ModelChoiceField(queryset=User.objects.none())
    note = _note()

    def setup(self) -> None:
        self.fields["to"] = _people(routers(self.doc), "Lãnh đạo nhận trình", required=True)
        if self.doc.presented_to_id:
            self.initial.setdefault("to", self.doc.presented_to_id)


class ReturnToClerkForm(ActionForm):
    slug = "return_to_clerk"
    note = _note("Lý do trả lại", required=True)


class RouteForm(ActionForm):
    """The leader's decision: direction, one lead (unit or person), co-handlers, readers, due."""

    slug = "route"
    direction = _note("Ý kiến chỉ đạo", rows=3)
    lead_unit = forms.ModelChoiceField(
        label="Đơn vị chủ trì",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="— Không giao đơn vị —",
    )
    lead_user = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    co_units = forms.ModelMultipleChoiceField(
        label="Đơn vị phối hợp",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    co_users = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False)
    info_users = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False)
    due_date = date_field("Hạn xử lý", required=False)

    prefill = False

    def setup(self) -> None:
        units = units_of(self.doc)
        lead_unit = self.fields["lead_unit"]
        co_units = self.fields["co_units"]
        assert isinstance(lead_unit, forms.ModelChoiceField)
        assert isinstance(co_units, forms.ModelMultipleChoiceField)
        lead_unit.queryset = units
        co_units.queryset = units
        people = colleagues(self.doc)
        lead_user = _people(people, "Hoặc người chủ trì", required=True)
        assert isinstance(lead_user, forms.ModelChoiceField)
        lead_user.required = False
        lead_user.empty_label = "— Không giao cá nhân —"
        self.fields["lead_user"] = lead_user
        self.fields["co_users"] = _people(people, "Cá nhân phối hợp", required=False)
        self.fields["info_users"] = _people(people, "Gửi để biết", required=False)
        self.initial.setdefault("due_date", self.doc.due_date)
        if self.prefill:
            self._prefill()

    def _prefill(self) -> None:
        """Reassignment starts from the current decision."""
        doc = self.doc
        items = list(doc.work_items.filter(kind__in=[WorkKind.CO, WorkKind.INFO]))
        co_units = {i.unit_id for i in items if i.kind == WorkKind.CO and i.unit_id}
        if doc.lead_unit_id is not None:
            co_units.discard(doc.lead_unit_id)
        self.initial.update(
            {
                "direction": doc.direction,
                "lead_unit": doc.lead_unit_id,
                "lead_user": doc.lead_user_id,
                "co_units": sorted(co_units),
                "co_users": [i.user_id for i in items if i.kind == WorkKind.CO and not i.unit_id],
                "info_users": [i.user_id for i in items if i.kind == WorkKind.INFO],
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and (data.get("lead_unit") is None) == (data.get("lead_user") is None):
            self.add_error(
                "lead_unit",
                "Chọn một đơn vị chủ trì hoặc một người chủ trì (chỉ một trong hai).",
            )
        return data


class ReassignForm(RouteForm):
    slug = "reassign"
    prefill = True


class AssignHandlerForm(ActionForm):
    slug = "assign_handler"
    handler = forms.ModelChoiceField(queryset=User.objects.none())
    co_users = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False)
    note = _note("Ý kiến phân công")

    def setup(self) -> None:
        members = (
            colleagues(self.doc)
            .filter(unit=self.doc.lead_unit)
            .exclude(pk=self.user.pk)
            .order_by("full_name")
        )
        self.fields["handler"] = _people(members, "Chuyên viên xử lý", required=True)
        self.fields["co_users"] = _people(members, "Cùng xử lý (trong đơn vị)", required=False)


class ForwardForm(ActionForm):
    slug = "forward"
    to_unit = forms.ModelChoiceField(
        label="Chuyển tới đơn vị",
        queryset=Unit.objects.none(),
        empty_label="— Chọn đơn vị —",
        error_messages={"required": "Vui lòng chọn đơn vị nhận."},
    )
    note = _note("Lý do chuyển", required=True)

    def setup(self) -> None:
        field = self.fields["to_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        units = units_of(self.doc)
        lead = self.doc.lead_unit_id
        field.queryset = units.exclude(pk=lead) if lead is not None else units


class ProgressForm(ActionForm):
    slug = "progress"
    note = _note("Nội dung tiến độ", required=True, rows=3)
    attachments = MultipleFileField(label="Tệp kèm theo")

    def setup(self) -> None:
        if self.doc.content_withheld:
            del self.fields["attachments"]


class CompleteForm(ActionForm):
    slug = "complete"
    note = _note("Kết quả xử lý", rows=3)
    reply_reference = forms.CharField(
        label="Văn bản trả lời (số, ký hiệu)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Ví dụ: 45-CV/VPTU ngày 12/3/2026"}),
    )


class ReturnForm(ActionForm):
    slug = "return"
    note = _note("Yêu cầu xử lý lại", required=True)


class ExtendForm(ActionForm):
    slug = "extend"
    due_date = date_field("Hạn mới")
    note = _note("Lý do gia hạn", required=True)


class CancelForm(ActionForm):
    slug = "cancel"
    reason = forms.CharField(
        label="Lý do hủy vào sổ",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Vui lòng ghi lý do hủy vào sổ.",
            "max_length": "Lý do dài tối đa 300 ký tự.",
        },
    )


class EditForm(ActionForm):
    """Limited corrections before routing: never the number, the sender or the notation."""

    slug = "edit"
    summary = forms.CharField(
        label="Trích yếu",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Vui lòng nhập trích yếu."},
    )
    signer_name = forms.CharField(label="Người ký", max_length=150, required=False)
    page_count = forms.IntegerField(
        label="Số trang",
        required=False,
        min_value=1,
        error_messages={"min_value": "Số trang phải là số dương.", "invalid": "Nhập số."},
    )
    urgency = forms.TypedChoiceField(label="Mức độ khẩn", choices=Urgency.choices, coerce=int)
    due_date = date_field("Hạn xử lý", required=False)
    notes = _note()
    attachments = MultipleFileField(label="Thêm tệp văn bản")

    def setup(self) -> None:
        doc = self.doc
        self.initial.update(
            {
                "summary": doc.summary,
                "signer_name": doc.signer_name,
                "page_count": doc.page_count,
                "urgency": doc.urgency,
                "due_date": doc.due_date,
                "notes": doc.notes,
            }
        )
        if doc.content_withheld:
            for name in ("summary", "notes", "attachments"):
                del self.fields[name]

"""The review chain: configured per type and issuer; approve, return with comments, resubmit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from tests.outgoing_support import configure, new_draft
from vanphong.core.errors import DomainError
from vanphong.drafting.models import (
    Authority,
    OutAction,
    OutStatus,
    ReviewChain,
    ReviewChainStep,
    ReviewStep,
    StepKind,
    StepStatus,
)
from vanphong.drafting.services import (
    draft_submit,
    review_approve,
    review_return,
)


def _pending(doc: Any) -> list[str]:
    return list(
        ReviewStep.objects.filter(document=doc, status=StepStatus.PENDING).values_list(
            "reviewer__username", flat=True
        )
    )


def test_the_default_chain_goes_unit_head_then_office_leader_who_signs(demo: Any) -> None:
    configure(demo)
    doc = new_draft(demo)
    doc = draft_submit(actor=demo.user("chuyenvien"), document=doc)
    assert doc.status == OutStatus.IN_REVIEW
    steps = ReviewStep.objects.filter(document=doc).order_by("order")
    assert [s.reviewer.username for s in steps] == ["truongphong", "lanhdao"]
    assert _pending(doc) == ["truongphong"]
    with pytest.raises(PermissionDenied):
        review_approve(actor=demo.user("lanhdao"), document=doc)
    doc = review_approve(actor=demo.user("truongphong"), document=doc, comment="Đồng ý")
    assert _pending(doc) == ["lanhdao"] and doc.status == OutStatus.IN_REVIEW
    doc = review_approve(actor=demo.user("lanhdao"), document=doc)
    assert doc.status == OutStatus.APPROVED


def test_a_chain_for_one_type_overrides_the_general_chain(demo: Any) -> None:
    configure(demo)
    chain = ReviewChain.objects.create(
        organisation=demo.orgs["vptu"], doc_type=demo.doc_type("Tờ trình"), name="Tờ trình"
    )
    ReviewChainStep.objects.create(
        chain=chain,
        order=1,
        label="Phó Chánh Văn phòng",
        kind=StepKind.USER,
        user=demo.user("phochanh"),
    )
    ReviewChainStep.objects.create(chain=chain, order=2, label="Người ký", kind=StepKind.SIGNER)
    doc = draft_submit(
        actor=demo.user("chuyenvien"), document=new_draft(demo, type_name="Tờ trình")
    )
    assert list(
        ReviewStep.objects.filter(document=doc).values_list("reviewer__username", flat=True)
    ) == ["phochanh", "lanhdao"]


def test_a_return_needs_comments_and_the_resubmission_starts_a_new_round(demo: Any) -> None:
    configure(demo)
    drafter = demo.user("chuyenvien")
    doc = draft_submit(actor=drafter, document=new_draft(demo))
    doc = review_approve(actor=demo.user("truongphong"), document=doc, comment="Được")
    with pytest.raises(DomainError, match="ý kiến"):
        review_return(actor=demo.user("lanhdao"), document=doc, comment="  ")
    doc = review_return(actor=demo.user("lanhdao"), document=doc, comment="Bổ sung số liệu quý III")
    assert doc.status == OutStatus.RETURNED and _pending(doc) == []
    with pytest.raises(PermissionDenied):
        review_approve(actor=demo.user("lanhdao"), document=doc)
    doc = draft_submit(actor=drafter, document=doc, note="Đã bổ sung")
    assert doc.review_round == 2 and _pending(doc) == ["truongphong"]
    actions = list(doc.events.values_list("action", flat=True))
    assert actions == [
        OutAction.CREATE,
        OutAction.SUBMIT,
        OutAction.APPROVE,
        OutAction.RETURN,
        OutAction.RESUBMIT,
    ]
    returned = doc.events.get(action=OutAction.RETURN)
    assert returned.note == "Bổ sung số liệu quý III"
    earlier = ReviewStep.objects.filter(document=doc, round=1).order_by("order")
    assert [(s.status, s.comment) for s in earlier] == [
        (StepStatus.APPROVED, "Được"),
        (StepStatus.RETURNED, "Bổ sung số liệu quý III"),
    ]


def test_a_signer_without_the_configured_authority_cannot_be_submitted(demo: Any) -> None:
    configure(demo)
    doc = new_draft(demo, signer=demo.user("truongphong"))
    with pytest.raises(DomainError, match="thẩm quyền ký"):
        draft_submit(actor=demo.user("chuyenvien"), document=doc)
    doc = new_draft(demo, authority=Authority.KT)
    with pytest.raises(DomainError, match="K/T"):
        draft_submit(actor=demo.user("chuyenvien"), document=doc)


def test_a_draft_without_recipients_is_refused(demo: Any) -> None:
    configure(demo)
    with pytest.raises(DomainError, match="nơi nhận"):
        new_draft(demo, recipients=[])


def test_only_the_drafter_submits(demo: Any) -> None:
    configure(demo)
    doc = new_draft(demo)
    with pytest.raises(PermissionDenied):
        draft_submit(actor=demo.user("chuyenvien2"), document=doc)


def test_a_secret_draft_is_refused_on_a_connected_network(demo: Any, settings: Any) -> None:
    settings.NETWORK_ZONE = "connected"
    configure(demo)
    with pytest.raises(DomainError, match="mạng có kết nối"):
        new_draft(demo, secrecy=1)


def test_each_reviewer_is_notified_in_turn_and_the_drafter_on_a_return(
    demo: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from vanphong.notifications.models import Notification

    configure(demo)
    with django_capture_on_commit_callbacks(execute=True):
        doc = draft_submit(actor=demo.user("chuyenvien"), document=new_draft(demo))
    waiting = Notification.objects.get(user=demo.user("truongphong"))
    assert waiting.title.startswith("Dự thảo chờ đồng chí duyệt") and waiting.url.endswith(
        f"/van-ban-di/{doc.pk}/"
    )
    with django_capture_on_commit_callbacks(execute=True):
        review_approve(actor=demo.user("truongphong"), document=doc)
    assert Notification.objects.filter(user=demo.user("lanhdao")).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        review_return(actor=demo.user("lanhdao"), document=doc, comment="Sửa lại")
    assert Notification.objects.get(user=demo.user("chuyenvien")).title.startswith(
        "Dự thảo bị trả lại"
    )

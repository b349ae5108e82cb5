"""The action forms of the detail page: each one works for the right person and is refused
with a Vietnamese message for the wrong one (never a server error)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from vanphong.documents import services
from vanphong.documents.actions import ACTIONS, available_actions
from vanphong.documents.models import (
    Delegation,
    EventAction,
    IncomingDocument,
    Status,
    WorkItem,
    WorkKind,
    WorkStatus,
)

DENIED = "Đồng chí không có quyền thực hiện thao tác này."


def act(demo: Any, username: str, doc: IncomingDocument, slug: str, **data: Any) -> Any:
    url = reverse("documents:action", args=[doc.pk, slug])
    return demo.client(username).post(url, data, follow=True)


def page(response: Any) -> str:
    return response.content.decode()


def fresh(doc: IncomingDocument) -> IncomingDocument:
    return IncomingDocument.objects.get(pk=doc.pk)


def due(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).strftime("%d/%m/%Y")


@pytest.fixture
def registered(demo: Any) -> IncomingDocument:
    return demo.register_incoming(summary="V/v tổ chức hội nghị sơ kết")


@pytest.fixture
def presented(demo: Any, registered: IncomingDocument) -> IncomingDocument:
    services.incoming_present(
        actor=demo.user("vanthu"), document=registered, to=demo.user("lanhdao")
    )
    return fresh(registered)


@pytest.fixture
def routed(demo: Any, presented: IncomingDocument) -> IncomingDocument:
    plan = services.Assignment(
        direction="Phòng Tổng hợp tham mưu",
        lead_unit=demo.unit("Phòng Tổng hợp"),
        due_date=dt.date.today() + dt.timedelta(days=7),
    )
    services.incoming_route(actor=demo.user("lanhdao"), document=presented, plan=plan)
    return fresh(presented)


@pytest.fixture
def assigned(demo: Any, routed: IncomingDocument) -> IncomingDocument:
    services.incoming_assign_handler(
        actor=demo.user("truongphong"), document=routed, handler=demo.user("chuyenvien")
    )
    return fresh(routed)


@pytest.fixture
def completed(demo: Any, assigned: IncomingDocument) -> IncomingDocument:
    services.incoming_complete(actor=demo.user("chuyenvien"), document=assigned, note="Xong")
    return fresh(assigned)


def test_the_clerk_presents_a_document_to_a_leader(demo, registered):
    response = act(
        demo, "vanthu", registered, "present", to=demo.user("lanhdao").pk, note="Kính trình"
    )
    assert "Đã trình lãnh đạo." in page(response)
    doc = fresh(registered)
    assert doc.status == Status.PRESENTED and doc.presented_to == demo.user("lanhdao")


def test_the_present_form_offers_only_leaders_who_route(demo, registered):
    html = page(demo.client("vanthu").get(reverse("documents:detail", args=[registered.pk])))
    assert "Phạm Văn Đức — Chánh Văn phòng Tỉnh ủy" in html
    assert "Bùi Thị Ngọc Ánh" not in html.split('id="act-present"')[1].split("</form>")[0]


def test_presenting_to_someone_who_does_not_route_is_a_form_error(demo, registered):
    response = act(demo, "vanthu", registered, "present", to=demo.user("chuyenvien").pk)
    assert "Người được chọn không hợp lệ." in page(response)
    assert fresh(registered).status == Status.REGISTERED


def test_a_leader_may_not_present_in_the_clerks_place(demo, registered):
    response = act(demo, "lanhdao", registered, "present", to=demo.user("lanhdao").pk)
    assert DENIED in page(response)
    assert fresh(registered).status == Status.REGISTERED


def test_the_leader_returns_a_presented_document_to_the_clerk(demo, presented):
    response = act(demo, "lanhdao", presented, "return_to_clerk", note="Thiếu phụ lục")
    assert "Đã trả lại văn thư." in page(response)
    assert fresh(presented).status == Status.REGISTERED


def test_returning_to_the_clerk_needs_a_reason(demo, presented):
    response = act(demo, "lanhdao", presented, "return_to_clerk", note="")
    assert "Vui lòng nhập lý do trả lại." in page(response)
    assert 'class="collapse show" id="act-return_to_clerk"' in page(response)
    assert fresh(presented).status == Status.PRESENTED


def test_the_clerk_may_not_return_a_document_to_themselves(demo, presented):
    response = act(demo, "vanthu", presented, "return_to_clerk", note="Thử")
    assert DENIED in page(response)
    assert fresh(presented).status == Status.PRESENTED


def test_the_leader_routes_to_a_lead_unit_with_co_handlers_readers_and_a_deadline(demo, presented):
    response = act(
        demo,
        "lanhdao",
        presented,
        "route",
        direction="Giao Phòng Tổng hợp chủ trì, báo cáo trước ngày họp",
        lead_unit=demo.unit("Phòng Tổng hợp").pk,
        co_units=[demo.unit("Phòng Đảng vụ").pk],
        info_users=[demo.user("tphcl").pk],
        due_date=due(10),
    )
    assert "Đã giao xử lý văn bản." in page(response)
    doc = fresh(presented)
    assert doc.status == Status.ASSIGNED and doc.lead_unit == demo.unit("Phòng Tổng hợp")
    assert doc.due_date == dt.date.today() + dt.timedelta(days=10)
    kinds = set(doc.work_items.values_list("user__username", "kind"))
    assert {("truongphong", "lead_unit"), ("tpdv", "co"), ("tphcl", "info")} <= kinds


def test_routing_to_a_unit_and_a_person_at_once_is_refused(demo, presented):
    response = act(
        demo,
        "lanhdao",
        presented,
        "route",
        lead_unit=demo.unit("Phòng Tổng hợp").pk,
        lead_user=demo.user("chuyenvien").pk,
    )
    assert "Chọn một đơn vị chủ trì hoặc một người chủ trì (chỉ một trong hai)." in page(response)
    assert fresh(presented).status == Status.PRESENTED


def test_a_clerk_may_not_route(demo, presented):
    response = act(demo, "vanthu", presented, "route", lead_unit=demo.unit("Phòng Tổng hợp").pk)
    assert DENIED in page(response)
    assert fresh(presented).status == Status.PRESENTED


def test_the_leader_reassigns_to_a_person_and_the_form_starts_from_the_current_decision(
    demo, routed
):
    detail = page(demo.client("lanhdao").get(reverse("documents:detail", args=[routed.pk])))
    reassign = detail.split('id="act-reassign"')[1].split("</form>")[0]
    assert "Phòng Tổng hợp tham mưu" in reassign  # the direction is prefilled
    response = act(
        demo, "lanhdao", routed, "reassign", lead_user=demo.user("chuyenvien2").pk, due_date=due(5)
    )
    assert "Đã giao lại văn bản." in page(response)
    doc = fresh(routed)
    assert doc.lead_user == demo.user("chuyenvien2") and doc.handler == demo.user("chuyenvien2")


def test_the_head_of_the_lead_unit_assigns_a_specialist(demo, routed):
    response = act(
        demo, "truongphong", routed, "assign_handler", handler=demo.user("chuyenvien").pk
    )
    assert "Đã phân công chuyên viên xử lý." in page(response)
    doc = fresh(routed)
    assert doc.status == Status.IN_PROGRESS and doc.handler == demo.user("chuyenvien")


def test_a_specialist_may_not_assign_the_handler(demo, assigned):
    response = act(
        demo, "chuyenvien", assigned, "assign_handler", handler=demo.user("chuyenvien2").pk
    )
    assert DENIED in page(response)
    assert fresh(assigned).handler == demo.user("chuyenvien")


def test_the_lead_unit_forwards_to_another_unit_with_a_reason(demo, routed):
    response = act(
        demo,
        "truongphong",
        routed,
        "forward",
        to_unit=demo.unit("Phòng Đảng vụ").pk,
        note="Thuộc lĩnh vực Phòng Đảng vụ",
    )
    assert "Đã chuyển văn bản sang đơn vị khác." in page(response)
    assert fresh(routed).lead_unit == demo.unit("Phòng Đảng vụ")


def test_forwarding_needs_a_reason(demo, routed):
    response = act(
        demo, "truongphong", routed, "forward", to_unit=demo.unit("Phòng Đảng vụ").pk, note=""
    )
    assert "Vui lòng nhập lý do chuyển." in page(response)
    assert fresh(routed).lead_unit == demo.unit("Phòng Tổng hợp")


def test_the_handler_takes_the_document_up(demo, assigned):
    response = act(demo, "chuyenvien", assigned, "start")
    assert "Đã nhận xử lý văn bản." in page(response)
    item = WorkItem.objects.get(document=assigned, kind=WorkKind.HANDLE)
    assert item.status == WorkStatus.ACTIVE
    # once taken up, "Nhận xử lý" is no longer offered
    assert "start" not in [s.slug for s in available_actions(demo.user("chuyenvien"), assigned)]


def test_someone_else_may_not_take_the_document_up(demo, assigned):
    response = act(demo, "truongphong", assigned, "start")
    assert DENIED in page(response)


def test_the_handler_reports_progress_with_a_file(demo, assigned, make_pdf):
    response = act(
        demo,
        "chuyenvien",
        assigned,
        "progress",
        note="Đã dự thảo báo cáo",
        attachments=make_pdf("du-thao.pdf"),
    )
    assert "Đã cập nhật tiến độ." in page(response)
    assert [f.name for f in fresh(assigned).files.all()] == ["du-thao.pdf"]
    assert "Đã dự thảo báo cáo" in page(response)  # shown in the timeline


def test_progress_needs_a_note(demo, assigned):
    response = act(demo, "chuyenvien", assigned, "progress", note="")
    assert "Vui lòng nhập nội dung tiến độ." in page(response)


def test_the_clerk_may_not_report_progress(demo, assigned):
    response = act(demo, "vanthu", assigned, "progress", note="Thử")
    assert DENIED in page(response)
    assert not fresh(assigned).events.filter(action=EventAction.PROGRESS).exists()


def test_a_co_handler_finishes_their_part(demo, presented):
    plan = services.Assignment(
        lead_user=demo.user("chuyenvien"), co_users=[demo.user("chuyenvien2")]
    )
    services.incoming_route(actor=demo.user("lanhdao"), document=presented, plan=plan)
    response = act(demo, "chuyenvien2", presented, "co_done", note="Đã góp ý")
    assert "Đã hoàn thành phần phối hợp." in page(response)
    item = WorkItem.objects.get(document=presented, kind=WorkKind.CO)
    assert item.status == WorkStatus.DONE
    again = act(demo, "chuyenvien2", presented, "co_done", note="Lần nữa")
    assert "không còn việc nào của đồng chí" in page(again)


def test_the_handler_is_not_a_co_handler(demo, assigned):
    response = act(demo, "chuyenvien", assigned, "co_done", note="Thử")
    assert DENIED in page(response)


def test_the_handler_completes_with_a_reply_reference(demo, assigned):
    response = act(
        demo,
        "chuyenvien",
        assigned,
        "complete",
        note="Đã trình văn bản trả lời",
        reply_reference="45-CV/VPTU",
    )
    assert "Đã báo cáo hoàn thành" in page(response)
    doc = fresh(assigned)
    assert doc.status == Status.DONE and doc.reply_reference == "45-CV/VPTU"
    assert WorkItem.objects.filter(document=doc, user=demo.user("lanhdao"), kind="review").exists()


def test_the_unit_head_may_not_complete_in_the_handlers_place(demo, assigned):
    response = act(demo, "truongphong", assigned, "complete", note="Thử")
    assert DENIED in page(response)
    assert fresh(assigned).status == Status.IN_PROGRESS


def test_completing_before_a_handler_is_assigned_explains_why(demo, routed):
    response = act(demo, "chuyenvien", routed, "complete")
    assert response.status_code == 404  # not a participant yet: the document is not visible
    response = act(demo, "truongphong", routed, "complete")
    assert "chỉ hoàn thành được văn bản đã phân công người xử lý" in page(response)


def test_the_leader_returns_a_result_for_more_work(demo, completed):
    response = act(demo, "lanhdao", completed, "return", note="Bổ sung số liệu quý III")
    assert "Đã trả lại để xử lý tiếp." in page(response)
    assert fresh(completed).status == Status.IN_PROGRESS


def test_the_handler_may_not_return_their_own_result(demo, completed):
    response = act(demo, "chuyenvien", completed, "return", note="Thử")
    assert DENIED in page(response)
    assert fresh(completed).status == Status.DONE


def test_the_leader_extends_the_deadline(demo, routed):
    response = act(demo, "lanhdao", routed, "extend", due_date=due(20), note="Chờ số liệu")
    assert "Đã gia hạn xử lý." in page(response)
    assert fresh(routed).due_date == dt.date.today() + dt.timedelta(days=20)


def test_an_earlier_deadline_is_refused_with_the_services_message(demo, routed):
    response = act(demo, "lanhdao", routed, "extend", due_date=due(2), note="Rút ngắn")
    assert "Hạn mới phải sau hạn hiện tại." in page(response)
    assert fresh(routed).due_date == dt.date.today() + dt.timedelta(days=7)


def test_a_unit_head_may_not_extend(demo, routed):
    response = act(demo, "truongphong", routed, "extend", due_date=due(20), note="Xin gia hạn")
    assert DENIED in page(response)


def test_the_leader_closes_a_completed_document(demo, completed):
    response = act(demo, "lanhdao", completed, "close", note="Lưu hồ sơ")
    assert "Đã kết thúc xử lý văn bản." in page(response)
    assert fresh(completed).status == Status.CLOSED


def test_the_clerk_may_not_close(demo, completed):
    response = act(demo, "vanthu", completed, "close")
    assert DENIED in page(response)
    assert fresh(completed).status == Status.DONE


def test_the_clerk_cancels_a_registration_with_a_reason(demo, registered):
    response = act(demo, "vanthu", registered, "cancel", reason="Vào sổ nhầm cơ quan gửi")
    assert "Đã hủy vào sổ." in page(response)
    doc = fresh(registered)
    assert doc.status == Status.CANCELLED and doc.cancel_reason == "Vào sổ nhầm cơ quan gửi"


def test_cancelling_needs_a_reason(demo, registered):
    response = act(demo, "vanthu", registered, "cancel", reason="")
    assert "Vui lòng ghi lý do hủy vào sổ." in page(response)
    assert fresh(registered).status == Status.REGISTERED


def test_a_routed_document_can_no_longer_be_cancelled(demo, routed):
    response = act(demo, "vanthu", routed, "cancel", reason="Nhầm")
    assert "chỉ hủy được văn bản chưa giao xử lý" in page(response)
    assert fresh(routed).status == Status.ASSIGNED


def test_the_clerk_corrects_the_summary_before_routing(demo, registered):
    response = act(
        demo,
        "vanthu",
        registered,
        "edit",
        summary="V/v tổ chức hội nghị tổng kết",
        urgency="1",
        signer_name=registered.signer_name,  # the form comes prefilled
    )
    assert "Đã cập nhật thông tin văn bản." in page(response)
    doc = fresh(registered)
    assert doc.summary == "V/v tổ chức hội nghị tổng kết" and doc.urgency == 1
    assert "Sửa: trích yếu, độ khẩn" in page(response)  # the timeline names what changed


def test_editing_after_routing_is_refused(demo, routed):
    response = act(demo, "vanthu", routed, "edit", summary="Sửa sau khi giao", urgency="0")
    assert "chỉ sửa được thông tin văn bản chưa giao xử lý" in page(response)
    assert fresh(routed).summary == "V/v tổ chức hội nghị sơ kết"


def test_a_reader_marks_a_document_for_information_as_read(demo, presented):
    plan = services.Assignment(
        lead_unit=demo.unit("Phòng Tổng hợp"), info_users=[demo.user("tphcl")]
    )
    services.incoming_route(actor=demo.user("lanhdao"), document=presented, plan=plan)
    detail = page(demo.client("tphcl").get(reverse("documents:detail", args=[presented.pk])))
    assert 'data-testid="info-read"' in detail
    response = act(demo, "tphcl", presented, "read")
    assert "Đã đánh dấu đã xem." in page(response)
    item = WorkItem.objects.get(document=presented, kind=WorkKind.INFO)
    assert item.status == WorkStatus.DONE
    assert 'data-testid="info-read"' not in page(response)


def test_someone_not_sent_the_document_for_information_cannot_mark_it_read(demo, routed):
    response = act(demo, "truongphong", routed, "read")
    assert DENIED in page(response)


def test_actions_accept_only_post_and_known_slugs(demo, registered):
    client = demo.client("vanthu")
    assert (
        client.get(reverse("documents:action", args=[registered.pk, "present"])).status_code == 405
    )
    assert client.post(reverse("documents:action", args=[registered.pk, "xoa"])).status_code == 404


def test_an_invisible_document_is_not_found_for_actions(demo, registered):
    response = demo.client("chuyenvien").post(
        reverse("documents:action", args=[registered.pk, "cancel"]), {"reason": "x"}
    )
    assert response.status_code == 404
    assert fresh(registered).status == Status.REGISTERED


def test_the_page_shows_only_the_actions_the_person_may_take(demo, routed):
    def slugs(username: str) -> list[str]:
        return [s.slug for s in available_actions(demo.user(username), fresh(routed))]

    assert slugs("truongphong") == ["assign_handler", "progress", "forward"]
    assert "route" not in slugs("lanhdao") and "reassign" in slugs("lanhdao")
    assert slugs("vanthu") == []
    html = page(demo.client("vanthu").get(reverse("documents:detail", args=[routed.pk])))
    assert 'data-testid="actions"' not in html


def test_every_action_slug_has_a_form_and_a_service(demo):
    assert set(ACTIONS) == {
        "present",
        "return_to_clerk",
        "route",
        "reassign",
        "assign_handler",
        "forward",
        "start",
        "progress",
        "co_done",
        "complete",
        "return",
        "extend",
        "close",
        "cancel",
        "edit",
        "read",
    }


# --- delegations --------------------------------------------------------------------------

DELEGATIONS = reverse("documents:delegations")


def test_a_leader_delegates_routing_to_a_deputy_who_then_sees_it(demo):
    start, end = dt.date.today(), dt.date.today() + dt.timedelta(days=5)
    response = demo.client("lanhdao").post(
        DELEGATIONS,
        {
            "to_user": demo.user("phochanh").pk,
            "start_date": start.strftime("%d/%m/%Y"),
            "end_date": end.strftime("%d/%m/%Y"),
            "note": "Đi công tác",
        },
        follow=True,
    )
    assert "Đã ủy quyền cho Hoàng Minh Tuấn." in page(response)
    delegation = Delegation.objects.get()
    assert delegation.from_user == demo.user("lanhdao") and delegation.end_date == end
    received = page(demo.client("phochanh").get(DELEGATIONS))
    assert "Thay <strong>Phạm Văn Đức</strong>" in received and "Đang hiệu lực" in received


def test_an_end_before_the_start_is_refused(demo):
    response = demo.client("lanhdao").post(
        DELEGATIONS,
        {"to_user": demo.user("phochanh").pk, "start_date": due(5), "end_date": due(1)},
    )
    assert "Ngày kết thúc phải sau ngày bắt đầu." in page(response)
    assert not Delegation.objects.exists()


def test_the_leader_revokes_a_delegation(demo):
    delegation = services.delegation_create(
        actor=demo.user("lanhdao"),
        to_user=demo.user("phochanh"),
        start_date=dt.date.today(),
        end_date=dt.date.today() + dt.timedelta(days=3),
    )
    response = demo.client("lanhdao").post(DELEGATIONS, {"revoke": delegation.pk}, follow=True)
    assert "Đã thu hồi ủy quyền." in page(response)
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_someone_else_cannot_revoke_a_delegation(demo):
    delegation = services.delegation_create(
        actor=demo.user("lanhdao"),
        to_user=demo.user("phochanh"),
        start_date=dt.date.today(),
        end_date=dt.date.today() + dt.timedelta(days=3),
    )
    response = demo.client("phochanh").post(DELEGATIONS, {"revoke": delegation.pk})
    assert response.status_code == 404
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_a_specialist_cannot_delegate(demo):
    client = demo.client("chuyenvien")
    assert "Ủy quyền mới" not in page(client.get(DELEGATIONS))
    response = client.post(
        DELEGATIONS,
        {"to_user": demo.user("chuyenvien2").pk, "start_date": due(0), "end_date": due(3)},
        follow=True,
    )
    assert "Chỉ lãnh đạo văn phòng hoặc Thường trực được ủy quyền" in page(response)
    assert not Delegation.objects.exists()


def test_a_delegate_routes_on_behalf_of_the_leader_and_the_timeline_says_so(demo, presented):
    services.delegation_create(
        actor=demo.user("lanhdao"),
        to_user=demo.user("chuyenvien3"),
        start_date=dt.date.today(),
        end_date=dt.date.today() + dt.timedelta(days=3),
    )
    response = act(
        demo, "chuyenvien3", presented, "route", lead_unit=demo.unit("Phòng Tổng hợp").pk
    )
    assert "Đã giao xử lý văn bản." in page(response)
    assert "(thay Phạm Văn Đức, theo ủy quyền)" in page(response)

"""The foundation and the incoming workflow hold together end to end through the services."""

from __future__ import annotations

from vanphong.core.audit import audit_verify
from vanphong.documents import services
from vanphong.documents.models import Status


def test_a_document_goes_from_registration_to_closed_through_four_people(demo, make_pdf):
    doc = demo.register_incoming(files=[make_pdf()])
    assert doc.arrival_number == 1 and doc.status == Status.REGISTERED
    services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    plan = services.Assignment(
        direction="Phòng Tổng hợp tham mưu", lead_unit=demo.unit("Phòng Tổng hợp")
    )
    services.incoming_route(actor=demo.user("lanhdao"), document=doc, plan=plan)
    services.incoming_assign_handler(
        actor=demo.user("truongphong"), document=doc, handler=demo.user("chuyenvien")
    )
    services.incoming_progress(actor=demo.user("chuyenvien"), document=doc, note="Đang dự thảo")
    services.incoming_complete(actor=demo.user("chuyenvien"), document=doc, note="Đã xong")
    doc = services.incoming_close(actor=demo.user("lanhdao"), document=doc)
    assert doc.status == Status.CLOSED
    assert [e.action for e in doc.events.order_by("id")] == [
        "register",
        "present",
        "route",
        "assign_handler",
        "progress",
        "complete",
        "close",
    ]
    assert audit_verify().ok


def test_the_dashboard_greets_the_clerk_with_real_counts(demo):
    demo.register_incoming()
    response = demo.client("vanthu").get("/")
    assert response.status_code == 200
    assert "Xin chào, Nguyễn Thị Thu Hà" in response.content.decode()

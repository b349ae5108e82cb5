"""The bell: notifications on routing, daily deadline reminders, reading them, email."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from vanphong.documents import services
from vanphong.documents.tasks import send_deadline_reminders
from vanphong.notifications.models import Notification
from vanphong.notifications.services import notification_send, notification_send_many

TODAY = dt.date.today()


def _titles(username: str) -> list[str]:
    return list(
        Notification.objects.filter(user__username=username)
        .order_by("id")
        .values_list("title", flat=True)
    )


def _route(demo, django_capture_on_commit_callbacks, **plan):
    doc = demo.register_incoming()
    with django_capture_on_commit_callbacks(execute=True):
        services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    with django_capture_on_commit_callbacks(execute=True):
        services.incoming_route(
            actor=demo.user("lanhdao"), document=doc, plan=services.Assignment(**plan)
        )
    return doc


# --- sent by the workflow -----------------------------------------------------------------


def test_routing_a_document_notifies_the_heads_of_the_lead_unit(
    demo, django_capture_on_commit_callbacks
):
    doc = _route(demo, django_capture_on_commit_callbacks, lead_unit=demo.unit("Phòng Tổng hợp"))
    expected = f"Được giao văn bản đến số {doc.arrival_number}: {doc.code_notation}"
    for head in ("truongphong", "phophong"):
        note = Notification.objects.get(user__username=head)
        assert (note.title, note.kind) == (expected, "assignment")
        assert note.url == f"/van-ban-den/{doc.pk}/"
    assert _titles("chuyenvien") == []


def test_presenting_a_document_notifies_the_leader(demo, django_capture_on_commit_callbacks):
    doc = demo.register_incoming()
    with django_capture_on_commit_callbacks(execute=True):
        services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    assert _titles("lanhdao") == [f"Văn bản đến số {doc.arrival_number} chờ ý kiến chỉ đạo"]


def test_routing_to_a_person_notifies_that_person_and_the_readers(
    demo, django_capture_on_commit_callbacks
):
    doc = _route(
        demo,
        django_capture_on_commit_callbacks,
        lead_user=demo.user("chuyenvien"),
        info_users=[demo.user("tphcl")],
    )
    assert _titles("chuyenvien") == [
        f"Được giao văn bản đến số {doc.arrival_number}: {doc.code_notation}"
    ]
    assert len(_titles("tphcl")) == 1


def test_no_notification_goes_out_before_the_transaction_commits(
    demo, django_capture_on_commit_callbacks
):
    doc = demo.register_incoming()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    assert not Notification.objects.exists()
    for callback in callbacks:  # what the commit would run
        callback()
    assert len(_titles("lanhdao")) == 1


# --- daily deadline reminders -------------------------------------------------------------


@pytest.fixture
def due_soon(demo, django_capture_on_commit_callbacks):
    """A document handled by chuyenvien, due in two days; a far one for Phòng Đảng vụ."""
    near = _route(
        demo,
        django_capture_on_commit_callbacks,
        lead_user=demo.user("chuyenvien"),
        info_users=[demo.user("tphcl")],
        due_date=TODAY + dt.timedelta(days=2),
    )
    _route(
        demo,
        django_capture_on_commit_callbacks,
        lead_unit=demo.unit("Phòng Đảng vụ"),
        due_date=TODAY + dt.timedelta(days=30),
    )
    Notification.objects.all().delete()  # keep only what the reminders send
    return near


def test_an_approaching_deadline_reminds_the_handler_only(demo, due_soon):
    assert send_deadline_reminders(TODAY) == 1
    note = Notification.objects.get()
    assert note.user.username == "chuyenvien"
    assert note.kind == "deadline"
    due = TODAY + dt.timedelta(days=2)
    assert note.title == (
        f"Sắp đến hạn xử lý văn bản đến số {due_soon.arrival_number} (hạn {due:%d/%m/%Y})"
    )
    assert note.url == f"/van-ban-den/{due_soon.pk}/"


def test_a_passed_deadline_is_reported_as_overdue(demo, due_soon):
    later = TODAY + dt.timedelta(days=5)
    assert send_deadline_reminders(later) == 1
    note = Notification.objects.get()
    assert note.kind == "overdue"
    assert note.title.startswith(f"Quá hạn xử lý văn bản đến số {due_soon.arrival_number}")


def test_running_the_reminders_twice_the_same_day_sends_nothing_twice(demo, due_soon):
    assert send_deadline_reminders(TODAY) == 1
    assert send_deadline_reminders(TODAY) == 0
    assert Notification.objects.count() == 1
    assert send_deadline_reminders(TODAY + dt.timedelta(days=1)) == 1
    assert Notification.objects.count() == 2


def test_a_finished_document_is_not_reminded(demo, due_soon):
    services.incoming_complete(actor=demo.user("chuyenvien"), document=due_soon)
    assert send_deadline_reminders(TODAY + dt.timedelta(days=5)) == 0


def test_the_reminders_command_prints_how_many_were_sent(demo, due_soon):
    out = io.StringIO()
    call_command("reminders", stdout=out)
    assert out.getvalue().strip() == f"Đã gửi 1 thông báo nhắc hạn xử lý (ngày {TODAY:%d/%m/%Y})."
    later = TODAY + dt.timedelta(days=40)
    out = io.StringIO()
    call_command("reminders", "--ngay", f"{later:%d/%m/%Y}", stdout=out)
    assert out.getvalue().startswith("Đã gửi 2 thông báo")  # chuyenvien and the Đảng vụ head


# --- reading them -------------------------------------------------------------------------


def _notes(demo, username: str, count: int) -> list[Notification]:
    user = demo.user(username)
    return [
        notification_send(
            user_ids=[user.pk], title=f"Thông báo thử số {n}", kind="assignment", url="/"
        )[0]
        for n in range(count)
    ]


def test_the_bell_shows_the_unread_count(demo):
    _notes(demo, "chuyenvien", 3)
    page = demo.client("chuyenvien").get("/").content.decode()
    assert 'data-testid="bell-count">3<' in page


def test_the_bell_caps_a_long_backlog_at_99_plus(demo):
    _notes(demo, "chuyenvien", 101)
    page = demo.client("chuyenvien").get("/").content.decode()
    assert 'data-testid="bell-count">99+<' in page


def test_the_list_shows_only_ones_own_notifications(demo):
    _notes(demo, "chuyenvien", 2)
    _notes(demo, "chuyenvien2", 1)
    page = demo.client("chuyenvien2").get("/thong-bao/").content.decode()
    assert page.count('data-testid="notification"') == 1
    unread = demo.client("chuyenvien").get("/thong-bao/?chua_doc=1").content.decode()
    assert unread.count('data-testid="notification"') == 2


def test_marking_one_read_leaves_the_others_and_other_peoples_alone(demo):
    mine = _notes(demo, "chuyenvien", 2)
    theirs = _notes(demo, "chuyenvien2", 1)[0]
    client = demo.client("chuyenvien")
    response = client.post("/thong-bao/da-doc/", {"id": mine[0].pk})
    assert response.status_code == 302
    client.post("/thong-bao/da-doc/", {"id": theirs.pk})
    read = dict(Notification.objects.values_list("pk", "read_at"))
    assert read[mine[0].pk] is not None
    assert read[mine[1].pk] is None
    assert read[theirs.pk] is None


def test_marking_all_read_clears_the_bell(demo):
    _notes(demo, "chuyenvien", 3)
    client = demo.client("chuyenvien")
    client.post("/thong-bao/da-doc/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert 'data-testid="bell-count"' not in client.get("/").content.decode()


def test_marking_read_is_never_done_by_a_get(demo):
    _notes(demo, "chuyenvien", 1)
    assert demo.client("chuyenvien").get("/thong-bao/da-doc/").status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_htmx_marking_one_read_returns_the_item_and_the_new_count(demo):
    notes = _notes(demo, "chuyenvien", 2)
    response = demo.client("chuyenvien").post(
        "/thong-bao/da-doc/", {"id": notes[0].pk}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert f'id="notification-{notes[0].pk}"' in body
    assert "đã đọc" in body
    assert 'id="vp-bell-count" hx-swap-oob="true"' in body
    assert 'data-testid="bell-count">1<' in body


def test_the_dropdown_lists_the_latest_notifications(demo):
    _notes(demo, "chuyenvien", 10)
    body = demo.client("chuyenvien").get("/thong-bao/moi/").content.decode()
    assert body.count('data-testid="bell-item"') == 8
    assert "Thông báo thử số 9" in body and "Thông báo thử số 1<" not in body
    assert "Xem tất cả thông báo" in body


def test_opening_a_notification_marks_it_read_and_follows_its_link(
    demo, django_capture_on_commit_callbacks
):
    doc = _route(demo, django_capture_on_commit_callbacks, lead_user=demo.user("chuyenvien"))
    note = Notification.objects.get(user__username="chuyenvien")
    response = demo.client("chuyenvien").post(f"/thong-bao/{note.pk}/mo/")
    assert response["Location"] == f"/van-ban-den/{doc.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_one_cannot_open_someone_elses_notification(demo):
    theirs = _notes(demo, "chuyenvien2", 1)[0]
    response = demo.client("chuyenvien").post(f"/thong-bao/{theirs.pk}/mo/")
    assert response["Location"] == "/thong-bao/"
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- email --------------------------------------------------------------------------------


def test_an_email_goes_out_with_a_link_when_smtp_is_configured(demo, settings):
    settings.EMAIL_ENABLED = True
    settings.SITE_URL = "https://vanphong.tinhuy.example"
    user = demo.user("chuyenvien")
    note = notification_send(
        user_ids=[user.pk], title="Được giao văn bản đến số 7", kind="assignment", url="/x/"
    )[0]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["chuyenvien@demo.vanphong.local"]
    assert message.subject == "[Văn phòng điện tử] Được giao văn bản đến số 7"
    assert "Xem chi tiết: https://vanphong.tinhuy.example/x/" in message.body
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_many_notices_are_written_at_once_to_the_active_users_only_and_emailed(demo, settings):
    settings.EMAIL_ENABLED = True
    clerk, officer = demo.user("vanthu"), demo.user("chuyenvien")
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    notes = notification_send_many(
        notices=[
            ([clerk.pk, officer.pk], "Văn bản điện tử đến 1", "/lien-thong/den/1/"),
            ([clerk.pk], "Văn bản 2", ""),
        ],
        kind="exchange",
    )
    assert [n.pk for n in notes] == list(
        Notification.objects.order_by("id").values_list("id", flat=True)
    )
    assert _titles("vanthu") == ["Văn bản điện tử đến 1", "Văn bản 2"]
    assert _titles("chuyenvien") == []
    assert [n.url for n in notes] == ["/lien-thong/den/1/", ""]
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_no_email_without_smtp(demo, settings):
    settings.EMAIL_ENABLED = False
    _notes(demo, "chuyenvien", 1)
    assert mail.outbox == []


def test_a_failing_mail_server_does_not_lose_the_notification(demo, settings, monkeypatch):
    settings.EMAIL_ENABLED = True

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP không trả lời")

    monkeypatch.setattr("vanphong.notifications.services.send_mail", refuse)
    note = _notes(demo, "chuyenvien", 1)[0]
    note.refresh_from_db()
    assert note.emailed_at is None
    assert Notification.objects.count() == 1


def test_a_repeated_dedupe_key_emails_only_once(demo, settings):
    settings.EMAIL_ENABLED = True
    user = demo.user("chuyenvien")
    for _ in range(2):
        notification_send(user_ids=[user.pk], title="Nhắc hạn", kind="deadline", dedupe_key="k1")
    assert len(mail.outbox) == 1

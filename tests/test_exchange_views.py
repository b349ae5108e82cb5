"""Exchange pages without a browser: the inbox endpoint over HTTP, the văn thư's list with its
navigation count, accept and refuse, the directory (import/export, admin only), the message log
export (XLSX, CSV), the status timeline on the outgoing page, and the API."""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tests import exchange_support
from tests.conftest import pdf_bytes
from tests.exchange_support import Net, issue_to
from tests.outgoing_support import approved_draft
from vanphong.core.services import api_token_create
from vanphong.drafting.services import outgoing_issue
from vanphong.exchange.models import Arrival, ArrivalState, Message, Peer, State

node_dir, node, net = exchange_support.node_dir, exchange_support.node, exchange_support.net


def test_the_inbox_answers_over_http_and_refuses_what_it_cannot_take(net: Net) -> None:
    issue_to(net.demo, "btctu")
    body = bytes(Message.objects.get(direction="out").body or b"")
    client = net.transport.client
    url = reverse("exchange:inbox")
    assert client.get(url).status_code == 405
    wrong = client.post(url, data=b"{}", content_type="application/json")
    assert wrong.status_code == 415 and "XML" in wrong.json()["message"]
    answer = client.post(url, data=body, content_type="application/xml")
    assert answer.status_code == 200 and answer.json()["receipt"]["from"] == "000.00.01.T45"
    again = client.post(url, data=body, content_type="application/xml")
    assert again.content == answer.content
    broken = client.post(url, data=b"<edXML", content_type="application/xml")
    assert broken.status_code == 400 and broken.json()["error"] == "malformed"


def test_the_clerk_sees_the_arrival_counted_and_accepts_it(net: Net) -> None:
    issue_to(net.demo, "btctu")
    net.deliver()
    arrival = Arrival.objects.get()
    clerk = net.demo.client("vanthubtc")
    page = clerk.get(reverse("exchange:pending"))
    assert page.status_code == 200
    html = page.content.decode()
    assert arrival.code_notation in html and 'data-testid="exchange-count">1<' in html
    other = net.demo.client("vanthu")  # another organisation's clerk sees nothing of it
    assert arrival.code_notation not in other.get(reverse("exchange:pending")).content.decode()
    assert other.get(reverse("exchange:arrival", args=[arrival.pk])).status_code == 404
    detail = clerk.get(reverse("exchange:arrival", args=[arrival.pk]))
    assert "Tiếp nhận, vào sổ văn bản đến" in detail.content.decode()
    file_id = arrival.files.get().pk
    pdf = clerk.get(reverse("exchange:arrival_file", args=[arrival.pk, file_id]))
    assert b"".join(pdf.streaming_content)[:5] == b"%PDF-"  # type: ignore[attr-defined]
    doc_type = net.demo.doc_type().pk
    done = clerk.post(
        reverse("exchange:arrival_action", args=[arrival.pk, "tiep-nhan"]),
        {"doc_type": doc_type, "due_date": "", "duplicate_reason": ""},
    )
    arrival.refresh_from_db()
    assert arrival.state == ArrivalState.ACCEPTED
    assert done.status_code == 302 and done["Location"].endswith(f"/{arrival.incoming_id}/")


def test_the_clerk_refuses_with_a_reason(net: Net) -> None:
    issue_to(net.demo, "btctu")
    net.deliver()
    arrival = Arrival.objects.get()
    clerk = net.demo.client("vanthubtc")
    url = reverse("exchange:arrival_action", args=[arrival.pk, "tu-choi"])
    clerk.post(url, {"reason": ""})
    arrival.refresh_from_db()
    assert arrival.state == ArrivalState.PENDING  # a reason is required
    clerk.post(url, {"reason": "Không thuộc thẩm quyền"})
    arrival.refresh_from_db()
    assert arrival.state == ArrivalState.REFUSED
    assert Message.objects.filter(direction="out", status_code="02").exists()


def test_the_directory_is_for_administrators_and_round_trips_as_a_file(net: Net) -> None:
    assert net.demo.client("vanthu").get(reverse("exchange:directory")).status_code == 403
    admin = net.demo.client("admin")
    page = admin.get(reverse("exchange:directory"))
    assert page.status_code == 200 and "000.00.02.T45" in page.content.decode()
    exported = admin.get(reverse("exchange:directory_export"))
    document = json.loads(exported.content)
    assert document["format"] == "vanphong-exchange-directory"
    assert {e["identifier"] for e in document["entries"]} == {"000.00.01.T45", "000.00.02.T45"}
    Peer.objects.all().delete()
    document["entries"].append(
        {
            "identifier": "000.00.00.HUB",
            "name": "Trục liên thông tỉnh",
            "is_hub": True,
            "inbox_url": "http://truc.lan:8000/lien-thong/inbox/",
        }
    )
    document["entries"][0]["via_hub"] = "000.00.00.HUB"
    upload = SimpleUploadedFile("danh-ba.json", json.dumps(document).encode(), "application/json")
    admin.post(reverse("exchange:directory_import"), {"file": upload})
    assert Peer.objects.count() == 3
    assert Peer.objects.get(identifier=document["entries"][0]["identifier"]).via_hub is not None
    bad = SimpleUploadedFile("x.json", b'{"entries": []}', "application/json")
    response = admin.post(reverse("exchange:directory_import"), {"file": bad}, follow=True)
    assert "không phải danh bạ liên thông" in response.content.decode()
    node_file = json.loads(admin.get(reverse("exchange:node_entries")).content)
    assert node_file["entries"][0]["inbox_url"] == "http://testserver/lien-thong/inbox/"


def test_the_message_log_exports_xlsx_and_csv(net: Net) -> None:
    issue_to(net.demo, "btctu")
    net.deliver()
    admin = net.demo.client("admin")
    page = admin.get(reverse("exchange:log"), {"chieu": "out"})
    assert page.status_code == 200 and "000.00.02.T45" in page.content.decode()
    xlsx = admin.get(reverse("exchange:log_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][9] == "SHA-256" and len(rows) == 1 + Message.objects.count()
    assert {r[9] for r in rows[1:]} == set(Message.objects.values_list("sha256", flat=True))
    csv = admin.get(reverse("exchange:log_export", args=["csv"]), {"chieu": "in"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert text.splitlines()[0].startswith("Mã,Thời điểm")
    assert len(text.splitlines()) == 1 + Message.objects.filter(direction="in").count()
    assert net.demo.client("chuyenvien").get(reverse("exchange:log")).status_code == 403
    sent = Message.objects.get(direction="out", kind="document")
    detail = admin.get(reverse("exchange:message", args=[sent.pk])).content.decode()
    assert sent.sha256 in detail and "biên nhận hợp lệ" in detail
    body = admin.get(reverse("exchange:message_body", args=[sent.pk]))
    assert body.content == bytes(sent.body or b"")
    status = Message.objects.get(direction="out", kind="status")  # 01, with the receipt
    detail = admin.get(reverse("exchange:message", args=[status.pk])).content.decode()
    assert "trả kèm biên nhận của gói văn bản" in detail
    assert [r[16] for r in rows[1:] if r[0] == status.pk] == ["Trả kèm biên nhận gói văn bản"]
    taken = Message.objects.get(direction="in", kind="status")  # 01 at the sender, no receipt
    detail = admin.get(reverse("exchange:message", args=[taken.pk])).content.decode()
    assert 'data-testid="no-receipt"' in detail and 'data-testid="receipt"' not in detail
    assert "Hợp lệ, chứng thư" in detail and "hợp lệ Hợp lệ" not in detail  # said once


def test_the_outgoing_page_polls_a_timeline_of_statuses(net: Net) -> None:
    doc = issue_to(net.demo, "btctu")
    sender = net.demo.client("vanthu")
    detail = sender.get(reverse("drafting:detail", args=[doc.pk])).content.decode()
    assert 'hx-trigger="load, every 5s"' in detail
    net.deliver()
    timeline = sender.get(reverse("exchange:timeline", args=[doc.pk]))
    html = timeline.content.decode()
    assert timeline.status_code == 200 and "Ban Tổ chức Tỉnh ủy" in html and ">01<" in html
    nothing = outgoing_issue(  # recipients inside the node only: polling stops (htmx 286)
        actor=net.demo.user("vanthu"),
        document=approved_draft(net.demo),
        final_pdf=SimpleUploadedFile("b.pdf", pdf_bytes("B"), content_type="application/pdf"),
    )
    assert sender.get(reverse("exchange:timeline", args=[nothing.pk])).status_code == 286


def test_the_api_lists_accepts_and_reports_statuses(net: Net, client: Any) -> None:
    doc = issue_to(net.demo, "btctu")
    net.deliver()
    clerk = net.demo.user("vanthubtc")
    _, raw = api_token_create(actor=clerk, user=clerk)
    headers = {"Authorization": f"Bearer {raw}"}
    listed = client.get("/api/v1/exchange/arrivals", headers=headers).json()
    assert [a["code_notation"] for a in listed] == [doc.notation]
    accepted = client.post(
        f"/api/v1/exchange/arrivals/{listed[0]['id']}/accept",
        data={},
        content_type="application/json",
        headers=headers,
    )
    assert accepted.status_code == 200 and accepted.json()["incoming_id"]
    net.deliver()
    sender = net.demo.user("vanthu")
    _, raw = api_token_create(actor=sender, user=sender)
    statuses = client.get(
        f"/api/v1/exchange/outgoing/{doc.pk}/statuses", headers={"Authorization": f"Bearer {raw}"}
    ).json()
    assert [s["code"] for s in statuses[0]["statuses"]] == ["01", "03"]
    assert statuses[0]["delivery_state"] == State.DELIVERED

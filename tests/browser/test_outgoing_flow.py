"""One outgoing document in the browser: drafted by the specialist, approved by the unit head
and the Chánh Văn phòng, numbered by the văn thư (DOCX → PDF with LibreOffice), signed by the
Chánh Văn phòng (PKCS#12, passphrase typed on the page), signed with the office key by the văn
thư and so issued, then found by the văn thư of the recipient unit in its incoming register."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import signing_fixtures
from tests.outgoing_support import configure
from tests.signing_fixtures import pkcs12_profile, png
from tests.signing_pki import PASSPHRASE
from vanphong.drafting.models import SignatureRequirement
from vanphong.signing import trust_services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SUMMARY = "V/v chuẩn bị tổng kết công tác văn thư năm 2026"
pki = signing_fixtures.pki
trust = signing_fixtures.trust


def test_draft_review_approve_issue_sign_and_the_recipient_unit_sees_it(
    demo, sign_in, live_server, trust, tmp_path, monkeypatch
):
    configure(demo)
    SignatureRequirement.objects.create(organisation=demo.orgs["vptu"])
    leader_user = demo.user("lanhdao")
    profile = pkcs12_profile(tmp_path, monkeypatch, trust.signer, user=leader_user, image=png("x"))
    profile.secret_name = ""  # typed on the page
    profile.save()
    trust_services.certificate_register(actor=leader_user, data=trust.signer.cert_der)
    pkcs12_profile(
        tmp_path, monkeypatch, trust.organisation, organisation=demo.orgs["vptu"], image=png("seal")
    )
    drafter = sign_in("chuyenvien")
    drafter.get_by_role("link", name="Văn bản đi").first.click()
    drafter.get_by_test_id("new-draft").click()
    drafter.get_by_label("Loại văn bản").select_option(label="Công văn")
    drafter.get_by_label("Trích yếu").fill(SUMMARY)
    drafter.get_by_label("Nội dung", exact=True).fill(
        "Đề nghị các đơn vị gửi báo cáo trước ngày 15."
    )
    drafter.get_by_label("Người ký").select_option(label="Phạm Văn Đức")
    drafter.get_by_label("Nơi nhận trong danh bạ").select_option(label="Ban Tổ chức Tỉnh ủy")
    drafter.get_by_role("button", name="Tạo dự thảo").click()
    expect(drafter.get_by_test_id("out-status")).to_have_text("Đang soạn thảo")
    expect(drafter.get_by_test_id("versions")).to_contain_text("Phiên bản 1")
    detail_url = drafter.url
    drafter.get_by_test_id("submit-draft").click()
    expect(drafter.get_by_test_id("out-status")).to_have_text("Đang trình duyệt")

    head = sign_in("truongphong")
    head.goto(detail_url)
    head.get_by_label("Ý kiến").fill("Đồng ý, trình Chánh Văn phòng")
    head.get_by_test_id("approve").click()
    expect(head.get_by_test_id("review-steps")).to_contain_text("Đồng ý, trình Chánh Văn phòng")

    leader = sign_in("lanhdao")
    leader.goto(f"{live_server.url}/van-ban-di/?ds=cho-duyet")
    leader.get_by_role("link", name=f"Công văn: {SUMMARY}").click()
    leader.get_by_test_id("approve").click()
    expect(leader.get_by_test_id("out-status")).to_have_text("Đã duyệt, chờ ban hành")

    clerk = sign_in("vanthu")
    clerk.goto(f"{live_server.url}/van-ban-di/?ds=cho-ban-hanh")
    clerk.get_by_role("link", name=f"Công văn: {SUMMARY}").click()
    clerk.get_by_test_id("issue").click()
    expect(clerk.get_by_test_id("out-status")).to_have_text(
        "Đã cấp số, chờ người ký ký số", timeout=120_000
    )
    expect(clerk.get_by_role("heading", level=1)).to_contain_text("Công văn số 01-CV/VPTU")
    expect(clerk.get_by_test_id("awaiting-signature")).to_contain_text("chưa được gửi")
    expect(clerk.get_by_test_id("recipients")).to_contain_text("Chưa gửi")
    expect(clerk.get_by_test_id("sign")).to_have_count(0)

    leader.goto(detail_url)
    leader.get_by_label("Mật khẩu tệp khóa / mã PIN").fill("sai-mat-khau")
    leader.get_by_test_id("sign").click()
    expect(leader.get_by_role("alert").first).to_contain_text("sai mật khẩu")
    leader.get_by_label("Mật khẩu tệp khóa / mã PIN").fill(PASSPHRASE.decode())
    leader.get_by_test_id("sign").click()
    expect(leader.get_by_test_id("out-status")).to_have_text("Đã ký số, chờ ký số của cơ quan")

    clerk.reload()
    clerk.get_by_test_id("seal").click()
    expect(clerk.get_by_test_id("out-status")).to_have_text("Đã ban hành")
    expect(clerk.get_by_test_id("recipients")).to_contain_text("Đã nhận vào sổ văn bản đến")
    expect(clerk.get_by_test_id("timeline")).to_contain_text("Văn thư ký số của cơ quan")
    rows = clerk.get_by_test_id("final-signatures").get_by_test_id("signature-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Nguyễn Văn Ánh")
    expect(rows.nth(1)).to_contain_text("Hợp lệ")

    recipient = sign_in("vanthubtc")
    recipient.goto(f"{live_server.url}/van-ban-den/so/")
    expect(recipient.get_by_role("cell", name="01-CV/VPTU", exact=True)).to_be_visible()
    recipient.goto(f"{live_server.url}/van-ban-den/")
    recipient.get_by_test_id("worklist-table").get_by_role("link", name=SUMMARY).click()
    expect(recipient.get_by_role("heading", level=1)).to_contain_text("01-CV/VPTU")

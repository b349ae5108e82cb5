"""The document page shows the stored signature check of each PDF file."""

from __future__ import annotations


def test_the_detail_page_shows_the_signature_check_of_a_registered_pdf(
    demo, make_pdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        doc = demo.register_incoming(files=[make_pdf()])
    page = demo.client("vanthu").get(f"/van-ban-den/{doc.pk}/").content.decode()
    assert 'data-testid="signature-validation"' in page
    assert "Chưa kiểm tra chữ ký số." not in page  # the check ran after commit and was stored


def test_before_the_check_runs_the_page_says_it_has_not_been_checked(demo, make_pdf):
    doc = demo.register_incoming(files=[make_pdf()])
    page = demo.client("vanthu").get(f"/van-ban-den/{doc.pk}/").content.decode()
    assert "Chưa kiểm tra chữ ký số." in page

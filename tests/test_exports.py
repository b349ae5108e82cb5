"""The printed registers (sổ đăng ký, sổ theo dõi giải quyết văn bản đến) as XLSX and PDF."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from vanphong.core.models import AuditEvent, Secrecy
from vanphong.documents import exports, services
from vanphong.documents.models import Urgency

TODAY = dt.date.today()
RANGE = {"tu_ngay": f"{TODAY:%d/%m/%Y}", "den_ngay": f"{TODAY:%d/%m/%Y}"}
SUMMARY = "V/v tổng kết công tác xây dựng Đảng năm 2026 và phương hướng nhiệm vụ năm 2027"
INCOMING_HEADERS = [
    "Ngày đến",
    "Số đến",
    "Tác giả (cơ quan gửi)",
    "Số, ký hiệu",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]
FOLLOW_UP_HEADERS = [
    "Số đến",
    "Ngày đến",
    "Số, ký hiệu; tên loại và trích yếu nội dung",
    "Đơn vị/người giải quyết",
    "Hạn giải quyết",
    "Tiến độ giải quyết",
    "Số, ký hiệu văn bản trả lời",
    "Ghi chú",
]


def _download(client: Any, kind: str, fmt: str, **params: str) -> Any:
    response = client.get(f"/van-ban-den/xuat/{kind}.{fmt}", params or RANGE)
    if response.status_code == 200:
        response.body = b"".join(response.streaming_content)
    return response


def _sheets(body: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = load_workbook(io.BytesIO(body))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}


def _body_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return rows[exports.HEADER_ROW :]


def _by_number(rows: list[tuple[Any, ...]], column: int = 1) -> dict[int, tuple[Any, ...]]:
    return {row[column]: row for row in _body_rows(rows)}


def _pdf_text(body: bytes) -> list[str]:
    return [
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(body)).pages
    ]


@pytest.fixture
def book(demo: Any) -> dict[str, Any]:
    """A routed document, a cancelled one and a secret one (content withheld on this network)."""
    routed = demo.register_incoming(code_notation="36-HD/VPTW", summary=SUMMARY)
    services.incoming_present(actor=demo.user("vanthu"), document=routed, to=demo.user("lanhdao"))
    services.incoming_route(
        actor=demo.user("lanhdao"),
        document=routed,
        plan=services.Assignment(
            direction="Phòng Tổng hợp tham mưu",
            lead_unit=demo.unit("Phòng Tổng hợp"),
            due_date=TODAY + dt.timedelta(days=5),
        ),
    )
    cancelled = demo.register_incoming(code_notation="12-CV/VPTW", urgency=Urgency.KHAN)
    services.incoming_cancel(
        actor=demo.user("vanthu"), document=cancelled, reason="Vào sổ nhầm cơ quan gửi"
    )
    secret = demo.register_incoming(code_notation="05-CV/BTCTW", summary="", secrecy=Secrecy.MAT)
    return {"routed": routed, "cancelled": cancelled, "secret": secret}


def test_the_incoming_register_in_excel_has_the_decree_columns_and_the_known_rows(demo, book):
    response = _download(demo.client("vanthu"), "so-den", "xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="so-van-ban-den_{TODAY:%d-%m-%Y}_{TODAY:%d-%m-%Y}.xlsx"'
    )
    sheets = _sheets(response.body)
    assert list(sheets) == ["Sổ văn bản đến", "Sổ văn bản đến mật"]
    rows = sheets["Sổ văn bản đến"]
    assert rows[0][0] == "VĂN PHÒNG TỈNH ỦY"
    assert rows[1][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
    assert rows[2][0] == f"Từ ngày {TODAY:%d/%m/%Y} đến ngày {TODAY:%d/%m/%Y}"
    assert rows[3][0] == "Tên sổ: Sổ văn bản đến"
    assert list(rows[exports.HEADER_ROW - 1]) == INCOMING_HEADERS

    numbered = _by_number(rows)
    routed = numbered[book["routed"].arrival_number]
    assert routed[0].date() == TODAY
    assert routed[2:5] == (
        "Văn phòng Trung ương Đảng",
        "36-HD/VPTW",
        dt.datetime.combine(TODAY - dt.timedelta(days=2), dt.time()),
    )
    assert routed[5] == f"Công văn: {SUMMARY}"
    assert routed[6] == "Phòng Tổng hợp"
    assert routed[7].date() == TODAY
    assert routed[8] is None

    cancelled = numbered[book["cancelled"].arrival_number]
    assert cancelled[9] == "Hủy: Vào sổ nhầm cơ quan gửi; Khẩn"

    secret = _by_number(sheets["Sổ văn bản đến mật"])[book["secret"].arrival_number]
    assert secret[3] == "05-CV/BTCTW"
    assert secret[5] == "Công văn: Văn bản mật"
    assert secret[9] == "Mật"


def test_a_document_only_presented_shows_the_leader_as_receiver(demo):
    doc = demo.register_incoming()
    services.incoming_present(actor=demo.user("vanthu"), document=doc, to=demo.user("lanhdao"))
    rows = _sheets(_download(demo.client("vanthu"), "so-den", "xlsx").body)["Sổ văn bản đến"]
    row = _by_number(rows)[doc.arrival_number]
    assert row[6] == "Phạm Văn Đức (Chánh Văn phòng Tỉnh ủy)"
    assert row[7].date() == TODAY


def test_a_clerk_without_clearance_never_sees_the_secret_rows(demo, book):
    response = _download(demo.client("vanthu2"), "so-den", "xlsx")
    assert response.status_code == 200
    sheets = _sheets(response.body)
    assert list(sheets) == ["Sổ văn bản đến"]
    cells = {cell for row in sheets["Sổ văn bản đến"] for cell in row}
    assert "05-CV/BTCTW" not in cells
    assert "36-HD/VPTW" in cells


def test_the_follow_up_register_shows_handler_deadline_latest_progress_and_reply(demo, book):
    doc = book["routed"]
    services.incoming_assign_handler(
        actor=demo.user("truongphong"), document=doc, handler=demo.user("chuyenvien")
    )
    services.incoming_progress(actor=demo.user("chuyenvien"), document=doc, note="Đã xin ý kiến")
    services.incoming_progress(
        actor=demo.user("chuyenvien"), document=doc, note="Đang hoàn thiện dự thảo báo cáo"
    )
    response = _download(demo.client("lanhdao"), "so-theo-doi", "xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        f'filename="so-theo-doi-giai-quyet_{TODAY:%d-%m-%Y}_{TODAY:%d-%m-%Y}.xlsx"'
    )
    rows = _sheets(response.body)["Sổ văn bản đến"]
    assert rows[1][0] == "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN"
    assert list(rows[exports.HEADER_ROW - 1]) == FOLLOW_UP_HEADERS
    numbered = _by_number(rows, column=0)
    assert book["cancelled"].arrival_number not in numbered
    row = numbered[doc.arrival_number]
    assert row[2] == f"36-HD/VPTW\nCông văn: {SUMMARY}"
    assert row[3] == "Phòng Tổng hợp: Bùi Thị Ngọc Ánh"
    assert row[4].date() == TODAY + dt.timedelta(days=5)
    assert row[5] == f"Đang xử lý\n{TODAY:%d/%m/%Y}: Đang hoàn thiện dự thảo báo cáo"

    services.incoming_complete(
        actor=demo.user("chuyenvien"), document=doc, reply_reference="215-BC/VPTU"
    )
    rows = _sheets(_download(demo.client("lanhdao"), "so-theo-doi", "xlsx").body)
    row = _by_number(rows["Sổ văn bản đến"], column=0)[doc.arrival_number]
    assert row[5].startswith(f"Đã xử lý xong, chờ kết thúc (hoàn thành {TODAY:%d/%m/%Y})")
    assert row[6] == "215-BC/VPTU"


def test_the_pdf_register_carries_the_title_headers_and_vietnamese_text(demo, book):
    response = _download(demo.client("vanthu"), "so-den", "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = _pdf_text(response.body)
    first = pages[0]
    assert "VĂN PHÒNG TỈNH ỦY" in first
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in first
    assert f"Từ ngày {TODAY:%d/%m/%Y} đến ngày {TODAY:%d/%m/%Y}" in first
    assert "Tác giả (cơ quan gửi)" in first and "Đơn vị hoặc người nhận" in first
    assert SUMMARY in first
    assert "Hủy: Vào sổ nhầm cơ quan gửi" in first
    assert any("Tên sổ: Sổ văn bản đến mật" in page and "Văn bản mật" in page for page in pages)
    assert all(f"Trang {n}/" in page for n, page in enumerate(pages, 1))


def test_a_long_pdf_register_repeats_the_header_row_on_every_page(demo):
    for n in range(45):
        demo.register_incoming(code_notation=f"{n + 1}-CV/VPTW", summary=f"{SUMMARY} (lần {n})")
    body = _download(demo.client("vanthu"), "so-den", "pdf").body
    pages = _pdf_text(body)
    assert len(pages) >= 2
    for page in pages:
        assert "Tên loại và trích yếu nội dung" in page
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" not in pages[1]
    assert "(lần 44)" in pages[-1]


def test_an_empty_range_still_prints_the_register_heading(demo):
    response = _download(demo.client("vanthu"), "so-den", "pdf")
    text = _pdf_text(response.body)[0]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text
    assert "Không có văn bản nào trong khoảng thời gian này." in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tu_ngay": "31/02/2026"}, "không phải là một ngày có thật"),
        ({"tu_ngay": "hôm qua"}, "không đúng dạng ngày/tháng/năm"),
        ({"tu_ngay": "10/11/2026", "den_ngay": "01/11/2026"}, "sau đến ngày"),
    ],
)
def test_a_bad_date_range_gets_a_clear_message_not_a_crash(demo, params, message):
    response = demo.client("vanthu").get("/van-ban-den/xuat/so-den.xlsx", params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="incoming.export").exists()


def test_a_specialist_may_not_print_the_register(demo, book):
    response = demo.client("chuyenvien").get("/van-ban-den/xuat/so-den.pdf", RANGE)
    assert response.status_code == 403


def test_an_unknown_register_kind_is_not_found(demo):
    assert demo.client("vanthu").get("/van-ban-den/xuat/so-di.xlsx").status_code == 404
    assert demo.client("vanthu").get("/van-ban-den/xuat/so-den.docx").status_code == 404


def test_the_default_range_runs_from_the_first_of_the_month_to_today(demo):
    response = demo.client("vanthu").get("/van-ban-den/xuat/so-den.xlsx")
    first = TODAY.replace(day=1)
    assert response["Content-Disposition"].endswith(
        f'filename="so-van-ban-den_{first:%d-%m-%Y}_{TODAY:%d-%m-%Y}.xlsx"'
    )


def test_one_register_can_be_printed_alone(demo, book):
    response = _download(demo.client("vanthu"), "so-den", "xlsx", so="den-mat", **RANGE)
    assert list(_sheets(response.body)) == ["Sổ văn bản đến mật"]
    missing = demo.client("vanthu").get("/van-ban-den/xuat/so-den.xlsx", {"so": "khong-co"})
    assert missing.status_code == 400


def test_every_export_is_written_to_the_audit_log(demo, book):
    _download(demo.client("vanthu"), "so-theo-doi", "pdf")
    event = AuditEvent.objects.get(action="incoming.export")
    assert event.actor_name == "vanthu"
    assert event.data["kind"] == "so-theo-doi" and event.data["format"] == "pdf"
    assert event.data["rows"] == 2  # the cancelled entry is not followed up


def test_a_summary_that_looks_like_a_formula_stays_text(demo):
    doc = demo.register_incoming(summary='=HYPERLINK("http://x";"bấm")')
    rows = _sheets(_download(demo.client("vanthu"), "so-den", "xlsx").body)["Sổ văn bản đến"]
    workbook = load_workbook(io.BytesIO(_download(demo.client("vanthu"), "so-den", "xlsx").body))
    row_index = exports.HEADER_ROW + 1
    cell = workbook["Sổ văn bản đến"].cell(row=row_index, column=6)
    assert cell.data_type == "s"
    assert _by_number(rows)[doc.arrival_number][5].startswith("Công văn: =HYPERLINK")


@pytest.mark.parametrize("kind", ["so-den", "so-theo-doi"])
def test_the_number_of_queries_does_not_grow_with_the_rows(demo, kind):
    clerk = demo.user("vanthu")
    leader = demo.user("lanhdao")

    def add(count: int) -> None:
        for _ in range(count):
            doc = demo.register_incoming()
            services.incoming_present(actor=clerk, document=doc, to=leader)
            services.incoming_route(
                actor=leader,
                document=doc,
                plan=services.Assignment(lead_user=demo.user("chuyenvien")),
            )
            services.incoming_progress(actor=demo.user("chuyenvien"), document=doc, note="Xong")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            exports.register_export(
                actor=demo.user("vanthu"), kind=kind, fmt="xlsx", date_from=TODAY, date_to=TODAY
            ).file.close()
        return len(queries)

    add(2)
    few = count_queries()
    add(6)
    assert count_queries() == few


def test_rows_are_the_same_whatever_the_chunk_size(demo, book):
    clerk = demo.user("vanthu")
    for _ in range(3):
        doc = demo.register_incoming()
        services.incoming_present(actor=clerk, document=doc, to=demo.user("lanhdao"))
    for kind in exports.KINDS.values():
        whole = list(exports.iter_rows(clerk, kind, TODAY, TODAY))
        pieces = list(exports.iter_rows(clerk, kind, TODAY, TODAY, chunk_size=2))
        assert [cells for _, cells in pieces] == [cells for _, cells in whole]
        assert all(cells[7] == TODAY for _, cells in whole if kind.slug == "so-den" and cells[6])

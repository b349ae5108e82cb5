"""How fast outgoing documents are issued: `python bench/issuance.py --docs 200`.

Builds a throwaway SQLite database in a temporary directory (the demo province and the default
outgoing configuration), prepares N approved drafts through the real services, then measures:

- `per_s`: issuances per second with numbering alone, i.e. `outgoing_issue` with a final PDF
  uploaded by the văn thư (lock the counter, take the number, write it and the date into the
  DOCX, store the files, history and audit rows), one transaction each, in sequence;
- `allocate_per_s`: bare `number_allocate` calls, one transaction each;
- `convert_s_per_page`: LibreOffice headless DOCX → PDF, seconds per output page, over documents
  of 1 to `--max-pages` pages, with a warm profile (`convert_cold_s`: the first, cold run).

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PARAGRAPH = (
    "Thực hiện Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh khóa mới, Văn phòng Tỉnh ủy đề "
    "nghị các cơ quan, đơn vị rà soát, tổng hợp kết quả thực hiện nhiệm vụ được giao, đánh giá "
    "ưu điểm, hạn chế, nguyên nhân và đề xuất giải pháp khắc phục trong thời gian tới."
)


def _setup(var_dir: str) -> None:
    os.environ["VANPHONG_VAR_DIR"] = var_dir
    os.environ["VANPHONG_ENV"] = "test"  # the worker runs jobs inline
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanphong.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _approved_drafts(count: int) -> list[int]:
    from vanphong.core.demo import load_demo_organisation
    from vanphong.core.models import User
    from vanphong.documents.demo import ensure_incoming_registers
    from vanphong.documents.models import DocumentType
    from vanphong.drafting.models import OutStatus, ReviewStep, StepStatus
    from vanphong.drafting.services import (
        DraftData,
        RecipientLine,
        draft_create,
        draft_submit,
        review_approve,
    )
    from vanphong.drafting.setup import ensure_outgoing_configuration

    orgs = load_demo_organisation()
    ensure_incoming_registers()
    ensure_outgoing_configuration(orgs["vptu"])
    drafter = User.objects.get(username="chuyenvien")
    signer = User.objects.get(username="lanhdao")
    doc_type = DocumentType.objects.get(name="Công văn")
    ids = []
    for n in range(count):
        doc = draft_create(
            actor=drafter,
            data=DraftData(
                doc_type=doc_type,
                summary=f"V/v báo cáo kết quả thực hiện nhiệm vụ số {n + 1}",
                body=PARAGRAPH,
                signer=signer,
                recipients=[RecipientLine(label="Các đảng ủy trực thuộc", delivery="paper")],
            ),
        )
        doc = draft_submit(actor=drafter, document=doc)
        while doc.status == OutStatus.IN_REVIEW:
            step = ReviewStep.objects.get(
                document=doc, round=doc.review_round, status=StepStatus.PENDING
            )
            doc = review_approve(actor=step.reviewer, document=doc)
        ids.append(doc.pk)
    return ids


def _time_issuance(ids: list[int]) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import pdf_bytes
    from vanphong.core.models import User
    from vanphong.drafting.models import OutgoingDocument
    from vanphong.drafting.services import outgoing_issue

    clerk = User.objects.get(username="vanthu")
    pdf = pdf_bytes("Ban cuoi", pages=2)
    start = time.perf_counter()
    for pk in ids:
        upload = SimpleUploadedFile("ban-cuoi.pdf", pdf, content_type="application/pdf")
        outgoing_issue(actor=clerk, document=pk, final_pdf=upload)
    seconds = time.perf_counter() - start
    given = OutgoingDocument.objects.filter(pk__in=ids).values_list("number", flat=True)
    numbers = sorted(n or 0 for n in given)
    assert numbers == list(range(1, len(ids) + 1)), "numbers must run 1..N without gaps"
    return {"issued": len(ids), "seconds": round(seconds, 2), "per_s": round(len(ids) / seconds, 1)}


def _time_allocation(count: int) -> float:
    from django.db import transaction
    from django.utils import timezone

    from vanphong.numbering.models import Register

    register = Register.objects.get(organisation__short_name="VPTU", code="di-cv-party")
    today = timezone.localdate()
    from vanphong.numbering.services import number_allocate

    start = time.perf_counter()
    for _ in range(count):
        with transaction.atomic():
            number_allocate(register=register, on_date=today)
    return round(count / (time.perf_counter() - start), 1)


def _docx_of_pages(pages: int) -> bytes:
    from vanphong.drafting.docx_layout import LayoutData, build_party_docx

    return build_party_docx(
        LayoutData(
            issuer_name="Văn phòng Tỉnh ủy",
            superior_heading="Đảng bộ tỉnh Hòa Bình Xanh",
            notation="Số 01-CV/VPTU",
            date_line="Hòa Bình Xanh, ngày 05 tháng 01 năm 2026",
            type_name="Báo cáo",
            summary="kết quả công tác văn thư, lưu trữ",
            body="\n".join([PARAGRAPH] * max(1, pages * 9 - 6)),
            signer_title="Chánh Văn phòng",
            signer_name="Phạm Văn Đức",
            recipients=["Thường trực Tỉnh ủy", "Các ban đảng Tỉnh ủy"],
            draft=False,
        )
    )


def _time_conversion(max_pages: int, repeats: int) -> dict[str, Any]:
    from vanphong.drafting.convert import docx_to_pdf, pdf_page_count

    start = time.perf_counter()
    docx_to_pdf(_docx_of_pages(1))
    cold = time.perf_counter() - start
    total_pages, total_seconds, runs = 0, 0.0, []
    for pages in range(1, max_pages + 1):
        data = _docx_of_pages(pages)
        for _ in range(repeats):
            start = time.perf_counter()
            pdf = docx_to_pdf(data)
            seconds = time.perf_counter() - start
            count = pdf_page_count(pdf)
            total_pages += count
            total_seconds += seconds
            runs.append({"pages": count, "seconds": round(seconds, 2)})
    return {
        "convert_cold_s": round(cold, 2),
        "convert_s_per_page": round(total_seconds / total_pages, 3),
        "convert_s_per_document": round(total_seconds / len(runs), 2),
        "runs": runs,
    }


def _run(docs: int, max_pages: int, repeats: int) -> dict[str, Any]:
    start = time.perf_counter()
    ids = _approved_drafts(docs)
    setup = time.perf_counter() - start
    print(f"{docs} dự thảo đã duyệt sau {setup:.1f} s", file=sys.stderr)
    result: dict[str, Any] = {
        "bench": "issuance",
        "database": "sqlite",
        "docs": docs,
        "cpus": os.cpu_count(),
        "load_avg_1m_before": round(os.getloadavg()[0], 1),
    }
    issuance = _time_issuance(ids)
    result.update(issuance)
    result["allocate_per_s"] = _time_allocation(max(docs, 500))
    result.update(_time_conversion(max_pages, repeats))
    result["load_avg_1m_after"] = round(os.getloadavg()[0], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="approved drafts to issue")
    parser.add_argument("--max-pages", type=int, default=4, help="longest test document")
    parser.add_argument("--repeats", type=int, default=2, help="conversions per length")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vanphong-bench-") as var_dir:
        _setup(var_dir)
        result = _run(args.docs, args.max_pages, args.repeats)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Numbers of outgoing documents: given at issuance only, restart rules, shared counters."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from tests.conftest import pdf_bytes
from tests.outgoing_support import approved_draft, configure, new_draft
from vanphong.core.errors import DomainError
from vanphong.drafting.models import OutgoingDocument, OutStatus
from vanphong.drafting.services import outgoing_issue
from vanphong.drafting.setup import numbering_create
from vanphong.numbering.models import Counter, NotationStyle, RestartRule, Term
from vanphong.numbering.services import number_allocate


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("ban-cuoi.pdf", pdf_bytes("Ban cuoi"), content_type="application/pdf")


def test_a_draft_gets_no_number_until_it_is_issued(demo: Any) -> None:
    configure(demo)
    doc = approved_draft(demo)
    assert doc.status == OutStatus.APPROVED
    assert doc.number is None and doc.notation == ""
    assert not Counter.objects.filter(register__kind="outgoing").exists()
    issued = outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=_pdf())
    assert issued.number == 1
    assert issued.notation == "01-CV/VPTU"


def test_party_numbers_run_per_term_and_restart_with_the_next_term(demo: Any) -> None:
    configure(demo)
    org = demo.orgs["vptu"]
    Term.objects.create(organisation=org, name="2030-2035", start_date=dt.date(2030, 10, 1))
    numbering = org.registers.get(code="di-cv-party").outgoing_numbering
    assert numbering.register.restart_rule == RestartRule.TERM
    with transaction.atomic():
        first = number_allocate(register=numbering.register, on_date=dt.date(2026, 1, 5))
        across_year = number_allocate(register=numbering.register, on_date=dt.date(2027, 3, 1))
        last_day = number_allocate(register=numbering.register, on_date=dt.date(2030, 9, 30))
        new_term = number_allocate(register=numbering.register, on_date=dt.date(2030, 10, 1))
    assert [first.number, across_year.number, last_day.number] == [1, 2, 3]
    assert new_term.number == 1 and new_term.period_key == "term-2030-10-01"


def test_state_numbers_restart_on_the_first_of_january(demo: Any) -> None:
    org = demo.orgs["vptu"]
    numbering = numbering_create(
        organisation=org,
        abbr="UBND",
        issuer_code="VP",
        doc_types=[demo.doc_type("Giấy mời")],
        restart_rule=RestartRule.YEARLY,
        style=NotationStyle.STATE,
    )
    with transaction.atomic():
        a = number_allocate(register=numbering.register, on_date=dt.date(2026, 12, 31))
        b = number_allocate(register=numbering.register, on_date=dt.date(2027, 1, 1))
    assert (a.number, b.number) == (1, 1)
    assert numbering.compose(12) == "12/UBND-VP"
    assert numbering.compose(5) == "05/UBND-VP"


def test_quyet_dinh_and_quy_dinh_share_one_qd_counter(demo: Any) -> None:
    configure(demo)
    decision = approved_draft(demo, type_name="Quyết định", summary="Về việc ban hành Quy chế")
    regulation = approved_draft(demo, type_name="Quy định", summary="Về chế độ báo cáo")
    clerk = demo.user("vanthu")
    first = outgoing_issue(actor=clerk, document=decision, final_pdf=_pdf())
    second = outgoing_issue(actor=clerk, document=regulation, final_pdf=_pdf())
    assert (first.notation, second.notation) == ("01-QĐ/VPTU", "02-QĐ/VPTU")
    other = outgoing_issue(actor=clerk, document=approved_draft(demo), final_pdf=_pdf())
    assert other.notation == "01-CV/VPTU"


def test_a_failed_issuance_gives_its_number_back(demo: Any) -> None:
    configure(demo)
    doc = approved_draft(demo)
    bad = SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    with pytest.raises(DomainError):
        outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=bad)
    doc.refresh_from_db()
    assert doc.status == OutStatus.APPROVED and doc.number is None
    issued = outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=_pdf())
    assert issued.number == 1


def test_nothing_is_numbered_for_a_draft_that_is_not_approved(demo: Any) -> None:
    configure(demo)
    doc = new_draft(demo)
    with pytest.raises(DomainError, match="đã được duyệt"):
        outgoing_issue(actor=demo.user("vanthu"), document=doc, final_pdf=_pdf())
    assert not Counter.objects.filter(register__kind="outgoing").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_issuances_get_distinct_numbers_without_gaps(demo: Any) -> None:
    configure(demo)
    docs = [approved_draft(demo, summary=f"V/v việc số {i}") for i in range(8)]
    clerk = demo.user("vanthu")
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(docs))

    def issue(pk: int) -> None:
        try:
            barrier.wait()
            outgoing_issue(actor=clerk, document=pk, final_pdf=_pdf())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d.pk,)) for d in docs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(
        OutgoingDocument.objects.filter(pk__in=[d.pk for d in docs]).values_list(
            "number", flat=True
        )
    )
    assert numbers == list(range(1, len(docs) + 1))


def test_secret_documents_share_the_party_counter_unless_a_secret_counter_is_set(
    demo: Any, settings: Any
) -> None:
    settings.NETWORK_ZONE = "isolated"
    configure(demo)
    clerk = demo.user("vanthu")
    secret = approved_draft(demo, secrecy=1, drafter="chuyenvien")
    assert outgoing_issue(actor=clerk, document=secret, final_pdf=_pdf()).notation == ("01-CV/VPTU")
    numbering_create(
        organisation=demo.orgs["vptu"],
        abbr="CV",
        doc_types=[demo.doc_type("Công văn")],
        for_secret=True,
    )
    second = approved_draft(demo, secrecy=1, drafter="chuyenvien", summary="V/v mật thứ hai")
    normal = approved_draft(demo, summary="V/v thường")
    assert outgoing_issue(actor=clerk, document=second, final_pdf=_pdf()).number == 1
    assert outgoing_issue(actor=clerk, document=normal, final_pdf=_pdf()).number == 2

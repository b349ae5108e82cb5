"""The demo outgoing documents: every drafting state, made by the real services as the demo
people, numbered without gaps, signed, loaded once; and the reply picker of the draft form."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

import pytest
from django.core.management import call_command

from vanphong.core.audit import audit_verify
from vanphong.core.models import Secrecy, User
from vanphong.documents.demo import load_demo_documents
from vanphong.documents.models import IncomingDocument
from vanphong.drafting.forms import DraftForm, reply_choice_label
from vanphong.drafting.models import (
    DispatchStatus,
    OutAction,
    OutgoingDocument,
    OutgoingEvent,
    OutStatus,
    Recipient,
    ReplyLink,
)


@pytest.fixture
def loaded(demo: Any, settings: Any, tmp_path: Any) -> str:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "tmp")
    out = io.StringIO()
    call_command("demo", documents=60, stdout=out)
    return out.getvalue()


def test_the_demo_makes_outgoing_documents_in_every_state_numbered_without_gaps_and_signed(
    loaded: str, demo: Any
) -> None:
    """...and running it again adds nothing (one test: each load of the demo takes 30 s)."""
    docs = OutgoingDocument.objects.filter(organisation=demo.orgs["vptu"])
    assert f"Đã nạp {docs.count()} văn bản đi mẫu." in loaded
    assert docs.count() >= 30
    assert set(docs.values_list("status", flat=True)) == set(OutStatus.values)
    assert len(set(docs.values_list("summary", flat=True))) == docs.count()
    _numbers_run_without_gaps_and_rise_with_the_issue_dates()
    _the_history_is_the_real_workflow_of_the_demo_people()
    assert audit_verify().ok
    _running_the_demo_again_adds_nothing()


def _numbers_run_without_gaps_and_rise_with_the_issue_dates() -> None:
    numbered = OutgoingDocument.objects.filter(number__isnull=False).order_by("number")
    assert numbered.count() >= 15
    by_counter: dict[tuple[int, str], list[OutgoingDocument]] = defaultdict(list)
    for doc in numbered:
        assert doc.numbering_id is not None
        by_counter[(doc.numbering_id, doc.period_key)].append(doc)
    for docs in by_counter.values():
        assert [d.number for d in docs] == list(range(1, len(docs) + 1))
        dates = [d.issue_date for d in docs]
        assert dates == sorted(dates)  # type: ignore[type-var]


def _the_history_is_the_real_workflow_of_the_demo_people() -> None:
    issued = OutgoingDocument.objects.filter(status=OutStatus.ISSUED)
    for doc in issued:
        actions = list(doc.events.values_list("action", flat=True))
        assert actions[0] == OutAction.CREATE
        assert {OutAction.SUBMIT, OutAction.APPROVE, OutAction.ISSUE} <= set(actions)
        assert {OutAction.SIGN, OutAction.SEAL} <= set(actions)
        assert doc.final_pdf_id != doc.numbered_pdf_id  # the signed PDF replaced the numbered one
    signs = OutgoingEvent.objects.filter(action=OutAction.SIGN).select_related("document")
    assert signs.exists() and all(e.actor_id == e.document.signer_id for e in signs)
    assert set(
        OutgoingEvent.objects.filter(action=OutAction.ISSUE).values_list(
            "actor__username", flat=True
        )
    ) == {"vanthu"}
    assert OutgoingEvent.objects.filter(action=OutAction.RETURN).exclude(note="").exists()
    assert Recipient.objects.filter(
        status=DispatchStatus.DELIVERED, incoming__isnull=False
    ).exists()
    assert Recipient.objects.filter(status=DispatchStatus.SENT).exists()
    assert issued.filter(recipients__status=DispatchStatus.PENDING).exists()  # not sent yet
    replies = ReplyLink.objects.filter(outgoing__status=OutStatus.ISSUED).select_related(
        "outgoing", "incoming"
    )
    assert replies.exists()
    assert all(r.outgoing.notation in r.incoming.reply_reference for r in replies)


def _running_the_demo_again_adds_nothing() -> None:
    counts = (
        OutgoingDocument.objects.count(),
        OutgoingEvent.objects.count(),
        IncomingDocument.objects.count(),
    )
    out = io.StringIO()
    call_command("demo", documents=60, stdout=out)
    assert "Đã nạp 0 văn bản đi mẫu." in out.getvalue()
    assert (
        OutgoingDocument.objects.count(),
        OutgoingEvent.objects.count(),
        IncomingDocument.objects.count(),
    ) == counts


def test_the_reply_picker_shows_number_notation_and_summary(
    demo: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "tmp")
    load_demo_documents(count=20)
    form = DraftForm(user=User.objects.get(username="chuyenvien"))
    choices = [str(label) for _, label in form.fields["replies_to"].choices]  # type: ignore[attr-defined]
    incoming = next(d for d in form.fields["replies_to"].queryset if not d.is_secret)  # type: ignore[attr-defined]
    expected = f"Số đến {incoming.arrival_number} – {incoming.code_notation} – "
    assert any(label.startswith(expected) for label in choices)
    assert incoming.summary[:30] in form.as_p()


def test_a_secret_incoming_document_shows_its_level_and_never_its_summary() -> None:
    secret = IncomingDocument(
        arrival_number=12,
        code_notation="05-CV/TU",
        summary="V/v nhân sự dự kiến bổ nhiệm",
        secrecy=Secrecy.MAT,
    )
    assert reply_choice_label(secret) == "Số đến 12 – 05-CV/TU – [Mật]"
    long = IncomingDocument(
        arrival_number=7, code_notation="45/UBND-NC", summary="V/v " + "x" * 200
    )
    label = reply_choice_label(long)
    assert label.startswith("Số đến 7 – 45/UBND-NC – V/v xxx") and len(label) < 120

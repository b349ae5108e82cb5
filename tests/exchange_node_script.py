"""Operator-side steps on one exchange node of the multi-node test and bench.

Run inside a node's environment (its VANPHONG_VAR_DIR / DATABASE_URL), from the repository root:

    python -m tests.exchange_node_script setup ROLE DIRECTORY_FILE [COUNT TO PDF_SIZE [--signed]]
    python -m tests.exchange_node_script dispatch ID,ID,... [INTERVAL_S]
    python -m tests.exchange_node_script report sender|receiver

Each prints one JSON object on its last line. These are the steps an administrator and a văn thư
would do on the node (load the organisation, import the directory, issue documents), done through
the real services in the node's own database; the exchange itself then runs between the real
server processes. The sender's setup issues one document through the real drafting services and
copies it to COUNT issued documents with their own numbers and PDFs (issuing through DOCX
numbering runs at about 3 per second, which the exchange test and bench do not measure).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanphong.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import transaction  # noqa: E402

from vanphong.core.demo import load_demo_organisation  # noqa: E402
from vanphong.core.models import Organisation, Unit, User  # noqa: E402
from vanphong.core.services import api_token_create  # noqa: E402
from vanphong.documents.demo import ensure_incoming_registers  # noqa: E402
from vanphong.documents.reference import ensure_document_types  # noqa: E402
from vanphong.exchange.edxml.samples import pdf_bytes  # noqa: E402

SENDER_ORG, RECEIVER_ORG = "vptu", "btctu"
USERS = {
    "sender": ["vanthu"],
    "receiver": ["vanthubtc", "truongbantc", "tpcb", "cvcb"],
    "hub": [],
}


def _out(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False))


def setup(role: str, directory_file: str, prepare_args: list[str]) -> None:
    """The node's organisation (the demo province; this node serves one of its bodies), its
    registers and configuration, the province's exchange directory, API tokens, and for the
    sender `prepare_args` (COUNT TO_IDENTIFIER PDF_SIZE [--signed]): issued documents.
    The node's key and certificate are already in its var folder (EXCHANGE_KEY_FILE)."""
    from vanphong.exchange import node
    from vanphong.exchange.services import directory_import

    ensure_document_types()
    orgs = load_demo_organisation()
    served = {"sender": SENDER_ORG, "receiver": RECEIVER_ORG, "hub": None}[role]
    Organisation.objects.update(served_here=False)
    if served is not None:
        Organisation.objects.filter(pk=orgs[served].pk).update(served_here=True)
    ensure_incoming_registers()
    if role == "sender":
        from vanphong.drafting.setup import ensure_outgoing_configuration

        ensure_outgoing_configuration(orgs[SENDER_ORG])
    with open(directory_file, "rb") as handle:
        imported = directory_import(actor=None, data=handle.read())
    tokens = {}
    for username in USERS[role]:
        user = User.objects.get(username=username)
        _, raw = api_token_create(actor=None, user=user, name="exchange test")  # type: ignore[arg-type]
        tokens[username] = raw
    users = {u.username: u.pk for u in User.objects.filter(username__in=USERS[role])}
    units = {
        u.name: u.pk for u in Unit.objects.filter(organisation__served_here=True).order_by("pk")
    }
    result: dict[str, Any] = {
        "fingerprint": node.identity().fingerprint,
        "served": sorted(node.served_identifiers()),
        "directory": imported.created,
        "tokens": tokens,
        "users": users,
        "units": units,
    }
    if prepare_args:
        count, to_identifier, size = prepare_args[:3]
        result["prepared"] = prepare(
            int(count), to_identifier, int(size), "--signed" in prepare_args
        )
    _out(result)


def _template(to_identifier: str, pdf: bytes) -> Any:
    """One document issued through the real services: draft, review chain, issue (final PDF)."""
    from vanphong.documents.models import DocumentType
    from vanphong.drafting.models import OutStatus, ReviewStep, StepStatus
    from vanphong.drafting.services import (
        DraftData,
        RecipientLine,
        draft_create,
        draft_submit,
        outgoing_issue,
        review_approve,
    )

    recipient = Organisation.objects.get(identifier=to_identifier)
    doc = draft_create(
        actor=User.objects.get(username="chuyenvien"),
        data=DraftData(
            doc_type=DocumentType.objects.get(name="Công văn"),
            summary="V/v báo cáo kết quả thực hiện nhiệm vụ (liên thông thử nghiệm)",
            body="Văn phòng Tỉnh ủy đề nghị các cơ quan báo cáo kết quả thực hiện nhiệm vụ.",
            signer=User.objects.get(username="lanhdao"),
            recipients=[RecipientLine(organisation=recipient, delivery="exchange")],
        ),
    )
    doc = draft_submit(actor=doc.drafter, document=doc)
    while doc.status == OutStatus.IN_REVIEW:
        step = ReviewStep.objects.get(
            document=doc, round=doc.review_round, status=StepStatus.PENDING
        )
        doc = review_approve(actor=step.reviewer, document=doc)
    upload = SimpleUploadedFile("ban-cuoi.pdf", pdf, content_type="application/pdf")
    doc = outgoing_issue(actor=User.objects.get(username="vanthu"), document=doc, final_pdf=upload)
    assert doc.status == OutStatus.ISSUED, doc.status
    return doc


def _signed_pdfs(count: int, size: int) -> list[bytes]:
    """PAdES-signed PDFs (pyHanko, a throw-away key), about `size` bytes each. pyHanko takes
    about half a second per PDF here, so at most 20 different ones are signed and reused."""
    from tests.exchange_pdf import signed_pdfs

    distinct = signed_pdfs(min(count, 20), size)
    return [distinct[n % len(distinct)] for n in range(count)]


def prepare(count: int, to_identifier: str, pdf_size: int, signed: bool) -> dict[str, Any]:
    from tests.exchange_pdf import page_title
    from vanphong.drafting.models import DispatchStatus, OutgoingDocument, Recipient
    from vanphong.files.store import FileBatch

    pdfs = (
        _signed_pdfs(count, pdf_size)
        if signed
        else [pdf_bytes(title=page_title(n), size=pdf_size, seed=n) for n in range(count)]
    )
    first = _template(to_identifier, pdfs[0])
    line = first.recipients.get()
    ids = [first.pk]
    suffix = first.notation[first.notation.index("-") :]  # "01-CV/VPTU" → "-CV/VPTU"
    top = OutgoingDocument.objects.filter(numbering=first.numbering).order_by("-number").first()
    base = top.number if top and top.number else first.number
    with FileBatch() as batch, transaction.atomic():
        for n, pdf in enumerate(pdfs[1:], start=1):
            number = base + n
            clone = OutgoingDocument.objects.get(pk=first.pk)
            clone.pk = None
            clone.number, clone.notation = number, f"{number:02d}{suffix}"
            clone.summary = f"{first.summary} số {n + 1}"
            clone.final_pdf = batch.add_bytes(pdf, name=f"{number}.pdf")
            clone.save()
            Recipient.objects.create(
                document=clone,
                order=line.order,
                organisation=line.organisation,
                label=line.label,
                delivery=line.delivery,
                status=DispatchStatus.PENDING,
            )
            ids.append(clone.pk)
    # The first one was sent when it was issued; the others wait for `dispatch`.
    return {"ids": ids, "first": ids[1] if len(ids) > 1 else None, "last": ids[-1]}


def dispatch(ids: list[int], interval: float = 0.0) -> None:
    """The văn thư sends each document (real `outgoing_dispatch`: package into the outbox),
    one after the other, or one every `interval` seconds."""
    from vanphong.drafting.services import outgoing_dispatch

    clerk = User.objects.get(username="vanthu")
    started = time.perf_counter()
    cpu = time.process_time()
    for n, pk in enumerate(ids):
        if interval:
            time.sleep(max(0.0, started + n * interval - time.perf_counter()))
        counts = outgoing_dispatch(actor=clerk, document=pk)
        assert counts["queued"] == 1, counts
    _out(
        {
            "dispatched": len(ids),
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu,
        }
    )


def report(role: str) -> None:
    """What the node's database says: per document, the statuses back at the sender (and when
    the package entered the outbox, when 01 came back); the arrivals at the receiver."""
    from vanphong.exchange.models import Arrival, Dispatch, Message

    if role == "sender":
        statuses: dict[str, list[str]] = {}
        latency: dict[int, dict[str, float | None]] = {}
        for d in Dispatch.objects.prefetch_related("statuses"):
            entries = list(d.statuses.all())  # type: ignore[attr-defined]
            statuses[d.document_id] = sorted(e.code for e in entries)
            arrived = [e.received_at.timestamp() for e in entries if e.code == "01"]
            latency[d.outgoing_id] = {
                "queued": d.created_at.timestamp(),
                "status_01": min(arrived) if arrived else None,
            }
        _out({"statuses": statuses, "latency": latency, "messages": _messages(Message)})
    else:
        arrivals = list(Arrival.objects.values_list("document_id", "state", "incoming_id"))
        _out({"arrivals": arrivals, "messages": _messages(Message)})


def _messages(model: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for direction, state in model.objects.values_list("direction", "state"):
        key = f"{direction}:{state}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def main(argv: list[str]) -> None:
    command, args = argv[0], argv[1:]
    if command == "setup":
        setup(args[0], args[1], args[2:])
    elif command == "dispatch":
        dispatch([int(x) for x in args[0].split(",") if x], float(args[1]) if args[1:] else 0.0)
    elif command == "report":
        report(args[0])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])

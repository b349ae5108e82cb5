"""Several packages in one request: the batch format between vanphong nodes.

A node posts one package per request to a peer's inbox (application/xml), as every edXML system
does. Between vanphong nodes, the worker sends the due packages for the same inbox together, in
one POST to the same URL with the content type below, which saves a request, a connection turn
and a worker task per package. Each package inside is still a whole signed edXML package, checked
and stored on its own exactly as if it had come alone: the batch adds no trust and changes no
rule. A peer that does not know the format answers 415 (or another refusal of the request as a
whole), and the sender goes back to one package per request for that inbox.

Request body, after the first line "VANPHONG-EDXML-BATCH 1\\n": for each package, its length in
bytes as ASCII digits, "\\n", then the package's bytes.

Answer (HTTP 200, JSON): {"answers": [{"status": 200, "body": "<receipt>"}, ...]}, one per
package, in order, each the status and body the package would have got alone.

Statuses with the receipt: a sender that posts with the content type parameter
`statuses=inline` (`INLINE_CONTENT_TYPE`) asks for the status packages the receiver writes while
storing a package (01 "arrived") in the answer, `"statuses": ["<edXML...>", ...]` beside that
package's receipt, instead of in a request of their own back to the sender's inbox. The sender
checks and stores each exactly as its inbox would (signature against the directory, once per
hash), in the transaction that records the receipt. A receiver that does not know the parameter
ignores it and sends its statuses through its outbox as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

CONTENT_TYPE = "application/vnd.vanphong.edxml-batch"
INLINE_CONTENT_TYPE = CONTENT_TYPE + "; statuses=inline"
MAGIC = b"VANPHONG-EDXML-BATCH 1\n"
MAX_PACKAGES = 500
_MAX_DIGITS = 12


class BatchError(ValueError):
    """The batch cannot be read as a whole (the message is Vietnamese, shown to the sender)."""


@dataclass(frozen=True)
class PackageAnswer:
    status: int
    body: str
    statuses: tuple[str, ...] = ()  # status packages returned with the receipt (see above)


def encode(packages: list[bytes]) -> bytes:
    parts = [MAGIC]
    for package in packages:
        parts += [str(len(package)).encode("ascii"), b"\n", package]
    return b"".join(parts)


def decode(body: bytes) -> list[bytes]:
    """The packages of a batch, or BatchError when the framing is wrong (nothing is taken from
    a batch that cannot be read whole)."""
    if not body.startswith(MAGIC):
        raise BatchError("Lô gói tin không đúng định dạng (thiếu dòng đầu VANPHONG-EDXML-BATCH 1).")
    packages: list[bytes] = []
    pos = len(MAGIC)
    while pos < len(body):
        newline = body.find(b"\n", pos, pos + _MAX_DIGITS + 1)
        digits = body[pos:newline] if newline > pos else b""
        if not digits.isdigit():
            raise BatchError(f"Lô gói tin không đúng định dạng ở byte {pos}: thiếu độ dài gói tin.")
        size = int(digits)
        start = newline + 1
        if size == 0 or start + size > len(body):
            number = len(packages) + 1
            raise BatchError(f"Lô gói tin bị cắt cụt: gói thứ {number} không đủ dữ liệu.")
        packages.append(body[start : start + size])
        if len(packages) > MAX_PACKAGES:
            raise BatchError(f"Một lô chỉ được tối đa {MAX_PACKAGES} gói tin.")
        pos = start + size
    if not packages:
        raise BatchError("Lô gói tin không có gói nào.")
    return packages


def encode_answers(answers: list[PackageAnswer]) -> str:
    items = []
    for a in answers:
        item: dict[str, object] = {"status": a.status, "body": a.body}
        if a.statuses:
            item["statuses"] = list(a.statuses)
        items.append(item)
    return json.dumps({"answers": items}, ensure_ascii=False)


def decode_answers(body: bytes, expected: int) -> list[PackageAnswer] | None:
    """The per-package answers of a batch reply, or None when the reply is not one (the peer
    did not take the batch as a batch)."""
    try:
        data = json.loads(body.decode("utf-8"))
        answers = [
            PackageAnswer(int(a["status"]), str(a["body"]), _statuses(a.get("statuses", [])))
            for a in data["answers"]
        ]
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError):
        return None
    return answers if len(answers) == expected else None


def _statuses(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise TypeError("statuses must be a list of strings")
    return tuple(value)

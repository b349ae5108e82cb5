"""The directory of known organisations (danh bạ liên thông): edit, export, import.

The file a province distributes is one JSON document:

    {"format": "vanphong-exchange-directory", "version": 1, "exported_at": "...",
     "entries": [{"identifier": "000.00.01.T45", "name": "...", "inbox_url": "https://...",
                  "certificate_pem": "-----BEGIN CERTIFICATE-----...", "is_hub": false,
                  "via_hub": "000.00.00.HUB", "is_active": true}, ...]}

Import adds new entries and updates existing ones (by identifier); it never deletes. The whole
file is checked first and applied in one transaction: one bad entry and nothing changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from vanphong.core.audit import audit_record
from vanphong.core.errors import DomainError
from vanphong.core.models import User, identifier_validator
from vanphong.core.policy import require
from vanphong.core.text import nfc
from vanphong.exchange.models import Peer
from vanphong.exchange.node import cert_fingerprint

FORMAT = "vanphong-exchange-directory"
_DENIED = "Chỉ quản trị hệ thống được sửa danh bạ liên thông."


def _valid_url(url: str) -> bool:
    """http(s)://host[:port]/path; internal host names without a dot are fine (LAN)."""
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and port_ok
        and not any(c.isspace() for c in url)
    )


@dataclass
class PeerData:
    identifier: str
    name: str
    inbox_url: str = ""
    certificate_pem: str = ""
    is_hub: bool = False
    via_hub: str = ""  # identifier of the hub entry
    is_active: bool = True


def _clean(data: PeerData, *, label: str = "") -> PeerData:
    where = f"{label}: " if label else ""
    identifier = data.identifier.strip().upper()
    try:
        identifier_validator(identifier)
    except ValidationError:
        raise DomainError(
            f"{where}mã định danh “{data.identifier}” không đúng định dạng (ví dụ 000.00.00.G22).",
            field="identifier",
        ) from None
    if len(identifier) > 35:
        raise DomainError(f"{where}mã định danh dài tối đa 35 ký tự.", field="identifier")
    name = nfc(data.name.strip())
    if not name:
        raise DomainError(f"{where}vui lòng nhập tên cơ quan.", field="name")
    url = data.inbox_url.strip()
    if url and not _valid_url(url):
        raise DomainError(f"{where}địa chỉ nhận “{url}” không hợp lệ.", field="inbox_url")
    pem = data.certificate_pem.strip()
    if pem:
        cert_fingerprint(pem)  # raises a DomainError when it is not a PEM certificate
        pem += "\n"
    via = data.via_hub.strip().upper()
    if via == identifier:
        raise DomainError(f"{where}một cơ quan không thể gửi qua chính nó.", field="via_hub")
    if data.is_hub and via:
        raise DomainError(f"{where}trục liên thông không gửi qua trục khác.", field="via_hub")
    if not url and not via and data.is_active:
        raise DomainError(
            f"{where}cần địa chỉ nhận gói tin, hoặc chọn trục liên thông để gửi qua.",
            field="inbox_url",
        )
    return PeerData(identifier, name[:255], url, pem, data.is_hub, via, data.is_active)


def _apply(clean: PeerData, hubs: dict[str, Peer]) -> tuple[Peer, bool]:
    hub = None
    if clean.via_hub:
        hub = (
            hubs.get(clean.via_hub)
            or Peer.objects.filter(identifier=clean.via_hub, is_hub=True).first()
        )
        if hub is None:
            raise DomainError(
                f"{clean.identifier}: trục “{clean.via_hub}” chưa có trong danh bạ (hoặc chưa "
                "được đánh dấu là trục).",
                field="via_hub",
            )
    peer, created = Peer.objects.update_or_create(
        identifier=clean.identifier,
        defaults={
            "name": clean.name,
            "inbox_url": clean.inbox_url,
            "certificate_pem": clean.certificate_pem,
            "certificate_sha256": cert_fingerprint(clean.certificate_pem)
            if clean.certificate_pem
            else "",
            "is_hub": clean.is_hub,
            "via_hub": hub,
            "is_active": clean.is_active,
        },
    )
    return peer, created


def peer_save(*, actor: User, data: PeerData) -> Peer:
    """Add or update one entry (by identifier)."""
    require(actor, "exchange.manage_directory", None, _DENIED)
    clean = _clean(data)
    with transaction.atomic():
        peer, created = _apply(clean, {})
        if not clean.is_hub and peer.served_through.exists():
            raise DomainError("Cơ quan này đang là trục của cơ quan khác; không bỏ đánh dấu trục.")
        audit_record(
            actor=actor,
            action="exchange.directory_add" if created else "exchange.directory_edit",
            obj=peer,
            summary=f"{'Thêm' if created else 'Sửa'} danh bạ liên thông: {peer}",
            data={"identifier": peer.identifier, "certificate": peer.certificate_sha256},
        )
    return peer


def peer_delete(*, actor: User, peer: Peer | int) -> None:
    require(actor, "exchange.manage_directory", None, _DENIED)
    with transaction.atomic():
        pk = peer if isinstance(peer, int) else peer.pk
        row = Peer.objects.select_for_update().get(pk=pk)
        if row.served_through.exists():
            raise DomainError("Trục này đang được cơ quan khác dùng; hãy đổi các cơ quan đó trước.")
        audit_record(
            actor=actor,
            action="exchange.directory_delete",
            obj=row,
            summary=f"Xóa khỏi danh bạ liên thông: {row}",
        )
        row.delete()


def _entry(peer: Peer) -> dict[str, Any]:
    return {
        "identifier": peer.identifier,
        "name": peer.name,
        "inbox_url": peer.inbox_url,
        "certificate_pem": peer.certificate_pem,
        "is_hub": peer.is_hub,
        "via_hub": peer.via_hub.identifier if peer.via_hub else "",
        "is_active": peer.is_active,
    }


def directory_export(*, actor: User | None) -> bytes:
    """The whole directory as the JSON file (hubs first, so an import resolves them)."""
    if actor is not None:
        require(actor, "exchange.manage_directory", None, _DENIED)
    peers = Peer.objects.select_related("via_hub").order_by("-is_hub", "identifier")
    entries = [_entry(p) for p in peers]
    document = {
        "format": FORMAT,
        "version": 1,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "entries": entries,
    }
    if actor is not None:
        audit_record(
            actor=actor,
            action="exchange.directory_export",
            summary=f"Xuất danh bạ liên thông ({len(entries)} cơ quan)",
        )
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def directory_import(*, actor: User | None, data: bytes) -> ImportResult:
    """Apply a directory file: every entry checked first, then all written in one transaction.
    `actor=None` is the `vanphong exchange directory import` command (operator on the server)."""
    if actor is not None:
        require(actor, "exchange.manage_directory", None, _DENIED)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise DomainError("Tệp danh bạ không phải JSON UTF-8 hợp lệ.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DomainError(f'Tệp không phải danh bạ liên thông (thiếu "format": "{FORMAT}").')
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise DomainError('Tệp danh bạ thiếu danh sách "entries".')
    cleaned: list[PeerData] = []
    seen: set[str] = set()
    for index, raw in enumerate(entries, start=1):
        if not isinstance(raw, dict):
            raise DomainError(f"Mục thứ {index} của danh bạ không hợp lệ.")
        try:
            item = PeerData(
                identifier=str(raw.get("identifier", "")),
                name=str(raw.get("name", "")),
                inbox_url=str(raw.get("inbox_url") or ""),
                certificate_pem=str(raw.get("certificate_pem") or ""),
                is_hub=bool(raw.get("is_hub", False)),
                via_hub=str(raw.get("via_hub") or ""),
                is_active=bool(raw.get("is_active", True)),
            )
        except (TypeError, ValueError):
            raise DomainError(f"Mục thứ {index} của danh bạ không hợp lệ.") from None
        clean = _clean(item, label=f"Mục {index} ({item.identifier or 'không mã'})")
        if clean.identifier in seen:
            raise DomainError(f"Mã định danh {clean.identifier} xuất hiện hai lần trong tệp.")
        seen.add(clean.identifier)
        cleaned.append(clean)
    created = updated = 0
    with transaction.atomic():
        hubs: dict[str, Peer] = {}
        # hubs first (without their own via_hub), then the others pointing at them
        for clean in sorted(cleaned, key=lambda c: not c.is_hub):
            peer, was_created = _apply(clean, hubs)
            if peer.is_hub:
                hubs[peer.identifier] = peer
            created += int(was_created)
            updated += int(not was_created)
        audit_record(
            actor=actor,
            actor_name="" if actor else "lệnh vanphong exchange",
            action="exchange.directory_import",
            summary=f"Nhập danh bạ liên thông: {created} mới, {updated} cập nhật",
            data={"created": created, "updated": updated},
        )
    return ImportResult(created, updated)


def node_entries_file() -> bytes:
    """A directory file with this node's own organisations (its inbox and certificate), for the
    province to merge into the directory it distributes (`vanphong exchange directory self`)."""
    from django.conf import settings

    from vanphong.exchange.node import identity, inbox_url, served_organisations

    cert = identity().cert_pem.decode()
    entries = [
        {
            "identifier": org.identifier,
            "name": org.full_name,
            "inbox_url": inbox_url(),
            "certificate_pem": cert,
            "is_hub": False,
            "via_hub": "",
            "is_active": True,
        }
        for org in served_organisations().order_by("identifier")
    ]
    document = {
        "format": FORMAT,
        "version": 1,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "hub": bool(settings.EXCHANGE_HUB),
        "entries": entries,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")

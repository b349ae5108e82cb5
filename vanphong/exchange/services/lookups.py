"""The directory as one inbox request sees it (`Lookups`), and the organisation a package's
sender is recorded as."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from django.db import transaction

from vanphong.core.audit import Entry, audit_record_many
from vanphong.core.models import Organisation, OrgLevel, Role, User
from vanphong.exchange.models import Peer
from vanphong.exchange.node import served_identifiers


@dataclass
class Lookups:
    """The directory as one request sees it, read once however many packages the request
    carries (a batch), or the answer to one carries (statuses with the receipts): the
    organisations served here, the senders' directory entries and organisations, the văn thư
    to notify.

    With `audit` (a list), the audit rows of the packages stored are added to it instead of
    written one by one: the caller writes them with one lock of the chain, in the transaction
    that stores the packages (`outbox._settle_all`). With `notices` (a list), the văn thư's
    notifications of the arrivals are gathered there after commit and go as one job
    (`send_notices`, which the caller registers after storing the packages)."""

    served: set[str] | None = None
    peers: dict[str, Peer | None] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    senders: dict[str, Organisation] = field(default_factory=dict)
    clerks: dict[int, list[int]] = field(default_factory=dict)
    audit: list[Entry] | None = None
    notices: list[tuple[list[int], str, str]] | None = None

    def served_identifiers(self) -> set[str]:
        if self.served is None:
            self.served = served_identifiers()
        return self.served

    def peer(self, identifier: str) -> Peer | None:
        if identifier not in self.peers:
            entries = Peer.objects.filter(identifier=identifier, is_active=True).order_by()
            self.peers[identifier] = next(iter(entries[:1]), None)
        return self.peers[identifier]

    def served_organisation(self, identifier: str) -> Organisation:
        """An organisation served here, with its parent (status 01 names it)."""
        if identifier not in self.organisations:
            served = Organisation.objects.select_related("parent")
            self.organisations[identifier] = served.get(identifier=identifier, served_here=True)
        return self.organisations[identifier]

    def sender(self, identifier: str, name: str) -> Organisation:
        """The sender in the organisation directory; one added by this package (its first
        arrival) is not kept: the package's transaction may yet be rolled back."""
        if identifier not in self.senders:
            found = Organisation.objects.filter(identifier=identifier).order_by("pk")[:1]
            if not found:
                return sender_organisation(identifier, name)
            self.senders[identifier] = found[0]
        return self.senders[identifier]

    def clerk_ids(self, organisation_id: int) -> list[int]:
        """The active văn thư of an organisation (told of each arrival)."""
        if organisation_id not in self.clerks:
            clerks = User.objects.filter(
                organisation_id=organisation_id, is_active=True, roles__role=Role.VAN_THU
            )
            self.clerks[organisation_id] = list(clerks.distinct().values_list("pk", flat=True))
        return self.clerks[organisation_id]

    def record(self, entry: Entry) -> None:
        if self.audit is None:
            audit_record_many([entry])
        else:
            self.audit.append(entry)

    def notify(self, user_ids: list[int], title: str, url: str) -> None:
        """Tell the văn thư after commit: gathered in `notices` when there is that list (a
        package rolled back with its savepoint adds nothing), else as a job of its own."""
        notice = (user_ids, title, url)
        if self.notices is None:
            from vanphong.notifications.tasks import notify_many

            transaction.on_commit(
                lambda: notify_many(notices=[notice], kind="exchange"), robust=True
            )
        else:
            transaction.on_commit(partial(self.notices.append, notice), robust=True)

    def send_notices(self) -> None:
        """The gathered notifications, as one job (registered with `transaction.on_commit`
        after the packages were stored, so it runs after every `notify` of the transaction)."""
        if self.notices:
            from vanphong.notifications.tasks import notify_many

            notify_many(notices=list(self.notices), kind="exchange")
            self.notices.clear()


def sender_organisation(identifier: str, name: str) -> Organisation:
    """The sender in the organisation directory (added on first arrival, like sender_create)."""
    org = Organisation.objects.filter(identifier=identifier).first()
    if org is not None:
        return org
    peer = Peer.objects.filter(identifier=identifier).first()
    level, _ = OrgLevel.objects.get_or_create(
        code="ngoai", defaults={"name": "Cơ quan, tổ chức khác", "rank": 9}
    )
    return Organisation.objects.create(
        level=level,
        full_name=(name or (peer.name if peer else "") or identifier)[:255],
        identifier=identifier,
    )

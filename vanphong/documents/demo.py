"""Demo incoming documents: a few hundred realistic arrivals in every state.

Every document goes through the real services (register, present, route, assign, progress,
complete, close, cancel...), so numbers, history, work items, notifications and the audit chain
are exactly what real use produces. Only the arrival dates are in the past (the services accept
them); the history rows carry the time the demo was loaded.

Idempotent: an organisation that already holds incoming documents is left alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from vanphong.core.demo import ORGANISATIONS
from vanphong.core.models import Organisation, Secrecy, Unit, User
from vanphong.documents import access, services
from vanphong.documents import demo_corpus as corpus
from vanphong.documents.demo_pdf import PdfDocument, render
from vanphong.documents.models import Channel, DocumentType, IncomingDocument, Urgency
from vanphong.documents.reference import ensure_document_types
from vanphong.numbering.models import Register, RegisterKind, RestartRule

# Scenario -> (weight in the Văn phòng Tỉnh ủy, range of "days ago" for the arrival date).
SCENARIOS: dict[str, tuple[float, tuple[int, int]]] = {
    "registered": (0.05, (0, 1)),
    "presented": (0.07, (0, 3)),
    "returned_to_clerk": (0.01, (1, 4)),
    "cancelled": (0.02, (1, 120)),
    "duplicate": (0.01, (1, 60)),
    "closed_info": (0.08, (2, 170)),
    "assigned": (0.07, (1, 20)),
    "forwarded": (0.02, (3, 30)),
    "in_progress": (0.20, (3, 80)),
    "direct": (0.04, (2, 60)),
    "extended": (0.02, (25, 70)),
    "done": (0.06, (3, 40)),
    "returned": (0.02, (5, 40)),
    "closed": (0.29, (5, 175)),
    "secret": (0.04, (0, 170)),
}
# Organisations other than the Văn phòng get a simpler mix (no forwarding, fewer units).
SMALL_ORG_SCENARIOS = (
    "registered",
    "presented",
    "assigned",
    "in_progress",
    "direct",
    "done",
    "closed",
    "closed",
    "closed_info",
    "cancelled",
    "secret",
)
ROUTED = {"assigned", "forwarded", "in_progress", "direct", "extended", "done", "returned"}


@dataclass
class UnitCast:
    unit: Unit
    heads: list[User]
    handlers: list[User]
    weight: float


@dataclass
class Cast:
    """The people of one organisation who play the demo."""

    organisation: Organisation
    clerks: list[User]  # the first one holds the secret register
    routers: list[User]
    units: list[UnitCast]
    direct_handlers: list[User]
    readers: list[User]
    sender_filter: Callable[[corpus.SenderSpec], bool] = lambda spec: True


@dataclass
class Arrival:
    spec: corpus.SenderSpec
    sender: Organisation
    doc_type: DocumentType
    code_notation: str
    summary: str
    document_date: date
    arrival_date: date
    scenario: str
    urgency: int = Urgency.NORMAL
    secrecy: int = Secrecy.NONE
    channel: str = Channel.PAPER
    signer: tuple[str, str, str] = ("", "", "")
    files: list[SimpleUploadedFile] = field(default_factory=list)
    page_count: int | None = None


def ensure_incoming_registers() -> int:
    """Every organisation served here gets "Sổ văn bản đến" and "Sổ văn bản đến mật"."""
    created = 0
    for org in Organisation.objects.filter(served_here=True):
        for code, name, secret in (
            ("den", "Sổ văn bản đến", False),
            ("den-mat", "Sổ văn bản đến mật", True),
        ):
            _, made = Register.objects.get_or_create(
                organisation=org,
                code=code,
                defaults={
                    "name": name,
                    "kind": RegisterKind.INCOMING,
                    "for_secret": secret,
                    "restart_rule": RestartRule.YEARLY,
                },
            )
            created += made
    return created


_IDENTIFIERS = {row[0]: row[6] for row in ORGANISATIONS}


def _org(key: str) -> Organisation | None:
    return Organisation.objects.filter(identifier=_IDENTIFIERS[key]).first()


def _users(*usernames: str) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    return [found[name] for name in usernames if name in found]


def _unit(
    org: Organisation, name: str, heads: Sequence[str], handlers: Sequence[str], w: float
) -> UnitCast | None:
    unit = Unit.objects.filter(organisation=org, name=name).first()
    head_users, handler_users = _users(*heads), _users(*handlers)
    if unit is None or not head_users or not handler_users:
        return None
    return UnitCast(unit, head_users, handler_users, w)


def _casts() -> list[tuple[Cast, float]]:
    """(cast, share of the documents) for the Văn phòng, Ban Tổ chức and one commune."""
    casts: list[tuple[Cast, float]] = []
    vptu = _org("vptu")
    if vptu is not None:
        units = [
            _unit(
                vptu,
                "Phòng Tổng hợp",
                ["truongphong", "phophong"],
                ["chuyenvien", "chuyenvien", "chuyenvien2", "chuyenvien3"],
                0.5,
            ),
            _unit(vptu, "Phòng Đảng vụ", ["tpdv"], ["cvdv"], 0.2),
            _unit(vptu, "Phòng Hành chính - Lưu trữ", ["tphcl"], ["cvhcl"], 0.15),
            _unit(vptu, "Phòng Quản trị - Tài vụ", ["tpqttv"], ["cvqttv"], 0.15),
        ]
        cast = Cast(
            organisation=vptu,
            clerks=_users("vanthu", "vanthu2"),
            routers=_users("lanhdao", "lanhdao", "phochanh"),
            units=[u for u in units if u is not None],
            direct_handlers=_users("chuyenvien", "chuyenvien3", "cvdv"),
            readers=_users("chuyenvien", "truongphong", "tpdv", "chuyenvien2", "phochanh"),
            sender_filter=lambda spec: spec.issuer != "VPTU",
        )
        casts.append((cast, 0.88))
    btc = _org("btctu")
    if btc is not None:
        unit = _unit(btc, "Phòng Cán bộ", ["tpcb"], ["cvcb"], 1.0)
        cast = Cast(
            organisation=btc,
            clerks=_users("vanthubtc"),
            routers=_users("truongbantc"),
            units=[unit] if unit else [],
            direct_handlers=_users("cvcb"),
            readers=_users("tpcb"),
            sender_filter=lambda spec: spec.issuer not in ("BTCTU", "ĐU"),
        )
        casts.append((cast, 0.07))
    commune = _org("xa-an-binh")
    if commune is not None:
        cast = Cast(
            organisation=commune,
            clerks=_users("vanthuxa"),
            routers=_users("bithuxa"),
            units=[],
            direct_handlers=_users("vanthuxa"),
            readers=[],
            sender_filter=lambda spec: spec.issuer in corpus.COMMUNE_SENDER_ISSUERS,
        )
        casts.append((cast, 0.05))
    return [(c, share) for c, share in casts if c.clerks and c.routers]


def _scenario_list(n: int, rng: random.Random, full: bool) -> list[str]:
    if not full:
        names = [SMALL_ORG_SCENARIOS[i % len(SMALL_ORG_SCENARIOS)] for i in range(n)]
        rng.shuffle(names)
        return names
    names = []
    for name, (weight, _) in SCENARIOS.items():
        names.extend([name] * max(1, round(weight * n)))
    while len(names) > n:  # trim the largest group first, so small groups survive
        names.remove("closed")
    names.extend(["closed"] * (n - len(names)))
    rng.shuffle(names)
    return names


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


class NumberBook:
    """Số ký hiệu per sender and type: rising with the date, with gaps (other recipients)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last: dict[tuple[str, str], int] = {}

    def next(self, spec: corpus.SenderSpec, type_name: str, abbr: str) -> str:
        key = (spec.full_name, abbr)
        base = spec.base_number if type_name == "Công văn" else max(1, spec.base_number // 12)
        number = self.last.get(key, base + self.rng.randint(0, 20))
        number += self.rng.randint(1, max(2, base // 60))
        self.last[key] = number
        return corpus.code_notation(spec, type_name, abbr, number)


class _Loader:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.numbers = NumberBook(rng)
        self.types = {t.name: t for t in DocumentType.objects.filter(is_active=True)}
        self.connected = settings.NETWORK_ZONE == "connected"
        self._senders: dict[str, Organisation] = {}
        self._annex: bytes | None = None
        self._draft: bytes | None = None
        self._replies = 200

    # --- metadata -------------------------------------------------------------------------
    def sender(self, spec: corpus.SenderSpec, clerk: User) -> Organisation:
        org = self._senders.get(spec.full_name)
        if org is None:
            found = (
                Organisation.objects.filter(identifier=spec.identifier).first()
                if spec.identifier
                else None
            )
            org = found or services.sender_create(
                actor=clerk, full_name=spec.full_name, short_name=spec.short_name
            )
            self._senders[spec.full_name] = org
        return org

    def arrivals(self, cast: Cast, n: int) -> list[Arrival]:
        rng = self.rng
        specs = [s for s in corpus.weighted_senders() if cast.sender_filter(s)]
        result = []
        for scenario in _scenario_list(n, rng, full=len(cast.units) > 1):
            low, high = SCENARIOS[scenario][1]
            arrival = _weekday(self.today - timedelta(days=rng.randint(low, high)))
            spec = rng.choice(specs)
            type_name = rng.choice(spec.types)
            if type_name not in self.types:
                type_name = "Công văn"
            back = rng.choice((0, 0, 1, 1, 2, 3, 5))
            electronic = rng.random() < (0.7 if spec.party else 0.5)
            secrecy: int = Secrecy.NONE
            if scenario == "secret":
                wanted = Secrecy.TOI_MAT if rng.random() < 0.25 else Secrecy.MAT
                secrecy = min(int(wanted), cast.clerks[0].clearance)
                electronic = False  # secret documents never travel over the exchange
            urgency = rng.choices(
                [Urgency.NORMAL, Urgency.KHAN, Urgency.THUONG_KHAN, Urgency.HOA_TOC],
                [85, 9, 4, 2],
            )[0]
            result.append(
                Arrival(
                    spec=spec,
                    sender=self.sender(spec, cast.clerks[0]),
                    doc_type=self.types[type_name],
                    code_notation="",
                    summary="",
                    document_date=_weekday(arrival - timedelta(days=back)),
                    arrival_date=arrival,
                    scenario=scenario,
                    urgency=urgency,
                    secrecy=secrecy,
                    channel=Channel.ELECTRONIC if electronic else Channel.PAPER,
                    signer=rng.choice(spec.signers),
                )
            )
        result.sort(key=lambda a: (a.document_date, a.arrival_date))
        for a in result:
            a.code_notation = self.numbers.next(a.spec, a.doc_type.name, a.doc_type.abbr)
            a.summary = corpus.summary_for(a.doc_type.name, rng, a.document_date)
        result.sort(key=lambda a: a.arrival_date)  # the register runs in arrival order
        return result

    def attach(self, a: Arrival, recipient: str) -> None:
        if a.secrecy and self.connected:
            a.page_count = self.rng.randint(1, 6)
            return
        marks = []
        if a.urgency:
            marks.append(Urgency(a.urgency).label.upper())
        if a.secrecy:
            marks.append(Secrecy(a.secrecy).label.upper())
        data, pages = render(
            PdfDocument(
                party=a.spec.party,
                header=a.spec.header,
                code_notation=a.code_notation,
                place=a.spec.place,
                issued=a.document_date,
                type_name=a.doc_type.name,
                summary=a.summary,
                recipient=recipient,
                paragraphs=corpus.body_paragraphs(self.rng, a.document_date, recipient),
                signer_authority=a.signer[0],
                signer_position=a.signer[1],
                signer_name=a.signer[2],
                marks=tuple(marks),
            )
        )
        name = a.code_notation.replace("/", "-") + ".pdf"
        a.files = [SimpleUploadedFile(name, data, content_type="application/pdf")]
        a.page_count = pages
        if self.rng.random() < 0.15:
            a.files.append(
                SimpleUploadedFile("Phu-luc.pdf", self.annex(), content_type="application/pdf")
            )

    def annex(self) -> bytes:
        if self._annex is None:
            self._annex = self._plain_pdf(
                "PHỤ LỤC",
                "Biểu tổng hợp số liệu kèm theo văn bản",
                [
                    "Số tổ chức cơ sở đảng được kiểm tra, giám sát; số đảng viên được kiểm tra; "
                    "số tổ chức, đảng viên vi phạm đến mức phải xử lý kỷ luật.",
                    "Số liệu tính từ ngày 01 tháng đầu kỳ báo cáo đến hết ngày cuối kỳ báo cáo.",
                ],
            )
        return self._annex

    def draft(self) -> bytes:
        if self._draft is None:
            self._draft = self._plain_pdf(
                "DỰ THẢO",
                "Dự thảo văn bản tham mưu trả lời",
                [
                    "Văn phòng Tỉnh ủy dự thảo văn bản trả lời theo ý kiến chỉ đạo của lãnh đạo "
                    "Văn phòng; xin ý kiến các phòng liên quan trước khi trình ký.",
                ],
            )
        return self._draft

    def _plain_pdf(self, title: str, summary: str, paragraphs: list[str]) -> bytes:
        data, _ = render(
            PdfDocument(
                party=True,
                header=corpus.SENDERS[5].header,
                code_notation="   -CV/VPTU",
                place=corpus.PROVINCE,
                issued=self.today,
                type_name=title.title(),
                summary=summary,
                recipient="Thường trực Tỉnh ủy",
                paragraphs=paragraphs,
                signer_authority="VĂN PHÒNG TỈNH ỦY",
                signer_position="",
                signer_name="",
            )
        )
        return data

    def due(self, arrival: date, kind: str) -> date | None:
        rng, today = self.rng, self.today
        if kind == "overdue" and (today - arrival).days >= 2:
            return arrival + timedelta(days=rng.randint(1, (today - arrival).days - 1))
        if kind == "soon":
            return today + timedelta(days=rng.randint(0, settings.DUE_SOON_DAYS))
        if kind == "none":
            return None
        return today + timedelta(days=rng.randint(settings.DUE_SOON_DAYS + 2, 30))

    def reply(self) -> str:
        self._replies += self.rng.randint(1, 4)
        return f"Công văn số {self._replies}-CV/VPTU ngày {self.today:%d/%m/%Y}"

    # --- the workflow ---------------------------------------------------------------------
    def run(self, cast: Cast, a: Arrival) -> int:
        rng = self.rng
        secret = a.secrecy > Secrecy.NONE
        clerk = cast.clerks[0] if secret else rng.choice(cast.clerks)
        self.attach(a, "Văn phòng Tỉnh ủy" if len(cast.units) > 1 else cast.organisation.full_name)
        data = services.IncomingData(
            sender=a.sender,
            code_notation=a.code_notation,
            document_date=a.document_date,
            doc_type=a.doc_type,
            summary=a.summary,
            arrival_date=a.arrival_date,
            signer_name=a.signer[2],
            page_count=a.page_count,
            urgency=a.urgency,
            secrecy=a.secrecy,
            channel=a.channel,
            files=a.files,
            notes="Bản chính gửi qua đường bưu chính." if a.channel == Channel.PAPER else "",
        )
        doc = services.incoming_register(actor=clerk, data=data, today=self.today)
        made = 1
        s = a.scenario
        if s == "duplicate":
            copy = services.IncomingData(**{**data.__dict__, "files": [], "channel": "paper"})
            again = services.incoming_register(
                actor=clerk,
                data=copy,
                duplicate_reason="Nhận bản giấy sau bản điện tử, kiểm tra lại",
                today=self.today,
            )
            services.incoming_link_duplicate(actor=clerk, document=again, original=doc)
            made += 1
        if s == "registered" or (secret and self.connected):
            return made
        if s == "cancelled":
            services.incoming_cancel(
                actor=clerk, document=doc, reason=rng.choice(corpus.CANCEL_REASONS)
            )
            return made
        routers = [r for r in cast.routers if r.clearance >= a.secrecy]
        router = rng.choice(routers or cast.routers)
        services.incoming_present(actor=clerk, document=doc, to=router)
        if s in ("presented", "duplicate") or a.secrecy >= Secrecy.TOI_MAT:
            return made
        if s == "returned_to_clerk":
            services.incoming_return_to_clerk(
                actor=router, document=doc, note="Đề nghị văn thư bổ sung tệp phụ lục kèm theo."
            )
            return made
        if s == "closed_info":
            services.incoming_close(actor=router, document=doc, note="Lưu hồ sơ, để biết.")
            return made
        self.handle(cast, a, doc, router, s if s != "secret" else "in_progress")
        return made

    def handle(self, cast: Cast, a: Arrival, doc: IncomingDocument, router: User, s: str) -> None:
        rng = self.rng
        open_case = s in ROUTED and s != "done"
        kind = rng.choices(["overdue", "soon", "later", "none"], [25, 20, 40, 15])[0]
        if s == "extended":
            kind = "overdue"
        elif not open_case:
            kind = "later" if (self.today - a.arrival_date).days < 12 else "none"
            kind = "overdue" if s == "closed" and rng.random() < 0.15 else kind
        due = self.due(a.arrival_date, kind)
        units = [u for u in cast.units if any(h.clearance >= a.secrecy for h in u.heads)]
        direct = s == "direct" or not units
        lead: UnitCast | None = None
        if not direct:
            lead = rng.choices(units, [u.weight for u in units])[0]
        readers = [r for r in cast.readers if r.pk != router.pk and r.clearance >= a.secrecy]
        lead_user = None
        if direct:
            people = [p for p in cast.direct_handlers if p.clearance >= a.secrecy]
            if not people:
                return
            lead_user = rng.choice(people)
        if lead is not None:
            readers = [r for r in readers if r not in lead.heads]
        co_units = []
        if lead is not None and len(units) > 1 and not a.secrecy and rng.random() < 0.15:
            co_units = [rng.choice([u for u in units if u is not lead]).unit]
        info = rng.sample(readers, k=min(len(readers), rng.choice((1, 2)))) if readers else []
        if rng.random() > 0.3:
            info = []
        name = lead.unit.name if lead else (lead_user.full_name if lead_user else "")
        plan = services.Assignment(
            direction=rng.choice(corpus.DIRECTIONS).format(unit=name),
            lead_unit=lead.unit if lead else None,
            lead_user=lead_user,
            co_units=co_units,
            info_users=info,
            due_date=due,
        )
        services.incoming_route(actor=router, document=doc, plan=plan)
        handler = lead_user
        if lead is not None:
            if s == "forwarded":
                others = [u for u in units if u is not lead]
                if others:
                    target = rng.choice(others)
                    services.incoming_forward(
                        actor=lead.heads[0],
                        document=doc,
                        to_unit=target.unit,
                        note="Nội dung thuộc lĩnh vực đơn vị khác theo dõi; đề nghị chuyển.",
                    )
                    lead = target
            if s == "assigned" or (s == "forwarded" and rng.random() < 0.5):
                return
            head = rng.choice([h for h in lead.heads if h.clearance >= a.secrecy] or lead.heads)
            handlers = [h for h in lead.handlers if h.clearance >= a.secrecy]
            if not handlers:
                return
            handler = rng.choice(handlers)
            helpers = [h for h in set(lead.handlers) if h.pk != handler.pk]
            helpers = [h for h in helpers if h.clearance >= a.secrecy]
            co_users = [rng.choice(helpers)] if helpers and rng.random() < 0.15 else []
            services.incoming_assign_handler(
                actor=head,
                document=doc,
                handler=handler,
                co_users=co_users,
                note="Đồng chí nghiên cứu, tham mưu theo ý kiến chỉ đạo của lãnh đạo Văn phòng.",
            )
        assert handler is not None
        self.work(doc, handler, open_case, s)
        if s in ("in_progress", "direct", "forwarded"):
            return
        if s == "extended":
            services.incoming_extend(
                actor=router,
                document=doc,
                due_date=self.today + timedelta(days=rng.randint(5, 20)),
                note="Đồng ý gia hạn theo đề nghị của đơn vị chủ trì.",
            )
            return
        for item in doc.work_items.filter(kind="co", status__in=["open", "active"]).select_related(
            "user"
        ):
            if rng.random() < 0.7:
                services.incoming_co_done(
                    actor=item.user, document=doc, note="Đã góp ý vào dự thảo."
                )
        services.incoming_complete(
            actor=handler,
            document=doc,
            note="Đã tham mưu văn bản trả lời, trình lãnh đạo Văn phòng ký ban hành.",
            reply_reference=self.reply() if rng.random() < 0.6 else "",
        )
        if s == "returned":
            services.incoming_return(
                actor=router,
                document=doc,
                note="Đề nghị bổ sung số liệu của các đảng ủy trực thuộc, hoàn chỉnh lại.",
            )
            return
        if s == "done":
            return
        services.incoming_close(actor=router, document=doc, note="Đồng ý kết quả, lưu hồ sơ.")
        for item in doc.work_items.filter(kind="info", status="open").select_related("user"):
            if rng.random() < 0.6:
                services.incoming_mark_read(actor=item.user, document=doc)

    def work(self, doc: IncomingDocument, handler: User, open_case: bool, s: str) -> None:
        rng = self.rng
        roll = rng.random()
        if open_case and s not in ("extended",) and roll < 0.15:
            return  # still waiting in the handler's "chờ xử lý" list
        if roll < 0.45:
            services.incoming_start(actor=handler, document=doc)
            return
        files = []
        if rng.random() < 0.4:
            files = [
                SimpleUploadedFile(
                    "Du-thao-van-ban.pdf", self.draft(), content_type="application/pdf"
                )
            ]
        services.incoming_progress(
            actor=handler, document=doc, note=rng.choice(corpus.PROGRESS_NOTES), files=files
        )


def load_demo_documents(count: int = 300) -> int:
    """Register `count` demo documents (most in the Văn phòng Tỉnh ủy); return how many."""
    ensure_document_types()
    ensure_incoming_registers()
    if count <= 0:
        return 0
    today = access.today()
    loader = _Loader(random.Random(2026), today)
    created = 0
    for cast, share in _casts():
        if IncomingDocument.objects.filter(organisation=cast.organisation).exists():
            continue  # already loaded (or in real use): never doubled
        n = max(1, round(count * share))
        with transaction.atomic():
            for arrival in loader.arrivals(cast, n):
                created += loader.run(cast, arrival)
    return created

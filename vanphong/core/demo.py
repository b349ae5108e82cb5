"""The demo province committee: organisations, units and about 25 people in every role."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from vanphong.core.models import Organisation, OrgLevel, Role, Secrecy, Unit, User
from vanphong.core.services import user_set_roles

DEMO_PASSWORD = "VanPhong@2026"

LEVELS = [
    ("trung-uong", "Trung ương", 0, False),
    ("tinh-uy", "Tỉnh ủy, Thành ủy", 1, False),
    ("co-quan-tham-muu", "Cơ quan tham mưu, giúp việc cấp tỉnh", 2, False),
    ("dang-uy-truc-thuoc", "Đảng ủy trực thuộc", 2, False),
    ("huyen-uy", "Huyện ủy, Quận ủy (lịch sử)", 3, True),
    ("dang-uy-xa", "Đảng ủy xã, phường", 3, False),
    ("co-quan-nha-nuoc", "Cơ quan nhà nước", 2, False),
]

# (key, level, parent key, full name, short, issuer abbr, identifier, served here)
ORGANISATIONS = [
    (
        "tw",
        "trung-uong",
        None,
        "Ban Chấp hành Trung ương Đảng",
        "BCHTW",
        "TW",
        "000.00.00.A01",
        False,
    ),
    (
        "vptw",
        "trung-uong",
        "tw",
        "Văn phòng Trung ương Đảng",
        "VPTW",
        "VPTW",
        "000.00.01.A01",
        False,
    ),
    ("tu", "tinh-uy", "tw", "Tỉnh ủy Hòa Bình Xanh", "Tỉnh ủy", "TU", "000.00.00.T45", True),
    ("vptu", "co-quan-tham-muu", "tu", "Văn phòng Tỉnh ủy", "VPTU", "VPTU", "000.00.01.T45", True),
    (
        "btctu",
        "co-quan-tham-muu",
        "tu",
        "Ban Tổ chức Tỉnh ủy",
        "BTCTU",
        "BTCTU",
        "000.00.02.T45",
        True,
    ),
    (
        "ubkttu",
        "co-quan-tham-muu",
        "tu",
        "Ủy ban Kiểm tra Tỉnh ủy",
        "UBKTTU",
        "UBKTTU",
        "000.00.03.T45",
        True,
    ),
    (
        "btgdvtu",
        "co-quan-tham-muu",
        "tu",
        "Ban Tuyên giáo và Dân vận Tỉnh ủy",
        "BTGDVTU",
        "BTGDVTU",
        "000.00.04.T45",
        True,
    ),
    (
        "bnctu",
        "co-quan-tham-muu",
        "tu",
        "Ban Nội chính Tỉnh ủy",
        "BNCTU",
        "BNCTU",
        "000.00.05.T45",
        True,
    ),
    (
        "dukcqd",
        "dang-uy-truc-thuoc",
        "tu",
        "Đảng ủy các cơ quan Đảng tỉnh",
        "ĐUCCQĐ",
        "ĐU",
        "000.00.06.T45",
        True,
    ),
    (
        "xa-an-binh",
        "dang-uy-xa",
        "tu",
        "Đảng ủy xã An Bình",
        "ĐU xã An Bình",
        "ĐU",
        "000.01.10.T45",
        True,
    ),
    (
        "phuong-dong-tien",
        "dang-uy-xa",
        "tu",
        "Đảng ủy phường Đồng Tiến",
        "ĐU phường Đồng Tiến",
        "ĐU",
        "000.01.11.T45",
        True,
    ),
    (
        "xa-thanh-son",
        "dang-uy-xa",
        "tu",
        "Đảng ủy xã Thanh Sơn",
        "ĐU xã Thanh Sơn",
        "ĐU",
        "000.01.12.T45",
        True,
    ),
    (
        "hu-lac-thuy",
        "huyen-uy",
        "tu",
        "Huyện ủy Lạc Thủy (trước 7/2025)",
        "HU Lạc Thủy",
        "HU",
        "000.01.01.T45",
        False,
    ),
    (
        "ubnd",
        "co-quan-nha-nuoc",
        None,
        "Ủy ban nhân dân tỉnh Hòa Bình Xanh",
        "UBND tỉnh",
        "UBND",
        "000.00.00.H45",
        False,
    ),
    (
        "snv",
        "co-quan-nha-nuoc",
        "ubnd",
        "Sở Nội vụ tỉnh Hòa Bình Xanh",
        "Sở Nội vụ",
        "SNV",
        "000.00.05.H45",
        False,
    ),
    (
        "stc",
        "co-quan-nha-nuoc",
        "ubnd",
        "Sở Tài chính tỉnh Hòa Bình Xanh",
        "Sở Tài chính",
        "STC",
        "000.00.06.H45",
        False,
    ),
    (
        "hdnd",
        "co-quan-nha-nuoc",
        None,
        "Hội đồng nhân dân tỉnh Hòa Bình Xanh",
        "HĐND tỉnh",
        "HĐND",
        "000.00.00.K45",
        False,
    ),
    (
        "mttq",
        "co-quan-nha-nuoc",
        None,
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Hòa Bình Xanh",
        "UBMTTQ tỉnh",
        "MTTQ",
        "000.00.00.M45",
        False,
    ),
]

UNITS = {
    "vptu": [
        ("Phòng Tổng hợp", "TH"),
        ("Phòng Hành chính - Lưu trữ", "HCLT"),
        ("Phòng Quản trị - Tài vụ", "QTTV"),
        ("Phòng Đảng vụ", "ĐV"),
    ],
    "btctu": [("Phòng Tổ chức đảng - đảng viên", "TCĐ"), ("Phòng Cán bộ", "CB")],
    "ubkttu": [("Phòng Kiểm tra 1", "KT1")],
    "btgdvtu": [("Phòng Tuyên truyền", "TT")],
    "bnctu": [("Phòng Nội chính", "NC")],
    "dukcqd": [("Văn phòng Đảng ủy", "VP")],
}


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str
    org: str
    unit: str | None
    position: str
    roles: tuple[str, ...]
    clearance: int = Secrecy.NONE


PEOPLE = [
    Person(
        "admin",
        "Trần Quốc Hưng",
        "vptu",
        "Phòng Hành chính - Lưu trữ",
        "Chuyên viên công nghệ thông tin",
        (Role.QUAN_TRI,),
    ),
    Person(
        "vanthu",
        "Nguyễn Thị Thu Hà",
        "vptu",
        "Phòng Hành chính - Lưu trữ",
        "Văn thư",
        (Role.VAN_THU,),
        Secrecy.TOI_MAT,
    ),
    Person(
        "vanthu2", "Lê Thị Mai", "vptu", "Phòng Hành chính - Lưu trữ", "Văn thư", (Role.VAN_THU,)
    ),
    Person(
        "luutru",
        "Trịnh Thị Phương",
        "vptu",
        "Phòng Hành chính - Lưu trữ",
        "Cán bộ lưu trữ",
        (Role.LUU_TRU,),
        Secrecy.MAT,
    ),
    Person(
        "lanhdao",
        "Phạm Văn Đức",
        "vptu",
        None,
        "Chánh Văn phòng Tỉnh ủy",
        (Role.LANH_DAO_VAN_PHONG,),
        Secrecy.TUYET_MAT,
    ),
    Person(
        "phochanh",
        "Hoàng Minh Tuấn",
        "vptu",
        None,
        "Phó Chánh Văn phòng Tỉnh ủy",
        (Role.LANH_DAO_VAN_PHONG,),
        Secrecy.TOI_MAT,
    ),
    Person(
        "truongphong",
        "Vũ Thị Lan",
        "vptu",
        "Phòng Tổng hợp",
        "Trưởng phòng Tổng hợp",
        (Role.LANH_DAO_DON_VI,),
        Secrecy.MAT,
    ),
    Person(
        "phophong",
        "Đặng Văn Khoa",
        "vptu",
        "Phòng Tổng hợp",
        "Phó Trưởng phòng Tổng hợp",
        (Role.LANH_DAO_DON_VI,),
    ),
    Person(
        "chuyenvien",
        "Bùi Thị Ngọc Ánh",
        "vptu",
        "Phòng Tổng hợp",
        "Chuyên viên",
        (Role.CHUYEN_VIEN,),
        Secrecy.MAT,
    ),
    Person(
        "chuyenvien2", "Đỗ Quang Huy", "vptu", "Phòng Tổng hợp", "Chuyên viên", (Role.CHUYEN_VIEN,)
    ),
    Person(
        "chuyenvien3",
        "Ngô Thị Hồng",
        "vptu",
        "Phòng Tổng hợp",
        "Chuyên viên chính",
        (Role.CHUYEN_VIEN,),
    ),
    Person(
        "tphcl",
        "Trịnh Văn Long",
        "vptu",
        "Phòng Hành chính - Lưu trữ",
        "Trưởng phòng Hành chính - Lưu trữ",
        (Role.LANH_DAO_DON_VI,),
    ),
    Person(
        "cvhcl",
        "Phan Thị Yến",
        "vptu",
        "Phòng Hành chính - Lưu trữ",
        "Chuyên viên lưu trữ",
        (Role.CHUYEN_VIEN,),
    ),
    Person(
        "tpqttv",
        "Lý Văn Thành",
        "vptu",
        "Phòng Quản trị - Tài vụ",
        "Trưởng phòng Quản trị - Tài vụ",
        (Role.LANH_DAO_DON_VI,),
    ),
    Person(
        "cvqttv", "Mai Thị Hạnh", "vptu", "Phòng Quản trị - Tài vụ", "Kế toán", (Role.CHUYEN_VIEN,)
    ),
    Person(
        "tpdv",
        "Cao Văn Bình",
        "vptu",
        "Phòng Đảng vụ",
        "Trưởng phòng Đảng vụ",
        (Role.LANH_DAO_DON_VI,),
        Secrecy.MAT,
    ),
    Person("cvdv", "Tạ Thị Thanh", "vptu", "Phòng Đảng vụ", "Chuyên viên", (Role.CHUYEN_VIEN,)),
    Person(
        "bithu",
        "Nguyễn Văn Thắng",
        "tu",
        None,
        "Bí thư Tỉnh ủy",
        (Role.THUONG_TRUC,),
        Secrecy.TUYET_MAT,
    ),
    Person(
        "phobithu",
        "Lê Hoàng Nam",
        "tu",
        None,
        "Phó Bí thư Thường trực Tỉnh ủy",
        (Role.THUONG_TRUC,),
        Secrecy.TUYET_MAT,
    ),
    Person(
        "vanthubtc",
        "Hà Thị Phương",
        "btctu",
        None,
        "Văn thư Ban Tổ chức",
        (Role.VAN_THU,),
        Secrecy.MAT,
    ),
    Person(
        "truongbantc",
        "Đinh Công Sơn",
        "btctu",
        None,
        "Trưởng Ban Tổ chức Tỉnh ủy",
        (Role.LANH_DAO_VAN_PHONG,),
        Secrecy.TOI_MAT,
    ),
    Person(
        "tpcb",
        "Lương Thị Kim",
        "btctu",
        "Phòng Cán bộ",
        "Trưởng phòng Cán bộ",
        (Role.LANH_DAO_DON_VI,),
    ),
    Person("cvcb", "Kiều Văn Hải", "btctu", "Phòng Cán bộ", "Chuyên viên", (Role.CHUYEN_VIEN,)),
    Person("vanthuubkt", "Chu Thị Nga", "ubkttu", None, "Văn thư Ủy ban Kiểm tra", (Role.VAN_THU,)),
    Person("vanthuxa", "Quách Văn Tùng", "xa-an-binh", None, "Văn thư Đảng ủy xã", (Role.VAN_THU,)),
    Person(
        "bithuxa",
        "Tống Thị Hoa",
        "xa-an-binh",
        None,
        "Bí thư Đảng ủy xã An Bình",
        (Role.THUONG_TRUC, Role.LANH_DAO_VAN_PHONG),
    ),
]

DEMO_LOGINS = [
    ("admin", "quản trị"),
    ("vanthu", "văn thư Văn phòng Tỉnh ủy"),
    ("lanhdao", "lãnh đạo văn phòng (Chánh Văn phòng)"),
    ("truongphong", "trưởng Phòng Tổng hợp"),
    ("chuyenvien", "chuyên viên Phòng Tổng hợp"),
    ("bithu", "thường trực (Bí thư Tỉnh ủy)"),
    ("luutru", "cán bộ lưu trữ (số hóa tài liệu)"),
]


@transaction.atomic
def load_demo_organisation() -> dict[str, Organisation]:
    """Create (or update) the demo province. Idempotent: keys are identifiers and usernames."""
    levels = {}
    for code, name, rank, historical in LEVELS:
        levels[code], _ = OrgLevel.objects.update_or_create(
            code=code, defaults={"name": name, "rank": rank, "historical": historical}
        )
    orgs: dict[str, Organisation] = {}
    for key, level, parent, full, short, abbr, ident, served in ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(
            identifier=ident, defaults={"level": levels[level], "full_name": full}
        )
        org.level = levels[level]
        org.parent = orgs.get(parent) if parent else None
        org.full_name, org.short_name, org.issuer_abbr = full, short, abbr
        org.served_here = served
        org.superior_heading = "ĐẢNG BỘ TỈNH HÒA BÌNH XANH" if served else ""
        org.place_name = "Hòa Bình Xanh"
        org.save()
        orgs[key] = org
    demo_hash = make_password(DEMO_PASSWORD)  # one Argon2 hash reused: loading stays fast
    units: dict[tuple[str, str], Unit] = {}
    for org_key, names in UNITS.items():
        for order, (name, short) in enumerate(names):
            unit, _ = Unit.objects.update_or_create(
                organisation=orgs[org_key],
                name=name,
                defaults={"short_name": short, "order": order},
            )
            units[(org_key, name)] = unit
    for person in PEOPLE:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = User(username=person.username)
            user.password = demo_hash
        user.full_name = person.full_name
        user.email = f"{person.username}@demo.vanphong.local"
        user.organisation = orgs[person.org]
        user.unit = units[(person.org, person.unit)] if person.unit else None
        user.position = person.position
        user.clearance = person.clearance
        user.is_staff = user.is_superuser = Role.QUAN_TRI in person.roles
        user.save()
        user_set_roles(actor=None, user=user, roles=list(person.roles))
    return orgs

"""Vocabulary of the demo documents: senders, document types, numbers and summaries.

Everything here is plain data and pure functions (no database access), so the demo loader and the
benchmark fill draw realistic metadata from one place. Central documents cited as topics are real,
public Party documents; people's names are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

PROVINCE = "Hòa Bình Xanh"


@dataclass(frozen=True)
class SenderSpec:
    """How one sender writes: its number form, its header lines, what it sends and who signs."""

    full_name: str
    short_name: str
    issuer: str  # the issuer part of the số ký hiệu: TW, VPTW, UBND, SNV...
    party: bool  # Party form "123-CV/VPTW" and "ĐẢNG CỘNG SẢN VIỆT NAM"; else State form
    place: str
    header: tuple[str, ...]  # issuer block, superior body first (upper case)
    types: tuple[str, ...]  # document type names it sends, repeated to weight them
    signers: tuple[tuple[str, str, str], ...]  # (authority, position, full name)
    weight: int = 1
    identifier: str = ""  # directory identifier of a demo organisation; "" = extra sender
    departments: tuple[str, ...] = ()  # State công văn suffixes: 45/UBND-NC
    base_number: int = 100


_TW_SIGNERS = (("T/M BAN BÍ THƯ", "", "Lâm Quốc Trung"),)
_VPTW_SIGNERS = (
    ("K/T CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Phùng Văn Lộc"),
    ("T/L BAN BÍ THƯ", "CHÁNH VĂN PHÒNG", "Tạ Đức Hậu"),
)
_TU_SIGNERS = (
    ("T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ THƯỜNG TRỰC", "Lê Hoàng Nam"),
    ("T/M TỈNH ỦY", "BÍ THƯ", "Nguyễn Văn Thắng"),
)
_BAN_TU = ("ĐẢNG BỘ TỈNH " + PROVINCE.upper(),)

SENDERS: tuple[SenderSpec, ...] = (
    SenderSpec(
        "Ban Chấp hành Trung ương Đảng",
        "BCHTW",
        "TW",
        True,
        "Hà Nội",
        ("BAN CHẤP HÀNH TRUNG ƯƠNG",),
        ("Chỉ thị", "Kết luận", "Kết luận", "Quy định", "Hướng dẫn", "Thông báo"),
        _TW_SIGNERS,
        weight=4,
        identifier="000.00.00.A01",
        base_number=30,
    ),
    SenderSpec(
        "Văn phòng Trung ương Đảng",
        "VPTW",
        "VPTW",
        True,
        "Hà Nội",
        ("BAN CHẤP HÀNH TRUNG ƯƠNG", "VĂN PHÒNG"),
        ("Công văn", "Công văn", "Công văn", "Hướng dẫn", "Thông báo", "Giấy mời"),
        _VPTW_SIGNERS,
        weight=9,
        identifier="000.00.01.A01",
        base_number=1180,
    ),
    SenderSpec(
        "Ban Tổ chức Trung ương",
        "BTCTW",
        "BTCTW",
        True,
        "Hà Nội",
        ("BAN CHẤP HÀNH TRUNG ƯƠNG", "BAN TỔ CHỨC"),
        ("Công văn", "Công văn", "Hướng dẫn", "Hướng dẫn", "Báo cáo"),
        (("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Khổng Minh Tiến"),),
        weight=4,
        base_number=640,
    ),
    SenderSpec(
        "Ủy ban Kiểm tra Trung ương",
        "UBKTTW",
        "UBKTTW",
        True,
        "Hà Nội",
        ("BAN CHẤP HÀNH TRUNG ƯƠNG", "ỦY BAN KIỂM TRA"),
        ("Công văn", "Thông báo", "Hướng dẫn"),
        (("T/M ỦY BAN KIỂM TRA", "PHÓ CHỦ NHIỆM", "Nguyễn Hữu Phước"),),
        weight=2,
        base_number=210,
    ),
    SenderSpec(
        "Ban Tuyên giáo và Dân vận Trung ương",
        "BTGDVTW",
        "BTGDVTW",
        True,
        "Hà Nội",
        ("BAN CHẤP HÀNH TRUNG ƯƠNG", "BAN TUYÊN GIÁO VÀ DÂN VẬN"),
        ("Hướng dẫn", "Hướng dẫn", "Công văn", "Thông báo"),
        (("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Âu Thị Thu Trang"),),
        weight=3,
        base_number=150,
    ),
    SenderSpec(
        f"Tỉnh ủy {PROVINCE}",
        "Tỉnh ủy",
        "TU",
        True,
        PROVINCE,
        ("ĐẢNG BỘ TỈNH " + PROVINCE.upper(), "TỈNH ỦY"),
        ("Công văn", "Kế hoạch", "Chương trình", "Thông báo", "Thông báo", "Chỉ thị"),
        _TU_SIGNERS,
        weight=8,
        identifier="000.00.00.T45",
        base_number=560,
    ),
    SenderSpec(
        "Ban Tổ chức Tỉnh ủy",
        "BTCTU",
        "BTCTU",
        True,
        PROVINCE,
        (*_BAN_TU, "BAN TỔ CHỨC TỈNH ỦY"),
        ("Công văn", "Công văn", "Hướng dẫn", "Báo cáo", "Tờ trình"),
        (("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Lương Văn Quyết"),),
        weight=5,
        identifier="000.00.02.T45",
        base_number=930,
    ),
    SenderSpec(
        "Ủy ban Kiểm tra Tỉnh ủy",
        "UBKTTU",
        "UBKTTU",
        True,
        PROVINCE,
        (*_BAN_TU, "ỦY BAN KIỂM TRA TỈNH ỦY"),
        ("Báo cáo", "Báo cáo", "Thông báo", "Kế hoạch", "Công văn"),
        (("T/M ỦY BAN KIỂM TRA", "CHỦ NHIỆM", "Nguyễn Thị Thanh Xuân"),),
        weight=4,
        identifier="000.00.03.T45",
        base_number=120,
    ),
    SenderSpec(
        "Ban Tuyên giáo và Dân vận Tỉnh ủy",
        "BTGDVTU",
        "BTGDVTU",
        True,
        PROVINCE,
        (*_BAN_TU, "BAN TUYÊN GIÁO VÀ DÂN VẬN TỈNH ỦY"),
        ("Báo cáo", "Hướng dẫn", "Kế hoạch", "Công văn"),
        (("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Đoàn Thị Mỹ Linh"),),
        weight=4,
        identifier="000.00.04.T45",
        base_number=240,
    ),
    SenderSpec(
        "Ban Nội chính Tỉnh ủy",
        "BNCTU",
        "BNCTU",
        True,
        PROVINCE,
        (*_BAN_TU, "BAN NỘI CHÍNH TỈNH ỦY"),
        ("Báo cáo", "Công văn", "Tờ trình"),
        (("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Vương Đình Tài"),),
        weight=2,
        identifier="000.00.05.T45",
        base_number=85,
    ),
    SenderSpec(
        "Đảng ủy các cơ quan Đảng tỉnh",
        "ĐUCCQĐ",
        "ĐU",
        True,
        PROVINCE,
        (*_BAN_TU, "ĐẢNG ỦY CÁC CƠ QUAN ĐẢNG TỈNH"),
        ("Báo cáo", "Công văn", "Tờ trình"),
        (("T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Hà Văn Tiến"),),
        weight=3,
        identifier="000.00.06.T45",
        base_number=310,
    ),
    SenderSpec(
        "Đảng ủy xã An Bình",
        "ĐU xã An Bình",
        "ĐU",
        True,
        PROVINCE,
        (*_BAN_TU, "ĐẢNG ỦY XÃ AN BÌNH"),
        ("Báo cáo", "Báo cáo", "Công văn", "Tờ trình"),
        (("T/M ĐẢNG ỦY", "BÍ THƯ", "Tống Thị Hoa"),),
        weight=3,
        identifier="000.01.10.T45",
        base_number=40,
    ),
    SenderSpec(
        "Đảng ủy phường Đồng Tiến",
        "ĐU phường Đồng Tiến",
        "ĐU",
        True,
        PROVINCE,
        (*_BAN_TU, "ĐẢNG ỦY PHƯỜNG ĐỒNG TIẾN"),
        ("Báo cáo", "Công văn", "Tờ trình"),
        (("T/M ĐẢNG ỦY", "PHÓ BÍ THƯ", "Lò Văn Sướng"),),
        weight=2,
        identifier="000.01.11.T45",
        base_number=55,
    ),
    SenderSpec(
        "Đảng ủy xã Thanh Sơn",
        "ĐU xã Thanh Sơn",
        "ĐU",
        True,
        PROVINCE,
        (*_BAN_TU, "ĐẢNG ỦY XÃ THANH SƠN"),
        ("Báo cáo", "Công văn"),
        (("T/M ĐẢNG ỦY", "BÍ THƯ", "Bế Thị Duyên"),),
        weight=2,
        identifier="000.01.12.T45",
        base_number=30,
    ),
    SenderSpec(
        f"Ủy ban nhân dân tỉnh {PROVINCE}",
        "UBND tỉnh",
        "UBND",
        False,
        PROVINCE,
        ("ỦY BAN NHÂN DÂN", "TỈNH " + PROVINCE.upper()),
        ("Công văn", "Công văn", "Công văn", "Báo cáo", "Tờ trình", "Kế hoạch", "Công điện"),
        (("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đinh Công Thuận"),),
        weight=7,
        identifier="000.00.00.H45",
        departments=("NC", "KGVX", "KTN", "TH", "VP"),
        base_number=3400,
    ),
    SenderSpec(
        f"Sở Nội vụ tỉnh {PROVINCE}",
        "Sở Nội vụ",
        "SNV",
        False,
        PROVINCE,
        ("UBND TỈNH " + PROVINCE.upper(), "SỞ NỘI VỤ"),
        ("Công văn", "Công văn", "Báo cáo", "Hướng dẫn"),
        (("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nông Thị Bích Vân"),),
        weight=3,
        identifier="000.00.05.H45",
        departments=("TCBC", "CCVC", "CTTN", "VP"),
        base_number=1650,
    ),
    SenderSpec(
        f"Sở Tài chính tỉnh {PROVINCE}",
        "Sở Tài chính",
        "STC",
        False,
        PROVINCE,
        ("UBND TỈNH " + PROVINCE.upper(), "SỞ TÀI CHÍNH"),
        ("Công văn", "Công văn", "Báo cáo"),
        (("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trịnh Quốc Bảo"),),
        weight=2,
        identifier="000.00.06.H45",
        departments=("QLNS", "TCHCSN", "VP"),
        base_number=2900,
    ),
    SenderSpec(
        f"Hội đồng nhân dân tỉnh {PROVINCE}",
        "HĐND tỉnh",
        "HĐND",
        False,
        PROVINCE,
        ("HỘI ĐỒNG NHÂN DÂN", "TỈNH " + PROVINCE.upper()),
        ("Công văn", "Báo cáo", "Thông báo"),
        (("TM. THƯỜNG TRỰC HĐND", "PHÓ CHỦ TỊCH", "Lê Thị Phương Thảo"),),
        weight=2,
        identifier="000.00.00.K45",
        departments=("VP",),
        base_number=260,
    ),
    SenderSpec(
        f"Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh {PROVINCE}",
        "UBMTTQ tỉnh",
        "MTTQ",
        False,
        PROVINCE,
        ("ỦY BAN MTTQ VIỆT NAM", "TỈNH " + PROVINCE.upper()),
        ("Công văn", "Báo cáo", "Kế hoạch"),
        (("TM. BAN THƯỜNG TRỰC", "PHÓ CHỦ TỊCH", "Hà Thị Kim Oanh"),),
        weight=2,
        identifier="000.00.00.M45",
        departments=("BTT",),
        base_number=480,
    ),
    SenderSpec(
        f"Công an tỉnh {PROVINCE}",
        "Công an tỉnh",
        "CAT",
        False,
        PROVINCE,
        ("BỘ CÔNG AN", "CÔNG AN TỈNH " + PROVINCE.upper()),
        ("Báo cáo", "Công văn"),
        (("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Vi Văn Cường"),),
        weight=2,
        departments=("PA03", "PV01", "PX03"),
        base_number=5200,
    ),
    SenderSpec(
        f"Sở Giáo dục và Đào tạo tỉnh {PROVINCE}",
        "Sở GD&ĐT",
        "SGDĐT",
        False,
        PROVINCE,
        ("UBND TỈNH " + PROVINCE.upper(), "SỞ GIÁO DỤC VÀ ĐÀO TẠO"),
        ("Công văn", "Báo cáo"),
        (("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Mạc Thị Huyền"),),
        weight=1,
        departments=("VP", "GDPT"),
        base_number=2100,
    ),
)

EXTRA_SENDERS = tuple(s for s in SENDERS if not s.identifier)

# Senders a commune committee hears from (a subset of the province's).
COMMUNE_SENDER_ISSUERS = ("TU", "BTCTU", "UBKTTU", "BTGDVTU", "UBND", "MTTQ")

TOPICS = (
    "Chỉ thị số 35-CT/TW của Bộ Chính trị về đại hội đảng bộ các cấp tiến tới Đại hội đại biểu "
    "toàn quốc lần thứ XIV của Đảng",
    "Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIV của Đảng",
    "Nghị quyết số 57-NQ/TW của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, đổi mới "
    "sáng tạo và chuyển đổi số quốc gia",
    "Nghị quyết số 66-NQ/TW của Bộ Chính trị về đổi mới công tác xây dựng và thi hành pháp luật",
    "Nghị quyết số 68-NQ/TW của Bộ Chính trị về phát triển kinh tế tư nhân",
    "Quy định số 144-QĐ/TW của Bộ Chính trị về chuẩn mực đạo đức cách mạng của cán bộ, đảng viên "
    "trong giai đoạn mới",
    "Chỉ thị số 05-CT/TW của Bộ Chính trị về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, "
    "phong cách Hồ Chí Minh",
    "Quy định số 22-QĐ/TW của Ban Chấp hành Trung ương về công tác kiểm tra, giám sát và kỷ luật "
    "của Đảng",
    "Kết luận số 21-KL/TW của Ban Chấp hành Trung ương về đẩy mạnh xây dựng, chỉnh đốn Đảng và hệ "
    "thống chính trị",
    "Nghị quyết số 18-NQ/TW của Ban Chấp hành Trung ương về tiếp tục đổi mới, sắp xếp tổ chức bộ "
    "máy của hệ thống chính trị tinh gọn, hoạt động hiệu lực, hiệu quả",
)

FIELDS = (
    "công tác kiểm tra, giám sát",
    "công tác xây dựng Đảng",
    "công tác tổ chức xây dựng Đảng",
    "công tác dân vận",
    "công tác tuyên giáo",
    "công tác nội chính, phòng, chống tham nhũng, lãng phí, tiêu cực",
    "công tác văn phòng cấp ủy",
    "công tác tiếp công dân, giải quyết khiếu nại, tố cáo",
    "công tác bảo vệ chính trị nội bộ",
    "công tác cải cách hành chính trong các cơ quan đảng",
    "công tác chuyển đổi số trong các cơ quan đảng",
)

COMMUNES = ("xã An Bình", "phường Đồng Tiến", "xã Thanh Sơn", "xã Tân Lập", "xã Hợp Thành")

# Summaries by type. {topic} {field} {period} {year} {next_year} {month} {commune} are filled in.
SUMMARIES: dict[str, tuple[str, ...]] = {
    "Công văn": (
        "V/v triển khai thực hiện {topic}",
        "V/v báo cáo kết quả thực hiện {topic}",
        "V/v đôn đốc thực hiện chế độ thông tin, báo cáo định kỳ {period}",
        "V/v chuẩn bị nội dung hội nghị Ban Thường vụ Tỉnh ủy tháng {month}",
        "V/v góp ý dự thảo Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh nhiệm kỳ 2025 - 2030",
        "V/v cử cán bộ tham dự lớp bồi dưỡng, cập nhật kiến thức cho cán bộ thuộc diện Ban "
        "Thường vụ Tỉnh ủy quản lý",
        "V/v rà soát, bổ sung quy hoạch cán bộ lãnh đạo, quản lý nhiệm kỳ 2030 - 2035",
        "V/v triển khai ứng dụng chữ ký số và gửi, nhận văn bản điện tử trong các cơ quan đảng",
        "V/v tổ chức các hoạt động kỷ niệm 97 năm Ngày thành lập Đảng Cộng sản Việt Nam "
        "(03/02/1930 - 03/02/2027)",
        "V/v tăng cường công tác bảo vệ bí mật nhà nước trong các cơ quan, tổ chức đảng",
        "V/v lấy ý kiến đối với dự thảo Đề án sắp xếp, kiện toàn tổ chức bộ máy các cơ quan "
        "tham mưu, giúp việc Tỉnh ủy",
        "V/v phối hợp tổ chức tiếp công dân định kỳ của đồng chí Bí thư Tỉnh ủy tháng {month}",
        "V/v đôn đốc giải quyết đơn thư khiếu nại, tố cáo tồn đọng, kéo dài",
        "V/v đề nghị xét tặng Huy hiệu Đảng đợt 07/11/{year}",
        "V/v chuyển sinh hoạt đảng chính thức cho đảng viên",
        "V/v cung cấp thông tin phục vụ kỳ họp cuối năm {year} của Hội đồng nhân dân tỉnh",
        "V/v bổ sung kinh phí hoạt động năm {year} cho các cơ quan đảng",
        "V/v lập dự toán ngân sách năm {next_year} của các cơ quan đảng tỉnh",
        "V/v chủ động ứng phó với mưa lũ, sạt lở đất trên địa bàn tỉnh",
        "V/v thực hiện chế độ, chính sách đối với cán bộ nghỉ hưu trước tuổi do sắp xếp tổ chức "
        "bộ máy",
        "V/v kiểm tra việc thực hiện {field} tại Đảng ủy {commune}",
    ),
    "Báo cáo": (
        "Báo cáo sơ kết 6 tháng đầu năm {year} {field}",
        "Báo cáo kết quả {field} {period}",
        "Báo cáo tình hình tư tưởng của cán bộ, đảng viên và Nhân dân {period}",
        "Báo cáo kết quả thực hiện {topic}",
        "Báo cáo tình hình kinh tế - xã hội {period}, nhiệm vụ trọng tâm thời gian tới",
        "Báo cáo kết quả kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng, đảng viên năm "
        "{prev_year}",
        "Báo cáo tình hình thực hiện chế độ thông tin, báo cáo trong các cơ quan đảng {period}",
        "Báo cáo kết quả công tác phát triển đảng viên {period}",
    ),
    "Kế hoạch": (
        "Kế hoạch tổ chức hội nghị học tập, quán triệt, triển khai thực hiện {topic}",
        "Kế hoạch kiểm tra, giám sát của Ban Thường vụ Tỉnh ủy năm {next_year}",
        "Kế hoạch tuyên truyền kỷ niệm các ngày lễ lớn, sự kiện lịch sử quan trọng năm {next_year}",
        "Kế hoạch kiểm điểm, đánh giá, xếp loại chất lượng tập thể, cá nhân năm {year}",
        "Kế hoạch tổng kết công tác năm {year}, triển khai nhiệm vụ năm {next_year}",
        "Kế hoạch thực hiện {field} {period}",
    ),
    "Hướng dẫn": (
        "Hướng dẫn kiểm điểm, đánh giá, xếp loại chất lượng đối với tổ chức đảng, đảng viên và "
        "tập thể, cá nhân cán bộ lãnh đạo, quản lý các cấp năm {year}",
        "Hướng dẫn công tác văn thư, lưu trữ trong các cơ quan, tổ chức đảng",
        "Hướng dẫn thực hiện một số nội dung về {field}",
        "Hướng dẫn tuyên truyền kết quả thực hiện {topic}",
        "Hướng dẫn thực hiện chế độ thông tin, báo cáo định kỳ của các tổ chức đảng",
    ),
    "Thông báo": (
        "Thông báo kết luận của Thường trực Tỉnh ủy về {field}",
        "Thông báo ý kiến chỉ đạo của Ban Thường vụ Tỉnh ủy về việc triển khai thực hiện {topic}",
        "Thông báo lịch làm việc của Thường trực Tỉnh ủy tháng {month}",
        "Thông báo kết luận kiểm tra việc thực hiện nhiệm vụ kiểm tra, giám sát đối với Đảng ủy "
        "{commune}",
        "Thông báo kết luận của Ban Bí thư về {field}",
    ),
    "Giấy mời": (
        "Giấy mời dự Hội nghị trực tuyến toàn quốc quán triệt, triển khai {topic}",
        "Giấy mời dự hội nghị giao ban công tác văn phòng cấp ủy {period}",
        "Giấy mời dự hội nghị tập huấn nghiệp vụ {field}",
    ),
    "Chỉ thị": (
        "Chỉ thị về tăng cường sự lãnh đạo của Đảng đối với công tác phòng cháy, chữa cháy và cứu "
        "nạn, cứu hộ",
        "Chỉ thị về lãnh đạo tổ chức Tết Nguyên đán năm {next_year}",
        "Chỉ thị về tăng cường sự lãnh đạo của các cấp ủy đảng đối với {field}",
    ),
    "Kết luận": (
        "Kết luận của Bộ Chính trị về tiếp tục thực hiện {topic}",
        "Kết luận của Ban Bí thư về tăng cường {field}",
    ),
    "Quy định": ("Quy định về thẩm quyền của người đứng đầu trong {field}",),
    "Chương trình": (
        "Chương trình hành động thực hiện {topic}",
        "Chương trình công tác trọng tâm của Ban Thường vụ Tỉnh ủy năm {next_year}",
    ),
    "Tờ trình": (
        "Tờ trình về việc đề nghị phê duyệt Đề án nâng cao chất lượng {field}",
        "Tờ trình về việc kiện toàn tổ chức bộ máy, nhân sự",
        "Tờ trình đề nghị Ban Thường vụ Tỉnh ủy cho chủ trương về {field}",
    ),
    "Công điện": (
        "Công điện về việc tập trung ứng phó với bão và mưa lũ",
        "Công điện về việc chủ động phòng, chống rét đậm, rét hại cho người và vật nuôi",
    ),
}

BODY_OPENINGS = (
    "Thực hiện {topic}; căn cứ chương trình công tác năm {year},",
    "Căn cứ Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh nhiệm kỳ 2025 - 2030; thực hiện ý "
    "kiến chỉ đạo của Thường trực Tỉnh ủy,",
    "Để kịp thời tổng hợp, báo cáo cấp trên về {field} {period},",
)
BODY_DIRECTIVES = (
    "đề nghị các cơ quan, đơn vị quán triệt đầy đủ, sâu sắc nội dung văn bản đến cán bộ, đảng "
    "viên; xây dựng kế hoạch cụ thể, phân công rõ người, rõ việc, rõ thời gian, rõ kết quả và "
    "trách nhiệm của người đứng đầu trong tổ chức thực hiện.",
    "đề nghị các cơ quan chủ động phối hợp chặt chẽ với các ban xây dựng Đảng, Ủy ban Kiểm tra "
    "Tỉnh ủy và Văn phòng Tỉnh ủy; kịp thời phản ánh những khó khăn, vướng mắc để được hướng "
    "dẫn, giải quyết theo thẩm quyền.",
    "đề nghị các cấp ủy, tổ chức đảng rà soát, đánh giá kết quả thực hiện, làm rõ những việc đã "
    "làm được, những hạn chế, nguyên nhân và đề xuất giải pháp khắc phục trong thời gian tới.",
)
BODY_ASSESSMENTS = (
    "Kết quả đạt được bước đầu đã góp phần nâng cao năng lực lãnh đạo, sức chiến đấu của tổ chức "
    "đảng; ý thức trách nhiệm, tinh thần phục vụ Nhân dân của đội ngũ cán bộ, đảng viên được nâng "
    "lên; công tác phối hợp giữa các cơ quan ngày càng chặt chẽ, hiệu quả.",
    "Bên cạnh kết quả đạt được, việc triển khai ở một số nơi còn chậm, chất lượng báo cáo chưa "
    "cao, một số chỉ tiêu chưa đạt yêu cầu; nguyên nhân chủ yếu do công tác lãnh đạo, chỉ đạo, "
    "kiểm tra, đôn đốc có lúc chưa thường xuyên, quyết liệt.",
    "Trong quá trình thực hiện, các cơ quan cần bảo đảm đúng nguyên tắc, quy định của Đảng, pháp "
    "luật của Nhà nước; phát huy vai trò nêu gương của người đứng đầu, gắn với việc thực hiện "
    "nhiệm vụ chính trị của cơ quan, đơn vị.",
)
BODY_CLOSINGS = (
    "Báo cáo kết quả thực hiện gửi về {recipient} trước ngày {due} để tổng hợp, báo cáo theo quy "
    "định.",
    "Đề nghị các cơ quan, đơn vị quan tâm, phối hợp thực hiện./.",
    "Trân trọng đề nghị các đồng chí quan tâm, chỉ đạo thực hiện./.",
)

SIGN_NAMES = (
    "Nguyễn Văn An",
    "Trần Thị Bích",
    "Lê Quang Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Giang",
    "Vũ Thị Hằng",
    "Đặng Minh Hiếu",
    "Bùi Văn Kiên",
)

DIRECTIONS = (
    "Giao {unit} chủ trì nghiên cứu, tham mưu; báo cáo kết quả trước hạn.",
    "Giao {unit} chủ trì, phối hợp các đơn vị liên quan tham mưu văn bản triển khai.",
    "{unit} theo dõi, tổng hợp, tham mưu báo cáo Thường trực Tỉnh ủy.",
    "Chuyển {unit} nghiên cứu, đề xuất; trình lại trước hạn.",
    "{unit} tham mưu văn bản trả lời, trình ký đúng hạn.",
)
PROGRESS_NOTES = (
    "Đã nghiên cứu văn bản, đang xây dựng dự thảo báo cáo.",
    "Đã xin ý kiến các phòng liên quan, đang tổng hợp ý kiến góp ý.",
    "Đã hoàn thành dự thảo, trình lãnh đạo phòng cho ý kiến.",
    "Đang đôn đốc các cơ quan gửi số liệu để tổng hợp.",
)
CANCEL_REASONS = (
    "Vào sổ nhầm: văn bản gửi Ban Tổ chức Tỉnh ủy, đã chuyển trả.",
    "Văn bản đã được cơ quan gửi thu hồi.",
    "Vào sổ nhầm số ký hiệu, đã vào sổ lại.",
)


def summary_for(type_name: str, rng: random.Random, on: date) -> str:
    """A summary (trích yếu) for a document of this type issued on `on`."""
    templates = SUMMARIES.get(type_name) or SUMMARIES["Công văn"]
    return rng.choice(templates).format(**_slots(rng, on))


def _slots(rng: random.Random, on: date) -> dict[str, str]:
    quarter = (on.month - 1) // 3 + 1
    periods = (
        f"quý {['I', 'II', 'III', 'IV'][quarter - 1]} năm {on.year}",
        f"tháng {on.month:02d}/{on.year}",
        f"9 tháng năm {on.year}" if on.month >= 9 else f"6 tháng đầu năm {on.year}",
        f"năm {on.year}",
    )
    return {
        "topic": rng.choice(TOPICS),
        "field": rng.choice(FIELDS),
        "period": rng.choice(periods),
        "year": str(on.year),
        "next_year": str(on.year + 1),
        "prev_year": str(on.year - 1),
        "month": f"{on.month % 12 + 1:02d}/{on.year + (on.month == 12)}",
        "commune": rng.choice(COMMUNES),
    }


def body_paragraphs(rng: random.Random, on: date, recipient: str) -> list[str]:
    slots = _slots(rng, on)
    slots["recipient"] = recipient
    slots["due"] = f"{min(28, on.day + 10):02d}/{on.month:02d}/{on.year}"
    return [
        rng.choice(BODY_OPENINGS).format(**slots) + " " + rng.choice(BODY_DIRECTIVES),
        rng.choice(BODY_ASSESSMENTS),
        rng.choice(BODY_CLOSINGS).format(**slots),
    ]


def code_notation(spec: SenderSpec, type_name: str, type_abbr: str, number: int) -> str:
    """Party form "05-CT/TW"; State form "45/UBND-NC" for công văn, "12/BC-UBND" otherwise."""
    if spec.party:
        return f"{number:02d}-{type_abbr}/{spec.issuer}"
    if type_name == "Công văn":
        dept = spec.departments[number % len(spec.departments)] if spec.departments else "VP"
        return f"{number}/{spec.issuer}-{dept}"
    return f"{number}/{type_abbr}-{spec.issuer}"


def weighted_senders(specs: tuple[SenderSpec, ...] = SENDERS) -> list[SenderSpec]:
    return [s for s in specs for _ in range(s.weight)]

"""Synthetic Hanoi-sized data for the benchmark, and the fastest way to load it.

Scale 1.0 is the city: 250,000 persons in 708 units over time — Hanoi's real organisation from
``synthetic.hanoi`` (shared with the demo): the city; 20 departments, 5 of them merged into new ones on
1 March 2025; the 30 districts and their 526 communes and wards, all closed on 1 July 2025; the 126 communes
and wards opened that day under the city, each closed unit naming its successors — about 2.5 million
training records over 2019–2026 on 4,000 courses, about 100,000 dated qualifications and 60,000
appointments of 2021–2025. Everything is drawn from ``random.Random(seed)``, so the same seed and scale give
the same data (up to "today": a course that has not ended yet has no completed records).

Every person has an assignment history (``synthetic.careers``), about 530,000 assignments in all: about a
third came from another department or district (a commune worker: another commune of the district) at an
earlier date; everyone in a district, commune or ward on 1 July 2025 moves that day to one of its
successors (mostly the primary one), and everyone in a merged department to the merged one on 1 March
2025; non-professional commune workers end on 1 August 2025. The heir units of view ``today`` are written
with the assignments, as ``personnel.history.refresh_heirs`` computes them.

What makes the data realistic enough to time the product honestly:

- categories fit the unit level (communes hold commune cadres and civil servants and non-specialised
  workers; departments and districts hold civil servants and, mostly, public employees of their schools
  and hospitals); leadership levels; Standing-Board cadres (~0.2 %), succession-planned cadres (~0.5 %),
  People's Council deputies (~3 %); birth dates 1965–2000; people who joined during the programme and
  people who left (retirement, transfers);
- declared levels by category and post, dated upgrades (qualifications, courses granting a level);
- about ten training records a person, on courses of the types each category is expected to take, more
  or less diligently by unit and by year, so compliance figures differ between units and years;
- appointments mostly preceded by the course they require.

Derived columns are computed with the product's own functions (``core.text.name_sort_key``, ``fold``,
``split_name``) on a few thousand distinct names that persons reuse; unit paths and depths follow
``personnel.services``. History tables stay empty for seeded rows: the benchmark loads data as a
migration from another system would, not as edits.

Loading: on PostgreSQL, ``COPY`` of text generated in chunks while the previous chunk is being copied; in
``fast`` mode (the benchmark's own database) the loaded tables are truncated, their unique and foreign-key
constraints and secondary indexes dropped and rebuilt after the copy (``COPY … FREEZE``, so no vacuum is
needed), sequences moved past the loaded ids, and the tables analysed. On other databases (SQLite in the
test suite) the same rows are inserted with ``executemany``.
"""

from __future__ import annotations

import datetime
import functools
import io
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.text import fold, name_sort_key, split_name
from synthetic import careers, hanoi

DEFAULT_SEED = 2025
NULL = "\\N"  # NULL in PostgreSQL's COPY text format
FIRST_YEAR, LAST_YEAR = 2019, 2026  # courses are scheduled over these years
UPDATED_AT = "2026-01-15 03:00:00"  # every seeded row's ``updated_at`` (UTC)
CHUNK = 5000  # persons per chunk; each chunk has its own random stream, so this is part of the data's definition


# ---------------------------------------------------------------------------------------------
# Size


@dataclass(frozen=True)
class Plan:
    """How much of everything a scale means."""

    scale: float
    persons: int
    departments: int  # before the merger of 1 March 2025
    districts: int
    communes: int  # until 30 June 2025
    courses: int
    root_persons: int
    merged_departments: int = 0  # from 1 March 2025
    new_communes: int = 0  # from 1 July 2025

    @property
    def units(self) -> int:
        return 1 + self.departments + self.merged_departments + self.districts + self.communes + self.new_communes


def plan_for(scale: float) -> Plan:
    """Return the sizes of a scale (1.0 = Hanoi: 250,000 persons, 709 units over time, ~4,000 courses).

    Persons scale linearly; departments, districts and courses with the square root of the scale, so a
    small run still has a tree of three levels and courses of every type in every year. The districts are
    Hanoi's real ones in official order, each with all its real communes, and the units of 2025 that took
    them (``synthetic.hanoi``).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    root = math.sqrt(scale)
    persons = max(50, round(250_000 * scale))
    if persons > 9_999_999:
        raise ValueError("scale too large (person codes and citizen ids have room for 9,999,999 persons)")
    all_districts, _wards = hanoi.legacy_units()
    districts = min(len(all_districts), max(2, round(30 * root)))
    departments = min(len(DEPARTMENTS), max(1, round(20 * root)))
    wards = _wards_of(districts)
    successors = hanoi.ward_successors()
    return Plan(
        scale=scale,
        persons=persons,
        departments=departments,
        districts=districts,
        communes=len(wards),
        courses=max(len(COURSE_SPECS) * (LAST_YEAR - FIRST_YEAR + 1), round(4000 * root)),
        root_persons=max(2, round(100 * scale)),
        merged_departments=len(_mergers(departments)),
        new_communes=len({s.code for ward in wards for s in successors[ward.code]}),
    )


def _wards_of(districts: int) -> list[hanoi.Ward]:
    """Return the real communes and wards (until 30 June 2025) of the first ``districts`` districts."""
    all_districts, wards = hanoi.legacy_units()
    chosen = {district.code for district in all_districts[:districts]}
    return [ward for ward in wards if ward.district in chosen]


def _mergers(departments: int) -> list[hanoi.Merger]:
    """Return the mergers of 1 March 2025 that close one of the first ``departments`` departments."""
    codes = {code for code, _name, _weight in DEPARTMENTS[:departments]}
    return [merger for merger in hanoi.DEPARTMENT_MERGERS if codes & set(merger.merged)]


# ---------------------------------------------------------------------------------------------
# Vocabulary

# (code, name, relative head count) — the specialised agencies of the City People's Committee.
DEPARTMENTS = [
    ("SGD", "Sở Giáo dục và Đào tạo", 6.0),
    ("SYT", "Sở Y tế", 5.0),
    ("VPUB", "Văn phòng UBND Thành phố", 0.6),
    ("SNV", "Sở Nội vụ", 0.5),
    ("STP", "Sở Tư pháp", 0.5),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", 0.4),
    ("STC", "Sở Tài chính", 0.5),
    ("SCT", "Sở Công Thương", 0.5),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", 1.2),
    ("SGTVT", "Sở Giao thông vận tải", 0.9),
    ("SXD", "Sở Xây dựng", 0.7),
    ("STNMT", "Sở Tài nguyên và Môi trường", 0.8),
    ("STTTT", "Sở Thông tin và Truyền thông", 0.3),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", 1.0),
    ("SVHTT", "Sở Văn hóa và Thể thao", 0.9),
    ("SDL", "Sở Du lịch", 0.2),
    ("SKHCN", "Sở Khoa học và Công nghệ", 0.3),
    ("TTTP", "Thanh tra Thành phố", 0.3),
    ("SNGV", "Sở Ngoại vụ", 0.2),
    ("SQHKT", "Sở Quy hoạch - Kiến trúc", 0.3),
    ("BDT", "Ban Dân tộc", 0.1),
]

FAMILY_NAMES = {
    "Nguyễn": 31, "Trần": 10, "Lê": 8, "Phạm": 7, "Hoàng": 5, "Vũ": 4.5, "Đỗ": 3, "Đặng": 2.5, "Bùi": 2.5,
    "Ngô": 2, "Phan": 2, "Dương": 1.5, "Đinh": 1.5, "Trịnh": 1.2, "Đào": 1.2, "Hồ": 0.8, "Võ": 0.6,
    "Lý": 0.5, "Mai": 0.8, "Lương": 0.8, "Tạ": 0.6, "Hà": 0.8, "Nghiêm": 0.3, "Kiều": 0.4, "Khuất": 0.3,
    "Chu": 0.5, "Lưu": 0.6, "Cao": 0.7, "Tô": 0.5, "Đoàn": 0.8, "Lại": 0.4, "Phùng": 0.6,
}  # fmt: skip
MIDDLE_NAMES = {
    "nam": {
        "Văn": 30, "Đức": 8, "Minh": 8, "Quang": 6, "Hữu": 6, "Đình": 5, "Mạnh": 4, "Xuân": 4, "Tiến": 4,
        "Thế": 4, "Công": 4, "Quốc": 4, "Thanh": 4, "Trọng": 3, "Ngọc": 3, "Duy": 3, "Anh": 2, "Việt": 2,
        "Hoàng": 2, "Huy": 2, "Bá": 2, "Tuấn": 2, "Khắc": 1, "Văn Minh": 1, "Đức Anh": 1,
    },
    "nu": {
        "Thị": 38, "Thu": 6, "Thanh": 6, "Ngọc": 5, "Phương": 4, "Thùy": 4, "Minh": 4, "Hồng": 3, "Bích": 2,
        "Thúy": 2, "Lan": 2, "Hải": 2, "Kim": 2, "Mai": 2, "Khánh": 2, "Quỳnh": 2, "Diệu": 1, "Hoài": 1,
        "Thị Thu": 2, "Thị Thanh": 2, "Thị Minh": 1, "Thị Kim": 1, "Thị Hồng": 1, "Thị Ngọc": 1,
    },
}  # fmt: skip
GIVEN_NAMES = {
    "nam": [
        "Hùng", "Dũng", "Tuấn", "Minh", "Hải", "Nam", "Thắng", "Cường", "Hưng", "Long", "Sơn", "Trung", "Quân", "Đức",
        "Hiếu", "Phong", "Thành", "Tùng", "Khánh", "Bình", "Hoàng", "Việt", "Huy", "Kiên", "Quang", "Toàn", "Thịnh",
        "Vinh", "Tiến", "Lâm", "Hòa", "Anh", "Đạt", "Hiệp", "Thái", "Tài", "Chiến", "Giang", "Mạnh", "Nghĩa", "Phúc",
        "Tâm", "Trường", "Tú", "Khải", "Duy", "Bảo", "Định", "Hào", "Kiệt", "Công", "Dương", "Hiển", "Lộc", "Tuân",
        "Thao",
    ],
    "nu": [
        "Hương", "Lan", "Linh", "Hà", "Trang", "Thảo", "Hằng", "Nga", "Huyền", "Phương", "Mai", "Hoa", "Thủy", "Yến",
        "Ngọc", "Vân", "Hạnh", "Dung", "Loan", "Nhung", "Hiền", "Quyên", "Oanh", "Thu", "Anh", "Giang", "Chi", "Hồng",
        "Liên", "Tâm", "Nhàn", "Thơ", "Châm", "Tuyết", "Hậu", "Uyên", "Vy", "Ly", "Diệp", "My", "Lệ", "Thanh", "Bích",
        "Xuân", "Nguyệt", "Quỳnh", "Trinh", "Duyên", "Hoài", "Thúy",
    ],
}  # fmt: skip
NAMES_PER_GENDER = 3000

# Category by kind of unit (weights).
CATEGORIES = {
    "root": {"can_bo": 70, "cong_chuc": 30},
    "department": {"cong_chuc": 33, "can_bo": 2, "vien_chuc": 60, "khac": 5},
    "district": {"can_bo": 4, "cong_chuc": 18, "vien_chuc": 73, "khac": 5},
    "commune": {"can_bo_xa": 22, "cong_chuc_xa": 28, "khong_chuyen_trach": 35, "vien_chuc": 12, "khac": 3},
}
GROUP = {
    "can_bo": "cc",
    "cong_chuc": "cc",
    "can_bo_xa": "xa",
    "cong_chuc_xa": "xa",
    "vien_chuc": "vc",
    "khong_chuyen_trach": "ktt",
    "khac": "khac",
}
LEADERSHIP = {
    "root": {3: 40, 4: 60},
    "cc": {0: 70, 1: 8, 2: 17, 3: 4.5, 4: 0.5},
    "xa": {0: 60, 1: 40},
    "vc": {0: 88, 1: 8, 2: 4},
    "ktt": {0: 100},
    "khac": {0: 95, 1: 5},
}
TITLES = {
    ("cc", 0): ["Chuyên viên", "Chuyên viên chính", "Thanh tra viên", "Kế toán viên", "Văn thư"],
    ("cc", 1): ["Tổ trưởng"],
    ("cc", 2): ["Trưởng phòng", "Phó Trưởng phòng", "Chánh Văn phòng"],
    ("cc", 3): ["Giám đốc Sở", "Phó Giám đốc Sở", "Chủ tịch UBND", "Phó Chủ tịch UBND"],
    ("cc", 4): ["Phó Chủ tịch UBND Thành phố", "Chủ tịch HĐND Thành phố"],
    ("xa", 0): ["Công chức Văn phòng - Thống kê", "Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng"],
    ("xa", 1): ["Chủ tịch UBND xã", "Phó Chủ tịch UBND xã", "Bí thư Đảng ủy", "Chủ tịch Ủy ban MTTQ"],
    ("vc", 0): ["Giáo viên", "Bác sĩ", "Điều dưỡng", "Kỹ sư", "Viên chức Trung tâm"],
    ("vc", 1): ["Phó Hiệu trưởng", "Phó Giám đốc Trung tâm"],
    ("vc", 2): ["Hiệu trưởng", "Giám đốc Trung tâm", "Trưởng khoa"],
    ("ktt", 0): ["Trưởng thôn", "Tổ trưởng tổ dân phố", "Công an viên"],
    ("khac", 0): ["Nhân viên hợp đồng", "Lái xe", "Bảo vệ"],
    ("khac", 1): ["Tổ trưởng"],
}
# Declared levels, held before 2021 (weights by level).
EDUCATION = {
    "cc": {2: 3, 3: 3, 4: 70, 5: 22, 6: 2},
    "xa": {0: 2, 1: 3, 2: 25, 3: 15, 4: 50, 5: 5},
    "vc": {0: 1, 1: 1, 2: 8, 3: 15, 4: 60, 5: 13, 6: 2},
    "ktt": {0: 20, 1: 20, 2: 40, 3: 10, 4: 10},
    "khac": {0: 10, 2: 30, 3: 20, 4: 40},
    "leader": {4: 70, 5: 26, 6: 4},
}
POLITICAL = {
    "cc": {0: 35, 1: 25, 2: 25, 3: 13, 4: 2},
    "xa": {0: 30, 1: 40, 2: 28, 3: 2},
    "vc": {0: 60, 1: 30, 2: 9, 3: 1},
    "ktt": {0: 80, 1: 20},
    "khac": {0: 80, 1: 20},
    "leader": {1: 8, 2: 52, 3: 38, 4: 2},
}
STATE_MANAGEMENT = {
    "cc": {0: 30, 1: 50, 2: 17, 3: 3},
    "xa": {0: 60, 1: 38, 2: 2},
    "vc": {0: 85, 1: 14, 2: 1},
    "ktt": {0: 100},
    "khac": {0: 100},
    "leader": {1: 30, 2: 50, 3: 20},
}
LANGUAGE = {
    "old": {0: 30, 1: 15, 2: 35, 3: 15, 4: 4, 5: 1},  # born before 1986
    "young": {0: 10, 1: 10, 2: 45, 3: 25, 4: 8, 5: 2},
}
# Yearly course-taking: (pool, probability) per category group; a unit's diligence and the year's trend
# scale the probabilities. Pools are course types or unions of them.
SLOTS = {
    "cc": [
        ("ethics", 0.80),
        ("ky_nang_cong_vu", 0.70),
        ("chuyen_mon", 0.25),
        ("khac", 0.3),
        ("tieu_chuan_ngach", 0.04),
        ("ngoai_ngu", 0.03),
        ("ly_luan_chinh_tri", 0.03),
        ("bang_cap", 0.01),
    ],
    "xa": [
        ("commune", 0.62),
        ("chuyen_mon", 0.25),
        ("khac", 0.4),
        ("ngoai_ngu", 0.05),
        ("ly_luan_chinh_tri", 0.04),
        ("tieu_chuan_ngach", 0.03),
    ],
    "vc": [
        ("employee", 0.62),
        ("chuc_danh_nghe_nghiep", 0.16),
        ("chuyen_mon", 0.3),
        ("khac", 0.5),
        ("ngoai_ngu", 0.03),
        ("bang_cap", 0.01),
    ],
    "ktt": [("commune", 0.35), ("khac", 0.3)],
    "khac": [("chuyen_mon", 0.3), ("khac", 0.4)],
}
LEADER_SLOTS = [("lanh_dao_quan_ly", 0.12)]
BTV_SLOTS = [("cap_nhat_kien_thuc", 0.9)]
DEPUTY_SLOTS = [("hdnd", 0.3)]
POOLS = {
    "ethics": ("phap_luat", "dao_duc_cong_vu"),
    "commune": ("ky_nang_cong_vu", "dao_duc_cong_vu", "phap_luat", "chuyen_mon"),
    "employee": ("dao_duc_nghe_nghiep", "chuyen_mon"),
}
# 2020–2021 were the years of the pandemic; 2026 is not over.
TREND = {2019: 0.85, 2020: 0.7, 2021: 0.78, 2022: 0.9, 2023: 0.95, 2024: 1.0, 2025: 1.03, 2026: 0.8}


@dataclass(frozen=True)
class CourseSpec:
    key: str
    types: tuple[str, ...]
    title: str
    provider: str
    form: str
    days: int
    hours: int
    weight: float  # how many of it a year, relatively
    grants: tuple[str, int] | None = None


LHP = "Trường Đào tạo cán bộ Lê Hồng Phong"
NAPA = "Học viện Hành chính quốc gia"
HCMA = "Học viện Chính trị quốc gia Hồ Chí Minh"
COURSE_SPECS = [
    CourseSpec("CNKT", ("cap_nhat_kien_thuc",), "Bồi dưỡng cập nhật kiến thức cán bộ diện BTV", HCMA, "boi_duong", 4,
               32, 0.3),
    CourseSpec("PL", ("phap_luat",), "Cập nhật kiến thức pháp luật", "Sở Tư pháp Hà Nội", "boi_duong", 3, 20, 3),
    CourseSpec("DDCV", ("dao_duc_cong_vu",), "Bồi dưỡng đạo đức công vụ", LHP, "boi_duong", 2, 16, 2),
    CourseSpec("PLDD", ("phap_luat", "dao_duc_cong_vu"), "Pháp luật và đạo đức công vụ", LHP, "boi_duong", 5, 40, 1),
    CourseSpec("KNCV", ("ky_nang_cong_vu",), "Kiến thức, kỹ năng thực thi công vụ", "Sở Nội vụ Hà Nội", "boi_duong", 5,
               40, 3),
    CourseSpec("CM", ("chuyen_mon",), "Cập nhật kiến thức chuyên môn, nghiệp vụ", LHP, "boi_duong", 5, 40, 4),
    CourseSpec("DDNN", ("dao_duc_nghe_nghiep",), "Bồi dưỡng đạo đức nghề nghiệp", "Sở Nội vụ Hà Nội", "boi_duong", 2,
               16, 4),
    CourseSpec("NCV", ("tieu_chuan_ngach",), "Quản lý nhà nước ngạch chuyên viên", LHP, "boi_duong", 42, 240, 0.6,
               ("quan_ly_nha_nuoc", 1)),
    CourseSpec("NCVC", ("tieu_chuan_ngach",), "Quản lý nhà nước ngạch chuyên viên chính", NAPA, "boi_duong", 56, 320,
               0.4, ("quan_ly_nha_nuoc", 2)),
    CourseSpec("NCVCC", ("tieu_chuan_ngach",), "Quản lý nhà nước ngạch chuyên viên cao cấp", NAPA, "boi_duong", 70, 400,
               0.1, ("quan_ly_nha_nuoc", 3)),
    CourseSpec("CDNN", ("chuc_danh_nghe_nghiep",), "Tiêu chuẩn chức danh nghề nghiệp viên chức",
               "Trường Đại học Sư phạm Hà Nội", "boi_duong", 21, 160, 3),
    CourseSpec("LDP", ("lanh_dao_quan_ly",), "Kỹ năng lãnh đạo, quản lý cấp phòng", LHP, "boi_duong", 21, 140, 1),
    CourseSpec("LDS", ("lanh_dao_quan_ly",), "Lãnh đạo, quản lý cấp sở, cấp huyện", NAPA, "boi_duong", 28, 180, 0.3),
    CourseSpec("HDND", ("hdnd",), "Kỹ năng hoạt động của đại biểu HĐND", "Văn phòng HĐND Thành phố", "boi_duong", 3, 24,
               0.5),
    CourseSpec("CCLL", ("ly_luan_chinh_tri",), "Cao cấp lý luận chính trị", HCMA, "dao_tao", 260, 1400, 0.2,
               ("ly_luan_chinh_tri", 3)),
    CourseSpec("TCLL", ("ly_luan_chinh_tri",), "Trung cấp lý luận chính trị - hành chính", LHP, "dao_tao", 150, 800,
               0.6, ("ly_luan_chinh_tri", 2)),
    CourseSpec("NNB3", ("ngoai_ngu",), "Tiếng Anh bậc 3 (B1)", "Trường Đại học Hà Nội", "dao_tao", 90, 300, 0.6,
               ("ngoai_ngu", 3)),
    CourseSpec("NNB4", ("ngoai_ngu",), "Tiếng Anh bậc 4 (B2)", "Trường Đại học Hà Nội", "dao_tao", 120, 400, 0.3,
               ("ngoai_ngu", 4)),
    CourseSpec("THS", ("bang_cap",), "Thạc sĩ Quản lý công", NAPA, "dao_tao", 700, 1800, 0.2, ("chuyen_mon", 5)),
    CourseSpec("DHL", ("bang_cap",), "Đại học Luật hệ vừa làm vừa học", "Trường Đại học Luật Hà Nội", "dao_tao", 1200,
               2600, 0.1, ("chuyen_mon", 4)),
    CourseSpec("CDS", ("khac",), "Kỹ năng chuyển đổi số trong cơ quan nhà nước", "Sở Nội vụ Hà Nội", "boi_duong", 2, 12,
               3),
    CourseSpec("VTLT", ("khac",), "Nghiệp vụ văn thư, lưu trữ", "Sở Nội vụ Hà Nội", "boi_duong", 2, 12, 1.5),
]  # fmt: skip
APPOINTMENT_COURSE = {"ngach": "tieu_chuan_ngach", "chuc_vu": "lanh_dao_quan_ly"}
RANK_TITLES = ["Chuyên viên", "Chuyên viên chính", "Chuyên viên cao cấp", "Kiểm soát viên", "Thanh tra viên chính"]


# ---------------------------------------------------------------------------------------------
# Helpers


def _table(weights: dict, size: int = 1000) -> list:
    """Return a lookup list of ``size`` entries in which each key appears in proportion to its weight."""
    keys = list(weights)
    total = sum(weights.values())
    out, acc = [], 0.0
    for key in keys:
        acc += weights[key]
        out.extend([key] * (round(acc / total * size) - len(out)))
    return out


_DATE_BASE = datetime.date(1960, 1, 1).toordinal()
_ISO = [datetime.date.fromordinal(_DATE_BASE + i).isoformat() for i in range(71 * 366)]


def iso(ordinal: int) -> str:
    """Return the ISO date of an ordinal day (1960–2030)."""
    return _ISO[ordinal - _DATE_BASE]


def _ord(year: int, month: int = 1, day: int = 1) -> int:
    return datetime.date(year, month, day).toordinal()


@dataclass
class SeedResult:
    plan: Plan
    counts: dict[str, int]
    seconds: dict[str, float]
    root_code: str = "HN"
    sample_names: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Generation


@functools.cache
def name_pool(seed: int) -> dict[str, list[tuple[str, ...]]]:
    """Return a few thousand distinct names per gender, each with its derived fields computed once.

    Each entry is (full name, family, middle, given, sort key, folded name).
    """
    rng = random.Random(seed + 1)
    names: dict[str, list[tuple[str, ...]]] = {}
    families = _table(FAMILY_NAMES)
    for gender in ("nam", "nu"):
        middles = _table(MIDDLE_NAMES[gender])
        givens = GIVEN_NAMES[gender]
        seen: dict[str, None] = {}
        attempts = 0
        while len(seen) < NAMES_PER_GENDER and attempts < NAMES_PER_GENDER * 20:
            attempts += 1
            seen.setdefault(f"{rng.choice(families)} {rng.choice(middles)} {rng.choice(givens)}")
        names[gender] = [(full, *split_name(full), name_sort_key(full), fold(full)) for full in seen]
    return names


class Generator:
    """Generate every row of a scale from one seed (units, courses, persons and their records)."""

    def __init__(self, plan: Plan, seed: int = DEFAULT_SEED, today: datetime.date | None = None):
        self.plan = plan
        self.seed = seed
        self.today = today or datetime.date.today()
        self.today_ord = self.today.toordinal()
        self.rng = random.Random(seed)
        self._names()
        self._units()
        self._courses()

    # Names ---------------------------------------------------------------------------------

    def _names(self) -> None:
        self.names = name_pool(self.seed)

    # Units ---------------------------------------------------------------------------------

    def _units(self) -> None:
        """Lay out the tree over time (ids from 1 in order), the successions, each unit's head count,
        diligence and kind, and where each closing unit's people go (``self.closings``)."""
        plan, rng = self.plan, self.rng
        self.unit_rows: list[str] = []
        self.succession_rows: list[str] = []
        self.unit_codes: list[str] = []  # index = id - 1
        kinds: list[str] = []
        weights: list[float] = []
        self.diligence: list[float] = []

        def add(code, name, parent_id, level, path, depth, kind, weight, diligence, opened=None, closed=None):
            unit_id = len(self.unit_codes) + 1
            full_path = f"{path}{unit_id}/"
            parent = NULL if parent_id is None else str(parent_id)
            opened_on = opened.isoformat() if opened else NULL
            closed_on = closed.isoformat() if closed else NULL
            self.unit_rows.append(
                f"{unit_id}\t{code}\t{name}\t{parent}\t{level}\t{opened_on}\t{closed_on}\t{full_path}\t{depth}"
            )
            self.unit_codes.append(code)
            kinds.append(kind)
            weights.append(weight)
            self.diligence.append(diligence)
            return unit_id, full_path

        self.closings: dict[int, careers.Closing] = {}

        def close(unit_id: int, successors: list[int], on: datetime.date, primary_share: float) -> None:
            for order, successor in enumerate(successors):
                self.succession_rows.append(f"{unit_id}\t{successor}\t{'t' if order == 0 else 'f'}\t{order}")
            self.closings[unit_id] = careers.Closing(
                on, tuple(successors), careers.successor_weights(len(successors), primary_share)
            )

        merger_day, reform = hanoi.DEPARTMENT_REFORM, hanoi.COMMUNE_REFORM
        root_id, root_path = add("HN", "Thành phố Hà Nội", None, "thanh_pho", "", 0, "root", 0, 1.0)
        mergers = _mergers(plan.departments)
        merged_into = {code: merger for merger in mergers for code in merger.merged}
        departments = {}
        for code, name, weight in DEPARTMENTS[: plan.departments]:
            closed = merger_day if code in merged_into else None
            departments[code], _path = add(
                code, name, root_id, "thanh_pho", root_path, 1, "department", weight * rng.uniform(0.8, 1.2),
                rng.uniform(0.8, 1.15), None, closed,
            )  # fmt: skip
        for merger in mergers:
            members = [departments[code] for code in merger.merged if code in departments]
            diligence = sum(self.diligence[m - 1] for m in members) / len(members)
            merged_id, _path = add(merger.code, merger.name, root_id, "thanh_pho", root_path, 1, "department_2025", 0,
                                   diligence, merger_day)  # fmt: skip
            for member in members:
                close(member, [merged_id], merger_day, 1.0)
        all_districts, _wards = hanoi.legacy_units()
        districts = {}
        for district in all_districts[: plan.districts]:
            diligence = rng.uniform(0.8, 1.15)
            districts[district.code] = add(f"H{district.code}", f"UBND {district.name}", root_id, "huyen", root_path,
                                           1, "district", rng.uniform(0.7, 1.3), diligence, None, reform)  # fmt: skip
        wards = _wards_of(plan.districts)
        ward_successors = hanoi.ward_successors()
        taken = {s.code for ward in wards for s in ward_successors[ward.code]}
        new_units = {}
        for new in hanoi.new_wards():
            if new.code in taken:
                new_units[new.code], _path = add(
                    f"X{new.code}{hanoi.NEW_SUFFIX}", f"UBND {new.name}", root_id, "xa", root_path, 1, "commune_2025",
                    0, rng.uniform(0.8, 1.15), reform,
                )  # fmt: skip
        communes_of: dict[str, list[int]] = {}
        for ward in wards:
            parent_id, parent_path = districts[ward.district]
            diligence = self.diligence[parent_id - 1]
            unit_id, _path = add(f"X{ward.code}", f"UBND {ward.name}", parent_id, "xa", parent_path, 2, "commune",
                                 rng.uniform(0.6, 1.4), diligence * rng.uniform(0.9, 1.1), None, reform)  # fmt: skip
            close(unit_id, [new_units[s.code] for s in ward_successors[ward.code]], reform, 0.75)
            communes_of.setdefault(ward.district, []).append(unit_id)
        district_successors = hanoi.district_successors()
        for code, (unit_id, _path) in districts.items():
            # The new units that took the communes of the district's part in this plan, primary first.
            ordered = [new_units[s.code] for s in district_successors[code] if s.code in new_units]
            close(unit_id, ordered, reform, 0.5)

        # An earlier transfer comes from a unit of the same level: a department or district from another
        # department or district, a commune from another commune of its district.
        old_departments = tuple(departments.values())
        district_ids = tuple(unit_id for unit_id, _path in districts.values())
        upper = old_departments + district_ids
        self.same_kind: dict[int, tuple[int, ...]] = {root_id: old_departments}
        self.same_kind.update(dict.fromkeys(upper, upper))
        for members in communes_of.values():
            self.same_kind.update(dict.fromkeys(members, tuple(members)))

        # Head counts: the city's own leaders, then 36 % in departments, 48 % in districts, 16 % in communes
        # (as they were before the reorganisations; people reach the units of 2025 through their careers).
        others = plan.persons - plan.root_persons
        shares = {"department": 0.36, "district": 0.48, "commune": 0.16}
        counts = [0] * len(kinds)
        counts[0] = plan.root_persons
        for kind, share in shares.items():
            members = [i for i, k in enumerate(kinds) if k == kind]
            total = sum(weights[i] for i in members)
            for i in members:
                counts[i] = int(others * share * weights[i] / total)
        counts[len(kinds) - 1] += plan.persons - sum(counts)  # rounding remainder (the last unit is a commune)
        self.unit_kinds = kinds
        self.unit_counts = counts
        self.unit_of = [unit for unit, count in enumerate(counts) for _ in range(count)]  # person index -> unit index

    # Courses -------------------------------------------------------------------------------

    def _courses(self) -> None:
        """Schedule the courses of every spec over 2019–2026 and index them by pool and year."""
        rng, plan = self.rng, self.plan
        years = range(FIRST_YEAR, LAST_YEAR + 1)
        per_year = plan.courses / len(years)
        total_weight = sum(spec.weight for spec in COURSE_SPECS)
        self.course_rows: list[str] = []
        self.course_type_rows: list[str] = []
        self.course_start: list[int] = [0]  # index = course id
        self.course_end: list[int] = [0]
        self.course_grants: list[tuple[str, int] | None] = [None]
        self.pools: dict[str, dict[int, list[int]]] = {}
        link_id = 0
        for year in years:
            for spec in COURSE_SPECS:
                count = max(1, round(per_year * spec.weight / total_weight))
                for number in range(1, count + 1):
                    course_id = len(self.course_start)
                    start = _ord(year, 1, 10) + int(rng.random() * 320)
                    end = start + spec.days - 1
                    grants_kind, grants_level = spec.grants if spec.grants else (NULL, NULL)
                    self.course_rows.append(
                        f"{course_id}\tBK{year}-{spec.key}-{number:03d}\t{spec.title} năm {year}, lớp {number}"
                        f"\t{spec.form}\t{spec.provider}\t{iso(start)}\t{iso(end)}\t{spec.hours}"
                        f"\t{grants_kind}\t{grants_level}"
                    )
                    self.course_start.append(start)
                    self.course_end.append(end)
                    self.course_grants.append(spec.grants)
                    for code in spec.types:
                        link_id += 1
                        self.course_type_rows.append(f"{link_id}\t{course_id}\t{code}")
                        self.pools.setdefault(code, {}).setdefault(year, []).append(course_id)
                    for pool, codes in POOLS.items():
                        if set(codes) & set(spec.types):
                            self.pools.setdefault(pool, {}).setdefault(year, []).append(course_id)

    # Persons -------------------------------------------------------------------------------

    @property
    def chunks(self) -> int:
        """Return how many chunks of persons there are."""
        return math.ceil(self.plan.persons / CHUNK)

    def chunk(self, index: int) -> dict[str, list[str]]:
        """Return the lines of the ``index``-th chunk of persons and their qualifications, appointments, records.

        A chunk depends only on the seed and its index (its own random stream; qualifications, appointments
        and records get their ids from the database in load order), so chunks can be made in any process.
        """
        rng = random.Random(self.seed * 1_000_003 + index)
        rnd = rng.random
        today = self.today_ord
        names = self.names
        categories = {kind: _table(weights) for kind, weights in CATEGORIES.items()}
        leadership = {group: _table(weights) for group, weights in LEADERSHIP.items()}
        education = {group: _table(weights) for group, weights in EDUCATION.items()}
        political = {group: _table(weights) for group, weights in POLITICAL.items()}
        state = {group: _table(weights) for group, weights in STATE_MANAGEMENT.items()}
        language = {group: _table(weights) for group, weights in LANGUAGE.items()}
        pools = self.pools
        course_start, course_end, course_grants = self.course_start, self.course_end, self.course_grants
        birth_first, birth_span = _ord(1965), _ord(2001) - _ord(1965)
        first_day, programme_start, programme_end = _ord(FIRST_YEAR), _ord(2021), _ord(2025, 12, 31)
        latest_start = min(today - 30, _ord(2026, 9, 1))
        provinces = ["001", "034", "036", "030", "033", "038", "035", "037", "040", "025"]
        slot_sets: dict[tuple, list] = {}
        fromordinal = datetime.date.fromordinal
        dates, date_base = _ISO, _DATE_BASE

        first = index * CHUNK
        person_id = first
        unit_of = self.unit_of[first : first + CHUNK]
        persons: list[str] = []
        assignments: list[str] = []
        closings, same_kind, today_date = self.closings, self.same_kind, self.today
        kct_latest_start, kct_end = _ord(2025, 6, 1), careers.NON_SPECIALISED_END.toordinal()
        qualifications: list[str] = []
        appointments: list[str] = []
        records: list[str] = []
        add_record = records.append

        for unit_index in unit_of:
            person_id += 1
            unit_id = unit_index + 1
            kind = self.unit_kinds[unit_index]
            category = categories[kind][int(rnd() * 1000)]
            group = GROUP[category]
            gender = "nu" if rnd() < (0.65 if group == "vc" else 0.45) else "nam"
            pool = names[gender]
            full, family, middle, given, sort_key, folded = pool[int(rnd() * len(pool))]
            code = f"CB{person_id:07d}"
            birth = birth_first + int(rnd() * birth_span)
            birth_year = fromordinal(birth).year
            lead = leadership["root" if kind == "root" else group][int(rnd() * 1000)]
            titles = TITLES.get((group, lead)) or TITLES.get((group, 0)) or ["Chuyên viên"]
            title = titles[int(rnd() * len(titles))]
            btv = lead >= 3 and (kind == "root" or rnd() < 0.12)
            succession = not btv and lead >= 2 and rnd() < 0.08
            deputy_chance = {"cc": 0.06 if lead else 0.01, "xa": 0.5 if lead else 0.05, "vc": 0.004}.get(group, 0.01)
            deputy = ("2021-2026" if rnd() < 0.9 else "2016-2021") if (btv or rnd() < deputy_chance) else ""
            leader = lead >= 2 or (group == "xa" and lead >= 1)
            level_group = "leader" if leader and group in ("cc", "xa", "vc") else group
            edu = education[level_group][int(rnd() * 1000)]
            pol = political[level_group if group != "vc" or lead >= 2 else "vc"][int(rnd() * 1000)]
            sm = state[level_group if group != "vc" else "vc"][int(rnd() * 1000)]
            lang = language["young" if birth_year >= 1986 else "old"][int(rnd() * 1000)]
            suited = rnd() < (0.86 if group == "xa" else 0.92)
            # Employment: started at 21–30, not after recently; retired at 60.5 (men) or 56 (women); 3 % moved out.
            start = min(birth + int((21 + rnd() * 9) * 365.25), latest_start)
            end = birth + int((56 if gender == "nu" else 60.5) * 365.25)
            if end > today:
                end = _ord(2021) + int(rnd() * (today - _ord(2021))) if rnd() < 0.03 else 0
            if end and end <= start:
                end = start + 365
                if end > today:
                    end = 0
            if category == "khong_chuyen_trach":  # these posts ended on 1 August 2025: nobody was hired after
                if start >= kct_latest_start:
                    start = kct_latest_start - int(rnd() * 3 * 365)
                if not end or end > kct_end:
                    end = kct_end
            # The assignments: an earlier transfer for some, the reorganisations of 2025 for everyone then.
            stints = careers.career(
                rng,
                unit_id,
                fromordinal(start),
                fromordinal(end) if end else None,
                closings=closings,
                transfer_from=same_kind.get(unit_id, ()),
            )
            for number, stint in enumerate(stints):
                heir = careers.heir(stints, number, closings, today_date) if stint.unit in closings else stint.unit
                assignments.append(
                    f"{person_id}\t{stint.unit}\t{category}\t{lead}\t{title}\t{iso(stint.start.toordinal())}"
                    f"\t{iso(stint.end.toordinal()) if stint.end else NULL}\t{NULL if heir == stint.unit else heir}"
                )
            citizen = NULL
            if rnd() < 0.85:
                century_sex = (0 if gender == "nam" else 1) + (2 if birth_year >= 2000 else 0)
                province = provinces[person_id // 1_000_000]
                citizen = f"{province}{century_sex}{birth_year % 100:02d}{person_id % 1_000_000:06d}"
            persons.append(
                f"{person_id}\t{code}\t{full}\t{family}\t{middle}\t{given}\t{sort_key}\t{folded} {code.lower()}"
                f"\t{iso(birth)}\t{gender}\t{citizen}\t{stints[-1].unit}\t{category}\t{title}\t{lead}"
                f"\t{'t' if btv else 'f'}\t{'t' if succession else 'f'}\t{deputy}\t{edu}\t{'t' if suited else 'f'}"
                f"\t{pol}\t{sm}\t{lang}\t{iso(start)}\t{iso(end) if end else NULL}\t{UPDATED_AT}"
            )
            last_day = min(end - 1, today) if end else today
            seen: set[int] = set()

            # Dated qualifications (~0.4 a person): upgrades during the programme, or undated old diplomas.
            for number, (kind_code, level, chance) in enumerate(
                (
                    ("chuyen_mon", edu + 1, 0.12 if 2 <= edu <= 4 else 0.0),
                    ("ly_luan_chinh_tri", max(pol + 1, 2), 0.16 if group in ("cc", "xa") and pol < 4 else 0.04),
                    ("ngoai_ngu", max(lang + 1, 3), 0.18 if lang < 5 else 0.0),
                    ("quan_ly_nha_nuoc", sm + 1, 0.08 if sm < 3 else 0.0),
                )
            ):
                if rnd() < chance:
                    span = min(last_day, programme_end) - _ord(2017)
                    obtained = NULL if rnd() < 0.15 else iso(_ord(2017) + int(rnd() * span))
                    qualifications.append(f"{person_id}\t{kind_code}\t{level}\t{obtained}\tVB{person_id:07d}{number}")

            # Appointments of 2021–2025, mostly preceded by the course they require.
            window_start, window_end = max(start, programme_start), min(last_day, programme_end)
            if window_end > window_start:
                wanted = []
                if (group == "cc" and rnd() < 0.5) or (category == "cong_chuc_xa" and rnd() < 0.3):
                    wanted.append(("ngach", RANK_TITLES[int(rnd() * len(RANK_TITLES))]))
                if lead >= 1 and rnd() < 0.6:
                    wanted.append(("chuc_vu", title))
                for appointment_kind, appointment_title in wanted:
                    appointed = window_start + int(rnd() * (window_end - window_start))
                    appointments.append(f"{person_id}\t{appointment_kind}\t{appointment_title}\t{iso(appointed)}")
                    if rnd() < 0.8:  # the required course, finished before the appointment
                        year = fromordinal(appointed).year
                        required = pools[APPOINTMENT_COURSE[appointment_kind]]
                        options = [
                            c
                            for y in (year, year - 1, year - 2)
                            for c in required.get(y, ())
                            if course_end[c] < appointed and course_start[c] >= start - 730
                        ]
                        if options:
                            course = options[int(rnd() * len(options))]
                            if course not in seen:
                                seen.add(course)
                                add_record(f"{person_id}\t{course}\thoan_thanh\t{NULL}\t")

            # Training, year by year while employed.
            slots = slot_sets.get((group, leader, btv, deputy))
            if slots is None:
                chosen = list(SLOTS[group])
                chosen += LEADER_SLOTS if leader else []
                chosen += BTV_SLOTS if btv else []
                chosen += DEPUTY_SLOTS if deputy == "2021-2026" else []
                slots = slot_sets[(group, leader, btv, deputy)] = [(pools[name], chance) for name, chance in chosen]
            diligence = self.diligence[unit_index] * (0.6 + rnd() * 0.8)
            first_year = max(FIRST_YEAR, fromordinal(max(start, first_day)).year)
            for year in range(first_year, min(fromordinal(last_day).year, LAST_YEAR) + 1):
                factor = diligence * TREND[year]
                for by_year, chance in slots:
                    if rnd() >= chance * factor:
                        continue
                    options = by_year[year]
                    course = options[int(rnd() * len(options))]
                    begins = course_start[course]
                    if begins < start or begins > last_day or course in seen:
                        continue
                    seen.add(course)
                    ends = course_end[course]
                    if ends > today:
                        result, completed = ("dang_hoc" if rnd() < 0.93 else "bo_hoc"), NULL
                    else:
                        draw = rnd()
                        if draw < 0.7:
                            result, completed = "hoan_thanh", NULL
                        elif draw < 0.93:
                            result, completed = "hoan_thanh", dates[min(ends + int(rnd() * 20), today) - date_base]
                        else:
                            result, completed = ("khong_dat" if draw < 0.965 else "bo_hoc"), NULL
                    if course_grants[course] and result == "hoan_thanh":
                        add_record(f"{person_id}\t{course}\t{result}\t{completed}\tCC{person_id:07d}{len(seen):02d}")
                    else:
                        add_record(f"{person_id}\t{course}\t{result}\t{completed}\t")

        return {
            "person": persons,
            "assignment": assignments,
            "qualification": qualifications,
            "appointment": appointments,
            "record": records,
        }

    def sample_names(self, count: int = 5) -> list[str]:
        """Return a few of the names persons carry (for search queries)."""
        rng = random.Random(self.seed + 3)
        pool = self.names["nam"] + self.names["nu"]
        return [rng.choice(pool)[0] for _ in range(count)]


# ---------------------------------------------------------------------------------------------
# Tables: which columns the generated lines fill, and the constant values of any other column


@dataclass
class TableSpec:
    key: str
    model: type
    fields: list[str]  # model field names, in the order of the generated values
    db_table: str = ""
    columns: list[str] = field(default_factory=list)
    suffix: list[tuple[str, object]] = field(default_factory=list)  # (column, constant) appended to each row
    booleans: set[int] = field(default_factory=set)  # positions of boolean columns

    def resolve(self) -> TableSpec:
        """Fill the table name and columns from the model, with a constant for every column not generated."""
        meta = self.model._meta
        self.db_table = meta.db_table
        by_name = {f.name: f for f in meta.concrete_fields}
        self.columns = [by_name[name].column for name in self.fields]
        for f in meta.concrete_fields:
            if f.name in self.fields or (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField")):
                continue
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            else:
                raise RuntimeError(f"bench.seed does not fill the required column {self.db_table}.{f.column}")
            self.suffix.append((f.column, value))
        all_fields = [by_name[name] for name in self.fields] + [
            meta.get_field(_field_of(meta, c)) for c, _ in self.suffix
        ]
        self.booleans = {i for i, f in enumerate(all_fields) if f.get_internal_type() == "BooleanField"}
        return self

    @property
    def all_columns(self) -> list[str]:
        return self.columns + [column for column, _ in self.suffix]

    def copy_suffix(self) -> str:
        """Return the text appended to every generated line for the constant columns."""
        return "".join("\t" + _copy_text(value) for _, value in self.suffix)


def _field_of(meta, column: str) -> str:
    return next(f.name for f in meta.concrete_fields if f.column == column)


def _copy_text(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        import json

        return json.dumps(value).replace("\\", "\\\\")
    return str(value)


def table_specs() -> dict[str, TableSpec]:
    """Return the tables the seeder fills, in load order."""
    from personnel.models import Appointment, Assignment, OrgUnit, Person, Qualification, UnitSuccession
    from training.models import Course, TrainingRecord

    specs = [
        TableSpec("unit", OrgUnit, ["id", "code", "name", "parent", "level", "opened_on", "closed_on", "path",
                                    "depth"]),
        # Ids of successions and assignments come from the database, in load order.
        TableSpec("succession", UnitSuccession, ["predecessor", "successor", "is_primary", "order"]),
        TableSpec("course", Course, ["id", "code", "title", "form", "provider", "start_date", "end_date", "hours",
                                     "grants_kind", "grants_level"]),
        TableSpec("course_type", Course.types.through, ["id", "course", "coursetype"]),
        TableSpec("person", Person, [
            "id", "code", "full_name", "family_name", "middle_name", "given_name", "sort_key", "search_text",
            "birth_date", "gender", "citizen_id", "unit", "category", "position_title", "leadership_level",
            "btv_managed", "btv_succession", "deputy_term", "education_level", "field_suited", "political_level",
            "state_management_level", "language_level", "start_date", "end_date", "updated_at",
        ]),
        TableSpec("assignment", Assignment, ["person", "unit", "category", "leadership_level", "position_title",
                                             "start_date", "end_date", "heir_unit"]),
        # Ids of these come from the database, in load order.
        TableSpec("qualification", Qualification, ["person", "kind", "level", "obtained_on", "document_number"]),
        TableSpec("appointment", Appointment, ["person", "kind", "title", "appointed_on"]),
        TableSpec("record", TrainingRecord, ["person", "course", "result", "completed_on", "certificate_number"]),
    ]  # fmt: skip
    return {spec.key: spec.resolve() for spec in specs}


# ---------------------------------------------------------------------------------------------
# Loading


class _Writer:
    """Write lines into tables: COPY on PostgreSQL, else INSERT (``executemany``)."""

    def __init__(self, specs: dict[str, TableSpec], cursor, vendor: str, freeze: bool = False):
        self.specs = specs
        self.cursor = cursor
        self.copy = vendor == "postgresql" and hasattr(cursor, "copy_expert")
        self.freeze = freeze
        self.counts: dict[str, int] = dict.fromkeys(specs, 0)

    def write(self, key: str, lines: list[str]) -> None:
        """Write generated lines (without the constant columns) into the table ``key``."""
        if not lines:
            return
        if self.copy:
            self.write_text(key, copy_text(self.specs[key], lines), len(lines))
            return
        spec = self.specs[key]
        self.counts[key] += len(lines)
        constants = [value for _, value in spec.suffix]
        rows = []
        for line in lines:
            values: list = [None if v == NULL else v for v in line.split("\t")] + constants
            for i in spec.booleans:
                if values[i] in ("t", "f"):
                    values[i] = values[i] == "t"
            rows.append(values)
        columns = ", ".join(f'"{c}"' for c in spec.all_columns)
        marks = ", ".join(["%s"] * len(spec.all_columns))
        sql = f'INSERT INTO "{spec.db_table}" ({columns}) VALUES ({marks})'
        for start in range(0, len(rows), 5000):
            self.cursor.executemany(sql, rows[start : start + 5000])

    def write_text(self, key: str, text: str, count: int) -> None:
        """COPY complete COPY text (every column, one row a line) into the table ``key``."""
        if not count:
            return
        spec = self.specs[key]
        self.counts[key] += count
        options = " WITH (FREEZE)" if self.freeze else ""
        columns = ", ".join(f'"{c}"' for c in spec.all_columns)
        sql = f'COPY "{spec.db_table}" ({columns}) FROM STDIN{options}'
        self.cursor.copy_expert(sql, io.StringIO(text), size=1 << 20)


def copy_text(spec: TableSpec, lines: list[str]) -> str:
    """Return generated lines as COPY text, each completed with the table's constant columns."""
    suffix = spec.copy_suffix()
    if not suffix:
        return "\n".join(lines) + "\n"
    return "".join(f"{line}{suffix}\n" for line in lines)


# Set in the parent before the worker processes fork: they inherit it and receive only chunk numbers.
_SHARED: tuple[Generator, dict[str, TableSpec]] | None = None


def _chunk_texts(index: int) -> list[tuple[str, str, int]]:
    """Return (table key, COPY text, rows) of one chunk; runs in a worker process."""
    generator, specs = _SHARED
    return [(key, copy_text(specs[key], lines), len(lines)) for key, lines in generator.chunk(index).items()]


def _write_chunks(generator: Generator, specs: dict[str, TableSpec], writer: _Writer, workers: int) -> None:
    """Generate every chunk of persons and write it; with ``workers`` > 1, generate in that many processes.

    Chunks are written in order whatever process made them, so the loaded data does not depend on it.
    """
    global _SHARED
    if workers <= 1:
        for index in range(generator.chunks):
            for key, lines in generator.chunk(index).items():
                writer.write(key, lines)
        return
    import multiprocessing

    _SHARED = (generator, specs)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for texts in pool.imap(_chunk_texts, range(generator.chunks)):
                for key, text, count in texts:
                    writer.write_text(key, text, count)
    finally:
        _SHARED = None


def seed(
    *,
    scale: float,
    seed: int = DEFAULT_SEED,
    connection=None,
    dsn: str | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> SeedResult:
    """Generate and load the data of ``scale`` into empty tables; return counts and timings.

    With ``dsn`` (a PostgreSQL database of the benchmark's own), load fast on a separate connection:
    truncate, drop secondary indexes and constraints, ``COPY … FREEZE`` chunks made by ``workers``
    processes (default: one per CPU), rebuild, analyse. Otherwise write through the Django ``connection``
    inside its current transaction (the test suite): COPY on PostgreSQL, ``executemany`` elsewhere.
    """
    say = progress or (lambda message: None)
    plan = plan_for(scale)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    generator = Generator(plan, seed)
    seconds["prepare"] = time.perf_counter() - started
    specs = table_specs()
    say(f"{plan.persons:,} persons, {plan.units} units, {len(generator.course_start) - 1:,} courses")

    if dsn:
        workers = workers or _default_workers()
        counts = _load_fast(dsn, specs, generator, workers, seconds, say)
    else:
        from django.db import connection as default_connection

        connection = connection or default_connection
        _require_empty(specs)
        with connection.cursor() as cursor:
            raw = getattr(cursor, "cursor", cursor)
            use_raw = connection.vendor == "postgresql" and hasattr(raw, "copy_expert")
            writer = _Writer(specs, raw if use_raw else cursor, connection.vendor)
            copy_started = time.perf_counter()
            writer.write("unit", generator.unit_rows)
            writer.write("succession", generator.succession_rows)
            writer.write("course", generator.course_rows)
            writer.write("course_type", generator.course_type_rows)
            _write_chunks(generator, specs, writer, workers=1)
            seconds["copy"] = time.perf_counter() - copy_started
            if connection.vendor == "postgresql":
                _move_sequences(cursor, specs)
        from personnel.models import OrganisationState

        # The heir units were written with the assignments (as ``personnel.history.refresh_heirs`` computes them).
        OrganisationState.objects.update_or_create(pk=1, defaults={"heirs_as_of": generator.today})
        counts = writer.counts
    seconds["total"] = time.perf_counter() - started
    return SeedResult(plan=plan, counts=counts, seconds=seconds, sample_names=generator.sample_names())


def _default_workers() -> int:
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def _require_empty(specs: dict[str, TableSpec]) -> None:
    for spec in specs.values():
        if spec.model._default_manager.exists():
            raise RuntimeError(f"bench.seed loads into empty tables; {spec.db_table} has rows")


def _move_sequences(cursor, specs: dict[str, TableSpec]) -> None:
    """Move each loaded table's id sequence past the loaded ids, so the product's own inserts do not collide."""
    for spec in specs.values():
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f'COALESCE((SELECT max(id) FROM "{spec.db_table}"), 0) + 1, false)',
            [spec.db_table],
        )


def _load_fast(dsn: str, specs, generator: Generator, workers: int, seconds: dict, say) -> dict[str, int]:
    """Load into the benchmark database on its own connection, with indexes rebuilt after the copy."""
    import psycopg2
    from django.db import connections

    tables = [spec.db_table for spec in specs.values()]
    connections.close_all()  # no open connection for the worker processes to inherit
    connection = psycopg2.connect(dsn)
    try:
        cursor = connection.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET synchronous_commit = off")
        _quiet_triggers(cursor)
        saved = _drop_secondary(cursor, tables)
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
        writer = _Writer(specs, cursor, "postgresql", freeze=True)
        started = time.perf_counter()
        writer.write("unit", generator.unit_rows)
        writer.write("succession", generator.succession_rows)
        writer.write("course", generator.course_rows)
        writer.write("course_type", generator.course_type_rows)
        _write_chunks(generator, specs, writer, workers=workers)
        seconds["copy"] = time.perf_counter() - started
        say(f"generated in {workers} processes and copied {sum(writer.counts.values()):,} rows in "
            f"{seconds['copy']:.1f} s; rebuilding indexes")  # fmt: skip
        _move_sequences(cursor, specs)
        _mark_heirs_computed(cursor, generator.today)
        cursor.execute('INSERT INTO "reports_dirtyunit" (created) VALUES (now())')  # every unit: see _quiet_triggers
        connection.commit()
        started = time.perf_counter()
        connection.autocommit = True
        indexes, foreign_keys = saved
        timings = _run_parallel(dsn, indexes, connections=min(2, workers))
        timings += _run_parallel(dsn, foreign_keys, connections=1)  # each locks the table it points at
        seconds["indexes"] = time.perf_counter() - started
        for spent, statement in sorted(timings, reverse=True)[:5]:
            say(f"  {spent:5.1f} s  {statement[:110]}")
        started = time.perf_counter()
        connection.autocommit = True
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
        seconds["analyze"] = time.perf_counter() - started
        return writer.counts
    finally:
        connection.close()


def _mark_heirs_computed(cursor, today: datetime.date) -> None:
    """Record that the heir units are current (they were written with the assignments)."""
    from personnel.models import OrganisationState

    table = OrganisationState._meta.db_table
    cursor.execute(
        f'INSERT INTO "{table}" (id, heirs_as_of) VALUES (1, %s) ON CONFLICT (id) DO UPDATE SET heirs_as_of = %s',
        [today, today],
    )


def _quiet_triggers(cursor) -> None:
    """Skip the triggers that note changed units for the stored figures (``reports.triggers``) while loading.

    Each ``COPY`` of records would look up its persons' units; the load notes "every unit" once instead.
    Only a superuser may; otherwise the triggers run (slower, same result).
    """
    import psycopg2

    cursor.execute("SAVEPOINT quiet_triggers")
    try:
        cursor.execute("SET session_replication_role = replica")
    except psycopg2.Error:  # not a superuser
        cursor.execute("ROLLBACK TO SAVEPOINT quiet_triggers")
    else:
        cursor.execute("RELEASE SAVEPOINT quiet_triggers")


def _run_parallel(dsn: str, statements: list[str], connections: int) -> list[tuple[float, str]]:
    """Run independent statements on ``connections`` connections at once; return (seconds, statement) of each."""
    import threading

    import psycopg2

    pending = list(statements)
    timings: list[tuple[float, str]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work():
        connection = psycopg2.connect(dsn)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                while not failures:
                    with lock:
                        if not pending:
                            return
                        statement = pending.pop(0)
                    began = time.perf_counter()
                    cursor.execute(statement)
                    with lock:
                        timings.append((time.perf_counter() - began, statement))
        except BaseException as error:  # re-raised below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(max(1, connections))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return timings


def _drop_secondary(cursor, tables: list[str]) -> tuple[list[str], list[str]]:
    """Drop the unique and foreign-key constraints and the secondary indexes of ``tables``; return how to rebuild them.

    Returns the statements that rebuild the unique constraints and indexes (independent of each other,
    largest tables first) and those that re-add the foreign keys.

    Foreign keys of other tables that point at these tables go too (TRUNCATE requires it) and come back
    last, validated. Primary keys and check constraints stay.
    """
    cursor.execute(
        """
        SELECT c.conname, c.contype, c.conrelid::regclass::text, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE (c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype IN ('u', 'f'))
           OR (c.confrelid = ANY(%(tables)s::regclass[]) AND c.contype = 'f')
        """,
        {"tables": tables},
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        {"tables": tables},
    )
    indexes = cursor.fetchall()
    foreign = [c for c in constraints if c[1] == "f"]
    unique = [c for c in constraints if c[1] == "u"]
    for name, _kind, table, _definition in foreign + unique:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")

    def add(table: str, name: str, definition: str) -> str:
        return f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'

    rebuild = [(table, add(table, name, definition)) for name, _kind, table, definition in unique]
    rebuild += [(definition.split(" ON ", 1)[1].split(" ", 1)[0], definition) for _name, definition in indexes]
    # The tables come smallest first (units … training records): rebuild the largest first.
    order = {table: position for position, table in enumerate(tables)}
    rebuild.sort(key=lambda pair: -order.get(pair[0].removeprefix("public.").strip('"'), 0))
    foreign_keys = [add(table, name, definition) for name, _kind, table, definition in foreign]
    return [statement for _table, statement in rebuild], foreign_keys

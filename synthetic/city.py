"""A synthetic Hanoi of any size for the benchmark: its sizes, units, courses and what people do in them.

Scale 1.0 is the city: 250,000 persons in 708 units over time — Hanoi's real organisation from
``synthetic.hanoi`` (shared with the demo), names from ``synthetic.population`` (shared with the demo). The
rows themselves are drawn by ``synthetic.city_rows.Generator``; ``bench.seed`` loads them. See ``bench.seed``
for what the data holds and why.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from . import hanoi, population

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

# (code, name, relative head count) — the specialised agencies of the City People's Committee, the largest
# first (a small scale takes the first ones).
DEPARTMENTS = [
    (code, population.DEPARTMENT_NAMES[code], weight)
    for code, weight in [
        ("SGD", 6.0), ("SYT", 5.0), ("VPUB", 0.6), ("SNV", 0.5), ("STP", 0.5), ("SKHDT", 0.4), ("STC", 0.5),
        ("SCT", 0.5), ("SNNPTNT", 1.2), ("SGTVT", 0.9), ("SXD", 0.7), ("STNMT", 0.8), ("STTTT", 0.3),
        ("SLDTBXH", 1.0), ("SVHTT", 0.9), ("SDL", 0.2), ("SKHCN", 0.3), ("TTTP", 0.3), ("SNGV", 0.2),
        ("SQHKT", 0.3), ("BDT", 0.1),
    ]
]  # fmt: skip

# The demo's names, but for Huỳnh (a southern name; the benchmark's data was defined without it).
FAMILY_NAMES = population.family_names(without=("Huỳnh",))
MIDDLE_NAMES = population.MIDDLE_NAMES
GIVEN_NAMES = population.GIVEN_NAMES
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


LHP = population.PROVIDER_LHP
NAPA = population.PROVIDER_NAPA
HCMA = population.PROVIDER_HCMA
SNV, STP = population.PROVIDER_SNV, population.PROVIDER_STP
HANU, HNUE, HLU = population.PROVIDER_HANU, population.PROVIDER_HNUE, population.PROVIDER_HLU
COURSE_SPECS = [
    CourseSpec("CNKT", ("cap_nhat_kien_thuc",), "Bồi dưỡng cập nhật kiến thức cán bộ diện BTV", HCMA, "boi_duong", 4,
               32, 0.3),
    CourseSpec("PL", ("phap_luat",), "Cập nhật kiến thức pháp luật", STP, "boi_duong", 3, 20, 3),
    CourseSpec("DDCV", ("dao_duc_cong_vu",), "Bồi dưỡng đạo đức công vụ", LHP, "boi_duong", 2, 16, 2),
    CourseSpec("PLDD", ("phap_luat", "dao_duc_cong_vu"), "Pháp luật và đạo đức công vụ", LHP, "boi_duong", 5, 40, 1),
    CourseSpec("KNCV", ("ky_nang_cong_vu",), "Kiến thức, kỹ năng thực thi công vụ", SNV, "boi_duong", 5,
               40, 3),
    CourseSpec("CM", ("chuyen_mon",), "Cập nhật kiến thức chuyên môn, nghiệp vụ", LHP, "boi_duong", 5, 40, 4),
    CourseSpec("DDNN", ("dao_duc_nghe_nghiep",), "Bồi dưỡng đạo đức nghề nghiệp", SNV, "boi_duong", 2,
               16, 4),
    CourseSpec("NCV", ("tieu_chuan_ngach",), "Quản lý nhà nước ngạch chuyên viên", LHP, "boi_duong", 42, 240, 0.6,
               ("quan_ly_nha_nuoc", 1)),
    CourseSpec("NCVC", ("tieu_chuan_ngach",), "Quản lý nhà nước ngạch chuyên viên chính", NAPA, "boi_duong", 56, 320,
               0.4, ("quan_ly_nha_nuoc", 2)),
    CourseSpec("NCVCC", ("tieu_chuan_ngach",), "Quản lý nhà nước ngạch chuyên viên cao cấp", NAPA, "boi_duong", 70, 400,
               0.1, ("quan_ly_nha_nuoc", 3)),
    CourseSpec("CDNN", ("chuc_danh_nghe_nghiep",), "Tiêu chuẩn chức danh nghề nghiệp viên chức",
               HNUE, "boi_duong", 21, 160, 3),
    CourseSpec("LDP", ("lanh_dao_quan_ly",), "Kỹ năng lãnh đạo, quản lý cấp phòng", LHP, "boi_duong", 21, 140, 1),
    CourseSpec("LDS", ("lanh_dao_quan_ly",), "Lãnh đạo, quản lý cấp sở, cấp huyện", NAPA, "boi_duong", 28, 180, 0.3),
    CourseSpec("HDND", ("hdnd",), "Kỹ năng hoạt động của đại biểu HĐND", "Văn phòng HĐND Thành phố", "boi_duong", 3, 24,
               0.5),
    CourseSpec("CCLL", ("ly_luan_chinh_tri",), "Cao cấp lý luận chính trị", HCMA, "dao_tao", 260, 1400, 0.2,
               ("ly_luan_chinh_tri", 3)),
    CourseSpec("TCLL", ("ly_luan_chinh_tri",), "Trung cấp lý luận chính trị - hành chính", LHP, "dao_tao", 150, 800,
               0.6, ("ly_luan_chinh_tri", 2)),
    CourseSpec("NNB3", ("ngoai_ngu",), "Tiếng Anh bậc 3 (B1)", HANU, "dao_tao", 90, 300, 0.6,
               ("ngoai_ngu", 3)),
    CourseSpec("NNB4", ("ngoai_ngu",), "Tiếng Anh bậc 4 (B2)", HANU, "dao_tao", 120, 400, 0.3,
               ("ngoai_ngu", 4)),
    CourseSpec("THS", ("bang_cap",), "Thạc sĩ Quản lý công", NAPA, "dao_tao", 700, 1800, 0.2, ("chuyen_mon", 5)),
    CourseSpec("DHL", ("bang_cap",), "Đại học Luật hệ vừa làm vừa học", HLU, "dao_tao", 1200,
               2600, 0.1, ("chuyen_mon", 4)),
    CourseSpec("CDS", ("khac",), "Kỹ năng chuyển đổi số trong cơ quan nhà nước", SNV, "boi_duong", 2, 12,
               3),
    CourseSpec("VTLT", ("khac",), "Nghiệp vụ văn thư, lưu trữ", SNV, "boi_duong", 2, 12, 1.5),
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

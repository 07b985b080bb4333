"""What the demo is drawn from: Hanoi's real units and training providers, the courses offered every year, the
roles people hold in each kind of unit, and their training habits.

What is real, and where it comes from (``synthetic.hanoi``, shared with the benchmark):

- The city, its 30 districts/towns and their 526 communes/wards as they were until 30 June 2025, read from
  the table ``admin_units_legacy`` of the package ``vietnamadminunits``
  (https://github.com/tranngocminhhieu/vietnamadminunits, MIT licence), which carries the official codes of
  the General Statistics Office. Every district and old commune/ward closes on **1 July 2025**.
- The 126 commune-level units (51 wards, 75 communes) that open on **1 July 2025** directly under the city
  (table ``admin_units`` of the same package), with the successors of each old unit taken from the
  package's own legacy→2025 conversion: an old ward maps to its new one; a divided old ward names every
  new ward that took part of it, the package's default one primary; a district names the new units that
  took its communes, primary the one that took the most.
- The city's departments (``DEPARTMENTS``) are the specialised agencies of the City People's Committee
  before the February 2025 merger, as the city publishes them (hanoi.gov.vn, "Cơ quan chuyên môn thuộc
  UBND Thành phố"), hardcoded here. The merged ones (``synthetic.hanoi.DEPARTMENT_MERGERS``: Sở Kế hoạch
  và Đầu tư + Sở Tài chính → Sở Tài chính, …) close on **1 March 2025** (their first day no longer
  existing) and the new departments open that day.
- The course providers are Hanoi's real training schools and academies.

Unit codes (stable, derived from the official codes): ``HN`` is the city; ``H001`` is the district with
official code 001 ("UBND Quận Ba Đình"); ``X00001`` is the ward with official code 00001 ("UBND Phường
Phúc Xá"); a unit of 1 July 2025 carries its official code with the suffix ``-2025`` (``X00097-2025`` =
"UBND Phường Hồng Hà": official codes of old wards are reused by new ones); a department has a short
code (``SNV`` = Sở Nội vụ; ``SNV-2025`` the merged Sở Nội vụ of 1 March 2025). Course codes read
``K<year>-<type>-<n>`` (``K2023-PL-01``); person codes ``CB000001``…
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from personnel.choices import Category, QualificationKind

from . import hanoi
from .hanoi import District, Ward
from .population import DEPARTMENT_NAMES as NAMES
from .population import (
    PROVIDER_HANU,
    PROVIDER_HCMA,
    PROVIDER_HDND,
    PROVIDER_HLU,
    PROVIDER_HMU,
    PROVIDER_HNUE,
    PROVIDER_LHP,
    PROVIDER_NAPA,
    PROVIDER_SNV,
    PROVIDER_STP,
)  # fmt: skip

HISTORY_REASON = "seed_demo"
CITY_CODE = "HN"
CITY_NAME = "Thành phố Hà Nội"

C = Category
Q = QualificationKind

FIRST_YEAR, LAST_YEAR = 2019, 2026  # courses are scheduled over these years
PROGRAMME_YEARS = range(2021, 2026)
NON_SPECIALISED_LATEST_START = datetime.date(2025, 6, 1)

# ---------------------------------------------------------------------------------------------
# Real units


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    head: str
    deputy: str
    weight: float  # relative head count
    employee_share: float  # share of public employees (schools, hospitals, centres under the department)
    employee_lead: str = "Giám đốc Trung tâm"
    employee_titles: tuple[str, ...] = ("Viên chức Trung tâm",)


# The specialised agencies of the City People's Committee in 2021–2025 (``population.DEPARTMENT_NAMES``), with
# their heads and how many people they employ.
# fmt: off
DEPARTMENTS = [
    Department("VPUB", NAMES["VPUB"], "Chánh Văn phòng", "Phó Chánh Văn phòng", 1.2, 0.15),
    Department("SNV", NAMES["SNV"], "Giám đốc Sở", "Phó Giám đốc Sở", 1.0, 0.15),
    Department("STP", NAMES["STP"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.8, 0.3,
               "Giám đốc Trung tâm", ("Công chứng viên", "Trợ giúp viên pháp lý")),
    Department("SKHDT", NAMES["SKHDT"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.8, 0.1),
    Department("STC", NAMES["STC"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.9, 0.1),
    Department("SCT", NAMES["SCT"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.7, 0.15),
    Department("SNNPTNT", NAMES["SNNPTNT"], "Giám đốc Sở", "Phó Giám đốc Sở", 1.0, 0.35,
               "Giám đốc Trung tâm", ("Kỹ sư nông nghiệp", "Viên chức Trung tâm Khuyến nông")),
    Department("SGTVT", NAMES["SGTVT"], "Giám đốc Sở", "Phó Giám đốc Sở", 1.0, 0.2),
    Department("SXD", NAMES["SXD"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.9, 0.15),
    Department("STNMT", NAMES["STNMT"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.9, 0.25),
    Department("STTTT", NAMES["STTTT"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.5, 0.2),
    Department("SLDTBXH", NAMES["SLDTBXH"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.9, 0.4,
               "Giám đốc Trung tâm", ("Công tác xã hội viên", "Giáo viên giáo dục nghề nghiệp")),
    Department("SVHTT", NAMES["SVHTT"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.8, 0.45,
               "Giám đốc Nhà hát", ("Diễn viên", "Huấn luyện viên", "Thư viện viên")),
    Department("SDL", NAMES["SDL"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.4, 0.15),
    Department("SKHCN", NAMES["SKHCN"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.5, 0.25),
    Department("SGD", NAMES["SGD"], "Giám đốc Sở", "Phó Giám đốc Sở", 2.4, 0.7,
               "Hiệu trưởng Trường THPT", ("Giáo viên Trường THPT", "Giáo viên Trường THPT", "Nhân viên thiết bị")),
    Department("SYT", NAMES["SYT"], "Giám đốc Sở", "Phó Giám đốc Sở", 2.2, 0.7,
               "Trưởng khoa", ("Bác sĩ", "Điều dưỡng", "Dược sĩ", "Kỹ thuật viên y")),
    Department("TTTP", NAMES["TTTP"], "Chánh Thanh tra", "Phó Chánh Thanh tra", 0.6, 0.0),
    Department("SNGV", NAMES["SNGV"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.3, 0.1),
    Department("SQHKT", NAMES["SQHKT"], "Giám đốc Sở", "Phó Giám đốc Sở", 0.5, 0.2),
    Department("BDT", NAMES["BDT"], "Trưởng ban", "Phó Trưởng ban", 0.3, 0.0),
]
# fmt: on

PARTY_COMMITTEE = {"Quận": "Quận ủy", "Huyện": "Huyện ủy", "Thị xã": "Thị ủy"}


def hanoi_units() -> tuple[tuple[District, ...], tuple[Ward, ...]]:
    """Return Hanoi's districts and wards until 30 June 2025 from ``vietnamadminunits`` (official codes)."""
    return hanoi.legacy_units()


def district_code(official: str) -> str:
    """Return the unit code of a district ("001" -> "H001")."""
    return f"H{official}"


def ward_code(official: str) -> str:
    """Return the unit code of a ward ("00001" -> "X00001")."""
    return f"X{official}"


def new_ward_code(official: str) -> str:
    """Return the unit code of a commune-level unit of 1 July 2025 ("00097" -> "X00097-2025")."""
    return f"X{official}{hanoi.NEW_SUFFIX}"


# ---------------------------------------------------------------------------------------------
# Courses


@dataclass(frozen=True)
class CourseSpec:
    """One course offered every year: its types, title, provider, schedule and what it grants."""

    key: str  # short code used in the course code
    types: tuple[str, ...]
    title: str  # "{year}" is replaced
    provider: str
    form: str
    months: tuple[int, ...]  # start month of each offering (one course per month listed)
    days: int  # length in days
    hours: int
    grants: tuple[str, int] | None = None


# "Several per year" of every type; long courses (degrees, advanced political theory) span years.
# Fields: key, types, title, provider, form, start months (one course each), days, hours, level granted.
# fmt: off
COURSE_SPECS = [
    CourseSpec("CNKT", ("cap_nhat_kien_thuc",),
               "Bồi dưỡng cập nhật kiến thức cho cán bộ diện Ban Thường vụ Thành ủy quản lý năm {year}",
               PROVIDER_HCMA, "boi_duong", (4, 10), 4, 32),
    CourseSpec("PL", ("phap_luat",), "Cập nhật kiến thức pháp luật cho cán bộ, công chức năm {year}",
               PROVIDER_STP, "boi_duong", (3, 6, 9), 3, 20),
    CourseSpec("DDCV", ("dao_duc_cong_vu",), "Bồi dưỡng đạo đức công vụ năm {year}",
               PROVIDER_LHP, "boi_duong", (4, 8, 10), 2, 16),
    CourseSpec("PLDD", ("phap_luat", "dao_duc_cong_vu"), "Bồi dưỡng kiến thức pháp luật và đạo đức công vụ năm {year}",
               PROVIDER_LHP, "boi_duong", (5,), 5, 40),
    CourseSpec("KNCV", ("ky_nang_cong_vu",), "Bồi dưỡng kiến thức, kỹ năng thực thi công vụ năm {year}",
               PROVIDER_SNV, "boi_duong", (3, 7, 10), 5, 40),
    CourseSpec("CM", ("chuyen_mon",), "Cập nhật, nâng cao kiến thức chuyên môn, nghiệp vụ năm {year}",
               PROVIDER_LHP, "boi_duong", (4, 6, 9), 5, 40),
    CourseSpec("DDNN", ("dao_duc_nghe_nghiep",), "Bồi dưỡng đạo đức nghề nghiệp cho viên chức năm {year}",
               PROVIDER_SNV, "boi_duong", (5, 11), 2, 16),
    CourseSpec("NCV", ("tieu_chuan_ngach",), "Bồi dưỡng kiến thức quản lý nhà nước ngạch chuyên viên năm {year}",
               PROVIDER_LHP, "boi_duong", (3, 9), 42, 240, (Q.STATE_MANAGEMENT, 1)),
    CourseSpec("NCVC", ("tieu_chuan_ngach",), "Bồi dưỡng kiến thức quản lý nhà nước ngạch chuyên viên chính năm {year}",
               PROVIDER_NAPA, "boi_duong", (4, 8), 56, 320, (Q.STATE_MANAGEMENT, 2)),
    CourseSpec("NCVCC", ("tieu_chuan_ngach",),
               "Bồi dưỡng kiến thức quản lý nhà nước ngạch chuyên viên cao cấp năm {year}",
               PROVIDER_NAPA, "boi_duong", (6,), 70, 400, (Q.STATE_MANAGEMENT, 3)),
    CourseSpec("CDNN", ("chuc_danh_nghe_nghiep",),
               "Bồi dưỡng theo tiêu chuẩn chức danh nghề nghiệp viên chức năm {year}",
               PROVIDER_HNUE, "boi_duong", (3, 7, 10), 21, 160),
    CourseSpec("CDYT", ("chuc_danh_nghe_nghiep",),
               "Bồi dưỡng theo tiêu chuẩn chức danh nghề nghiệp viên chức y tế năm {year}",
               PROVIDER_HMU, "boi_duong", (5,), 21, 160),
    CourseSpec("LDP", ("lanh_dao_quan_ly",), "Bồi dưỡng kỹ năng lãnh đạo, quản lý cấp phòng năm {year}",
               PROVIDER_LHP, "boi_duong", (3, 6, 9), 21, 140),
    CourseSpec("LDS", ("lanh_dao_quan_ly",), "Bồi dưỡng lãnh đạo, quản lý cấp sở, cấp huyện và tương đương năm {year}",
               PROVIDER_NAPA, "boi_duong", (5,), 28, 180),
    CourseSpec("HDND", ("hdnd",), "Bồi dưỡng kiến thức, kỹ năng hoạt động cho đại biểu HĐND các cấp năm {year}",
               PROVIDER_HDND, "boi_duong", (7, 10), 3, 24),
    CourseSpec("CCLL", ("ly_luan_chinh_tri",), "Cao cấp lý luận chính trị (hệ tập trung) khóa {year}",
               PROVIDER_HCMA, "dao_tao", (3,), 260, 1400, (Q.POLITICAL_THEORY, 3)),
    CourseSpec("TCLL", ("ly_luan_chinh_tri",), "Trung cấp lý luận chính trị - hành chính khóa {year}",
               PROVIDER_LHP, "dao_tao", (2, 8), 150, 800, (Q.POLITICAL_THEORY, 2)),
    CourseSpec("NNB3", ("ngoai_ngu",), "Tiếng Anh bậc 3 (B1) theo Khung năng lực ngoại ngữ 6 bậc, khóa {year}",
               PROVIDER_HANU, "dao_tao", (3, 9), 90, 300, (Q.FOREIGN_LANGUAGE, 3)),
    CourseSpec("NNB4", ("ngoai_ngu",), "Tiếng Anh bậc 4 (B2) theo Khung năng lực ngoại ngữ 6 bậc, khóa {year}",
               PROVIDER_HANU, "dao_tao", (4,), 120, 400, (Q.FOREIGN_LANGUAGE, 4)),
    CourseSpec("THS", ("bang_cap",), "Thạc sĩ Quản lý công khóa {year}",
               PROVIDER_NAPA, "dao_tao", (10,), 700, 1800, (Q.EDUCATION, 5)),
    CourseSpec("THSL", ("bang_cap",), "Thạc sĩ Luật hiến pháp và luật hành chính khóa {year}",
               PROVIDER_HLU, "dao_tao", (9,), 700, 1800, (Q.EDUCATION, 5)),
    CourseSpec("DHL", ("bang_cap",), "Đại học Luật hệ vừa làm vừa học khóa {year}",
               PROVIDER_HLU, "dao_tao", (9,), 1200, 2600, (Q.EDUCATION, 4)),
    CourseSpec("CDS", ("khac",), "Tập huấn kỹ năng chuyển đổi số trong cơ quan nhà nước năm {year}",
               PROVIDER_SNV, "boi_duong", (6,), 2, 12),
    CourseSpec("VTLT", ("khac",), "Tập huấn nghiệp vụ văn thư, lưu trữ năm {year}",
               PROVIDER_SNV, "boi_duong", (8,), 2, 12),
]
# fmt: on


# ---------------------------------------------------------------------------------------------
# Roles: what the n-th person of a unit does (the first ones are the unit's leaders)


@dataclass(frozen=True)
class Role:
    category: str
    title: str
    leadership: int = 0
    rank: str = "staff"  # head, deputy, leader, staff, youth, senior, deputy_only
    female: float = 0.5  # share of women
    unique: bool = False  # one holder per unit (a commune has one chairman)


def city_roles() -> list[Role]:
    """Return the roles of the city's own leaders (at the root unit)."""
    return [
        Role(C.CADRE, "Chủ tịch UBND Thành phố", 4, "head", 0.1),
        Role(C.CADRE, "Phó Chủ tịch UBND Thành phố", 4, "deputy", 0.3),
        Role(C.CADRE, "Phó Chủ tịch UBND Thành phố", 4, "deputy", 0.3),
        Role(C.CADRE, "Phó Chủ tịch HĐND Thành phố", 4, "deputy", 0.3),
        Role(C.CADRE, "Trưởng Ban Pháp chế HĐND Thành phố", 3, "leader", 0.3),
        Role(C.CADRE, "Trưởng Ban Văn hóa - Xã hội HĐND Thành phố", 3, "leader", 0.5),
    ]


def department_roles(dept: Department) -> tuple[list[Role], list[tuple[Role, float]]]:
    """Return a department's fixed leading roles and its weighted pool of other roles."""
    fixed = [
        Role(C.CIVIL_SERVANT, dept.head, 3, "head", 0.2),
        Role(C.CIVIL_SERVANT, "Trưởng phòng Tổ chức cán bộ", 2, "leader", 0.4),
        Role(C.CIVIL_SERVANT, dept.deputy, 3, "deputy", 0.3),
        Role(C.CIVIL_SERVANT, "Chánh Văn phòng", 2, "leader", 0.4),
        Role(C.CIVIL_SERVANT, dept.deputy, 3, "deputy", 0.3),
    ]
    employees = dept.employee_share
    servants = 1 - employees
    deputy_lead = "Phó " + dept.employee_lead[0].lower() + dept.employee_lead[1:]  # "Phó giám đốc Trung tâm"
    pool = [
        (Role(C.CIVIL_SERVANT, "Chuyên viên", 0, "staff", 0.6), servants * 0.55),
        (Role(C.CIVIL_SERVANT, "Chuyên viên chính", 0, "staff", 0.5), servants * 0.2),
        (Role(C.CIVIL_SERVANT, "Trưởng phòng", 2, "leader", 0.35), servants * 0.1),
        (Role(C.CIVIL_SERVANT, "Phó Trưởng phòng", 2, "leader", 0.45), servants * 0.15),
        (Role(C.PUBLIC_EMPLOYEE, dept.employee_lead, 2, "leader", 0.4), employees * 0.1),
        (Role(C.PUBLIC_EMPLOYEE, deputy_lead, 1, "leader", 0.5), employees * 0.1),
    ]
    share = employees * 0.8 / len(dept.employee_titles)
    pool += [(Role(C.PUBLIC_EMPLOYEE, title, 0, "staff", 0.65), share) for title in dept.employee_titles]
    return fixed, [(role, weight) for role, weight in pool if weight > 0]


def district_roles(district: District) -> tuple[list[Role], list[tuple[Role, float]]]:
    """Return a district's fixed leading roles and its weighted pool of other roles."""
    committee = PARTY_COMMITTEE.get(district.kind, "Huyện ủy")
    culture_centre = "Trung tâm Văn hóa - Thông tin và Thể thao"
    fixed = [
        Role(C.CADRE, "Chủ tịch UBND", 3, "head", 0.15),
        Role(C.CIVIL_SERVANT, "Trưởng phòng Nội vụ", 2, "leader", 0.4),
        Role(C.CADRE, "Phó Chủ tịch UBND", 3, "deputy", 0.3),
        Role(C.CIVIL_SERVANT, "Chánh Văn phòng HĐND và UBND", 2, "leader", 0.4),
        Role(C.CADRE, f"Phó Bí thư {committee}", 3, "deputy", 0.25),
    ]
    pool = [
        (Role(C.CADRE, f"Trưởng Ban Tổ chức {committee}", 2, "leader", 0.35, unique=True), 0.02),
        (Role(C.CADRE, f"Trưởng Ban Tuyên giáo {committee}", 2, "leader", 0.4, unique=True), 0.02),
        (Role(C.CADRE, "Chủ tịch Ủy ban MTTQ", 2, "leader", 0.3, unique=True), 0.02),
        (Role(C.CADRE, "Chủ tịch Hội Liên hiệp Phụ nữ", 2, "leader", 1.0, unique=True), 0.02),
        (Role(C.CADRE, "Cán bộ Ban Tổ chức " + committee, 0, "staff", 0.5), 0.04),
        (Role(C.CIVIL_SERVANT, "Trưởng phòng Tài chính - Kế hoạch", 2, "leader", 0.4, unique=True), 0.02),
        (Role(C.CIVIL_SERVANT, "Trưởng phòng Tư pháp", 2, "leader", 0.4, unique=True), 0.02),
        (Role(C.CIVIL_SERVANT, "Phó Trưởng phòng", 2, "leader", 0.45), 0.07),
        (Role(C.CIVIL_SERVANT, "Chuyên viên phòng Nội vụ", 0, "staff", 0.6), 0.08),
        (Role(C.CIVIL_SERVANT, "Chuyên viên phòng Tài chính - Kế hoạch", 0, "staff", 0.6), 0.08),
        (Role(C.CIVIL_SERVANT, "Chuyên viên phòng Tư pháp", 0, "staff", 0.6), 0.05),
        (Role(C.CIVIL_SERVANT, "Chuyên viên phòng Tài nguyên và Môi trường", 0, "staff", 0.45), 0.06),
        (Role(C.CIVIL_SERVANT, "Chuyên viên phòng Văn hóa và Thông tin", 0, "staff", 0.6), 0.05),
        (Role(C.CIVIL_SERVANT, "Chuyên viên Văn phòng HĐND và UBND", 0, "staff", 0.6), 0.07),
        (Role(C.CIVIL_SERVANT, "Thanh tra viên", 0, "staff", 0.45), 0.04),
        (Role(C.PUBLIC_EMPLOYEE, "Hiệu trưởng Trường THCS", 2, "leader", 0.6), 0.03),
        (Role(C.PUBLIC_EMPLOYEE, f"Giám đốc {culture_centre}", 2, "leader", 0.4, unique=True), 0.01),
        (Role(C.PUBLIC_EMPLOYEE, "Phó Giám đốc Ban Quản lý dự án đầu tư xây dựng", 1, "leader", 0.3), 0.02),
        (Role(C.PUBLIC_EMPLOYEE, "Giáo viên Trường THCS", 0, "staff", 0.75), 0.14),
        (Role(C.PUBLIC_EMPLOYEE, "Giáo viên Trường Tiểu học", 0, "staff", 0.8), 0.1),
        (Role(C.PUBLIC_EMPLOYEE, "Viên chức Ban Quản lý dự án", 0, "staff", 0.35), 0.04),
    ]
    return fixed, pool


def ward_roles(ward: Ward) -> tuple[list[Role], list[tuple[Role, float]]]:
    """Return a commune's fixed leading role and its weighted pool of other roles.

    A commune has some 30 people (about ten cadres, ten civil servants, ten non-specialised workers)
    plus the staff of its school and health station; the demo draws a few of them in those shares.
    """
    kind = ward.kind.lower()
    rural = ward.kind == "Xã"  # villages (thôn) in a commune, residential groups (tổ dân phố) in a ward
    village_head = "Trưởng thôn" if rural else "Tổ trưởng tổ dân phố"
    association_deputy = "Phó Chủ tịch Hội Nông dân" if rural else "Phó Chủ tịch Hội Phụ nữ"
    support_staff = "Nhân viên thú y" if rural else "Nhân viên văn thư, lưu trữ"
    fixed: list[Role] = []
    pool = [
        (Role(C.COMMUNE_CADRE, f"Chủ tịch UBND {kind}", 1, "leader", 0.2, unique=True), 0.03),
        (Role(C.COMMUNE_CADRE, "Bí thư Đảng ủy", 1, "leader", 0.2, unique=True), 0.03),
        (Role(C.COMMUNE_CADRE, "Phó Bí thư Đảng ủy", 1, "leader", 0.3, unique=True), 0.03),
        (Role(C.COMMUNE_CADRE, f"Phó Chủ tịch UBND {kind}", 1, "leader", 0.3), 0.05),
        (Role(C.COMMUNE_CADRE, "Chủ tịch HĐND", 1, "leader", 0.25, unique=True), 0.03),
        (Role(C.COMMUNE_CADRE, "Chủ tịch Ủy ban MTTQ", 1, "leader", 0.3, unique=True), 0.03),
        (Role(C.COMMUNE_CADRE, "Chủ tịch Hội Liên hiệp Phụ nữ", 0, "staff", 1.0, unique=True), 0.03),
        (Role(C.COMMUNE_CADRE, "Chủ tịch Hội Cựu chiến binh", 0, "senior", 0.0, unique=True), 0.03),
        (Role(C.COMMUNE_CADRE, "Bí thư Đoàn Thanh niên", 0, "youth", 0.5, unique=True), 0.04),
        (Role(C.COMMUNE_CIVIL_SERVANT, "Công chức Văn phòng - Thống kê", 0, "staff", 0.6), 0.09),
        (Role(C.COMMUNE_CIVIL_SERVANT, "Công chức Tư pháp - Hộ tịch", 0, "staff", 0.6), 0.07),
        (Role(C.COMMUNE_CIVIL_SERVANT, "Công chức Tài chính - Kế toán", 0, "staff", 0.7), 0.06),
        (Role(C.COMMUNE_CIVIL_SERVANT, "Công chức Địa chính - Xây dựng", 0, "staff", 0.3), 0.07),
        (Role(C.COMMUNE_CIVIL_SERVANT, "Công chức Văn hóa - Xã hội", 0, "staff", 0.6), 0.07),
        (Role(C.COMMUNE_CIVIL_SERVANT, "Chỉ huy trưởng Ban Chỉ huy Quân sự", 0, "staff", 0.02, unique=True), 0.03),
        (Role(C.NON_SPECIALISED, village_head, 0, "staff", 0.3), 0.1),
        (Role(C.NON_SPECIALISED, "Phó Chỉ huy trưởng Quân sự", 0, "staff", 0.05), 0.03),
        (Role(C.NON_SPECIALISED, association_deputy, 0, "staff", 0.6), 0.04),
        (Role(C.NON_SPECIALISED, support_staff, 0, "staff", 0.5), 0.04),
        (Role(C.PUBLIC_EMPLOYEE, "Hiệu trưởng Trường Mầm non", 1, "leader", 0.95, unique=True), 0.02),
        (Role(C.PUBLIC_EMPLOYEE, "Trưởng Trạm Y tế", 1, "leader", 0.6, unique=True), 0.02),
        (Role(C.PUBLIC_EMPLOYEE, "Giáo viên Trường Mầm non", 0, "staff", 0.97), 0.05),
        (Role(C.PUBLIC_EMPLOYEE, "Y sĩ Trạm Y tế", 0, "staff", 0.7), 0.02),
        (Role(C.OTHER, f"Đại biểu HĐND {kind}", 0, "deputy_only", 0.4), 0.02),
    ]
    return fixed, pool


# Training completed each year, relative to 2024 (2021: the pandemic; the programme gathers pace).
TREND = {2019: 0.85, 2020: 0.7, 2021: 0.76, 2022: 0.87, 2023: 0.95, 2024: 1.0, 2025: 1.07, 2026: 1.0}

# Per category: (course type, base probability of taking one in a year).
ANNUAL_TRAINING = {
    C.CADRE: [("phap_luat", 0.74), ("dao_duc_cong_vu", 0.5), ("ky_nang_cong_vu", 0.68), ("khac", 0.05)],
    C.CIVIL_SERVANT: [("phap_luat", 0.74), ("dao_duc_cong_vu", 0.5), ("ky_nang_cong_vu", 0.68), ("khac", 0.05)],
    C.COMMUNE_CADRE: [("ky_nang_cong_vu", 0.3), ("dao_duc_cong_vu", 0.22), ("phap_luat", 0.26), ("chuyen_mon", 0.24)],
    C.COMMUNE_CIVIL_SERVANT: [
        ("ky_nang_cong_vu", 0.3),
        ("dao_duc_cong_vu", 0.22),
        ("phap_luat", 0.26),
        ("chuyen_mon", 0.28),
    ],
    C.NON_SPECIALISED: [("chuyen_mon", 0.25), ("ky_nang_cong_vu", 0.15)],
    C.PUBLIC_EMPLOYEE: [("dao_duc_nghe_nghiep", 0.45), ("chuyen_mon", 0.5), ("khac", 0.04)],
    C.OTHER: [],
}


# Titles of health workers, trained to the standards of health professions.
HEALTH_TITLES = {"Bác sĩ", "Điều dưỡng", "Dược sĩ", "Kỹ thuật viên y", "Trưởng khoa"}

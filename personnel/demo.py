"""Demo data for a first run: Hanoi's real units over 2021–2026 and synthetic people trained over the programme.

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

Everything about people is synthetic, drawn from ``random.Random(seed)`` so that the same seed and size give
the same data: believable Vietnamese names, 12-digit citizen ids in the national format (birth province,
century and sex, year of birth, six digits), categories that fit the unit level, leaders, Standing-Board
cadres, People's Council deputies, start and leaving dates (retirement, transfer), dated qualifications,
appointments and a training history. A person's declared levels are the ones held before 2021; the
upgrades of 2021–2025 are dated qualifications or courses that grant a level, so status indicators improve
over the years. Each district (with its communes) and each department draws a diligence factor, and each
year a trend (2021 was the year of the pandemic), so the compliance figures differ between units and rise
over time: some targets are met, others clearly not.

Each person has an assignment history (``synthetic.careers``): about a third came from another unit of
the same kind at some earlier date; everyone in a district, commune or ward on 1 July 2025 moves that day
to a new unit (the primary successor, or for a divided ward or a district sometimes another one); people of
a merged department move to the merged one on 1 March 2025; non-professional commune workers
(``khong_chuyen_trach``) end on 1 August 2025. ``personnel.history.sync_persons`` then sets each person's
row from their latest assignment and ``refresh_heirs`` their heir units (view ``today``).

Everything is written with ``bulk_create`` (history-tracked models with ``bulk_create_with_history``, change
reason ``seed_demo``); the number of queries does not depend on the number of persons, except for the
batches the database's parameter limit imposes on large inserts.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from synthetic import careers, hanoi
from synthetic.hanoi import District, Ward

from . import history
from .choices import AppointmentKind, Category, Gender, QualificationKind, UnitLevel
from .models import Appointment, Assignment, OrganisationState, OrgUnit, Person, Qualification, UnitSuccession
from .services import prepare_persons, rebuild_unit_paths

DEFAULT_SEED = 2025
DEFAULT_PEOPLE = 3000
HISTORY_REASON = "seed_demo"
CITY_CODE = "HN"
CITY_NAME = "Thành phố Hà Nội"
# The one password of the demo accounts: they exist for a first run and must be deleted in production.
DEMO_PASSWORD = "HaNoi@2025"

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


# The specialised agencies of the City People's Committee in 2021–2025, before the merger of 1 March 2025
# (the merged ones: ``synthetic.hanoi.DEPARTMENT_MERGERS``).
# fmt: off
DEPARTMENTS = [
    Department("VPUB", "Văn phòng UBND Thành phố", "Chánh Văn phòng", "Phó Chánh Văn phòng", 1.2, 0.15),
    Department("SNV", "Sở Nội vụ", "Giám đốc Sở", "Phó Giám đốc Sở", 1.0, 0.15),
    Department("STP", "Sở Tư pháp", "Giám đốc Sở", "Phó Giám đốc Sở", 0.8, 0.3,
               "Giám đốc Trung tâm", ("Công chứng viên", "Trợ giúp viên pháp lý")),
    Department("SKHDT", "Sở Kế hoạch và Đầu tư", "Giám đốc Sở", "Phó Giám đốc Sở", 0.8, 0.1),
    Department("STC", "Sở Tài chính", "Giám đốc Sở", "Phó Giám đốc Sở", 0.9, 0.1),
    Department("SCT", "Sở Công Thương", "Giám đốc Sở", "Phó Giám đốc Sở", 0.7, 0.15),
    Department("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "Giám đốc Sở", "Phó Giám đốc Sở", 1.0, 0.35,
               "Giám đốc Trung tâm", ("Kỹ sư nông nghiệp", "Viên chức Trung tâm Khuyến nông")),
    Department("SGTVT", "Sở Giao thông vận tải", "Giám đốc Sở", "Phó Giám đốc Sở", 1.0, 0.2),
    Department("SXD", "Sở Xây dựng", "Giám đốc Sở", "Phó Giám đốc Sở", 0.9, 0.15),
    Department("STNMT", "Sở Tài nguyên và Môi trường", "Giám đốc Sở", "Phó Giám đốc Sở", 0.9, 0.25),
    Department("STTTT", "Sở Thông tin và Truyền thông", "Giám đốc Sở", "Phó Giám đốc Sở", 0.5, 0.2),
    Department("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", "Giám đốc Sở", "Phó Giám đốc Sở", 0.9, 0.4,
               "Giám đốc Trung tâm", ("Công tác xã hội viên", "Giáo viên giáo dục nghề nghiệp")),
    Department("SVHTT", "Sở Văn hóa và Thể thao", "Giám đốc Sở", "Phó Giám đốc Sở", 0.8, 0.45,
               "Giám đốc Nhà hát", ("Diễn viên", "Huấn luyện viên", "Thư viện viên")),
    Department("SDL", "Sở Du lịch", "Giám đốc Sở", "Phó Giám đốc Sở", 0.4, 0.15),
    Department("SKHCN", "Sở Khoa học và Công nghệ", "Giám đốc Sở", "Phó Giám đốc Sở", 0.5, 0.25),
    Department("SGD", "Sở Giáo dục và Đào tạo", "Giám đốc Sở", "Phó Giám đốc Sở", 2.4, 0.7,
               "Hiệu trưởng Trường THPT", ("Giáo viên Trường THPT", "Giáo viên Trường THPT", "Nhân viên thiết bị")),
    Department("SYT", "Sở Y tế", "Giám đốc Sở", "Phó Giám đốc Sở", 2.2, 0.7,
               "Trưởng khoa", ("Bác sĩ", "Điều dưỡng", "Dược sĩ", "Kỹ thuật viên y")),
    Department("TTTP", "Thanh tra Thành phố", "Chánh Thanh tra", "Phó Chánh Thanh tra", 0.6, 0.0),
    Department("SNGV", "Sở Ngoại vụ", "Giám đốc Sở", "Phó Giám đốc Sở", 0.3, 0.1),
    Department("SQHKT", "Sở Quy hoạch - Kiến trúc", "Giám đốc Sở", "Phó Giám đốc Sở", 0.5, 0.2),
    Department("BDT", "Ban Dân tộc", "Trưởng ban", "Phó Trưởng ban", 0.3, 0.0),
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


PROVIDER_LHP = "Trường Đào tạo cán bộ Lê Hồng Phong"
PROVIDER_HCMA = "Học viện Chính trị quốc gia Hồ Chí Minh"
PROVIDER_NAPA = "Học viện Hành chính quốc gia"
PROVIDER_SNV = "Sở Nội vụ Hà Nội"
PROVIDER_STP = "Sở Tư pháp Hà Nội"
PROVIDER_HANU = "Trường Đại học Hà Nội"
PROVIDER_HNUE = "Trường Đại học Sư phạm Hà Nội"
PROVIDER_HLU = "Trường Đại học Luật Hà Nội"
PROVIDER_HMU = "Trường Đại học Y Hà Nội"
PROVIDER_HDND = "Văn phòng Đoàn ĐBQH và HĐND Thành phố Hà Nội"
PROVIDER_PARTY = "Ban Tổ chức Thành ủy Hà Nội"


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
# Names (the commonest Vietnamese family names, with weights close to their frequency in the north)


def _weights(text: str) -> dict[str, float]:
    """Return {name: weight} from "Nguyễn 31, Trần 10, Văn Minh 1" (a name may have several words)."""
    pairs = (item.strip().rsplit(" ", 1) for item in text.split(","))
    return {name: float(weight) for name, weight in pairs}


def _words(text: str) -> list[str]:
    """Return the words of a list written as one string."""
    return text.split()


FAMILY_NAMES = _weights(
    "Nguyễn 31, Trần 10, Lê 8, Phạm 7, Hoàng 5, Vũ 4.5, Đỗ 3, Đặng 2.5, Bùi 2.5, Ngô 2, Phan 2, Dương 1.5, "
    "Đinh 1.5, Trịnh 1.2, Đào 1.2, Hồ 0.8, Huỳnh 0.4, Võ 0.6, Lý 0.5, Mai 0.8, Lương 0.8, Tạ 0.6, Hà 0.8, "
    "Nghiêm 0.3, Kiều 0.4, Khuất 0.3, Chu 0.5, Lưu 0.6, Cao 0.7, Tô 0.5, Đoàn 0.8, Lại 0.4, Phùng 0.6"
)
MIDDLE_NAMES = {
    Gender.MALE: _weights(
        "Văn 30, Đức 8, Minh 8, Quang 6, Hữu 6, Đình 5, Mạnh 4, Xuân 4, Tiến 4, Thế 4, Công 4, Quốc 4, Thanh 4, "
        "Trọng 3, Ngọc 3, Duy 3, Anh 2, Việt 2, Hoàng 2, Huy 2, Bá 2, Tuấn 2, Khắc 1, Văn Minh 1, Đức Anh 1"
    ),
    Gender.FEMALE: _weights(
        "Thị 38, Thu 6, Thanh 6, Ngọc 5, Phương 4, Thùy 4, Minh 4, Hồng 3, Bích 2, Thúy 2, Lan 2, Hải 2, Kim 2, "
        "Mai 2, Khánh 2, Quỳnh 2, Diệu 1, Hoài 1, Thị Thu 2, Thị Thanh 2, Thị Minh 1, Thị Kim 1, Thị Hồng 1, "
        "Thị Ngọc 1"
    ),
}
GIVEN_NAMES = {
    Gender.MALE: _words(
        "Hùng Dũng Tuấn Minh Hải Nam Thắng Cường Hưng Long Sơn Trung Quân Đức Hiếu Phong Thành Tùng Khánh Bình "
        "Hoàng Việt Huy Kiên Quang Toàn Thịnh Vinh Tiến Lâm Hòa Anh Đạt Hiệp Thái Tài Chiến Giang Mạnh Nghĩa "
        "Phúc Tâm Trường Tú Khải Duy Bảo Định Hào Kiệt Công Dương Hiển Lộc Tuân Thao"
    ),
    Gender.FEMALE: _words(
        "Hương Lan Linh Hà Trang Thảo Hằng Nga Huyền Phương Mai Hoa Thủy Yến Ngọc Vân Hạnh Dung Loan Nhung "
        "Hiền Quyên Oanh Thu Anh Giang Chi Hồng Liên Tâm Nhàn Thơ Châm Tuyết Hậu Uyên Vy Ly Diệp My Lệ Thanh "
        "Bích Xuân Nguyệt Quỳnh Trinh Duyên Hoài Thúy"
    ),
}
# Provinces of birth in citizen ids: mostly Hanoi (001), else the neighbouring provinces.
BIRTH_PROVINCES = _weights(
    "001 70, 034 4, 036 3, 035 2, 030 3, 033 3, 037 2, 038 3, 040 2, 025 2, 026 2, 027 2, 024 1, 019 1, 042 1"
)


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


# ---------------------------------------------------------------------------------------------
# Demo accounts


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    unit_code: str
    first_name: str
    last_name: str


# Phường Hồng Hà (from 1 July 2025) took whole or parts of wards of five former districts; Quận Ba Đình
# closed on 1 July 2025: its leader sees its figures up to 30 June 2025 (view "then").
HONG_HA = new_ward_code("00097")
DEMO_ACCOUNTS = [
    DemoAccount("admin", "admin", CITY_CODE, "Hệ thống", "Quản trị"),  # shown "Quản trị Hệ thống"
    DemoAccount("hr", "hr", CITY_CODE, "Thu Hà", "Nguyễn"),
    DemoAccount("leader", "leader", CITY_CODE, "Quang Hưng", "Phạm"),
    DemoAccount("viewer", "viewer", CITY_CODE, "Thanh Hương", "Vũ"),
    DemoAccount("hr.hongha", "hr", HONG_HA, "Văn Dũng", "Trần"),
    DemoAccount("leader.hongha", "leader", HONG_HA, "Minh Tuấn", "Lê"),
    DemoAccount("leader.badinh", "leader", district_code("001"), "Hồng Nhung", "Đỗ"),
]


# ---------------------------------------------------------------------------------------------
# The builder


@dataclass
class SeedSummary:
    """How many rows of each kind a seeding wrote."""

    units: int = 0
    courses: int = 0
    persons: int = 0
    assignments: int = 0
    qualifications: int = 0
    appointments: int = 0
    records: int = 0
    users: int = 0


@dataclass
class _Person:
    """A person being generated, with what the rest of the generation needs to know."""

    obj: Person
    role: Role
    zone: str  # city, department, district, commune
    factor: float  # diligence of the unit
    stints: list[careers.Stint] = field(default_factory=list)  # assignments, oldest first
    courses: set[int] = field(default_factory=set)


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


class DemoBuilder:
    """Generate the demo rows in memory, then write them with a fixed number of bulk inserts per table."""

    def __init__(self, *, people: int, seed: int, today: datetime.date):
        self.rng = random.Random(seed)
        self.people = people
        self.today = today
        self.stamp = timezone.now()
        self.summary = SeedSummary()
        self.citizen_ids: set[str] = set()
        self.courses_by: dict[tuple[str, int], list] = defaultdict(list)  # (spec key, start year) -> courses
        self.certificates: Counter = Counter()
        self.records: list = []
        self.qualifications: list[Qualification] = []
        self.appointments: list[Appointment] = []

    # -- helpers ---------------------------------------------------------------------------------

    def _weighted(self, weights: dict):
        """Return one key of ``weights``, drawn in proportion to its weight."""
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _date_in(self, start: datetime.date, end: datetime.date) -> datetime.date:
        """Return a random date from ``start`` to ``end`` (``start`` when the range is empty)."""
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randrange((end - start).days + 1))

    def _insert(self, objs: list, model) -> list:
        """Bulk-insert the objects with their first history rows (change reason ``seed_demo``)."""
        if not objs:
            return objs
        return bulk_create_with_history(objs, model, default_change_reason=HISTORY_REASON, default_date=self.stamp)

    # -- units -----------------------------------------------------------------------------------

    def build_units(self) -> tuple[OrgUnit, list, list, list]:
        """Create (or reuse, by code) the city, the departments before and after their merger, the districts
        and wards until 30 June 2025, the commune-level units from 1 July 2025, and the successions; return
        the city and the (description, unit) pairs of the departments, districts and wards people are drawn
        into (those of before the reorganisations). Sets ``self.closings`` for the careers."""
        districts, wards = hanoi_units()
        existing = {unit.code: unit for unit in OrgUnit.objects.all()}
        created: list[OrgUnit] = []
        dated: list[OrgUnit] = []

        def get_or_build(code, name, level, parent, opened_on=None, closed_on=None) -> OrgUnit:
            unit = existing.get(code)
            if unit is None:
                unit = OrgUnit(code=code, name=name, level=level, parent=parent)
                created.append(unit)
                existing[code] = unit
            if (unit.opened_on, unit.closed_on) != (opened_on, closed_on):
                unit.opened_on, unit.closed_on = opened_on, closed_on
                if unit.pk is not None:
                    dated.append(unit)
            return unit

        reform, merger_day = hanoi.COMMUNE_REFORM, hanoi.DEPARTMENT_REFORM
        merged = {code: merger for merger in hanoi.DEPARTMENT_MERGERS for code in merger.merged}
        root = get_or_build(CITY_CODE, CITY_NAME, UnitLevel.CITY, None)
        self._insert([u for u in created if u.pk is None], OrgUnit)
        layer = len(created)
        department_units = [
            (
                dept,
                get_or_build(
                    dept.code, dept.name, UnitLevel.CITY, root, None, merger_day if dept.code in merged else None
                ),
            )
            for dept in DEPARTMENTS
        ]
        merger_units = {
            merger.code: get_or_build(merger.code, merger.name, UnitLevel.CITY, root, merger_day)
            for merger in hanoi.DEPARTMENT_MERGERS
        }
        district_units = [
            (d, get_or_build(district_code(d.code), f"UBND {d.name}", UnitLevel.DISTRICT, root, None, reform))
            for d in districts
        ]
        new_units = {
            ward.code: get_or_build(new_ward_code(ward.code), f"UBND {ward.name}", UnitLevel.COMMUNE, root, reform)
            for ward in hanoi.new_wards()
        }
        self._insert(created[layer:], OrgUnit)
        layer = len(created)
        by_district = {d.code: unit for d, unit in district_units}
        ward_units = [
            (
                w,
                get_or_build(
                    ward_code(w.code), f"UBND {w.name}", UnitLevel.COMMUNE, by_district[w.district], None, reform
                ),
            )
            for w in wards
        ]
        self._insert(created[layer:], OrgUnit)
        OrgUnit.objects.bulk_update(dated, ["opened_on", "closed_on"])
        rebuild_unit_paths()
        self.summary.units = len(created)

        # Successions, and where each closing unit's people go (the primary successor mostly).
        successions: list[tuple[OrgUnit, list[OrgUnit]]] = []
        self.closings: dict[OrgUnit, careers.Closing] = {}

        def close(unit: OrgUnit, successors: list[OrgUnit], on: datetime.date, primary_share: float) -> None:
            successions.append((unit, successors))
            weights = careers.successor_weights(len(successors), primary_share)
            self.closings[unit] = careers.Closing(on, tuple(successors), weights)

        for dept, unit in department_units:
            if dept.code in merged:
                close(unit, [merger_units[merged[dept.code].code]], merger_day, 1.0)
        district_successors = hanoi.district_successors()
        for district, unit in district_units:
            close(unit, [new_units[s.code] for s in district_successors[district.code]], reform, 0.5)
        ward_successors = hanoi.ward_successors()
        for ward, unit in ward_units:
            close(unit, [new_units[s.code] for s in ward_successors[ward.code]], reform, 0.75)
        known = set(UnitSuccession.objects.values_list("predecessor_id", "successor_id"))
        links = [
            UnitSuccession(predecessor=unit, successor=successor, is_primary=order == 0, order=order)
            for unit, successors in successions
            for order, successor in enumerate(successors)
            if (unit.pk, successor.pk) not in known
        ]
        self._insert(links, UnitSuccession)
        # An earlier transfer comes from a unit of the same kind (a ward from another ward of its district).
        self.same_kind: dict[OrgUnit, list[OrgUnit]] = {}
        departments = [unit for _dept, unit in department_units]
        for unit in [root, *departments]:
            self.same_kind[unit] = departments
        for _district, unit in district_units:
            self.same_kind[unit] = [u for _d, u in district_units]
        wards_of: dict[str, list[OrgUnit]] = defaultdict(list)
        for ward, unit in ward_units:
            wards_of[ward.district].append(unit)
        for ward, unit in ward_units:
            self.same_kind[unit] = wards_of[ward.district]
        return root, department_units, district_units, ward_units

    # -- courses ---------------------------------------------------------------------------------

    def build_courses(self) -> None:
        """Create (or reuse, by code) the courses of every type, several a year from 2019 to 2026."""
        from training.models import Course

        existing = {course.code: course for course in Course.objects.all()}
        created, placed = [], []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for spec in COURSE_SPECS:
                for number, month in enumerate(spec.months, start=1):
                    code = f"K{year}-{spec.key}-{number:02d}"
                    course = existing.get(code)
                    if course is None:
                        start = datetime.date(year, month, self.rng.randint(3, 24))
                        course = Course(
                            code=code,
                            title=spec.title.format(year=year) + (f" (đợt {number})" if len(spec.months) > 1 else ""),
                            form=spec.form,
                            provider=spec.provider,
                            start_date=start,
                            end_date=start + datetime.timedelta(days=spec.days - 1),
                            hours=spec.hours,
                            grants_kind=spec.grants[0] if spec.grants else None,
                            grants_level=spec.grants[1] if spec.grants else None,
                        )
                        created.append(course)
                    placed.append((spec, year, course))
        self._insert(created, Course)
        through = Course.types.through
        new_ids = {course.pk for course in created}
        links = [
            through(course_id=course.pk, coursetype_id=code)
            for spec, _year, course in placed
            if course.pk in new_ids
            for code in spec.types
        ]
        through.objects.bulk_create(links)
        self._record_type_history(links)
        for spec, year, course in placed:
            self.courses_by[(spec.key, year)].append(course)
        self.summary.courses = len(created)

    def _record_type_history(self, links: list) -> None:
        """Write the history of the courses' types, so the audit trail shows them from the start."""
        from training.models import Course

        if not links:
            return
        historical_links = historical_course_types()
        if historical_links is None:
            return
        history_ids = dict(
            Course.history.filter(history_date=self.stamp, history_change_reason=HISTORY_REASON).values_list(
                "id", "history_id"
            )
        )
        historical_links.objects.bulk_create(
            [
                historical_links(
                    id=link.pk,
                    course_id=link.course_id,
                    coursetype_id=link.coursetype_id,
                    history_id=history_ids[link.course_id],
                )
                for link in links
                if link.course_id in history_ids
            ]
        )

    def pick_course(self, person: _Person, keys: Iterable[str], year: int, *, before=None, after=None):
        """Return a course of the given spec keys starting in ``year`` that fits the person's employment."""
        start, end = person.obj.start_date, person.obj.end_date
        options = [
            course
            for key in keys
            for course in self.courses_by.get((key, year), [])
            if (start is None or course.start_date >= start)
            and (end is None or course.end_date < end)
            and (before is None or course.end_date < before)
            and (after is None or course.start_date > after)
            and course.pk not in person.courses
        ]
        return self.rng.choice(options) if options else None

    def ending_in(self, keys: Iterable[str], year: int, person: _Person):
        """Return a course of the given spec keys that ends in ``year`` and fits the person, or None."""
        options = []
        for key in keys:
            for start_year in range(year - 4, year + 1):
                for course in self.courses_by.get((key, start_year), []):
                    if course.end_date.year == year and course.pk not in person.courses:
                        start, end = person.obj.start_date, person.obj.end_date
                        if (start is None or course.start_date >= start) and (end is None or course.end_date < end):
                            options.append(course)
        return self.rng.choice(options) if options else None

    # -- records ---------------------------------------------------------------------------------

    def enrol(self, person: _Person, course, *, result: str | None = None) -> str | None:
        """Record the person's participation in a course; return the result (None when not recorded)."""
        from training.choices import TrainingResult as R
        from training.models import TrainingRecord

        if course is None or course.pk in person.courses:
            return None
        if course.start_date > self.today:
            return None
        if result is None:
            result = self.rng.choices([R.COMPLETED, R.FAILED, R.DROPPED], weights=[93, 3.5, 3.5])[0]
        completed_on = None
        if course.end_date > self.today:  # still running: no result yet
            result = R.ONGOING
        elif result == R.COMPLETED and self.rng.random() < 0.75:
            completed_on = course.end_date  # the rest leave it empty: the course's end date counts
        certificate = ""
        if result == R.COMPLETED:
            self.certificates[course.pk] += 1
            certificate = f"{course.code}/{self.certificates[course.pk]:04d}"
        person.courses.add(course.pk)
        self.records.append(
            TrainingRecord(
                person_id=person.obj.pk,
                course_id=course.pk,
                result=result,
                completed_on=completed_on,
                certificate_number=certificate,
            )
        )
        return result

    def qualify(self, person: _Person, kind: str, level: int, on: datetime.date | None, prefix: str) -> None:
        """Add a dated qualification."""
        number = f"{prefix}{self.rng.randrange(10**6):06d}" if self.rng.random() < 0.8 else ""
        self.qualifications.append(
            Qualification(person_id=person.obj.pk, kind=kind, level=level, obtained_on=on, document_number=number)
        )

    # -- persons ---------------------------------------------------------------------------------

    def allocate(self, total: int, weights: list[float]) -> list[int]:
        """Split ``total`` over ``weights`` by largest remainder (deterministic)."""
        if total <= 0 or not weights:
            return [0] * len(weights)
        whole = sum(weights)
        shares = [total * w / whole for w in weights]
        counts = [int(s) for s in shares]
        order = sorted(range(len(weights)), key=lambda i: shares[i] - counts[i], reverse=True)
        for i in order[: total - sum(counts)]:
            counts[i] += 1
        return counts

    def slots(self, root, department_units, district_units, ward_units) -> list[tuple[OrgUnit, Role, str, float]]:
        """Return (unit, role, zone, diligence) for each person to create."""
        rng = self.rng
        n = self.people
        n_city = min(len(city_roles()), max(1, round(n * 0.002))) if n >= 20 else 0
        n_departments = round(n * 0.22)
        n_districts = round(n * 0.23)
        n_communes = max(0, n - n_city - n_departments - n_districts)

        # Diligence: each district (with its communes) and department has its own; a few lag, a few lead.
        district_factor = {d.code: rng.uniform(0.72, 1.18) for d, _unit in district_units}
        result = []
        result += [(root, role, "city", 1.05) for role in city_roles()[:n_city]]

        def fill(unit, count, fixed, pool, zone, factor):
            roles, weights = zip(*pool, strict=True)
            taken = set()
            for index in range(count):
                role = fixed[index] if index < len(fixed) else rng.choices(roles, weights=weights)[0]
                while role.unique and role.title in taken:  # a unit has one chairman: draw again
                    role = rng.choices(roles, weights=weights)[0]
                taken.add(role.title)
                result.append((unit, role, zone, factor))

        counts = self.allocate(n_departments, [dept.weight for dept, _unit in department_units])
        for (dept, unit), count in zip(department_units, counts, strict=True):
            fixed, pool = department_roles(dept)
            fill(unit, count, fixed, pool, "department", rng.uniform(0.8, 1.15))
        ward_count = Counter(w.district for w, _unit in ward_units)
        counts = self.allocate(n_districts, [4 + ward_count[d.code] for d, _unit in district_units])
        for (district, unit), count in zip(district_units, counts, strict=True):
            fixed, pool = district_roles(district)
            fill(unit, count, fixed, pool, "district", district_factor[district.code])
        counts = self.allocate(n_communes, [rng.uniform(0.6, 1.4) for _ in ward_units])
        for (ward, unit), count in zip(ward_units, counts, strict=True):
            fixed, pool = ward_roles(ward)
            factor = district_factor[ward.district] * rng.uniform(0.93, 1.07)
            fill(unit, count, fixed, pool, "commune", factor)
        return result

    def citizen_id(self, birth: datetime.date, gender: str) -> str:
        """Return a new unique citizen id in the national format."""
        province = self._weighted(BIRTH_PROVINCES)
        century = 0 if birth.year < 2000 else 2
        sex = century + (1 if gender == Gender.FEMALE else 0)
        while True:
            value = f"{province}{sex}{birth.year % 100:02d}{self.rng.randrange(10**6):06d}"
            if value not in self.citizen_ids:
                self.citizen_ids.add(value)
                return value

    def full_name(self, gender: str) -> str:
        """Return a believable Vietnamese full name for the gender."""
        family = self._weighted(FAMILY_NAMES)
        middle = self._weighted(MIDDLE_NAMES[gender])
        given = self.rng.choice(GIVEN_NAMES[gender])
        while given in middle.split():
            given = self.rng.choice(GIVEN_NAMES[gender])
        return f"{family} {middle} {given}"

    def birth_date(self, role: Role, gender: str) -> datetime.date:
        """Return a birth date fitting the role (leaders older, youth leaders young)."""
        earliest = 1963 if gender == Gender.MALE else 1967
        span = {
            "head": (1964, 1975),
            "deputy": (1966, 1980),
            "leader": (1966, 1987),
            "staff": (earliest, 1999),
            "youth": (1991, 1998),
            "senior": (1963, 1972),
            "deputy_only": (1962, 1990),
        }[role.rank]
        year = self.rng.randint(max(span[0], earliest), span[1])
        return datetime.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))

    def employment(self, birth: datetime.date, gender: str) -> tuple[datetime.date, datetime.date | None]:
        """Return start and leaving dates: start in one's twenties; retirement or transfer for some."""
        start = birth.replace(year=birth.year + self.rng.randint(22, 28), day=self.rng.randint(1, 28))
        latest = self.today - datetime.timedelta(days=60)
        if start > latest:
            start = self.today - datetime.timedelta(days=self.rng.randint(60, 700))
        retire_age = 61 if gender == Gender.MALE else 57  # the ages of 2021–2026, rounded
        retire = birth.replace(year=birth.year + retire_age, day=1)
        end = retire if retire <= self.today else None
        if end is None and self.rng.random() < 0.025:
            end = self._date_in(max(start, datetime.date(2021, 3, 1)), self.today)
        if end is not None and end <= start:
            end = None
        return start, end

    def levels(self, role: Role, birth: datetime.date) -> dict[str, int]:
        """Return the declared levels (held before 2021) for the role."""
        pick = self._weighted
        if role.category in (C.COMMUNE_CADRE, C.COMMUNE_CIVIL_SERVANT):
            education = pick({1: 4, 2: 18, 3: 10, 4: 63, 5: 5})
            political = (
                pick({0: 10, 1: 25, 2: 60, 3: 5}) if role.category == C.COMMUNE_CADRE else pick({0: 45, 1: 40, 2: 15})
            )
        elif role.category == C.NON_SPECIALISED:
            education = pick({0: 10, 1: 25, 2: 35, 3: 10, 4: 20})
            political = pick({0: 60, 1: 40})
        elif role.category == C.OTHER:
            education = pick({2: 20, 3: 10, 4: 60, 5: 10})
            political = pick({0: 70, 1: 20, 2: 10})
        elif role.leadership >= 3:
            education = pick({4: 42, 5: 50, 6: 8})
            political = pick({2: 22, 3: 73, 4: 5})
        elif role.leadership == 2:
            education = pick({3: 2, 4: 68, 5: 28, 6: 2})
            political = pick({1: 6, 2: 78, 3: 16})
        elif role.category == C.PUBLIC_EMPLOYEE:
            education = pick({2: 8, 3: 12, 4: 65, 5: 14, 6: 1})
            political = pick({0: 55, 1: 35, 2: 10})
        else:
            education = pick({3: 3, 4: 72, 5: 24, 6: 1})
            political = pick({0: 35, 1: 40, 2: 23, 3: 2})
        if role.leadership >= 3:
            state = pick({1: 10, 2: 40, 3: 50})
        elif role.leadership == 2:
            state = pick({1: 35, 2: 60, 3: 5})
        elif role.category in (C.CADRE, C.CIVIL_SERVANT):
            state = pick({0: 25, 1: 65, 2: 10})
        else:
            state = pick({0: 70, 1: 30})
        young = birth.year >= 1985
        language = pick({0: 10, 1: 10, 2: 60, 3: 15, 4: 5}) if young else pick({0: 25, 1: 20, 2: 45, 3: 8, 4: 2})
        if role.category in (C.COMMUNE_CADRE, C.COMMUNE_CIVIL_SERVANT) and young:
            language = pick({0: 15, 1: 17, 2: 58, 3: 8, 4: 2})
        return {
            Q.EDUCATION: education,
            Q.POLITICAL_THEORY: political,
            Q.STATE_MANAGEMENT: state,
            Q.FOREIGN_LANGUAGE: language,
        }

    def build_persons(self, slots) -> list[_Person]:
        """Create the persons of the slots (one bulk insert), with their flags and declared levels."""
        rng = self.rng
        persons = []
        for index, (unit, role, zone, factor) in enumerate(slots, start=1):
            gender = Gender.FEMALE if rng.random() < role.female else Gender.MALE
            birth = self.birth_date(role, gender)
            start, end = self.employment(birth, gender)
            if role.category == C.NON_SPECIALISED:  # these posts ended on 1 August 2025: nobody was hired after
                if start >= NON_SPECIALISED_LATEST_START:
                    start = self._date_in(datetime.date(2012, 1, 1), NON_SPECIALISED_LATEST_START)
                end = careers.non_specialised_end(end)
            stints = careers.career(
                rng, unit, start, end, closings=self.closings, transfer_from=self.same_kind.get(unit, ())
            )
            levels = self.levels(role, birth)
            suited = role.category not in (C.COMMUNE_CADRE, C.COMMUNE_CIVIL_SERVANT) or (
                rng.random() < min(0.99, max(0.6, 0.86 + 0.35 * (factor - 0.95)))
            )
            btv_managed = role.leadership >= 3 and zone != "commune" and (role.rank == "head" or rng.random() < 0.8)
            succession = (role.rank == "deputy" and rng.random() < 0.6) or (
                role.rank == "leader" and role.leadership == 2 and rng.random() < 0.12
            )
            deputy = role.rank == "deputy_only" or rng.random() < {
                (C.CADRE, "city"): 0.9,
                (C.CADRE, "district"): 0.55,
                (C.COMMUNE_CADRE, "commune"): 0.4,
            }.get((role.category, zone), 0.03 if zone == "commune" else 0.0)
            person = Person(
                code=f"CB{index:06d}",
                full_name=self.full_name(gender),
                birth_date=birth,
                gender=gender,
                citizen_id=self.citizen_id(birth, gender),
                unit=stints[-1].unit,
                category=role.category,
                position_title=role.title,
                leadership_level=role.leadership,
                btv_managed=btv_managed,
                btv_succession=succession,
                deputy_term="2021-2026" if deputy else "",
                education_level=levels[Q.EDUCATION],
                field_suited=suited,
                political_level=levels[Q.POLITICAL_THEORY],
                state_management_level=levels[Q.STATE_MANAGEMENT],
                language_level=levels[Q.FOREIGN_LANGUAGE],
                start_date=start,
                end_date=end,
            )
            persons.append(_Person(person, role, zone, factor, stints))
        objs = prepare_persons(p.obj for p in persons)
        self._insert(objs, Person)
        self.summary.persons = len(objs)
        return persons

    def write_assignments(self, persons: list[_Person]) -> None:
        """Write every person's assignments (one bulk insert, with history), then set each person's row from
        their latest assignment and the heir units of view ``today`` (``personnel.history``)."""
        rows = []
        for person in persons:
            for index, stint in enumerate(person.stints):
                # The heir unit is the one ``refresh_heirs`` computes (it then finds nothing to change).
                heir = careers.heir(person.stints, index, self.closings, self.today)
                rows.append(
                    Assignment(
                        person_id=person.obj.pk,
                        unit=stint.unit,
                        category=person.obj.category,
                        leadership_level=person.obj.leadership_level,
                        position_title=person.obj.position_title,
                        start_date=stint.start,
                        end_date=stint.end,
                        heir_unit=None if heir is stint.unit else heir,
                    )
                )
        self._insert(rows, Assignment)
        self.summary.assignments = len(rows)
        history.sync_persons([person.obj.pk for person in persons])
        history.refresh_heirs(today=self.today)

    # -- history of each person ------------------------------------------------------------------

    def employed_in(self, person: _Person, year: int) -> bool:
        """Return whether the person worked at some time during ``year``."""
        start, end = person.obj.start_date, person.obj.end_date
        return (start is None or start.year <= year) and (end is None or end.year >= year)

    def build_history(self, persons: list[_Person]) -> None:
        """Generate each person's qualifications, appointments and training."""
        for person in persons:
            self.evidence(person)
            self.upgrades(person)
            self.appoint(person)
            self.annual_training(person)
            self.title_training(person)
            self.deputy_training(person)
            self.current_studies(person)

    def evidence(self, person: _Person) -> None:
        """Record the diplomas and certificates behind some declared levels."""
        p = person.obj
        if p.education_level >= 2 and self.rng.random() < 0.7:
            # The first degree comes before the first job; a master's or doctorate usually after it.
            age = {5: (26, 34), 6: (31, 42)}.get(p.education_level, (20, 23))
            graduated = datetime.date(p.birth_date.year + self.rng.randint(*age), self.rng.randint(6, 9), 15)
            latest = self.today if p.education_level >= 5 else p.start_date
            self.qualify(person, Q.EDUCATION, p.education_level, min(graduated, latest), "B")
        if p.political_level >= 2 and self.rng.random() < 0.5:
            on = self._date_in(p.start_date, min(datetime.date(2020, 12, 31), self.today))
            self.qualify(person, Q.POLITICAL_THEORY, p.political_level, on, "LL")

    def upgrades(self, person: _Person) -> None:
        """Raise some levels during 2021–2025: by a dated certificate or by a course that grants it."""
        p, rng = person.obj, self.rng
        factor = person.factor

        def upgrade(kind, level, chance, course_keys, course_share, prefix):
            if rng.random() >= chance:
                return
            year = rng.choice(list(PROGRAMME_YEARS))
            if not self.employed_in(person, year):
                return
            if rng.random() < course_share:
                course = self.ending_in(course_keys, year, person)
                if course is not None:
                    self.enrol(person, course, result="hoan_thanh")
                    return
            on = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
            if on <= self.today and (p.end_date is None or on < p.end_date) and on >= p.start_date:
                self.qualify(person, kind, level, on, prefix)

        senior = p.leadership_level >= 3 or p.btv_managed or p.btv_succession
        if p.education_level == 4 and p.category in (C.CADRE, C.CIVIL_SERVANT, C.PUBLIC_EMPLOYEE):
            chance = 0.3 if senior else 0.12 if p.leadership_level == 2 else 0.05
            upgrade(Q.EDUCATION, 5, chance * factor, ["THS", "THSL"], 0.6, "ThS")
        if p.education_level < 2 and p.category in (C.COMMUNE_CADRE, C.COMMUNE_CIVIL_SERVANT):
            upgrade(Q.EDUCATION, 2, 0.55 * factor, [], 0.0, "TC")
        if p.education_level == 3 and rng.random() < 0.2:
            upgrade(Q.EDUCATION, 4, 0.8, ["DHL"], 0.7, "B")
        if p.political_level < 3 and (p.btv_succession or p.leadership_level >= 3):
            upgrade(Q.POLITICAL_THEORY, 3, 0.6 * factor, ["CCLL"], 0.85, "CCLL")
        elif p.political_level < 2 and (p.leadership_level == 2 or p.category == C.COMMUNE_CADRE):
            upgrade(Q.POLITICAL_THEORY, 2, 0.45 * factor, ["TCLL"], 0.8, "TCLL")
        if p.language_level < 3 and p.birth_date.year >= 1980:
            upgrade(Q.FOREIGN_LANGUAGE, 3, 0.18 * factor, ["NNB3"], 0.5, "NN")
        elif p.language_level == 3 and rng.random() < 0.1:
            upgrade(Q.FOREIGN_LANGUAGE, 4, 0.8, ["NNB4"], 0.6, "NN")

    def appoint(self, person: _Person) -> None:
        """Record rank and leadership appointments of 2021–2025, trained before them or (for some) after."""
        p, rng = person.obj, self.rng
        if p.category not in (C.CADRE, C.CIVIL_SERVANT, C.PUBLIC_EMPLOYEE):
            return
        window_end = min(datetime.date(2025, 12, 20), self.today)
        if p.end_date is not None:
            window_end = min(window_end, p.end_date - datetime.timedelta(days=1))
        planned = []
        if p.leadership_level >= 1 and rng.random() < 0.4:
            earliest = max(datetime.date(2021, 1, 15), p.start_date + datetime.timedelta(days=730))
            if earliest < window_end:
                keys = ["LDS"] if p.leadership_level >= 3 else ["LDP"]
                planned.append((AppointmentKind.POST, p.position_title, self._date_in(earliest, window_end), keys))
        if p.category in (C.CADRE, C.CIVIL_SERVANT):
            new_hire = p.start_date >= datetime.date(2020, 6, 1)
            if new_hire and rng.random() < 0.8:
                on = p.start_date + datetime.timedelta(days=rng.randint(365, 420))  # after the probation year
                if datetime.date(2021, 1, 1) <= on <= window_end:
                    planned.append((AppointmentKind.RANK, "Chuyên viên", on, ["NCV"]))
            elif not new_hire and p.leadership_level <= 2 and rng.random() < 0.14:
                on = self._date_in(datetime.date(2021, 3, 1), window_end)
                if on > datetime.date(2021, 3, 1):
                    planned.append((AppointmentKind.RANK, "Chuyên viên chính", on, ["NCVC"]))
        for kind, title, on, keys in planned:
            self.appointments.append(Appointment(person_id=p.pk, kind=kind, title=title, appointed_on=on))
            met = rng.random() < min(0.97, 0.8 * person.factor + 0.06)
            if met:
                course = None
                for year in (on.year, on.year - 1, on.year - 2):
                    course = self.pick_course(person, keys, year, before=on)
                    if course is not None:
                        break
                if course is not None and self.enrol(person, course, result="hoan_thanh"):
                    continue
            if rng.random() < 0.55:  # trained late: after the appointment
                self.enrol(person, self.pick_course(person, keys, on.year + 1, after=on))

    def annual_training(self, person: _Person) -> None:
        """Take the yearly courses of the person's category (and the annual update of BTV cadres)."""
        rng = self.rng
        p = person.obj
        plan = ANNUAL_TRAINING.get(p.category, [])
        keys_of = {
            "phap_luat": ["PL"],
            "dao_duc_cong_vu": ["DDCV"],
            "ky_nang_cong_vu": ["KNCV"],
            "chuyen_mon": ["CM"],
            "dao_duc_nghe_nghiep": ["DDNN"],
            "khac": ["CDS", "VTLT"],
        }
        for year in PROGRAMME_YEARS:
            if not self.employed_in(person, year):
                continue
            scale = person.factor * TREND[year]
            chosen = [code for code, base in plan if rng.random() < base * scale]
            if "phap_luat" in chosen and "dao_duc_cong_vu" in chosen and rng.random() < 0.5:
                chosen = [code for code in chosen if code not in ("phap_luat", "dao_duc_cong_vu")]
                self.enrol(person, self.pick_course(person, ["PLDD"], year))
            for code in chosen:
                self.enrol(person, self.pick_course(person, keys_of[code], year))
            if p.btv_managed and rng.random() < min(0.99, 0.9 * min(1.06, person.factor) * TREND[year] ** 0.5):
                self.enrol(person, self.pick_course(person, ["CNKT"], year))

    def title_training(self, person: _Person) -> None:
        """Train public employees to the standard of their professional title (once; most before 2021)."""
        rng = self.rng
        p = person.obj
        if p.category != C.PUBLIC_EMPLOYEE:
            return
        health = p.position_title in HEALTH_TITLES or "Y tế" in p.position_title or "Y sĩ" in p.position_title
        keys = ["CDYT"] if health else ["CDNN"]
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            if not self.employed_in(person, year):
                continue
            chance = 0.5 if year < 2021 else 0.24 * person.factor * TREND[year]
            if rng.random() < chance and self.enrol(person, self.pick_course(person, keys, year)) == "hoan_thanh":
                return

    def deputy_training(self, person: _Person) -> None:
        """Train People's Council deputies once in the 2021–2026 term (most right after the election)."""
        rng = self.rng
        if not person.obj.deputy_term or rng.random() > min(0.98, 0.9 * person.factor + 0.1):
            return
        year = self._weighted({2021: 55, 2022: 25, 2023: 10, 2024: 6, 2025: 4})
        while year <= 2025:
            if self.enrol(person, self.pick_course(person, ["HDND"], year)) == "hoan_thanh":
                return
            year += 1  # failed, dropped or not employed yet: try next year's course

    def current_studies(self, person: _Person) -> None:
        """Enrol some people in the long courses that run now (degrees, political theory, languages)."""
        p, rng = person.obj, self.rng
        if p.end_date is not None:
            return
        if p.education_level == 4 and p.category in (C.CADRE, C.CIVIL_SERVANT) and rng.random() < 0.06:
            self.enrol(person, self.pick_course(person, ["THS", "THSL"], rng.choice([2025, 2026])))
        if p.political_level < 3 and p.leadership_level >= 2 and rng.random() < 0.1:
            self.enrol(person, self.pick_course(person, ["CCLL"], 2026))
        elif (
            p.political_level < 2 and p.category in (C.CADRE, C.CIVIL_SERVANT, C.COMMUNE_CADRE) and rng.random() < 0.05
        ):
            self.enrol(person, self.pick_course(person, ["TCLL"], 2026))
        if p.language_level < 3 and p.birth_date.year >= 1985 and rng.random() < 0.05:
            self.enrol(person, self.pick_course(person, ["NNB3", "NNB4"], 2026))

    # -- writing ---------------------------------------------------------------------------------

    def write_history(self) -> None:
        """Write the qualifications, appointments and training records generated (bulk, with history)."""
        from training.models import TrainingRecord

        self._insert(self.qualifications, Qualification)
        self._insert(self.appointments, Appointment)
        self._insert(self.records, TrainingRecord)
        self.summary.qualifications = len(self.qualifications)
        self.summary.appointments = len(self.appointments)
        self.summary.records = len(self.records)


def historical_course_types():
    """Return the history model of the courses' types (simple-history's m2m history), or None."""
    from training.models import Course

    manager = getattr(Course.history.model, "types", None)
    return getattr(manager, "model", None)


def create_demo_users() -> int:
    """Create the demo accounts that do not exist yet (one shared demo password); return how many."""
    User = get_user_model()
    existing = set(
        User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).values_list("username", flat=True)
    )
    missing = [account for account in DEMO_ACCOUNTS if account.username not in existing]
    if not missing:
        return 0
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in={a.unit_code for a in missing})}
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    users = [
        User(
            username=account.username,
            first_name=account.first_name,
            last_name=account.last_name,
            unit=units.get(account.unit_code),
            password=password,
            is_staff=account.role == "admin",
            is_superuser=account.role == "admin",
        )
        for account in missing
    ]
    for user in users:
        user.search_text = user.searchable_text()  # bulk_create skips save(), which keeps it
    User.objects.bulk_create(users)
    groups = {group.name: group for group in Group.objects.filter(name__in={a.role for a in missing})}
    memberships = [
        User.groups.through(user_id=user.pk, group_id=groups[account.role].pk)
        for user, account in zip(users, missing, strict=True)
        if account.role in groups
    ]
    User.groups.through.objects.bulk_create(memberships)
    return len(users)


@transaction.atomic
def seed_demo(
    *, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED, today: datetime.date | None = None
) -> SeedSummary:
    """Create the demo units, courses, persons with their history, and the demo accounts; return the counts."""
    builder = DemoBuilder(people=people, seed=seed, today=today or timezone.localdate())
    root, department_units, district_units, ward_units = builder.build_units()
    builder.build_courses()
    persons = builder.build_persons(builder.slots(root, department_units, district_units, ward_units))
    builder.write_assignments(persons)
    builder.build_history(persons)
    builder.write_history()
    builder.summary.users = create_demo_users()
    return builder.summary


def has_persons() -> bool:
    """Return whether any person exists (the demo is seeded only into an empty database)."""
    return Person.objects.exists()


@transaction.atomic
def flush_demo() -> None:
    """Delete the demo data: every person with their history, every course and unit, and the demo accounts.

    Nothing of it is written to the audit trail (its history rows are deleted too): this resets a demo
    database. Programmes, indicators and course types stay.
    """
    from django.test.utils import override_settings

    from training.models import Course, TrainingRecord

    User = get_user_model()
    demo_names = [account.username for account in DEMO_ACCOUNTS]
    blocking = list(
        User.objects.filter(unit__isnull=False).exclude(username__in=demo_names).values_list("username", flat=True)
    )
    if blocking:
        raise ValueError(
            _("Không xóa được đơn vị: các tài khoản sau còn gắn với đơn vị: %(users)s")
            % {"users": ", ".join(sorted(blocking))}
        )
    with override_settings(SIMPLE_HISTORY_ENABLED=False):  # a reset writes no audit rows
        User.objects.filter(username__in=demo_names).delete()
        TrainingRecord.objects.all().delete()
        Appointment.objects.all().delete()
        Qualification.objects.all().delete()
        Assignment.objects.all().delete()
        Person.objects.all().delete()
        UnitSuccession.objects.all().delete()
        OrganisationState.objects.all().delete()  # no heir unit left to be current
        Course.types.through.objects.all().delete()
        Course.objects.all().delete()
        OrgUnit.objects.update(parent=None)
        OrgUnit.objects.all().delete()
    for model in (TrainingRecord, Appointment, Qualification, Assignment, Person, Course, UnitSuccession, OrgUnit):
        model.history.all().delete()
    historical_links = historical_course_types()
    if historical_links is not None:
        historical_links.objects.all().delete()


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    unit: str
    password: str | None  # None when it is no longer the demo password


def demo_logins() -> list[Login]:
    """Return the demo accounts that exist, with their role, unit and (if unchanged) the demo password."""
    from accounts.roles import Role

    User = get_user_model()
    users = {
        user.username: user
        for user in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).select_related("unit")
    }
    # All demo accounts share one hash, so one (slow) check tells which still have the demo password.
    verdicts: dict[str, bool] = {}
    logins = []
    for account in DEMO_ACCOUNTS:
        user = users.get(account.username)
        if user is None:
            continue
        if user.password not in verdicts:
            verdicts[user.password] = user.check_password(DEMO_PASSWORD)
        logins.append(
            Login(
                username=user.username,
                role=str(Role(account.role).label),
                unit=user.unit.name if user.unit else "",
                password=DEMO_PASSWORD if verdicts[user.password] else None,
            )
        )
    return logins


def is_production() -> bool:
    """Return whether the settings say this is a production deployment."""
    return bool(getattr(settings, "PRODUCTION", False))

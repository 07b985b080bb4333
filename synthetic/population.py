"""Who the synthetic people of Hanoi are: shared by the demo (``synthetic.demo_*``) and the benchmark.

Real-world vocabulary, no database: the city's specialised agencies, the training providers, Vietnamese
names with weights close to their frequency in the north, and the provinces of birth of citizen ids. Each
generator draws from these with its own random stream and its own proportions (head counts, trends).
"""

from __future__ import annotations


def weights(text: str) -> dict[str, float]:
    """Return {name: weight} from "Nguyễn 31, Trần 10, Văn Minh 1" (a name may have several words)."""
    pairs = (item.strip().rsplit(" ", 1) for item in text.split(","))
    return {name: float(weight) for name, weight in pairs}


def words(text: str) -> list[str]:
    """Return the words of a list written as one string."""
    return text.split()


# ---------------------------------------------------------------------------------------------
# Units and providers

# The specialised agencies of the City People's Committee in 2021–2025, before the merger of 1 March 2025
# (the merged ones: ``synthetic.hanoi.DEPARTMENT_MERGERS``), as the city publishes them (hanoi.gov.vn).
DEPARTMENT_NAMES = {
    "VPUB": "Văn phòng UBND Thành phố",
    "SNV": "Sở Nội vụ",
    "STP": "Sở Tư pháp",
    "SKHDT": "Sở Kế hoạch và Đầu tư",
    "STC": "Sở Tài chính",
    "SCT": "Sở Công Thương",
    "SNNPTNT": "Sở Nông nghiệp và Phát triển nông thôn",
    "SGTVT": "Sở Giao thông vận tải",
    "SXD": "Sở Xây dựng",
    "STNMT": "Sở Tài nguyên và Môi trường",
    "STTTT": "Sở Thông tin và Truyền thông",
    "SLDTBXH": "Sở Lao động - Thương binh và Xã hội",
    "SVHTT": "Sở Văn hóa và Thể thao",
    "SDL": "Sở Du lịch",
    "SKHCN": "Sở Khoa học và Công nghệ",
    "SGD": "Sở Giáo dục và Đào tạo",
    "SYT": "Sở Y tế",
    "TTTP": "Thanh tra Thành phố",
    "SNGV": "Sở Ngoại vụ",
    "SQHKT": "Sở Quy hoạch - Kiến trúc",
    "BDT": "Ban Dân tộc",
}

# Hanoi's real training schools and academies.
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


# ---------------------------------------------------------------------------------------------
# Names (the commonest Vietnamese family names, with weights close to their frequency in the north)

FAMILY_NAMES = weights(
    "Nguyễn 31, Trần 10, Lê 8, Phạm 7, Hoàng 5, Vũ 4.5, Đỗ 3, Đặng 2.5, Bùi 2.5, Ngô 2, Phan 2, Dương 1.5, "
    "Đinh 1.5, Trịnh 1.2, Đào 1.2, Hồ 0.8, Huỳnh 0.4, Võ 0.6, Lý 0.5, Mai 0.8, Lương 0.8, Tạ 0.6, Hà 0.8, "
    "Nghiêm 0.3, Kiều 0.4, Khuất 0.3, Chu 0.5, Lưu 0.6, Cao 0.7, Tô 0.5, Đoàn 0.8, Lại 0.4, Phùng 0.6"
)
# Middle and given names by gender (``personnel.choices.Gender``: "nam", "nu").
MIDDLE_NAMES = {
    "nam": weights(
        "Văn 30, Đức 8, Minh 8, Quang 6, Hữu 6, Đình 5, Mạnh 4, Xuân 4, Tiến 4, Thế 4, Công 4, Quốc 4, Thanh 4, "
        "Trọng 3, Ngọc 3, Duy 3, Anh 2, Việt 2, Hoàng 2, Huy 2, Bá 2, Tuấn 2, Khắc 1, Văn Minh 1, Đức Anh 1"
    ),
    "nu": weights(
        "Thị 38, Thu 6, Thanh 6, Ngọc 5, Phương 4, Thùy 4, Minh 4, Hồng 3, Bích 2, Thúy 2, Lan 2, Hải 2, Kim 2, "
        "Mai 2, Khánh 2, Quỳnh 2, Diệu 1, Hoài 1, Thị Thu 2, Thị Thanh 2, Thị Minh 1, Thị Kim 1, Thị Hồng 1, "
        "Thị Ngọc 1"
    ),
}
GIVEN_NAMES = {
    "nam": words(
        "Hùng Dũng Tuấn Minh Hải Nam Thắng Cường Hưng Long Sơn Trung Quân Đức Hiếu Phong Thành Tùng Khánh Bình "
        "Hoàng Việt Huy Kiên Quang Toàn Thịnh Vinh Tiến Lâm Hòa Anh Đạt Hiệp Thái Tài Chiến Giang Mạnh Nghĩa "
        "Phúc Tâm Trường Tú Khải Duy Bảo Định Hào Kiệt Công Dương Hiển Lộc Tuân Thao"
    ),
    "nu": words(
        "Hương Lan Linh Hà Trang Thảo Hằng Nga Huyền Phương Mai Hoa Thủy Yến Ngọc Vân Hạnh Dung Loan Nhung "
        "Hiền Quyên Oanh Thu Anh Giang Chi Hồng Liên Tâm Nhàn Thơ Châm Tuyết Hậu Uyên Vy Ly Diệp My Lệ Thanh "
        "Bích Xuân Nguyệt Quỳnh Trinh Duyên Hoài Thúy"
    ),
}
# Provinces of birth in citizen ids: mostly Hanoi (001), else the neighbouring provinces.
BIRTH_PROVINCES = weights(
    "001 70, 034 4, 036 3, 035 2, 030 3, 033 3, 037 2, 038 3, 040 2, 025 2, 026 2, 027 2, 024 1, 019 1, 042 1"
)


def family_names(*, without: tuple[str, ...] = ()) -> dict[str, float]:
    """Return the family names and their weights, leaving out ``without``."""
    return {name: weight for name, weight in FAMILY_NAMES.items() if name not in without}

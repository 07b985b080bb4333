"""Code lists of courses and training results."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseForm(models.TextChoices):
    TRAINING = "dao_tao", _("Đào tạo")
    FOSTERING = "boi_duong", _("Bồi dưỡng")


class TrainingResult(models.TextChoices):
    COMPLETED = "hoan_thanh", _("Hoàn thành")
    FAILED = "khong_dat", _("Không đạt")
    ONGOING = "dang_hoc", _("Đang học")
    DROPPED = "bo_hoc", _("Bỏ học")


# The course types of the programme spec, section 2 (seeded by a data migration; admins may add more).
COURSE_TYPES = [
    ("cap_nhat_kien_thuc", "Bồi dưỡng cập nhật kiến thức (theo quy định của Bộ Chính trị)"),
    ("phap_luat", "Cập nhật kiến thức pháp luật"),
    ("dao_duc_cong_vu", "Bồi dưỡng đạo đức công vụ"),
    ("ky_nang_cong_vu", "Kiến thức, kỹ năng, phương pháp thực thi công vụ"),
    ("chuyen_mon", "Cập nhật, nâng cao kiến thức chuyên môn, nghiệp vụ"),
    ("dao_duc_nghe_nghiep", "Đạo đức nghề nghiệp"),
    ("tieu_chuan_ngach", "Bồi dưỡng theo tiêu chuẩn ngạch (QLNN)"),
    ("chuc_danh_nghe_nghiep", "Bồi dưỡng theo tiêu chuẩn chức danh nghề nghiệp"),
    ("lanh_dao_quan_ly", "Bồi dưỡng năng lực, kỹ năng lãnh đạo, quản lý"),
    ("hdnd", "Bồi dưỡng kiến thức, kỹ năng, phương pháp hoạt động của đại biểu HĐND"),
    ("ly_luan_chinh_tri", "Đào tạo lý luận chính trị"),
    ("ngoai_ngu", "Đào tạo, bồi dưỡng ngoại ngữ"),
    ("bang_cap", "Đào tạo trình độ chuyên môn (đại học, thạc sĩ, tiến sĩ…)"),
    ("khac", "Khác"),
]

# The English names of the seeded course types (training.CourseType.name_en; a data migration fills them).
COURSE_TYPE_NAMES_EN = {
    "cap_nhat_kien_thuc": "Knowledge update (as the Politburo requires)",
    "phap_luat": "Legal knowledge update",
    "dao_duc_cong_vu": "Public-service ethics",
    "ky_nang_cong_vu": "Public-service knowledge, skills and methods",
    "chuyen_mon": "Professional knowledge update",
    "dao_duc_nghe_nghiep": "Professional ethics",
    "tieu_chuan_ngach": "Training to the standard of a civil-service rank (state management)",
    "chuc_danh_nghe_nghiep": "Training to the standard of a professional title",
    "lanh_dao_quan_ly": "Leadership and management skills",
    "hdnd": "Knowledge, skills and methods of People's Council deputies",
    "ly_luan_chinh_tri": "Political theory",
    "ngoai_ngu": "Foreign language",
    "bang_cap": "Degree programme (bachelor's, master's, doctorate…)",
    "khac": "Other",
}

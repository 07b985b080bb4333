"""Seed programme HN-2021-2025 and its 15 indicators (programme spec, section 3).

Each indicator is data: an admin may change any reading below (e.g. make CC-3 require both legal and
ethics courses by setting its course match to "all") without code.
"""

import datetime
from decimal import Decimal

from django.db import migrations

CC = ["can_bo", "cong_chuc"]
XA = ["can_bo_xa", "cong_chuc_xa"]

INDICATORS = [
    dict(code="BTV-1", group="BTV", kind="status", target=40,
         name="Cán bộ diện BTV Thành ủy quản lý có trình độ thạc sĩ, tiến sĩ",
         name_en="Standing-Board-managed cadres holding a master's degree or doctorate",
         requires_btv_managed=True, min_education=5),
    dict(code="BTV-2", group="BTV", kind="status", target=100,
         name="Cán bộ quy hoạch chức danh diện BTV quản lý được đào tạo cao cấp lý luận chính trị",
         name_en="Succession-planned cadres for Standing-Board posts trained in advanced political theory",
         requires_btv_succession=True, min_political=3),
    dict(code="BTV-3", group="BTV", kind="annual", target=100,
         name="Cán bộ diện BTV Thành ủy quản lý được bồi dưỡng, cập nhật kiến thức hằng năm",
         name_en="Standing-Board-managed cadres given their annual knowledge update",
         requires_btv_managed=True, course_types=["cap_nhat_kien_thuc"]),
    dict(code="CC-1", group="CC", kind="appointment", target=100,
         name="Cán bộ, công chức được đào tạo, bồi dưỡng đạt tiêu chuẩn trước khi bổ nhiệm ngạch, chức vụ",
         name_en="Cadres and civil servants trained to standard before a rank or leadership appointment",
         categories=CC,
         appointment_requirements={"ngach": ["tieu_chuan_ngach"], "chuc_vu": ["lanh_dao_quan_ly"]}),
    dict(code="CC-2", group="CC", kind="status", target=100,
         name="Lãnh đạo, quản lý cấp phòng trở lên có trình độ đại học, trung cấp lý luận chính trị trở lên",
         name_en="Leaders at division level and above with a university degree and intermediate political theory",
         categories=CC, min_leadership_level=2, min_education=4, min_political=2),
    dict(code="CC-3", group="CC", kind="annual", target=80,
         name="Cán bộ, công chức được cập nhật kiến thức pháp luật, bồi dưỡng đạo đức công vụ hằng năm",
         name_en="Cadres and civil servants given legal-knowledge updates or public-service ethics each year",
         categories=CC, course_types=["phap_luat", "dao_duc_cong_vu"], course_match="any"),
    dict(code="CC-4", group="CC", kind="annual", target=70,
         name="Cán bộ, công chức được bồi dưỡng kiến thức, kỹ năng, phương pháp thực thi công vụ hằng năm",
         name_en="Cadres and civil servants trained in public-service skills and methods each year",
         categories=CC, course_types=["ky_nang_cong_vu"]),
    dict(code="XA-1", group="XA", kind="status", target=100,
         name="Cán bộ, công chức cấp xã có trình độ chuyên môn từ trung cấp trở lên, phù hợp vị trí việc làm",
         name_en="Commune cadres and civil servants with intermediate education or higher suited to their post",
         categories=XA, min_education=2, requires_field_suited=True),
    dict(code="XA-2", group="XA", kind="annual", target=60,
         name="Cán bộ, công chức cấp xã được bồi dưỡng kiến thức, kỹ năng, phương pháp, đạo đức công vụ hằng năm",
         name_en="Commune cadres and civil servants given knowledge, skills, methods or ethics training each year",
         categories=XA, course_types=["ky_nang_cong_vu", "dao_duc_cong_vu", "phap_luat", "chuyen_mon"]),
    dict(code="XA-3", group="XA", kind="status", target=20,
         name="Cán bộ, công chức cấp xã dưới 40 tuổi đạt trình độ ngoại ngữ bậc 3 trở lên",
         name_en="Commune cadres and civil servants under 40 with foreign language at level 3 or above",
         categories=XA, max_age=40, min_language=3),
    dict(code="XA-4", group="XA", kind="status", target=15,
         name="Cán bộ, công chức, viên chức quản lý cấp xã dưới 40 tuổi đạt trình độ ngoại ngữ bậc 3 trở lên",
         name_en="Commune-level managers under 40 with foreign language at level 3 or above",
         categories=["can_bo_xa", "cong_chuc_xa", "vien_chuc"], unit_level="xa", min_leadership_level=1,
         max_age=40, min_language=3),
    dict(code="VC-1", group="VC", kind="status", target=100,
         name="Viên chức được bồi dưỡng theo tiêu chuẩn chức danh nghề nghiệp",
         name_en="Public employees trained to the standard of their professional title",
         categories=["vien_chuc"], course_types=["chuc_danh_nghe_nghiep"]),
    dict(code="VC-2", group="VC", kind="appointment", target=100,
         name="Viên chức giữ chức vụ lãnh đạo, quản lý được bồi dưỡng năng lực, kỹ năng quản lý trước khi bổ nhiệm",
         name_en="Public employees trained in management before a leadership appointment",
         categories=["vien_chuc"], appointment_requirements={"chuc_vu": ["lanh_dao_quan_ly"]}),
    dict(code="VC-3", group="VC", kind="annual", target=60,
         name="Viên chức được đào tạo về đạo đức nghề nghiệp; cập nhật, nâng cao kiến thức chuyên môn hằng năm",
         name_en="Public employees trained in professional ethics or professional knowledge each year",
         categories=["vien_chuc"], course_types=["dao_duc_nghe_nghiep", "chuyen_mon"]),
    dict(code="HDND-1", group="HĐND", kind="window", target=100,
         name="Đại biểu HĐND nhiệm kỳ 2021-2026 được bồi dưỡng kiến thức, kỹ năng, phương pháp hoạt động",
         name_en="People's Council deputies of the 2021-2026 term trained at least once in the term",
         deputy_term="2021-2026", course_types=["hdnd"],
         window_start=datetime.date(2021, 5, 23), window_end=datetime.date(2026, 5, 31)),
]


def seed(apps, schema_editor):
    Programme = apps.get_model("targets", "Programme")
    Indicator = apps.get_model("targets", "Indicator")
    programme, _ = Programme.objects.update_or_create(
        code="HN-2021-2025",
        defaults={
            "name": "Đào tạo, bồi dưỡng cán bộ, công chức, viên chức thành phố Hà Nội giai đoạn 2021-2025",
            "start_date": datetime.date(2021, 1, 1),
            "end_date": datetime.date(2025, 12, 31),
            "is_default": True,
        },
    )
    for order, spec in enumerate(INDICATORS, start=1):
        values = dict(spec)
        values["target"] = Decimal(values["target"])
        Indicator.objects.update_or_create(programme=programme, code=values.pop("code"),
                                           defaults={"order": order, **values})


def unseed(apps, schema_editor):
    apps.get_model("targets", "Programme").objects.filter(code="HN-2021-2025").delete()


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial"), ("training", "0002_seed_course_types")]
    operations = [migrations.RunPython(seed, unseed)]

"""Seed the course types of Decree 171/2025/NĐ-CP's five content areas of training (bồi dưỡng)."""

from django.db import migrations

DECREE_171_TYPES = [
    ("nd171_ly_luan_chinh_tri", "Bồi dưỡng lý luận chính trị (NĐ 171)", "Political theory (Decree 171)"),
    ("nd171_quoc_phong_an_ninh", "Kiến thức quốc phòng và an ninh (NĐ 171)", "National defence and security (Decree 171)"),
    ("nd171_quan_ly_nha_nuoc", "Kiến thức quản lý nhà nước (NĐ 171)", "State management knowledge (Decree 171)"),
    (
        "nd171_chuyen_nganh_vtvl",
        "Kiến thức, kỹ năng chuyên ngành theo vị trí việc làm (NĐ 171)",
        "Specialised knowledge and skills for the job position (Decree 171)",
    ),
    ("nd171_ky_nang_so", "Kỹ năng số (NĐ 171)", "Digital skills (Decree 171)"),
]


def seed(apps, schema_editor):
    CourseType = apps.get_model("training", "CourseType")
    for order, (code, name, name_en) in enumerate(DECREE_171_TYPES, start=101):
        CourseType.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


def unseed(apps, schema_editor):
    CourseType = apps.get_model("training", "CourseType")
    CourseType.objects.filter(code__in=[code for code, _name, _en in DECREE_171_TYPES], courses=None).delete()


class Migration(migrations.Migration):
    dependencies = [("training", "0006_holes_course_unit")]
    operations = [migrations.RunPython(seed, unseed)]

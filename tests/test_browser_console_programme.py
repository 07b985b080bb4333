"""In a real browser: an admin builds a 2026–2030 programme with indicators of the new kinds (recurring, job
position, by unit level), watches the live preview, then sees its figures on the dashboard while the figures of
2021–2025 stay as they were."""

import datetime
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from accounts.roles import Role
from personnel.job_positions import JobPosition, JobPositionCourse
from personnel.models import Assignment

from .test_browser_dashboard import page_figures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("figures_in_request"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SKILLS = "nd171_ky_nang_so"


@pytest.fixture
def city(transactional_db, make_person, make_course, complete, make_user):
    """Return the city admin; four persons, two with a job position requiring digital skills every two years."""
    for module in (
        "training.migrations.0002_seed_course_types",
        "targets.migrations.0002_seed_hn_2021_2025",
        "training.migrations.0004_newcomer_english_names",
        "targets.migrations.0004_newcomer_english_names",
        "training.migrations.0007_console_decree_171_course_types",
    ):
        import_module(module).seed(apps, None)
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    position = JobPosition.objects.create(code="VT-CDS", name="Chuyên viên chuyển đổi số")
    JobPositionCourse.objects.create(position=position, course_type_id=SKILLS, every_years=2)
    trained = make_person(full_name="Nguyễn Văn An", unit="H01", code="CB-AN")
    untrained = make_person(full_name="Trần Thị Bình", unit="H01", code="CB-BINH")
    complete(trained, make_course(SKILLS, year=2026))
    Assignment.objects.filter(person__in=[trained, untrained]).update(job_position=position)
    make_person(full_name="Lê Văn Cường", unit="H01X1", category="cong_chuc_xa", education_level=4)
    make_person(full_name="Phạm Thị Dung", unit="H02X1", category="vien_chuc")
    return make_user("quantri.thanhpho", role="admin", unit="HN")


def pick(page, field: str, text: str) -> None:
    """Choose ``text`` in the Tom Select picker of ``field`` by typing it, as a user does."""
    page.locator(f"#id_{field} + .ts-wrapper .ts-control").click()
    page.locator(f"#id_{field}-ts-control").fill(text)  # once the picker has the focus: no keystroke lost
    option = page.locator(f"#id_{field}-ts-dropdown .option", has_text=re.compile(f"^{re.escape(text)}$"))
    option.wait_for(state="visible")
    option.click()
    page.keyboard.press("Escape")


def add_indicator(page, *, code, name, kind, target, fill=(), picks=(), selects=(), preview=None):
    page.click("text=+ Thêm chỉ tiêu")
    page.fill("#id_code", code)
    page.fill("#id_group", "NĐ171")
    page.fill("#id_name", name)
    page.select_option("#id_kind", kind)
    page.fill("#id_target", target)
    for field, value in fill:
        page.fill(f"#id_{field}", value)
    for field, label in selects:
        page.select_option(f"#id_{field}", label=label)
    for field, text in picks:
        pick(page, field, text)
    if preview is not None:
        page.wait_for_selector(f"#preview-counts:has-text('{preview}')")
    page.click("button:has-text('Lưu chỉ tiêu')")
    page.wait_for_url(re.compile(r"/quan-tri/chuong-trinh/\d+/$"))


def test_an_admin_builds_a_2026_2030_programme_and_sees_its_figures_beside_unchanged_2021_2025(page, login, city):
    login("quantri.thanhpho")
    page.goto(f"{page.base_url}/bao-cao/?programme=HN-2021-2025")
    before = page_figures(page)
    assert len(before) == 15

    page.goto(f"{page.base_url}/quan-tri/chuong-trinh/")
    page.click("text=+ Chương trình mới")
    page.fill("#id_code", "HN-2026-2030")
    page.fill("#id_name", "Chương trình đào tạo, bồi dưỡng 2026–2030")
    page.fill("#id_start_date", "2026-01-01")
    page.fill("#id_end_date", "2030-12-31")
    page.click("button:has-text('Lưu')")
    page.wait_for_url(re.compile(r"/quan-tri/chuong-trinh/\d+/$"))

    # A target above 100 is refused in Vietnamese and nothing is added.
    page.click("text=+ Thêm chỉ tiêu")
    page.fill("#id_code", "SAI")
    page.fill("#id_group", "NĐ171")
    page.fill("#id_name", "Sai chỉ tiêu")
    page.select_option("#id_kind", "status")
    page.fill("#id_target", "120")
    page.click("button:has-text('Lưu chỉ tiêu')")
    assert "phải từ 0 đến 100" in page.locator("#field-target").inner_text()
    assert "chưa có đối tượng tính" in page.locator("#form-errors").inner_text()
    page.click("text=Hủy")

    add_indicator(
        page, code="SO", name="Kỹ năng số trong 2 năm", kind="recurring", target="80",
        fill=[("recurring_years", "2"), ("warning_days", "60")],
        picks=[("categories", "Công chức"), ("course_types", "Kỹ năng số (NĐ 171)")], preview="1 / 2",
    )  # fmt: skip
    add_indicator(page, code="VTVL", name="Đáp ứng yêu cầu vị trí việc làm", kind="job_position", target="90",
                  preview="1 / 2")  # fmt: skip
    add_indicator(
        page, code="XA", name="Cấp xã có trình độ đại học", kind="status", target="50",
        selects=[("unit_level", "Cấp xã"), ("min_education", "Đại học")], preview="1 / 2",
    )  # fmt: skip
    assert page.locator("#indicators tbody tr").count() == 3

    page.click("text=Xem tổng quan")
    page.wait_for_selector("tr.indicator")
    shown = page_figures(page)
    assert {code: (f["numerator"], f["denominator"]) for code, f in shown.items()} == {
        "SO": (1, 2),
        "VTVL": (1, 2),
        "XA": (1, 2),
    }

    page.goto(f"{page.base_url}/bao-cao/?programme=HN-2021-2025")
    assert page_figures(page) == before


def test_an_admin_closes_a_unit_into_a_successor_and_reads_the_tree_then_and_now(page, login, city):
    from django.utils import timezone

    today = timezone.localdate()
    login("quantri.thanhpho")
    page.goto(f"{page.base_url}/quan-tri/don-vi/")
    assert page.locator('#unit-tree tr[data-unit="H02X1"]').count() == 1

    # A unit where someone still works is refused, and the page points to the reorganisation page.
    page.locator('#unit-tree tr[data-unit="H02X1"] a').click()
    page.click("text=Giải thể")
    page.fill("#id_closed_on", today.isoformat())
    pick(page, "primary", "UBND phường Phúc Xá (H01X1)")
    page.click("button:has-text('Giải thể')")
    assert "người còn công tác tại đơn vị" in page.locator("#form-errors").inner_text()
    assert page.locator("a:has-text('trang Sắp xếp đơn vị')").get_attribute("href") == "/sap-xep-don-vi/moi/"

    # An empty unit closes into its successor.
    page.goto(f"{page.base_url}/quan-tri/don-vi/")
    page.locator('#unit-tree tr[data-unit="H01X2"] a').click()
    page.click("text=Giải thể")
    page.fill("#id_closed_on", today.isoformat())
    pick(page, "primary", "UBND phường Phúc Xá (H01X1)")
    page.click("button:has-text('Giải thể')")
    page.wait_for_selector("#successors")
    assert "UBND phường Phúc Xá" in page.locator("#successors").inner_text()

    page.goto(f"{page.base_url}/quan-tri/don-vi/")
    assert page.locator('#unit-tree tr[data-unit="H01X2"]').count() == 0
    closed = page.locator('#closed-units tr[data-unit="H01X2"]').inner_text()
    assert "UBND phường Phúc Xá" in closed
    assert "chính" in closed
    page.fill("#id_on", (today - datetime.timedelta(days=1)).isoformat())
    page.click("button:has-text('Xem cơ cấu')")
    assert page.locator('#unit-tree tr[data-unit="H01X2"]').count() == 1

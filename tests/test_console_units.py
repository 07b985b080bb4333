"""Units in the product's own pages: the tree today or at a date, create, rename, close with successors under the
rules of the don_vi import; job positions and what a person's position still requires of them."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError

from personnel import services
from personnel.job_positions import JobPosition, JobPositionCourse
from personnel.models import Assignment, OrgUnit, UnitSuccession
from targets.models import Indicator, Programme

D = datetime.date
NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("units_admin", role="admin", unit="HN"))
    return client


def close(admin_client, unit, **data):
    return admin_client.post(f"/quan-tri/don-vi/{unit.pk}/giai-the/", data)


@time_machine.travel(NOW, tick=False)
def test_an_admin_creates_and_renames_a_unit(admin_client, units):
    response = admin_client.post(
        "/quan-tri/don-vi/them-moi/",
        {
            "code": "H01X3",
            "name": "UBND phường Mới",
            "level": "xa",
            "parent": units["H01"].pk,
            "opened_on": "2026-07-01",
        },
    )
    unit = OrgUnit.objects.get(code="H01X3")
    assert response.status_code == 302
    assert unit.path == f"{units['H01'].path}{unit.pk}/"
    admin_client.post(f"/quan-tri/don-vi/{unit.pk}/", {"name": "UBND phường Mới Đổi Tên"})
    unit.refresh_from_db()
    assert unit.name == "UBND phường Mới Đổi Tên"


@time_machine.travel(NOW, tick=False)
def test_closing_a_unit_names_its_successors_and_moves_its_people_in_view_today(admin_client, units, make_person):
    person = make_person(unit="H01X2", end_date=D(2026, 6, 30))
    response = close(admin_client, units["H01X2"], closed_on="2026-07-01", primary=units["H01X1"].pk)
    assert response.status_code == 302
    closed = OrgUnit.objects.get(code="H01X2")
    assert closed.closed_on == D(2026, 7, 1)
    assert list(UnitSuccession.objects.filter(predecessor=closed).values_list("successor__code", "is_primary")) == [
        ("H01X1", True)
    ]
    assert Assignment.objects.get(person=person).heir_unit_id == units["H01X1"].pk


@time_machine.travel(NOW, tick=False)
def test_a_unit_with_people_after_the_date_is_refused_with_a_link_to_the_reorganisation_page(
    admin_client, units, make_person
):
    make_person(unit="H01X2")
    response = close(admin_client, units["H01X2"], closed_on="2026-07-01", primary=units["H01X1"].pk)
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 người còn công tác tại đơn vị sau ngày 01/07/2026" in body
    assert 'href="/sap-xep-don-vi/moi/"' in body
    assert OrgUnit.objects.get(code="H01X2").closed_on is None
    assert not UnitSuccession.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_unit_with_open_children_or_a_closed_successor_is_refused(admin_client, units):
    response = close(admin_client, units["H01"], closed_on="2026-07-01", primary=units["H02"].pk)
    assert "còn đơn vị trực thuộc" in response.content.decode()
    OrgUnit.objects.filter(code="H02X1").update(closed_on=D(2026, 3, 1))
    with pytest.raises(ValidationError) as refused:
        services.close_unit(
            by=None, unit=units["H01X2"], closed_on=D(2026, 7, 1), primary=OrgUnit.objects.get(code="H02X1")
        )
    assert "không hoạt động vào ngày giải thể 01/07/2026" in str(refused.value)
    response = close(admin_client, units["H01X2"], closed_on="2026-07-01")
    assert response.status_code == 200
    assert OrgUnit.objects.filter(closed_on=D(2026, 7, 1)).count() == 0


@time_machine.travel(NOW, tick=False)
def test_the_tree_at_a_date_shows_the_units_then_and_the_closed_ones_with_successors(admin_client, units):
    OrgUnit.objects.filter(code="H01X2").update(closed_on=D(2026, 7, 1))
    UnitSuccession.objects.create(predecessor=units["H01X2"], successor=units["H01X1"], is_primary=True)
    today = admin_client.get("/quan-tri/don-vi/").content.decode()
    then = admin_client.get("/quan-tri/don-vi/?on=2026-06-30").content.decode()
    tree_today = today.split('id="unit-tree"')[1].split("</table>")[0]
    tree_then = then.split('id="unit-tree"')[1].split("</table>")[0]
    assert 'data-unit="H01X2"' not in tree_today
    assert 'data-unit="H01X2"' in tree_then
    closed_today = today.split('id="closed-units"')[1]
    assert 'data-unit="H01X2"' in closed_today
    assert "UBND phường Phúc Xá" in closed_today
    assert 'data-unit="H01X2"' not in then.split('id="closed-units"')[1]


def test_an_admin_adds_a_job_position_with_the_courses_it_requires(admin_client, db):
    response = admin_client.post(
        "/quan-tri/vi-tri-viec-lam/them-moi/",
        {
            "code": "VT-PC", "name": "Chuyên viên pháp chế", "name_en": "Legal officer", "min_education": "4",
            "min_political": "", "min_state_management": "1", "min_language": "",
            "courses-TOTAL_FORMS": "3", "courses-INITIAL_FORMS": "0",
            "courses-0-course_type": "phap_luat", "courses-0-every_years": "2",
            "courses-1-course_type": "nd171_quan_ly_nha_nuoc", "courses-1-every_years": "",
            "courses-2-course_type": "", "courses-2-every_years": "",
        },
    )  # fmt: skip
    assert response.status_code == 302
    position = JobPosition.objects.get(code="VT-PC")
    assert (position.min_education, position.min_state_management) == (4, 1)
    assert sorted(position.required_courses.values_list("course_type_id", "every_years")) == [
        ("nd171_quan_ly_nha_nuoc", None),
        ("phap_luat", 2),
    ]


def test_a_course_type_named_twice_is_refused_with_nothing_written(admin_client, db):
    response = admin_client.post(
        "/quan-tri/vi-tri-viec-lam/them-moi/",
        {
            "code": "VT-X", "name": "Thử", "name_en": "", "min_education": "", "min_political": "",
            "min_state_management": "", "min_language": "", "courses-TOTAL_FORMS": "2", "courses-INITIAL_FORMS": "0",
            "courses-0-course_type": "phap_luat", "courses-0-every_years": "2",
            "courses-1-course_type": "phap_luat", "courses-1-every_years": "",
        },
    )  # fmt: skip
    assert "được chọn hai lần" in response.content.decode()
    assert not JobPosition.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_person_page_shows_what_the_position_still_requires_and_what_expires_soon(
    admin_client, make_person, make_course, complete, django_assert_max_num_queries
):
    position = JobPosition.objects.create(code="VT-CDS", name="Chuyên viên chuyển đổi số", min_state_management=1)
    JobPositionCourse.objects.create(position=position, course_type_id="nd171_ky_nang_so", every_years=2)
    JobPositionCourse.objects.create(position=position, course_type_id="nd171_quan_ly_nha_nuoc")
    person = make_person(code="CB-SO")
    Assignment.objects.filter(person=person).update(job_position=position)
    complete(person, make_course("nd171_ky_nang_so", start_date=D(2024, 12, 1), end_date=D(2024, 12, 20)))
    programme = Programme.objects.create(
        code="HN-2026-2030", name="2026–2030", start_date=D(2026, 1, 1), end_date=D(2030, 12, 31), is_default=True
    )
    Indicator.objects.create(
        programme=programme, code="SO", group="CC", name="Kỹ năng số", kind="recurring", target=80,
        categories=["cong_chuc"], course_types=["nd171_ky_nang_so"], recurring_years=2, warning_days=60,
    )  # fmt: skip
    # The person page's 8 queries and an admin's second-factor device: the position, its courses, the warning
    # and the levels come from the person's rows (hr.person_rows).
    with django_assert_max_num_queries(9):
        body = admin_client.get(f"/nhan-su/{person.code}/").content.decode()
    section = body.split('id="vi-tri-viec-lam"')[1].split("</section>")[0]
    assert "Chuyên viên chuyển đổi số" in section
    assert "Còn thiếu 2 yêu cầu" in section  # state management course never done, level 0
    assert "hiệu lực đến 20/12/2026" in section
    panel = body.split('id="indicator-panel"')[1]
    assert 'data-status="expiring"' in panel
    assert "hết hiệu lực ngày 20/12/2026" in panel


@time_machine.travel(NOW, tick=False)
def test_a_transfer_keeps_the_job_position_unless_a_new_one_is_chosen(units, make_person):
    first = JobPosition.objects.create(code="VT1", name="Chuyên viên một")
    second = JobPosition.objects.create(code="VT2", name="Chuyên viên hai")
    person = make_person(unit="H01X1")
    Assignment.objects.filter(person=person).update(job_position=first)
    services.transfer_person(person=person, unit=units["H01X2"], on=D(2026, 3, 1))
    services.transfer_person(person=person, unit=units["H02X1"], on=D(2026, 9, 1), job_position=second)
    assert list(
        Assignment.objects.filter(person=person).in_order().values_list("unit__code", "job_position__code")
    ) == [
        ("H01X1", "VT1"),
        ("H01X2", "VT1"),
        ("H02X1", "VT2"),
    ]


@time_machine.travel(NOW, tick=False)
def test_the_job_position_section_costs_no_query_whatever_the_courses(admin_client, make_person, make_course, complete):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    position = JobPosition.objects.create(code="VT-Q", name="Vị trí đo truy vấn")
    for code in ("phap_luat", "ngoai_ngu", "nd171_ky_nang_so"):
        JobPositionCourse.objects.create(position=position, course_type_id=code, every_years=3)
    holder = make_person(code="CB-CO")
    for code in ("phap_luat", "ngoai_ngu"):
        complete(holder, make_course(code, year=2025))

    def count(person):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(f"/nhan-su/{person.code}/").status_code == 200
        return len(queries)

    count(holder)  # warm the caches
    without = count(holder)
    Assignment.objects.filter(person=holder).update(job_position=position)
    assert count(holder) == without  # read with the person's rows (hr.person_rows)


def test_the_api_history_serializer_reads_and_writes_the_job_position_of_each_assignment(make_person, make_user, units):
    # Through the serializer and the service the endpoint calls (the endpoint's URL is shadowed by the person
    # detail route on main: CODE_IN_URL accepts "/"; reported to the lead).
    from api.serializers import AssignmentSerializer
    from personnel import history

    JobPosition.objects.create(code="VT-API", name="Vị trí qua API")
    person = make_person(unit="H01X1", code="CB070099")
    rows = [
        {"unit": "H01X1", "category": "cong_chuc", "start_date": "2020-01-01", "end_date": "2024-01-01"},
        {"unit": "H01X2", "category": "cong_chuc", "start_date": "2024-01-01", "job_position": "vt-api"},
    ]
    from types import SimpleNamespace

    context = {"request": SimpleNamespace(user=make_user("hr_api", "hr", "H01"))}
    incoming = AssignmentSerializer(data=rows, many=True, context=context)
    assert incoming.is_valid(), incoming.errors
    saved = history.replace_history(
        person=person, stretches=[history.Stretch(label=str(i), **row) for i, row in enumerate(incoming.validated_data)]
    )
    assert [row["job_position"] for row in AssignmentSerializer(saved, many=True).data] == [None, "VT-API"]
    refused = AssignmentSerializer(data=[{**rows[1], "job_position": "KHONG-CO"}], many=True, context=context)
    assert not refused.is_valid()
    assert list(Assignment.objects.filter(person=person).in_order().values_list("job_position__code", flat=True)) == [
        None,
        "VT-API",
    ]


def test_the_tree_lists_each_unit_under_its_parent_siblings_by_code(admin_client, units):
    body = admin_client.get("/quan-tri/don-vi/").content.decode()
    tree = body.split('id="unit-tree"')[1].split("</table>")[0]
    assert re.findall(r'data-unit="([^"]+)"', tree) == ["HN", "H01", "H01X1", "H01X2", "H02", "H02X1", "SNV"]

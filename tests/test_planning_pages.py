"""Issue #14 through the pages: needs list and its export, plan submission with warnings, rosters (nominate, results,
import), planned against done, and the weekly reminders."""

import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccessLog
from planning.models import Nomination, NominationStatus, PlanStatus, ReminderLog, TrainingPlan
from planning.services import add_planned_class, create_plan, nominate, open_roster, review_plan, submit_plan
from training.models import CourseType, TrainingRecord

NOW = datetime.datetime(2025, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # a Thursday


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hr(make_user):
    return make_user("hr_plans", role="hr", unit="H01", email="hr.badinh@example.vn")


@pytest.fixture
def client_hr(client, hr):
    client.force_login(hr)
    return client


@pytest.fixture
def roster(make_course, units, hr):
    course = make_course(
        "phap_luat", code="PL-LOP", start_date=datetime.date(2025, 11, 3), end_date=datetime.date(2025, 11, 7)
    )
    return open_roster(course=course, unit=units["H01"], capacity=2, user=hr)


def test_the_needs_page_lists_the_people_with_why_and_exports_the_same_list(client_hr, make_person):
    mine = make_person(unit="H01X1", full_name="Trần Văn Mình")
    theirs = make_person(unit="H02X1", full_name="Lê Văn Khác")

    page = client_hr.get("/ke-hoach/nhu-cau/?year=2025&indicator=CC-3")
    text = page.content.decode()

    assert page.status_code == 200
    assert mine.code in text
    assert theirs.code not in text
    assert "chưa có khóa cập nhật kiến thức pháp luật" in text
    download = client_hr.get("/ke-hoach/nhu-cau/xlsx/?year=2025&indicator=CC-3")
    book = openpyxl.load_workbook(io.BytesIO(download.content), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    assert mine.code in cells
    assert theirs.code not in cells
    assert AccessLog.objects.filter(action="export", target="nhu-cau-dao-tao-H01-2025.xlsx").exists()


def test_a_year_that_is_not_ascii_digits_opens_the_current_year_instead_of_failing(client_hr):
    page = client_hr.get("/ke-hoach/nhu-cau/", {"year": "²"})

    assert page.status_code == 200
    assert page.context["needs"].year == timezone.localdate().year


def test_another_districts_unit_on_the_needs_page_reads_like_an_unknown_unit(client_hr):
    assert client_hr.get("/ke-hoach/nhu-cau/?unit=H02").status_code == 404
    assert client_hr.get("/ke-hoach/nhu-cau/?unit=KHONG-CO").status_code == 404


def test_nominating_from_the_needs_list_beyond_the_places_fills_the_waiting_list(client_hr, make_person, roster):
    people = [make_person(unit="H01X1") for _ in range(3)]

    response = client_hr.post(
        f"/ke-hoach/lop/{roster.course.code}/de-cu/", {"person": [p.code for p in people], "waiting_list": "on"}
    )

    assert response.status_code == 302
    statuses = dict(Nomination.objects.values_list("person__code", "status"))
    assert [statuses[p.code] for p in people] == [NominationStatus.SEATED] * 2 + [NominationStatus.WAITING]
    roster_page = client_hr.get(f"/ke-hoach/lop/{roster.course.code}/").content.decode()
    assert "CC-3: chưa có khóa" in roster_page


def test_a_class_without_places_and_without_the_waiting_list_refuses_in_vietnamese(client_hr, make_person, roster):
    people = [make_person(unit="H01X1") for _ in range(3)]

    response = client_hr.post(f"/ke-hoach/lop/{roster.course.code}/de-cu/", {"person": [p.code for p in people]})

    assert response.status_code == 200
    assert "chỉ còn 2 chỗ cho 3 người" in response.content.decode()
    assert not Nomination.objects.exists()


def test_results_entered_on_the_roster_become_training_records(client_hr, make_person, roster, hr):
    people = [make_person(unit="H01X1") for _ in range(2)]
    nominate(roster=roster, persons=people, user=hr)
    first, second = Nomination.objects.order_by("position")

    bad = client_hr.post(
        f"/ke-hoach/lop/{roster.course.code}/ket-qua/",
        {f"result-{first.pk}": "hoan_thanh", f"completed_on-{first.pk}": "01/11/2025"},
    )
    assert bad.status_code == 200
    assert "trước ngày khai giảng lớp" in bad.content.decode()
    assert not TrainingRecord.objects.exists()

    good = client_hr.post(
        f"/ke-hoach/lop/{roster.course.code}/ket-qua/",
        {
            f"result-{first.pk}": "hoan_thanh",
            f"completed_on-{first.pk}": "07/11/2025",
            f"certificate-{first.pk}": "GCN-01",
            f"result-{second.pk}": "khong_dat",
        },
    )
    assert good.status_code == 302
    records = dict(TrainingRecord.objects.values_list("person__code", "result"))
    assert records == {people[0].code: "hoan_thanh", people[1].code: "khong_dat"}


def test_a_roster_file_with_errors_writes_nothing_and_names_row_column_value_and_reason(client_hr, make_person, roster):
    mine = make_person(unit="H01X1", code="CB-01")
    make_person(unit="H02X1", code="CB-DA")
    content = "Mã cán bộ,Kết quả,Ngày hoàn thành\nCB-01,Hoàn thành,31/02/2025\nCB-DA,,\nCB-XX,,\n".encode()

    response = _upload(client_hr, roster, content)

    text = response.content.decode()
    assert "Dòng 2, cột “Ngày hoàn thành”, giá trị “31/02/2025”: Ngày không có thật trên lịch." in text
    assert "Dòng 3, cột “Mã cán bộ”, giá trị “CB-DA”: Không tìm thấy cán bộ mã “CB-DA”" in text
    assert "Dòng 4, cột “Mã cán bộ”, giá trị “CB-XX”: Không tìm thấy cán bộ mã “CB-XX”" in text
    assert not Nomination.objects.exists()
    good = _upload(
        client_hr, roster, f"Mã cán bộ,Kết quả,Ngày hoàn thành\n{mine.code},Hoàn thành,07/11/2025\n".encode()
    )
    assert good.status_code == 302
    assert TrainingRecord.objects.get(person=mine).result == "hoan_thanh"


def _upload(client, roster, content: bytes, name: str = "ds.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/ke-hoach/lop/{roster.course.code}/nhap/", {"file": SimpleUploadedFile(name, content, "text/csv")}
    )


def test_submitting_a_plan_with_an_uncovered_gap_asks_for_confirmation_first(client_hr, units, make_person, hr):
    for _ in range(5):
        make_person(unit="H01X1")
    plan = create_plan(unit=units["H01X1"], year=2025, user=hr)
    add_planned_class(
        plan=plan, user=hr, course_type=CourseType.objects.get(code="phap_luat"), title="PL", places=1, quarter=4
    )

    warned = client_hr.post(f"/ke-hoach/{plan.pk}/trinh/")
    assert warned.status_code == 200
    assert "Chỉ tiêu CC-3 còn thiếu 4 người" in warned.content.decode()
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT

    confirmed = client_hr.post(f"/ke-hoach/{plan.pk}/trinh/", {"confirm_gaps": "on"})
    assert confirmed.status_code == 302
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


def test_planned_against_done_counts_approved_places_and_trained_people_rolled_up(
    client_hr, units, make_person, hr, roster
):
    plan = create_plan(unit=units["H01X1"], year=2025, user=hr)
    add_planned_class(
        plan=plan,
        user=hr,
        course_type=CourseType.objects.get(code="phap_luat"),
        title="PL",
        places=4,
        quarter=4,
        estimated_cost=12_000_000,
    )
    submit_plan(plan=plan, user=hr, confirm_gaps=True)
    review_plan(plan=plan, user=hr, approve=True)
    person = make_person(unit="H01X1")
    TrainingRecord.objects.create(person=person, course=roster.course, result="hoan_thanh")

    response = client_hr.get("/ke-hoach/thuc-hien/?unit=H01&year=2025")

    progress = response.context["progress"]
    assert (progress.total.planned, progress.total.trained, progress.total.planned_cost) == (4, 1, 12_000_000)
    ward = next(row for row in progress.children if row.unit.code == "H01X1")
    assert (ward.planned, ward.trained) == (4, 1)
    cc3 = next(row for row in progress.moved if row.code == "CC-3")
    assert (cc3.start.numerator, cc3.now.numerator, cc3.moved) == (0, 1, 1)
    assert client_hr.get("/ke-hoach/thuc-hien/xlsx/?unit=H01&year=2025").status_code == 200


def test_reminders_go_to_each_hr_officer_about_their_own_people_once_a_week(make_user, make_person, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    badinh = make_user("hr_badinh", role="hr", unit="H01", email="badinh@example.vn")
    donganh = make_user("hr_donganh", role="hr", unit="H02", email="donganh@example.vn")
    make_user("leader_badinh", role="leader", unit="H01", email="leader@example.vn")
    make_person(unit="H01X1", full_name="Trần Văn Mình", code="CB-MINE")
    make_person(unit="H02X1", full_name="Lê Văn Khác", code="CB-THEIRS")

    call_command("send_reminders", stdout=io.StringIO())

    sent = {message.to[0]: message.body for message in mail.outbox}
    assert set(sent) == {"badinh@example.vn", "donganh@example.vn"}
    assert "CB-MINE" in sent["badinh@example.vn"]
    assert "CB-THEIRS" not in sent["badinh@example.vn"]
    assert "CB-THEIRS" in sent["donganh@example.vn"]
    assert "CB-MINE" not in sent["donganh@example.vn"]
    assert "Còn 41 ngày đến hết năm." in sent["badinh@example.vn"]
    assert set(ReminderLog.objects.values_list("user", flat=True)) == {badinh.pk, donganh.pk}

    with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):  # Sunday, the same week
        call_command("send_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 2
    with time_machine.travel(NOW + datetime.timedelta(days=4), tick=False):  # Monday: a new week
        call_command("send_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 4


def test_the_reminders_page_shows_classes_starting_soon_with_empty_places(client_hr, make_course, units, hr):
    course = make_course(
        "phap_luat", code="PL-SAP", start_date=datetime.date(2025, 11, 27), end_date=datetime.date(2025, 11, 28)
    )
    open_roster(course=course, unit=units["H01"], capacity=10, user=hr)

    text = client_hr.get("/ke-hoach/nhac-viec/").content.decode()

    assert "PL-SAP" in text
    assert "còn 10 chỗ" in text


@pytest.mark.parametrize("url", ["/ke-hoach/nhu-cau/?year=2025", "/ke-hoach/lop/PL-LOP/", "/ke-hoach/thuc-hien/"])
def test_a_planning_page_runs_as_many_queries_for_many_people_as_for_few(
    client_hr, make_person, roster, hr, url, django_assert_num_queries
):
    roster.capacity = 100
    roster.save()
    nominate(roster=roster, persons=[make_person(unit="H01X1") for _ in range(2)], user=hr)
    client_hr.get(url)  # warm the caches (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert client_hr.get(url).status_code == 200
    nominate(roster=roster, persons=[make_person(unit="H01X2") for _ in range(20)], user=hr)
    with django_assert_num_queries(len(few.captured_queries)):
        client_hr.get(url)


def test_a_roster_xlsx_file_nominates_beyond_the_places_onto_the_waiting_list(client_hr, make_person, roster):
    people = [make_person(unit="H01X1", code=f"CB-X{i}") for i in range(3)]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã cán bộ", "Kết quả", "Ngày hoàn thành", "Số chứng chỉ"])
    for person in people:
        sheet.append([person.code, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)

    response = _upload(client_hr, roster, buffer.getvalue(), name="ds.xlsx")

    assert response.status_code == 302
    statuses = list(roster.nominations.order_by("position").values_list("status", flat=True))
    assert statuses == [NominationStatus.SEATED, NominationStatus.SEATED, NominationStatus.WAITING]


def test_the_planning_pages_speak_english_when_the_user_chose_english(client_hr, make_person, roster, settings):
    make_person(unit="H01X1")
    client_hr.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    text = client_hr.get("/ke-hoach/nhu-cau/?year=2025").content.decode()

    assert "Persons needing training" in text
    assert "Still to train to meet the target" in text


def test_a_ward_drafts_a_plan_on_the_pages_and_the_district_returns_it_with_a_comment(client, make_user, hr):
    ward = make_user("hr_ward", role="hr", unit="H01X1")
    client.force_login(ward)
    created = client.post("/ke-hoach/them/", {"unit": "H01X1", "year": "2025"})
    plan = TrainingPlan.objects.get(unit__code="H01X1", year=2025)
    assert created.url == f"/ke-hoach/{plan.pk}/"
    cc3 = plan.programme.indicators.get(code="CC-3").pk
    row = {"title": "Lớp kỹ năng", "places": "30", "quarter": "2", "estimated_cost": "40000000", "indicator": cc3}

    wrong = client.post(f"/ke-hoach/{plan.pk}/lop/them/", {**row, "course_type": "ky_nang_cong_vu"})
    assert wrong.status_code == 200
    assert "không giúp đạt chỉ tiêu CC-3" in wrong.content.decode()
    assert not plan.classes.exists()
    assert client.post(f"/ke-hoach/{plan.pk}/lop/them/", {**row, "course_type": "phap_luat"}).status_code == 302
    assert client.post(f"/ke-hoach/{plan.pk}/trinh/", {"confirm_gaps": "on"}).status_code == 302
    assert client.post(f"/ke-hoach/{plan.pk}/duyet/", {"decision": "approve"}).status_code == 302
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED  # a ward does not approve its own plan

    client.force_login(hr)
    client.post(f"/ke-hoach/{plan.pk}/duyet/", {"decision": "return", "comment": "Thiếu lớp kỹ năng"})
    page = client.get(f"/ke-hoach/{plan.pk}/").content.decode()
    assert "Thiếu lớp kỹ năng" in page
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.RETURNED
    assert "40.000.000" in page or "40,000,000" in page


def test_an_approved_plans_class_is_carried_out_by_opening_a_roster_from_the_plan(client_hr, units, make_course, hr):
    plan = create_plan(unit=units["H01X1"], year=2025, user=hr)
    planned = add_planned_class(
        plan=plan, user=hr, course_type=CourseType.objects.get(code="phap_luat"), title="PL", places=100, quarter=4
    )
    submit_plan(plan=plan, user=hr, confirm_gaps=True)
    review_plan(plan=plan, user=hr, approve=True)
    make_course("phap_luat", code="PL-KH", start_date=datetime.date(2025, 12, 1), end_date=datetime.date(2025, 12, 5))

    assert f"/ke-hoach/lop/mo/?planned_class={planned.pk}" in client_hr.get(f"/ke-hoach/{plan.pk}/").content.decode()
    form = client_hr.get(f"/ke-hoach/lop/mo/?planned_class={planned.pk}").context["form"]
    assert form.initial["planned_class"] == planned.pk
    opened = client_hr.post(
        "/ke-hoach/lop/mo/", {"course": "PL-KH", "unit": "H01X1", "capacity": "30", "planned_class": planned.pk}
    )
    assert opened.status_code == 302
    assert "PL-KH" in client_hr.get(f"/ke-hoach/{plan.pk}/").content.decode()

"""A person's rows read in one query (hr.person_rows): the same rows as the ORM reads, and the page's panel,
job position and warnings worked out from them equal to the engine's reading of the database."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from hr.person_rows import read_person_rows
from hr.views import indicator_panel_context
from personnel.job_positions import JobPosition, JobPositionCourse
from personnel.models import Appointment, Assignment, Person, Qualification
from personnel.services import save_person
from targets import years as target_years
from targets.compliance import person_appointments
from targets.models import Indicator, Programme
from training.job_positions import still_required
from training.levels import levels_from_rows
from training.models import TrainingRecord

D = datetime.date


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.fixture
def busy(make_person, make_course, complete, qualify, appoint):
    """Return a person with a bit of everything: records (one expiring soon, one failed), dated and undated
    qualifications, appointments, a job position with its courses and a level, a transfer, deletions in the history."""
    person = make_person(category="cong_chuc", full_name="Trần Thị Bình", birth_date=D(1975, 3, 4))
    position = JobPosition.objects.create(code="VT-R", name="Vị trí đọc", min_state_management=2)
    JobPositionCourse.objects.create(position=position, course_type_id="nd171_ky_nang_so", every_years=2)
    JobPositionCourse.objects.create(position=position, course_type_id="phap_luat")
    Assignment.objects.filter(person=person).update(job_position=position)
    complete(person, make_course("nd171_ky_nang_so", start_date=D(2024, 12, 1), end_date=D(2024, 12, 20)))
    complete(person, make_course("phap_luat", "khac", year=2023), on=D(2023, 7, 2))
    complete(person, make_course("tieu_chuan_ngach", year=2022, grants=("quan_ly_nha_nuoc", 1)))
    complete(person, make_course("ngoai_ngu", year=2025), result="khong_hoan_thanh")
    qualify(person, "ngoai_ngu", 3, D(2012, 5, 1))
    qualify(person, "chuyen_mon", 4, None)
    gone = qualify(person, "ly_luan_chinh_tri", 2, D(2020, 1, 1))
    gone.delete()
    appoint(person, "ngach", D(2021, 4, 1))
    appoint(person, "chuc_vu", D(2026, 2, 1), title="Phó trưởng phòng")
    person.position_title = "Chuyên viên chính"
    person.btv_managed = True
    save_person(person=person)
    programme = Programme.objects.default()
    Indicator.objects.create(
        programme=programme, code="SO-R", group="CC", name="Kỹ năng số", kind="recurring", target=80,
        categories=["cong_chuc"], course_types=["nd171_ky_nang_so"], recurring_years=2, warning_days=90,
    )  # fmt: skip
    return Person.objects.select_related("unit").get(pk=person.pk)


def test_the_rows_are_read_in_one_query_and_equal_what_the_orm_reads(busy):
    with CaptureQueriesContext(connection) as queries:
        rows = read_person_rows(busy)
    assert len(queries) == 1
    # by kind, the undated (held before records began) first, then by date
    assert [fields(q) for q in rows.qualifications] == [
        fields(q)
        for q in Qualification.objects.filter(person=busy).order_by(
            "kind", F("obtained_on").asc(nulls_first=True), "level"
        )
    ]
    read = {r.pk: r for r in TrainingRecord.objects.filter(person=busy).with_counted_date().select_related("course")}
    assert {r.pk: (fields(r), r.counted_on, fields(r.course)) for r in rows.records} == {
        pk: (fields(r), r.counted_on, fields(r.course)) for pk, r in read.items()
    }
    assert [r.counted_on for r in rows.records] == sorted((r.counted_on for r in read.values()), reverse=True)
    assert {r.pk: [t.code for t in r.course.types.all()] for r in rows.records} == {
        pk: [t.code for t in r.course.types.all()] for pk, r in read.items()
    }
    assert [fields(a) for a in rows.appointments] == [
        fields(a) for a in Appointment.objects.filter(person=busy).order_by("appointed_on", "pk")
    ]
    assert [(fields(a), fields(a.unit), fields(a.job_position)) for a in rows.assignments] == [
        (fields(a), fields(a.unit), fields(a.job_position))
        for a in Assignment.objects.filter(person=busy).select_related("unit", "job_position").order_by("-pk")
    ]
    for model, history in rows.history:
        key = "id" if model is Person else "person_id"
        expected = model.history.filter(**{key: busy.pk}).select_related("history_user")
        assert [(fields(h), h.history_user_id) for h in history] == [
            (fields(h), h.history_user_id) for h in expected.order_by("-history_date", "-history_id")
        ]
    assert any(h.history_type == "-" for _model, history in rows.history for h in history)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_panel_from_the_rows_equals_the_engines_reading(busy, year):
    programme = Programme.objects.default()
    years = target_years.selectable_years(programme)
    rows = read_person_rows(busy)
    appointments = person_appointments(programme, busy, year=year, read=rows.appointments)
    from_rows = indicator_panel_context(programme, busy, year, years, rows=rows, appointments=appointments)
    from_database = indicator_panel_context(programme, busy, year, years)
    assert from_rows["statuses"] == from_database["statuses"]
    assert any(status.missing for status in from_rows["statuses"])
    if year == 2026:
        assert any(status.expires_on for status in from_rows["statuses"])


def test_the_job_position_from_the_rows_equals_its_reading_of_the_database(busy):
    today = datetime.date(2026, 11, 26)
    rows = read_person_rows(busy)
    levels = levels_from_rows(busy, rows.qualifications, rows.records, today)
    from_rows = still_required(
        busy, today, rows.assignments, requirements=rows.requirements, records=rows.records, levels=levels
    )
    from_database = still_required(busy, today)
    assert from_rows == from_database
    assert from_rows["missing"] >= 1
    assert any(row["met"] for row in from_rows["courses"])

"""The one upsert of training records (training.upsert): the class recorder, the API's bulk endpoint and the
``ket_qua`` import write the same rows and the same history for the same input."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from api.bulk import upsert_training_records
from core.concurrency import StaleRecords
from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from training.models import TrainingRecord
from training.services import record_class
from training.upsert import upsert_records

D = datetime.date
DONE_ON = D(2025, 7, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def scene(make_person, make_course):
    """A course; a person with a record in progress, one with no record, one already recorded as the input says."""
    course = make_course("phap_luat", year=2025)
    persons = [make_person(unit="H01X1") for _ in range(3)]
    return course, persons


def stored_before(course, persons) -> None:
    TrainingRecord.objects.all().delete()
    TrainingRecord.history.all().delete()
    TrainingRecord.objects.create(person=persons[0], course=course, result="dang_hoc")
    TrainingRecord.objects.create(
        person=persons[2], course=course, result="hoan_thanh", completed_on=DONE_ON, certificate_number="CC-1"
    )


def written(course) -> tuple[list, list]:
    """Return the records and their history rows, without ids, dates and reasons (each entry point has its own)."""
    records = sorted(
        TrainingRecord.objects.filter(course=course).values_list(
            "person__code", "result", "completed_on", "certificate_number", "version"
        )
    )
    history = list(
        TrainingRecord.history.order_by("person_id", "history_id").values_list(
            "person_id", "history_type", "result", "completed_on", "certificate_number", "version", "history_user_id"
        )
    )
    return records, history


def by_class(course, persons, user):
    done = record_class(
        course=course,
        persons=persons,
        result="hoan_thanh",
        completed_on=DONE_ON,
        user=user,
        certificates={person.code: "CC-1" for person in persons},
    )
    return done.created, done.updated, done.unchanged


def by_api(course, persons, user):
    items = [
        {"person": p.code, "course": course.code, "result": "hoan_thanh", "completed_on": "2025-07-01"}
        | {"certificate_number": "CC-1"}
        for p in persons
    ]
    summary = upsert_training_records(items=items, user=user).summary()
    return summary["created"], summary["updated"], summary["unchanged"]


def by_import(course, persons, user):
    rows = [
        {
            "Mã cán bộ": p.code,
            "Mã khóa học": course.code,
            "Kết quả": "hoan_thanh",
            "Ngày hoàn thành": "01/07/2025",
            "Số chứng chỉ": "CC-1",
        }
        for p in persons
    ]
    content = csv_bytes(template_rows("ket_qua", rows))
    outcome = run_import(kind="ket_qua", file_name="ket_qua.csv", content=content, dry_run=False, user=user)
    assert outcome.ok, outcome.errors
    return outcome.new, outcome.updated, outcome.unchanged


def test_the_three_entry_points_write_the_same_rows_and_history_for_the_same_input(scene, hr_user):
    course, persons = scene
    outcomes = {}
    for name, write in {"class": by_class, "api": by_api, "import": by_import}.items():
        stored_before(course, persons)
        counts = write(course, persons, hr_user)
        outcomes[name] = (counts, written(course))

    assert outcomes["class"] == outcomes["api"]
    assert outcomes["class"] == outcomes["import"]
    counts, (records, history) = outcomes["class"]
    assert counts == (1, 1, 1)
    assert [record[1:] for record in records] == [
        ("hoan_thanh", DONE_ON, "CC-1", 2),
        ("hoan_thanh", DONE_ON, "CC-1", 1),
        ("hoan_thanh", DONE_ON, "CC-1", 1),
    ]
    assert [row[1] for row in history] == ["+", "~", "+", "+"]
    assert history[1][-1] == hr_user.pk


def test_a_row_read_at_an_older_version_refuses_the_whole_write(scene, hr_user):
    course, persons = scene
    stored_before(course, persons)
    rows = [
        {"person_id": persons[0].pk, "course_id": course.pk, "result": "khong_dat", "version": 1},
        {"person_id": persons[1].pk, "course_id": course.pk, "result": "dang_hoc"},
    ]
    TrainingRecord.objects.filter(person=persons[0]).update(version=2)  # saved by someone else meanwhile

    with pytest.raises(StaleRecords), transaction.atomic():
        upsert_records(rows=rows, user=hr_user, reason="test")

    assert TrainingRecord.objects.count() == 2
    assert TrainingRecord.objects.get(person=persons[0]).result == "dang_hoc"


def test_a_field_a_row_leaves_out_keeps_its_stored_value(scene, hr_user):
    course, persons = scene
    stored_before(course, persons)

    done = upsert_records(
        rows=[{"person_id": persons[2].pk, "course_id": course.pk, "certificate_number": "CC-2"}],
        user=hr_user,
        reason="x",
    )

    record = TrainingRecord.objects.get(person=persons[2])
    assert done.statuses == ["updated"]
    assert (record.result, record.completed_on, record.certificate_number, record.version) == (
        "hoan_thanh",
        DONE_ON,
        "CC-2",
        2,
    )


def test_the_lock_signal_is_sent_once_with_the_written_records_only(scene, hr_user):
    from training.signals import records_writing

    course, persons = scene
    stored_before(course, persons)
    calls = []

    def listen(sender, **kwargs):
        calls.append(kwargs)

    records_writing.connect(listen, sender=TrainingRecord, dispatch_uid="test_upsert_listen")
    try:
        by_class(course, persons, hr_user)
    finally:
        records_writing.disconnect(dispatch_uid="test_upsert_listen", sender=TrainingRecord)

    assert len(calls) == 1
    # The new record and the changed one as written, then the changed one as stored (from its course's end).
    assert calls[0]["person_ids"] == [persons[1].pk, persons[0].pk, persons[0].pk]
    assert calls[0]["dates"] == [DONE_ON, DONE_ON, course.end_date]


def test_a_receiver_refusing_the_write_leaves_nothing_written(scene, hr_user):
    from training.signals import records_writing

    course, persons = scene
    stored_before(course, persons)

    def refuse(sender, **kwargs):
        raise ValidationError("năm đã duyệt")

    records_writing.connect(refuse, sender=TrainingRecord, dispatch_uid="test_upsert_refuse")
    try:
        with pytest.raises(ValidationError), transaction.atomic():
            by_class(course, persons, hr_user)
    finally:
        records_writing.disconnect(dispatch_uid="test_upsert_refuse", sender=TrainingRecord)

    assert TrainingRecord.objects.count() == 2
    assert not TrainingRecord.objects.filter(person=persons[1]).exists()

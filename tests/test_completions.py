"""The summary of completions (targets.compliance.completions): kept by PostgreSQL's triggers through any
sequence of writes equal to the summary recomputed from the records, and the engine reading it counts what
the engine folding the records counts."""

import datetime

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personnel.models import Qualification
from targets.compliance import completions
from targets.compliance.counters import PersonCounter
from targets.models import IndicatorKind
from training.models import Course, TrainingRecord

D = datetime.date
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the summary is kept by PostgreSQL triggers; SQLite folds the records"
)


def test_every_date_has_its_place_in_a_keys_block_in_date_order_above_the_undated():
    days = [D(1, 1, 1), D(1999, 12, 31), D(2000, 1, 1), D(2025, 6, 30), D(9999, 12, 31)]
    places = [completions.offset(day) for day in days]
    assert places == sorted(places)
    assert places[0] > 0  # 0: a qualification without a date
    assert places[-1] < completions.BLOCK


def summary() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT person_id, completed::text FROM {completions.TABLE} ORDER BY person_id")  # noqa: S608 (a module constant; no value)
        return dict(cursor.fetchall())


def rebuilt() -> dict[int, str]:
    """Return the summary recomputed from the records and qualifications (the kept one is put back after)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            completions.rebuild(cursor)
        found = summary()
        transaction.set_rollback(True)
    return found


TYPES = ["phap_luat", "ky_nang_cong_vu", "cap_nhat_kien_thuc", "chuyen_mon", "chuc_danh_nghe_nghiep"]
DAYS = st.dates(D(2019, 1, 1), D(2026, 12, 31))
WRITE = st.one_of(
    st.tuples(st.just("record"), st.integers(0, 3), st.integers(0, 3), st.sampled_from(["hoan_thanh", "khong_dat"]),
              st.none() | DAYS),
    st.tuples(st.just("unrecord"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("redate_records"), st.integers(0, 3), st.none() | DAYS),
    st.tuples(st.just("course_end"), st.integers(0, 3), DAYS),
    st.tuples(st.just("course_grants"), st.integers(0, 3), st.none() | st.tuples(
        st.sampled_from(["chuyen_mon", "ngoai_ngu"]), st.integers(0, 6))),
    st.tuples(st.just("course_type"), st.integers(0, 3), st.sampled_from(TYPES), st.booleans()),
    st.tuples(st.just("qualify"), st.integers(0, 3), st.sampled_from(["chuyen_mon", "ngoai_ngu"]), st.integers(0, 6),
              st.none() | DAYS),
    st.tuples(st.just("unqualify"), st.integers(0, 3)),
)  # fmt: skip


def apply(write, persons, courses) -> None:
    """Make one write, through the ORM as the application would (single rows, bulk updates, many-to-many)."""
    kind, *args = write
    if kind == "record":
        person, course, result, day = persons[args[0]], courses[args[1]], args[2], args[3]
        TrainingRecord.objects.update_or_create(
            person=person, course=course,
            defaults={"result": result, "completed_on": day if result == "hoan_thanh" else None},
        )  # fmt: skip
    elif kind == "unrecord":
        TrainingRecord.objects.filter(person=persons[args[0]], course=courses[args[1]]).delete()
    elif kind == "redate_records":
        TrainingRecord.objects.filter(course=courses[args[0]], result="hoan_thanh").update(completed_on=args[1])
    elif kind == "course_end":
        Course.objects.filter(pk=courses[args[0]].pk).update(end_date=args[1], start_date=args[1])
    elif kind == "course_grants":
        grants = args[1] or (None, None)
        Course.objects.filter(pk=courses[args[0]].pk).update(grants_kind=grants[0], grants_level=grants[1])
    elif kind == "course_type":
        course, code, add = courses[args[0]], args[1], args[2]
        (course.types.add if add else course.types.remove)(code)
    elif kind == "qualify":
        Qualification.objects.get_or_create(person=persons[args[0]], kind=args[1], level=args[2], obtained_on=args[3])
    elif kind == "unqualify":
        Qualification.objects.filter(
            pk__in=Qualification.objects.filter(person=persons[args[0]]).values("pk")[:1]
        ).delete()


@postgresql_only
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(WRITE, min_size=1, max_size=12))
def test_the_kept_summary_equals_the_summary_recomputed_after_any_writes(
    programme, units, make_person, make_course, writes
):
    with transaction.atomic():
        persons = [make_person(unit=unit) for unit in ("H01X1", "H01X2", "H02X1", "SNV")]
        courses = [
            make_course("phap_luat", year=2024),
            make_course("ky_nang_cong_vu", "dao_duc_cong_vu", year=2025),
            make_course("chuyen_mon", year=2025, grants=("chuyen_mon", 5)),
            make_course("chuc_danh_nghe_nghiep", year=2021),
        ]
        for write in writes:
            apply(write, persons, courses)
            assert summary() == rebuilt(), write
        # And the engine reading the summary counts what the engine folding the records counts.
        indicators = [i for i in programme.indicators.all() if i.kind != IndicatorKind.APPOINTMENT]
        for at in (D(2024, 12, 31), D(2025, 12, 31)):
            read, folded = PersonCounter(indicators, at.year, at), PersonCounter(indicators, at.year, at)
            read.use_completions, folded.use_completions = True, False
            assert read.count(units["HN"]) == folded.count(units["HN"]), at
        transaction.set_rollback(True)


@postgresql_only
def test_emptying_the_records_empties_the_summary(db, make_person, make_course):
    TrainingRecord.objects.create(person=make_person(), course=make_course("phap_luat"), result="hoan_thanh")
    assert summary()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks: TRUNCATE refuses them
        cursor.execute(f"TRUNCATE {TrainingRecord._meta.db_table} CASCADE")
    assert summary() == {}

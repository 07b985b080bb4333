"""Fresh figures after small changes: a change to a few persons updates the stored figures of their units
and of the units above them, equal to evaluating the whole city; a change to what every unit depends on
evaluates the whole city again."""

import datetime
import random
import re
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from personnel.models import Appointment, OrgUnit, Person, Qualification
from personnel.services import rebuild_unit_paths, save_person
from reports import freshness, triggers
from reports.models import DirtyUnit, PendingUnit, StoredFigures
from targets import compliance
from targets.models import Indicator
from training.models import Course, TrainingRecord
from training.services import record_class

pytestmark = pytest.mark.usefixtures("figures_in_request")

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime.datetime(2025, 11, 20, 9, 30, tzinfo=HANOI)
CATEGORIES = ["cong_chuc", "can_bo", "cong_chuc_xa", "can_bo_xa", "vien_chuc"]
COURSE_TYPES = [
    "phap_luat",
    "dao_duc_cong_vu",
    "ky_nang_cong_vu",
    "chuyen_mon",
    "cap_nhat_kien_thuc",
    "tieu_chuan_ngach",
    "lanh_dao_quan_ly",
    "chuc_danh_nghe_nghiep",
    "dao_duc_nghe_nghiep",
    "hdnd",
]
RESULTS = ["hoan_thanh", "hoan_thanh", "khong_dat", "dang_hoc"]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def city(units, make_person, make_course, complete, qualify, appoint):
    """Return a random little city: persons of every category in every unit, with courses, levels, appointments."""
    rng = random.Random(2025)
    courses = [make_course(kind, year=year) for kind in COURSE_TYPES for year in (2024, 2025)]
    persons = []
    for index in range(16):
        person = make_person(
            full_name=f"Người Số {index}",
            unit=rng.choice(sorted(units)),
            category=rng.choice(CATEGORIES),
            btv_managed=rng.random() < 0.3,
            deputy_term=rng.choice(["", "", "2021-2026"]),
            leadership_level=rng.randint(0, 3),
            education_level=rng.randint(0, 5),
            political_level=rng.randint(0, 3),
            field_suited=rng.random() < 0.5,
            birth_date=datetime.date(rng.randint(1965, 2000), rng.randint(1, 12), 1),
        )
        for course in rng.sample(courses, 5):
            complete(person, course, result=rng.choice(RESULTS))
        if rng.random() < 0.4:
            qualify(person, rng.choice(["chuyen_mon", "ly_luan_chinh_tri", "ngoai_ngu"]), rng.randint(1, 4))
        if rng.random() < 0.4:
            appoint(person, rng.choice(["ngach", "chuc_vu"]), datetime.date(2024, rng.randint(1, 12), 1))
        persons.append(person)
    return {"rng": rng, "persons": persons, "courses": courses, "units": units}


def stored_reports(programme, root, year) -> dict[int, compliance.UnitReport]:
    """Return the report of every unit as stored (read back through the dashboard's own reading)."""
    reports = {}
    for unit in OrgUnit.objects.subtree(root):
        figures = freshness.load_figures(programme, unit, year=year)
        assert figures.main.current
        reports[unit.pk] = figures.report
    return reports


def assert_stored_as_evaluated(programme, root, year):
    rows = StoredFigures.objects.filter(programme=programme, root_id=root.pk, year=year)
    assert rows.count() == OrgUnit.objects.subtree(root).count()
    assert rows.values("run").distinct().count() == 1
    assert stored_reports(programme, root, year) == compliance.evaluate_subtree(programme, root, year=year)
    indicators = freshness.programme_indicators(programme)
    year, at = compliance.evaluation_date(programme, year=year)
    direct = compliance.direct_counts(programme, indicators, root, year, at)
    for row in StoredFigures.objects.filter(programme=programme, root_id=root.pk, year=year):
        expected = {code: [n, d] for code, (n, d) in direct.get(row.unit_id, {}).items() if d}
        assert row.direct == expected, row.unit_code


def refreshed(programme, root, year) -> freshness.YearFigures:
    result = freshness.refresh(programme, root.pk, year)
    assert result is not None
    return result


# ---------------------------------------------------------------------------------------------
# Noting the units a change touches


def test_every_table_behind_the_figures_has_its_triggers(db):
    assert triggers.expected() <= triggers.installed(connection)
    models = {
        "personnel_person": Person,
        "personnel_qualification": Qualification,
        "personnel_appointment": Appointment,
        "training_trainingrecord": TrainingRecord,
        "personnel_orgunit": OrgUnit,
        "training_course": Course,
        "targets_indicator": Indicator,
    }
    for table, model in models.items():
        assert table in triggers.tables()
        assert model._meta.db_table == table
    assert Course._meta.get_field("types").remote_field.through._meta.db_table in triggers.tables()
    assert DirtyUnit._meta.db_table == triggers.DIRTY


def noted_units() -> set:
    """Return the units the noted changes name (persons resolved to their unit; None: every unit)."""
    units = set()
    for unit_id, person_id in DirtyUnit.objects.values_list("unit_id", "person_id"):
        if person_id is not None:
            unit_id = Person.objects.get(pk=person_id).unit_id
        units.add(unit_id)
    return units


def test_a_change_is_noted_in_its_own_transaction_and_not_if_it_rolls_back(units, make_person, make_course):
    person = make_person(unit="H01X1")
    course = make_course("phap_luat")
    DirtyUnit.objects.all().delete()
    seen_inside = []

    def write_then_fail():
        with transaction.atomic():
            TrainingRecord.objects.create(person=person, course=course, result="hoan_thanh")
            seen_inside.append(noted_units())
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        write_then_fail()
    assert seen_inside == [{units["H01X1"].pk}]
    assert not DirtyUnit.objects.exists()


def test_moving_a_person_notes_the_unit_left_and_the_unit_joined(units, make_person):
    person = make_person(unit="H01X1")
    DirtyUnit.objects.all().delete()
    person.unit = units["H02X1"]
    save_person(person=person)
    assert noted_units() == {units["H01X1"].pk, units["H02X1"].pk}


def test_a_write_without_history_or_django_is_noted(units, make_person, make_course, complete):
    record = complete(make_person(unit="H02"), make_course("phap_luat"))
    DirtyUnit.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE training_trainingrecord SET result = 'khong_dat' WHERE id = %s", [record.pk])
    assert noted_units() == {units["H02"].pk}


def test_a_change_to_courses_units_or_indicators_notes_every_unit(units, programme, make_course):
    for change in (
        lambda: make_course("phap_luat"),
        lambda: Course.objects.update(end_date=datetime.date(2025, 7, 1)),
        lambda: Course.objects.first().types.add("hdnd"),
        lambda: OrgUnit.objects.filter(code="H01").update(level="huyen"),
        lambda: Indicator.objects.filter(programme=programme, code="CC-3").update(target=90),
    ):
        DirtyUnit.objects.all().delete()
        change()
        assert noted_units() == {None}


def test_a_statement_that_writes_no_row_notes_nothing(units):
    DirtyUnit.objects.all().delete()
    Course.objects.filter(pk=-1).update(end_date=datetime.date(2025, 7, 1))
    Person.objects.filter(pk=-1).update(field_suited=True)
    assert not DirtyUnit.objects.exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL keeps its triggers through migrations")
def test_sqlite_drops_the_triggers_while_migrating_and_notes_every_unit_after(units):
    triggers.drop_before_migrate(sender=None, using="default")
    assert not triggers.installed(connection)
    DirtyUnit.objects.all().delete()
    triggers.install_after_migrate(sender=None, using="default")
    assert triggers.expected() == triggers.installed(connection)
    assert noted_units() == {None}


# ---------------------------------------------------------------------------------------------
# Updating unit by unit, equal to evaluating the whole city


def change_something(kind: str, city) -> None:
    rng, persons, courses, units = city["rng"], city["persons"], city["courses"], city["units"]
    person = Person.objects.get(pk=rng.choice(persons).pk)
    records = list(TrainingRecord.objects.filter(person=person))
    if kind == "new record":
        taken = {record.course_id for record in records}
        course = rng.choice([course for course in courses if course.pk not in taken])
        TrainingRecord.objects.create(person=person, course=course, result="hoan_thanh")
    elif kind == "changed result" and records:
        record = rng.choice(records)
        record.result = "khong_dat" if record.result == "hoan_thanh" else "hoan_thanh"
        record.save()
    elif kind == "deleted record" and records:
        rng.choice(records).delete()
    elif kind == "person moved":
        person.unit = units[rng.choice(sorted(code for code in units if units[code].pk != person.unit_id))]
        save_person(person=person)
    elif kind == "category changed":
        person.category = rng.choice([c for c in CATEGORIES if c != person.category])
        save_person(person=person)
    elif kind == "qualification added":
        Qualification.objects.create(
            person=person,
            kind="chuyen_mon",
            level=rng.randint(2, 6),
            obtained_on=datetime.date(2025, 3, rng.randint(1, 28)),
        )
    elif kind == "appointment added":
        Appointment.objects.create(
            person=person,
            kind=rng.choice(["ngach", "chuc_vu"]),
            appointed_on=datetime.date(2025, 5, rng.randint(1, 28)),
        )
    elif kind == "left the service":
        Person.objects.filter(pk=person.pk).update(end_date=datetime.date(2025, 2, 1))  # no history, no save()
    elif kind == "new person":
        Person.objects.create(
            code=f"MOI-{rng.randint(0, 10**9)}", full_name="Người Mới", birth_date=datetime.date(1990, 1, 1),
            unit=units[rng.choice(sorted(units))], category=rng.choice(CATEGORIES),
        )  # fmt: skip


KINDS = [
    "new record",
    "changed result",
    "deleted record",
    "person moved",
    "category changed",
    "qualification added",
    "appointment added",
    "left the service",
    "new person",
]


@pytest.mark.parametrize("year", [2025, 2024])
def test_random_small_changes_update_the_stored_figures_as_a_whole_evaluation_would(programme, city, year):
    root = city["units"]["HN"]
    first = refreshed(programme, root, year)
    assert not first.updated
    assert_stored_as_evaluated(programme, root, year)
    for round_ in range(3):
        for kind in city["rng"].sample(KINDS, len(KINDS)):
            change_something(kind, city)
            result = refreshed(programme, root, year)
            assert result.updated, (round_, kind)
            assert result.current
            assert_stored_as_evaluated(programme, root, year)
    # Several changes at once, in several units
    for kind in KINDS:
        change_something(kind, city)
    assert refreshed(programme, root, year).updated
    assert_stored_as_evaluated(programme, root, year)


def test_an_update_keeps_one_run_under_a_new_token(programme, city):
    root = city["units"]["HN"]
    before = refreshed(programme, root, 2025).run
    change_something("new record", city)
    after = refreshed(programme, root, 2025).run
    assert after != before  # pages cache their drawings per run
    assert set(StoredFigures.objects.values_list("run", flat=True)) == {after}
    assert not PendingUnit.objects.exists()
    assert not DirtyUnit.objects.filter(collected=False).exists()


def test_every_year_of_the_dashboard_is_told_of_a_change(programme, city):
    root = city["units"]["HN"]
    for year in (2024, 2025):
        refreshed(programme, root, year)
    change_something("new record", city)
    change_something("person moved", city)
    for year in (2025, 2024):
        assert refreshed(programme, root, year).updated
        assert_stored_as_evaluated(programme, root, year)


@pytest.mark.parametrize(
    "change",
    [
        "new course",
        "course dates",
        "course types",
        "indicator target",
        "unit renamed",
    ],
)
def test_a_change_every_unit_depends_on_evaluates_the_whole_city(programme, city, make_course, change):
    root = city["units"]["HN"]
    refreshed(programme, root, 2025)
    change_something("new record", city)
    course = city["courses"][0]
    if change == "new course":
        make_course("phap_luat", year=2025)
    elif change == "course dates":
        Course.objects.filter(pk=course.pk).update(end_date=datetime.date(2025, 1, 31))  # no history: triggers see it
    elif change == "course types":
        course.types.add("ky_nang_cong_vu")
    elif change == "indicator target":
        indicator = Indicator.objects.get(programme=programme, code="CC-3")
        indicator.target = 95
        indicator.save()
        programme._cached_indicators = None  # a new request reads the programme afresh
    elif change == "unit renamed":
        unit = city["units"]["H01X1"]
        unit.name = "UBND phường mới"
        unit.save()
    result = refreshed(programme, root, 2025)
    assert not result.updated
    assert_stored_as_evaluated(programme, root, 2025)


def test_a_new_day_evaluates_the_current_year_whole_and_keeps_updating_past_years(programme, city, clock):
    root = city["units"]["HN"]
    refreshed(programme, root, 2025)
    refreshed(programme, root, 2024)
    clock.move_to(datetime.datetime(2025, 11, 21, 8, 0, tzinfo=HANOI))
    change_something("new record", city)
    assert not refreshed(programme, root, 2025).updated  # T moved to 21/11
    assert refreshed(programme, root, 2024).updated  # T stays 31/12/2024
    assert_stored_as_evaluated(programme, root, 2025)
    assert_stored_as_evaluated(programme, root, 2024)


@pytest.mark.parametrize("limit", ["MAX_UNITS_UPDATED", "MAX_PERSONS_UPDATED"])
def test_changes_in_too_many_units_or_persons_evaluate_the_whole_city(programme, city, monkeypatch, limit):
    root = city["units"]["HN"]
    refreshed(programme, root, 2025)
    units = city["units"]
    for code in ("H01X1", "H02X1"):
        Person.objects.create(code=f"MOI-{code}", full_name="Người Mới", birth_date=datetime.date(1990, 1, 1),
                              unit=units[code], category="cong_chuc_xa")  # fmt: skip
    in_them = Person.objects.filter(unit__code__in=["H01X1", "H02X1"]).count()
    monkeypatch.setattr(freshness.refreshing, limit, 1 if limit == "MAX_UNITS_UPDATED" else in_them - 1)
    assert not refreshed(programme, root, 2025).updated
    assert_stored_as_evaluated(programme, root, 2025)


def test_changes_within_the_limits_are_updated(programme, city, monkeypatch):
    root = city["units"]["HN"]
    refreshed(programme, root, 2025)
    units = city["units"]
    for code in ("H01X1", "H02X1"):
        Person.objects.create(code=f"MOI-{code}", full_name="Người Mới", birth_date=datetime.date(1990, 1, 1),
                              unit=units[code], category="cong_chuc_xa")  # fmt: skip
    monkeypatch.setattr(freshness.refreshing, "MAX_UNITS_UPDATED", 2)
    monkeypatch.setattr(
        freshness.refreshing, "MAX_PERSONS_UPDATED", Person.objects.filter(unit__code__in=["H01X1", "H02X1"]).count()
    )
    assert refreshed(programme, root, 2025).updated
    assert_stored_as_evaluated(programme, root, 2025)


def test_a_change_in_another_tree_leaves_this_trees_figures_alone(programme, city, make_person, complete):
    other = OrgUnit.objects.create(code="HCM", name="Thành phố khác", level="thanh_pho")
    rebuild_unit_paths()
    other.refresh_from_db()
    hanoi = city["units"]["HN"]
    for root in (hanoi, other):
        refreshed(programme, root, 2025)
    stranger = make_person(unit=other, category="cong_chuc")
    complete(stranger, city["courses"][0])
    before = {row.unit_id: row.figures for row in StoredFigures.objects.filter(root_id=hanoi.pk)}
    assert refreshed(programme, hanoi, 2025).updated
    assert {row.unit_id: row.figures for row in StoredFigures.objects.filter(root_id=hanoi.pk)} == before
    assert refreshed(programme, other, 2025).updated
    for root in (hanoi, other):
        assert_stored_as_evaluated(programme, root, 2025)


def test_an_import_is_taken_in_unit_by_unit(programme, city, tmp_path):
    root = city["units"]["HN"]
    refreshed(programme, root, 2025)
    person, course = city["persons"][0], city["courses"][-1]
    TrainingRecord.objects.filter(person=person, course=course).delete()
    sheet = tmp_path / "ket_qua.csv"
    sheet.write_text(
        f"Mã cán bộ,Mã khóa học,Kết quả,Ngày hoàn thành,Số chứng chỉ\n{person.code},{course.code},Hoàn thành,,CC-9\n",
        encoding="utf-8",
    )
    call_command("import_data", "ket_qua", str(sheet))
    assert refreshed(programme, root, 2025).updated
    assert_stored_as_evaluated(programme, root, 2025)


def test_an_update_overtaken_by_another_refresh_writes_nothing_and_keeps_its_units(programme, city, monkeypatch):
    root = city["units"]["HN"]
    run = refreshed(programme, root, 2025).run
    change_something("new record", city)
    apply = freshness._apply

    def overtaken(*args, **kwargs):
        written = apply(*args, **kwargs)
        StoredFigures.objects.filter(run=run).update(run="someone-else")  # as if another refresh replaced it
        return written

    monkeypatch.setattr(freshness.refreshing, "_apply", overtaken)
    assert freshness.refresh(programme, root.pk, 2025) is None
    assert set(StoredFigures.objects.values_list("run", flat=True)) == {run}  # all rolled back
    assert PendingUnit.objects.exists()
    monkeypatch.setattr(freshness.refreshing, "_apply", apply)
    assert refreshed(programme, root, 2025).updated
    assert_stored_as_evaluated(programme, root, 2025)


def test_an_update_whose_run_is_deleted_between_its_reads_gives_way(programme, city, monkeypatch):
    root = city["units"]["HN"]
    run = refreshed(programme, root, 2025).run
    change_something("new record", city)
    path_ids = freshness.refreshing._path_ids

    def deleted_meanwhile(path):
        StoredFigures.objects.filter(run=run).delete()  # as another server's whole evaluation would
        return path_ids(path)

    monkeypatch.setattr(freshness.refreshing, "_path_ids", deleted_meanwhile)
    assert freshness.refresh(programme, root.pk, 2025) is None
    assert set(StoredFigures.objects.values_list("run", flat=True)) == {run}  # all rolled back
    assert PendingUnit.objects.exists()


# ---------------------------------------------------------------------------------------------
# On the dashboard


@pytest.fixture
def leader_client(client, make_user):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    return client


def cc3_numerator(client) -> int:
    html = client.get(reverse("reports:dashboard")).content.decode()
    row = re.search(r'data-code="CC-3">(.*?)</tr>', html, re.S).group(1)
    return int(re.search(r'class="numerator">(\d+)<', row).group(1))


def test_the_dashboard_shows_a_record_hr_just_entered_at_the_next_request_even_when_the_city_takes_long(
    leader_client, programme, units, make_person, make_course, make_user, complete, settings
):
    settings.REPORTS_SYNC_SECONDS = 1.0  # the default
    hr = make_user("nhansu", role="hr", unit="H01")
    course = make_course("phap_luat", year=2025)
    an, binh = make_person(unit="H01X1"), make_person(unit="H01")
    complete(an, course)
    assert cc3_numerator(leader_client) == 1
    StoredFigures.objects.update(duration=3.0)  # as at city scale: a whole evaluation does not fit in a request
    record_class(course=course, persons=[binh], result="hoan_thanh", completed_on=None, user=hr)
    assert cc3_numerator(leader_client) == 2  # updated in the request
    assert not PendingUnit.objects.exists()
    make_course("ky_nang_cong_vu", year=2025)  # every unit: the whole city, after the response
    record_class(course=course, persons=[make_person(unit="H01")], result="hoan_thanh", completed_on=None, user=hr)
    html = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert "đang cập nhật theo dữ liệu mới" in html
    assert cc3_numerator(leader_client) == 3


# ---------------------------------------------------------------------------------------------
# Transactions committing out of order (PostgreSQL: ids are handed out before commits)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time: no overlapping commits")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_after_a_later_one_reaches_the_figures(programme, units, make_person, make_course):
    course = make_course("phap_luat", year=2025)
    early, late = make_person(unit="H01X1"), make_person(unit="H02X1")
    root = units["HN"]
    refreshed(programme, root, 2025)
    written, finish = threading.Event(), threading.Event()

    def early_writer():
        try:
            with transaction.atomic():
                TrainingRecord.objects.create(person=early, course=course, result="hoan_thanh")
                written.set()
                finish.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=early_writer)
    writer.start()
    assert written.wait(10)
    TrainingRecord.objects.create(person=late, course=course, result="hoan_thanh")  # later ids, committed first
    assert refreshed(programme, root, 2025).updated
    assert freshness.load_figures(programme, root, year=2025).report.by_code()["CC-3"].numerator == 1
    finish.set()
    writer.join(10)
    assert refreshed(programme, root, 2025).updated
    assert freshness.load_figures(programme, root, year=2025).report.by_code()["CC-3"].numerator == 2
    assert_stored_as_evaluated(programme, root, 2025)


# ---------------------------------------------------------------------------------------------
# The benchmark's figure


def test_the_benchmark_times_the_refresh_after_one_record_and_finds_it_exact(db, programme):
    from bench import engine
    from bench.seed import seed

    seed(scale=0.002)
    root = OrgUnit.objects.roots().order_by("code").first()
    before = TrainingRecord.objects.count()
    timing = engine.incremental(programme.code, root, runs=2, say=lambda message: None)
    assert len(timing.runs) == 2
    assert timing.note == "2 of 2 updated unit by unit; equal to a whole evaluation: yes"
    assert TrainingRecord.objects.count() == before  # the records it added are gone again

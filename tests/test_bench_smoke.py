"""The benchmark's seeder at a tiny scale: the data it loads is data the product itself would hold.

On PostgreSQL the seeder copies with COPY, elsewhere it inserts rows; both paths run here, inside the
test's transaction, over the test database.
"""

import datetime
import re
from collections import defaultdict

import pytest
from django.db.models import Count
from django.utils import timezone

from bench.seed import plan_for, seed
from core.text import fold
from personnel.history import Stretch, check_stretches, refresh_heirs
from personnel.models import Appointment, Assignment, OrgUnit, Person, Qualification, UnitSuccession
from personnel.services import rebuild_unit_paths, save_person
from targets.compliance import evaluate_subtree
from training.models import Course, TrainingRecord

SCALE = 0.002
COMMUNE_CATEGORIES = {"can_bo_xa", "cong_chuc_xa", "khong_chuyen_trach"}


@pytest.fixture
def seeded(db):
    """Return the result of seeding the test database at a tiny scale."""
    return seed(scale=SCALE)


def test_the_seeder_builds_a_three_level_tree_whose_paths_follow_the_parent_links(seeded):
    plan = plan_for(SCALE)
    assert OrgUnit.objects.count() == plan.units == seeded.counts["unit"]
    assert rebuild_unit_paths() == 0  # the product's own computation changes nothing
    root = OrgUnit.objects.get(code="HN")
    assert (root.path, root.depth, root.level, root.parent_id) == (f"{root.pk}/", 0, "thanh_pho", None)
    by_depth = dict(OrgUnit.objects.values_list("depth").annotate(n=Count("pk")))
    first_level = plan.departments + plan.merged_departments + plan.districts + plan.new_communes
    assert by_depth == {0: 1, 1: first_level, 2: plan.communes}
    communes = OrgUnit.objects.filter(depth=2).select_related("parent")
    assert {(unit.level, unit.parent.level) for unit in communes} == {("xa", "huyen")}


def test_the_tree_is_hanoi_s_real_one_until_30_june_2025_and_the_units_of_1_july_2025_after(seeded):
    plan = plan_for(SCALE)
    before = OrgUnit.objects.open_at(datetime.date(2025, 6, 30))
    assert before.filter(level="huyen").count() == plan.districts == 2
    assert OrgUnit.objects.get(code="H001").name == "UBND Quận Ba Đình"
    assert before.filter(level="xa").count() == plan.communes
    assert OrgUnit.objects.subtree(OrgUnit.objects.get(code="H001")).count() == 1 + 13  # Ba Đình and its wards
    today = OrgUnit.objects.open_today()
    assert not today.filter(level="huyen").exists()
    assert today.filter(level="xa", parent__code="HN").count() == plan.new_communes > 0
    assert OrgUnit.objects.get(code="X00097-2025").name == "UBND Phường Hồng Hà"
    closed = OrgUnit.objects.filter(closed_on__isnull=False)
    assert closed.exclude(level="thanh_pho").count() == plan.districts + plan.communes
    for unit in closed:
        links = list(UnitSuccession.objects.filter(predecessor=unit).select_related("successor"))
        assert sum(link.is_primary for link in links) == 1, unit
        assert all(link.successor.is_open_at(unit.closed_on) for link in links), unit


def test_seeded_people_have_a_valid_history_through_the_reorganisation(seeded):
    units = {unit.pk: unit for unit in OrgUnit.objects.all()}
    by_person = defaultdict(list)
    for assignment in Assignment.objects.in_order():
        by_person[assignment.person_id].append(assignment)
    persons = list(Person.objects.all())
    assert {person.pk for person in persons} == set(by_person)
    transferred = 0
    for person in persons:
        assignments = by_person[person.pk]
        stretches = [
            Stretch(unit=units[a.unit_id], category=a.category, start_date=a.start_date, end_date=a.end_date)
            for a in assignments
        ]
        assert check_stretches(stretches) == [], person
        latest = assignments[-1]
        assert (person.unit_id, person.start_date, person.end_date) == (
            latest.unit_id,
            assignments[0].start_date,
            latest.end_date,
        )
        transferred += any(a.start_date < datetime.date(2025, 3, 1) for a in assignments[1:])
        if person.category == "khong_chuyen_trach":
            assert person.end_date <= datetime.date(2025, 8, 1)
    assert 0.25 <= transferred / len(persons) <= 0.42
    before = Assignment.objects.covering(datetime.date(2025, 6, 30)).filter(unit__level__in=["xa", "huyen"])
    assert before.count() > 100
    assert not before.exclude(end_date=datetime.date(2025, 7, 1)).exclude(end_date__lt=datetime.date(2025, 7, 1))
    moved = before.filter(person__assignments__start_date=datetime.date(2025, 7, 1))
    assert (
        moved.count()
        == before.filter(end_date=datetime.date(2025, 7, 1)).exclude(person__end_date=datetime.date(2025, 7, 1)).count()
    )
    # The heir units were written as the product computes them.
    assert refresh_heirs() == 0


def test_seeded_persons_carry_the_name_keys_the_product_computes(seeded):
    persons = list(Person.objects.select_related("unit"))
    assert len(persons) == plan_for(SCALE).persons
    for person in persons:
        expected = Person(full_name=person.full_name, code=person.code)
        expected.refresh_name_keys()
        assert (person.family_name, person.middle_name, person.given_name, person.sort_key, person.search_text) == (
            expected.family_name,
            expected.middle_name,
            expected.given_name,
            expected.sort_key,
            expected.search_text,
        )
        assert person.citizen_id is None or re.fullmatch(r"\d{12}", person.citizen_id)
        assert (person.category in COMMUNE_CATEGORIES) <= (person.unit.level == "xa")
        assert datetime.date(1965, 1, 1) <= person.birth_date < datetime.date(2001, 1, 1)
        assert person.end_date is None or person.end_date > person.start_date


def test_a_person_search_finds_a_seeded_name_written_without_accents(seeded):
    person = Person.objects.order_by("pk")[7]
    assert person.full_name != fold(person.full_name)  # the name has accents; the query has none
    assert person in Person.objects.search(fold(person.full_name))
    assert person in Person.objects.search(person.code.lower())


def test_seeded_records_keep_the_rules_the_database_and_the_importer_enforce(seeded):
    today = timezone.localdate()
    records = TrainingRecord.objects.select_related("course")
    assert 5 <= records.count() / Person.objects.count() <= 15  # about ten training records a person
    assert not records.exclude(result="hoan_thanh").filter(completed_on__isnull=False).exists()
    assert not records.filter(result="hoan_thanh", course__end_date__gt=today).exists()
    assert not records.filter(completed_on__gt=today).exists()
    assert not Course.objects.filter(types=None).exists()
    assert Course.objects.filter(grants_kind__isnull=False).exists()
    assert Qualification.objects.exists()
    assert set(Appointment.objects.values_list("appointed_on__year", flat=True)) <= {2021, 2022, 2023, 2024, 2025}


def test_the_engine_evaluates_every_seeded_unit(seeded, programme):
    root = OrgUnit.objects.get(code="HN")
    reports = evaluate_subtree(programme, root, year=2025)
    assert len(reports) == OrgUnit.objects.open_at(datetime.date(2025, 12, 31)).count()
    then = evaluate_subtree(programme, root, year=2024, view="then")
    assert len(then) == OrgUnit.objects.open_at(datetime.date(2024, 12, 31)).count()
    today = evaluate_subtree(programme, root, year=2024, view="today")
    assert {code: (r.numerator, r.denominator) for code, r in then[root.pk].by_code().items()} == {
        code: (r.numerator, r.denominator) for code, r in today[root.pk].by_code().items()
    }
    figures = reports[root.pk].by_code()
    civil_servants = Person.objects.employed_at(datetime.date(2025, 12, 31)).filter(
        category__in=["can_bo", "cong_chuc"]
    )
    assert figures["CC-3"].denominator == civil_servants.count() > 0
    assert 0 < figures["CC-3"].numerator < figures["CC-3"].denominator
    assert figures["VC-3"].numerator > 0
    assert figures["CC-1"].denominator > 0  # appointments of 2021–2025 are counted


def test_the_product_adds_rows_after_the_seeded_ones(seeded, make_course):
    unit = OrgUnit.objects.get(code="X00097-2025")
    person = save_person(
        person=Person(
            code="NEW-1",
            full_name="Đặng Thị Mai",
            birth_date=datetime.date(1990, 5, 1),
            unit=unit,
            category="cong_chuc",
        )
    )
    course = make_course("phap_luat", year=2025)
    record = TrainingRecord.objects.create(person=person, course=course, result="hoan_thanh")
    assert person.pk > max(Person.objects.exclude(pk=person.pk).values_list("pk", flat=True))
    assert record.pk > max(TrainingRecord.objects.exclude(pk=record.pk).values_list("pk", flat=True))


def test_the_same_seed_gives_the_same_data_whichever_process_makes_a_chunk():
    from bench.seed import Generator

    today = datetime.date(2026, 6, 30)
    first, second = Generator(plan_for(SCALE), 2025, today=today), Generator(plan_for(SCALE), 2025, today=today)
    assert first.chunk(0) == second.chunk(0)
    assert first.chunk(0) != Generator(plan_for(SCALE), 2026, today=today).chunk(0)


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:5432/postgres",
        "postgres://postgres@127.0.0.1:5432/test",
        "postgres://postgres@127.0.0.1:5432/test_alice",
        "postgres://postgres@127.0.0.1:5432/template1",
        "sqlite:///bench.sqlite3",
    ],
)
def test_the_benchmark_refuses_a_database_it_must_not_drop(url):
    from bench import database

    with pytest.raises(database.DatabaseError):
        database.check_name(database.database_name(url))

"""Properties of the two views on random histories (organisation-history.md): each person is counted once in
each view, the city's figures are the same in both, the SQL counters agree with their ORM twins, and stored
figures brought up to date after random changes equal a whole evaluation, in both views."""

import datetime
import itertools
import random

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personnel import history
from personnel.models import Assignment, OrgUnit, Person, UnitSuccession
from personnel.services import rebuild_unit_paths
from reports import freshness
from reports.models import StoredFigures
from targets import compliance
from targets.models import Indicator, IndicatorKind
from training.models import TrainingRecord

D = datetime.date
REORGANISED = D(2025, 7, 1)
NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
CATEGORIES = ["can_bo", "cong_chuc", "can_bo_xa", "cong_chuc_xa", "vien_chuc", "khac"]
EVERYONE = Indicator(code="ALL-PEOPLE", kind="status", target=50)  # no filters: its denominator counts people


@pytest.fixture
def reorganised(db, programme, make_course):
    """Return the units of a city whose districts and wards closed on 1 July 2025 (the spec's worked
    example, with one more district), and eight courses."""
    specs = [
        ("HN", None, "thanh_pho", None, None),
        ("S", "HN", "thanh_pho", None, None),
        ("D1", "HN", "huyen", None, REORGANISED),
        ("A", "D1", "xa", None, REORGANISED),
        ("B", "D1", "xa", None, REORGANISED),
        ("D2", "HN", "huyen", None, REORGANISED),
        ("C", "D2", "xa", None, REORGANISED),
        ("N1", "HN", "xa", REORGANISED, None),
        ("N2", "HN", "xa", REORGANISED, None),
    ]
    made = {}
    for code, parent, level, opened, closed in specs:
        made[code] = OrgUnit.objects.create(
            code=code, name=f"Đơn vị {code}", parent=made.get(parent), level=level, opened_on=opened, closed_on=closed
        )
    rebuild_unit_paths()
    for old, successors in {"A": ["N1"], "B": ["N1", "N2"], "C": ["N2"], "D1": ["N1"], "D2": ["N2"]}.items():
        for order, new in enumerate(successors):
            UnitSuccession.objects.create(
                predecessor=made[old], successor=made[new], is_primary=order == 0, order=order
            )
    courses = [
        make_course(kind, year=year, code=f"K-{kind}-{year}")
        for kind in ("phap_luat", "ky_nang_cong_vu", "cap_nhat_kien_thuc", "chuyen_mon")
        for year in (2023, 2025)
    ]
    return {code: OrgUnit.objects.get(pk=unit.pk) for code, unit in made.items()}, courses


OLD_UNITS, NEW_UNITS = ["S", "D1", "A", "B", "D2", "C"], ["S", "N1", "N2"]


def random_history(rng: random.Random) -> list[tuple[str, D | None, D | None]]:
    """Return (unit code, from, until) stretches of one person: units open over each, no overlap, a move on
    1 July 2025 for anyone still there."""
    start = rng.choice([None, D(2019, 3, 1), D(2022, 6, 1), D(2024, 2, 1)])
    cuts = sorted({D(rng.randint(2020, 2026), rng.randint(1, 12), 1) for _ in range(rng.randint(0, 3))})
    cuts = [c for c in cuts if start is None or c > start]
    end = rng.choice([None, None, cuts.pop()] if cuts else [None])
    if (start is None or start < REORGANISED) and (end is None or end > REORGANISED) and REORGANISED not in cuts:
        cuts = sorted([*cuts, REORGANISED])
    bounds = [start, *cuts, end]
    stretches = []
    for begin, until in itertools.pairwise(bounds):
        units = OLD_UNITS if until is not None and until <= REORGANISED else NEW_UNITS
        if begin is not None and begin < REORGANISED < (until or D.max):
            units = ["S"]
        stretches.append((rng.choice(units), begin, until))
    return stretches


def fill(seed: int, units: dict, courses: list, persons: int = 25) -> list[Person]:
    """Write random persons with random histories and training records."""
    rng = random.Random(seed)
    made = []
    for n in range(persons):
        stretches = random_history(rng)
        first_unit = units[stretches[-1][0]]
        person = Person(
            code=f"R{seed % 1000:03d}{n:03d}",
            full_name="Trần Thị Bình",
            birth_date=D(rng.randint(1965, 2000), 1, 1),
            unit=first_unit,
            category=rng.choice(CATEGORIES),
            btv_managed=rng.random() < 0.3,
        )
        person.refresh_name_keys()
        person.save()
        history.replace_history(
            person=person,
            stretches=[
                history.Stretch(
                    unit=units[code],
                    category=rng.choice(CATEGORIES),
                    leadership_level=rng.choice([0, 0, 2]),
                    start_date=begin,
                    end_date=until,
                )
                for code, begin, until in stretches
            ],
        )
        for course in rng.sample(courses, rng.randint(0, 3)):
            TrainingRecord.objects.create(person=person, course=course, result="hoan_thanh")
        made.append(person)
    return made


def employed_at(at: D) -> int:
    return Assignment.objects.covering(at).values("person_id").distinct().count()


def indicators(programme) -> list[Indicator]:
    return [*programme.indicators.all(), EVERYONE]


def rolled_back(function):
    """Run ``function`` in a transaction that is rolled back (one hypothesis example leaves nothing behind)."""
    with transaction.atomic():
        function()
        transaction.set_rollback(True)


YEARS = [2023, 2024, 2025, 2026]
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_each_person_is_counted_once_in_each_view_and_the_city_is_the_same_in_both(reorganised, programme, seed):
    units, courses = reorganised
    everyone = [*programme.indicators.exclude(kind=IndicatorKind.APPOINTMENT), EVERYONE]

    def check():
        fill(seed, units, courses)
        with time_machine.travel(NOW, tick=False):
            for year in YEARS:
                at = min(D(year, 12, 31), D(2026, 11, 26))
                counts = {}
                for view in compliance.VIEWS:
                    direct = compliance.direct_counts(programme, everyone, units["HN"], year, at, view=view)
                    counted = sum(by_code.get("ALL-PEOPLE", (0, 0))[1] for by_code in direct.values())
                    assert counted == employed_at(at), (year, view)
                    counts[view] = compliance.evaluate(programme, units["HN"], year=year, view=view).indicators
                assert counts["then"] == counts["today"], year

    rolled_back(check)


@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_the_counters_agree_with_their_orm_twins_in_both_views(reorganised, programme, seed):
    units, courses = reorganised
    person_indicators = [*programme.indicators.exclude(kind=IndicatorKind.APPOINTMENT), EVERYONE]
    appointment_indicators = list(programme.indicators.filter(kind=IndicatorKind.APPOINTMENT))

    def check():
        people = fill(seed, units, courses, persons=15)
        rng = random.Random(seed)
        for person in rng.sample(people, 5):
            person.appointments.create(kind=rng.choice(["ngach", "chuc_vu"]), appointed_on=D(2023, 5, 1), title="CV")
        with time_machine.travel(NOW, tick=False):
            for year in (2023, 2025):
                at = D(year, 12, 31)
                for view in compliance.VIEWS:
                    for unit in (units["HN"], units["N1"]):
                        assert compliance.PersonCounter(person_indicators, year, at, view=view).count(
                            unit
                        ) == compliance.direct_counts_by_filters(person_indicators, unit, year, at, view), view
                        counted = compliance.AppointmentCounter(appointment_indicators, programme, at, view=view)
                        sql = {k: v for k, v in counted.count(unit).items() if any(d for _n, d in v.values())}
                        orm = compliance.direct_appointment_counts_by_filters(
                            programme, appointment_indicators, unit, at, view
                        )
                        assert sql == orm, view

    rolled_back(check)


def stored(programme, root, year, view) -> dict:
    """Return the stored figures of every unit, after the dashboard's request brought them up to date."""
    figures = freshness.load_figures(programme, root, year=year, view=view)
    rows = StoredFigures.objects.filter(run=figures.main.run)
    indicators = freshness.programme_indicators(programme)
    return {row.unit_id: freshness._report_from_row(programme, indicators, row).indicators for row in rows}


def whole(programme, root, year, view) -> dict:
    reports = compliance.evaluate_subtree(programme, root, year=year, view=view)
    return {pk: report.indicators for pk, report in reports.items()}


@pytest.mark.parametrize("view", compliance.VIEWS)
def test_stored_figures_after_random_changes_equal_a_whole_evaluation(reorganised, programme, view, settings):
    settings.REPORTS_SYNC_SECONDS = 60  # always brought up to date in the request
    units, courses = reorganised
    rng = random.Random(7)
    with time_machine.travel(NOW, tick=False):
        people = fill(11, units, courses)
        root = units["HN"]
        for year in (2024, 2025):
            freshness.refresh(programme, root.pk, year, force=True, whole=True, view=view)
        for step in range(8):
            person = rng.choice(people)
            change = step % 4
            if change == 0:
                TrainingRecord.objects.filter(person=person).delete()
            elif change == 1:
                TrainingRecord.objects.get_or_create(person=person, course=rng.choice(courses), result="hoan_thanh")
            elif change == 2:
                person.btv_managed = not person.btv_managed
                person.save()
            else:
                a = person.assignments.order_by("-start_date").first()
                a.category = rng.choice(CATEGORIES)
                a.save()
            for year in (2024, 2025):
                assert stored(programme, root, year, view) == whole(programme, root, year, view), (step, year)

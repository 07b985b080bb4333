"""The kinds of indicator added after 2025 (job position, recurring, by unit level) against hand-counted data,
and the SQL counter held equal to the ORM filters for them."""

import datetime
import random

import pytest
import time_machine

from personnel.job_positions import JobPosition, JobPositionCourse
from personnel.models import Assignment, OrgUnit, Person
from targets.compliance import PersonCounter, direct_counts_by_filters, evaluation_date, person_status, unmet
from targets.expiry import expiring
from targets.models import Indicator, Programme
from tests.test_compliance_counting import WHENS, random_city  # noqa: F401  (a fixture)

D = datetime.date
AT = D(2026, 6, 30)
SKILLS, STATE = "nd171_ky_nang_so", "nd171_quan_ly_nha_nuoc"


@pytest.fixture
def new_programme(db):
    return Programme.objects.create(
        code="HN-2026-2030", name="Chương trình 2026–2030", start_date=D(2026, 1, 1), end_date=D(2030, 12, 31)
    )


@pytest.fixture
def positions(db):
    first = JobPosition.objects.create(code="VT1", name="Chuyên viên chuyển đổi số", min_state_management=1)
    JobPositionCourse.objects.create(position=first, course_type_id=SKILLS, every_years=2)
    JobPositionCourse.objects.create(position=first, course_type_id=STATE, every_years=None)
    second = JobPosition.objects.create(code="VT2", name="Chuyên viên pháp chế", min_education=4)
    return {"VT1": first, "VT2": second}


def _place(person: Person, position: JobPosition | None) -> Person:
    Assignment.objects.filter(person=person).update(job_position=position)
    return person


@pytest.fixture
def hand_counted(units, make_person, make_course, complete, positions):
    """Six persons (A–F) whose standing at 30/06/2026 is counted by hand in each test."""
    skills_2024 = make_course(SKILLS, start_date=D(2024, 6, 1), end_date=D(2024, 6, 30))
    skills_2025 = make_course(SKILLS, start_date=D(2025, 2, 1), end_date=D(2025, 3, 1))
    skills_2026 = make_course(SKILLS, start_date=D(2026, 1, 5), end_date=D(2026, 1, 10))
    skills_edge = make_course(SKILLS, start_date=D(2024, 6, 1), end_date=D(2024, 7, 1))
    state_2015 = make_course(STATE, start_date=D(2015, 5, 1), end_date=D(2015, 5, 30))
    made = {
        "A": make_person(unit="H01X1", state_management_level=1, education_level=4),
        "B": make_person(unit="H01X1", state_management_level=1),
        "C": make_person(unit="H01X1", state_management_level=1),
        "D": make_person(unit="H01"),
        "E": make_person(unit="H01", education_level=4),
        "F": make_person(unit="H02X1"),
    }
    for name, position in zip("ABCDEF", ["VT1", "VT1", "VT1", "VT1", "VT2", None], strict=True):
        _place(made[name], positions.get(position))
    # A: skills 01/03/2025 (valid), state management once (2015), level held: meets VT1.
    complete(made["A"], skills_2025)
    complete(made["A"], state_2015)
    # B: skills completed 30/06/2024, expired on 30/06/2026 (two years later): misses VT1.
    complete(made["B"], skills_2024)
    complete(made["B"], state_2015)
    # C: skills valid but state management never done: misses VT1.
    complete(made["C"], skills_2025)
    # D: both courses, but no state-management level: misses VT1.
    complete(made["D"], skills_2026)
    complete(made["D"], state_2015)
    # F: no position; skills completed 01/07/2024, the first day of the two years up to T: still counts.
    complete(made["F"], skills_edge)
    return made


def _city_counts(indicators, at=AT):
    city = OrgUnit.objects.get(code="HN")
    by_filters = direct_counts_by_filters(indicators, city, at.year, at)
    assert PersonCounter(indicators, at.year, at).count(city) == by_filters
    totals = {}
    for by_code in by_filters.values():
        for code, (n, d) in by_code.items():
            totals[code] = (totals.get(code, (0, 0))[0] + n, totals.get(code, (0, 0))[1] + d)
    return totals


@time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_a_job_position_indicator_counts_who_meets_everything_their_position_requires(hand_counted):
    indicator = Indicator(code="VTVL", kind="job_position", target=80)
    # Population A–E (F has no position); met: A (VT1) and E (VT2, education 4).
    assert _city_counts([indicator]) == {"VTVL": (2, 5)}


@time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_a_recurring_indicator_counts_a_course_within_the_last_years_only(hand_counted):
    indicator = Indicator(code="SO", kind="recurring", target=80, course_types=[SKILLS], recurring_years=2)
    # Population A–F; met: A (2025), C (2025), D (2026), F (01/07/2024, the first valid day); B expired.
    assert _city_counts([indicator]) == {"SO": (4, 6)}
    # A year later only D's course of 2026 still counts.
    assert _city_counts([indicator], at=D(2027, 6, 30)) == {"SO": (1, 6)}


@time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_a_unit_level_indicator_counts_every_commune_level_unit(hand_counted):
    indicator = Indicator(code="XA", kind="status", target=50, unit_level="xa", min_education=4)
    # Communes: A, B, C (H01X1) and F (H02X1); A alone holds a university degree.
    assert _city_counts([indicator]) == {"XA": (1, 4)}


@time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_the_recurring_warning_lists_who_is_about_to_expire(hand_counted):
    indicator = Indicator(
        code="SO", kind="recurring", target=80, course_types=[SKILLS], recurring_years=2, warning_days=270
    )
    ids = {p.pk: name for name, p in hand_counted.items()}
    found = expiring(indicator, ids, AT)
    # A's course of 01/03/2025 ends 01/03/2027 (within 270 days of T), F's ends 01/07/2026; C's course
    # (01/03/2025 too) also; D's of 2026 is far; B's has already expired.
    assert {ids[pk]: on for pk, on in found.items()} == {
        "A": D(2027, 3, 1),
        "C": D(2027, 3, 1),
        "F": D(2026, 7, 1),
    }


@time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_the_unmet_list_and_the_person_page_agree_on_the_job_position_kind(hand_counted, new_programme):
    Indicator.objects.create(
        programme=new_programme, code="VTVL", group="VT", name="VTVL", kind="job_position", target=80
    )
    missing = unmet(new_programme, "VTVL", as_of=AT)
    assert {p.pk for p in missing} == {hand_counted[n].pk for n in "BCD"}
    status = person_status(new_programme, hand_counted["B"], as_of=AT)[0]
    assert (status.applies, status.met) == (True, False)
    assert status.missing


def test_the_counter_agrees_with_the_filters_for_the_new_kinds(random_city, positions, programme):  # noqa: F811
    rng = random.Random(2026)
    for name in ("phap_luat", "ngoai_ngu"):
        JobPositionCourse.objects.create(
            position=positions["VT2"], course_type_id=name, every_years=rng.choice([None, 3])
        )
    choices = [None, positions["VT1"], positions["VT2"]]
    for assignment in Assignment.objects.all():
        assignment.job_position = rng.choice(choices)
        assignment.save(update_fields=["job_position"])
    variants = [
        Indicator(code="VTVL", kind="job_position", target=80),
        Indicator(code="VTCC", kind="job_position", target=80, categories=["cong_chuc"], min_language=2),
        Indicator(code="R3", kind="recurring", target=80, course_types=["phap_luat", "ngoai_ngu"], recurring_years=3),
        Indicator(code="R1", kind="recurring", target=80, course_types=["chuyen_mon"], recurring_years=1,
                  course_match="all", unit_level="xa"),
    ]  # fmt: skip
    units = [OrgUnit.objects.get(code="HN"), OrgUnit.objects.get(code="H01")]
    met = 0
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        for when in WHENS:
            year, at = evaluation_date(programme, **when)
            for unit in units:
                expected = direct_counts_by_filters(variants, unit, year, at)
                met += sum(n for by_code in expected.values() for n, _ in by_code.values())
                assert PersonCounter(variants, year, at).count(unit) == expected, (when, unit.code)
    assert met > 0


@time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_the_drill_down_says_what_each_persons_position_still_requires(hand_counted, new_programme):
    from reports.lists import with_missing

    indicator = Indicator.objects.create(
        programme=new_programme, code="VTVL", group="VT", name="VTVL", kind="job_position", target=80
    )
    rows = with_missing(new_programme, indicator, unmet(new_programme, "VTVL", as_of=AT), year=2026, as_of=AT)
    by_name = {next(n for n, p in hand_counted.items() if p.pk == row.person.pk): row.missing for row in rows}
    assert by_name == {
        "B": ["vị trí Chuyên viên chuyển đổi số: khóa Kỹ năng số (NĐ 171) đã hết hạn ngày 30/06/2026"],
        "C": ["vị trí Chuyên viên chuyển đổi số: chưa có khóa Kiến thức quản lý nhà nước (NĐ 171)"],
        "D": ["vị trí Chuyên viên chuyển đổi số: chưa đạt quản lý nhà nước Chuyên viên"],
    }

"""The one-statement person counter agrees with the ORM filters that list unmet persons, on random data."""

import datetime
import random
from collections import defaultdict

import pytest
import time_machine

from personnel.models import OrgUnit, Person
from targets.compliance import (
    AppointmentCounter,
    PersonCounter,
    completions,
    direct_appointment_counts_by_filters,
    direct_counts_by_filters,
    evaluate_subtree,
    evaluate_subtree_years,
    evaluation_date,
)
from targets.models import Indicator, IndicatorKind

D = datetime.date
CATEGORIES = ["can_bo", "cong_chuc", "can_bo_xa", "cong_chuc_xa", "khong_chuyen_trach", "vien_chuc", "khac"]
TYPES = ["cap_nhat_kien_thuc", "phap_luat", "dao_duc_cong_vu", "ky_nang_cong_vu", "chuyen_mon",
         "dao_duc_nghe_nghiep", "chuc_danh_nghe_nghiep", "hdnd", "ngoai_ngu", "bang_cap"]  # fmt: skip


@pytest.fixture
def random_city(units, make_person, make_course, complete, qualify, appoint):
    """Return nothing; fill the unit tree with 120 random persons, courses, records and qualifications."""
    rng = random.Random(20251231)
    courses = []
    for n in range(40):
        year = rng.randint(2019, 2026)
        start = D(year, rng.randint(1, 12), rng.randint(1, 20))
        grants = rng.choice([None, None, ("ngoai_ngu", 3), ("chuyen_mon", 5), ("ly_luan_chinh_tri", 3)])
        types = rng.sample(TYPES, rng.randint(1, 2))
        courses.append(
            make_course(*types, start_date=start, end_date=start + datetime.timedelta(days=rng.randint(0, 60)),
                        grants=grants, code=f"R{n:03d}")
        )  # fmt: skip
    unit_codes = list(units)
    for _ in range(120):
        person = make_person(
            unit=rng.choice(unit_codes),
            category=rng.choice(CATEGORIES),
            birth_date=D(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)),
            leadership_level=rng.choice([0, 0, 1, 2, 3]),
            btv_managed=rng.random() < 0.2,
            btv_succession=rng.random() < 0.2,
            deputy_term=rng.choice(["", "", "2021-2026", "2016-2021"]),
            education_level=rng.randint(0, 6),
            political_level=rng.randint(0, 4),
            language_level=rng.randint(0, 4),
            field_suited=rng.random() < 0.6,
            start_date=rng.choice([None, D(2022, 3, 1), D(2010, 1, 1)]),
            end_date=rng.choice([None, None, None, D(2023, 6, 30), D(2025, 12, 31)]),
        )
        for course in rng.sample(courses, rng.randint(0, 6)):
            result = rng.choice(["hoan_thanh", "hoan_thanh", "hoan_thanh", "khong_dat", "dang_hoc"])
            on = course.end_date + datetime.timedelta(days=rng.randint(0, 40)) if rng.random() < 0.3 else None
            complete(person, course, result=result, on=on if result == "hoan_thanh" else None)
        for _ in range(rng.choice([0, 0, 1, 2])):
            appoint(person, rng.choice(["ngach", "chuc_vu"]), D(rng.randint(2020, 2026), rng.randint(1, 12), 15))
        if rng.random() < 0.3:
            qualify(person, rng.choice(["chuyen_mon", "ngoai_ngu", "ly_luan_chinh_tri"]), rng.randint(1, 6),
                    rng.choice([None, D(2022, 5, 1), D(2025, 3, 1)]))  # fmt: skip


WHENS = [
    {"year": 2021}, {"year": 2023}, {"year": 2025}, {"year": 2026}, {"as_of": D(2024, 7, 1)}, {"as_of": D(2021, 5, 23)},
]  # fmt: skip


def test_the_counter_agrees_with_the_filters_for_every_indicator(random_city, programme):
    # Variants an admin may configure: both course types required, several thresholds, no filters at all.
    variants = [
        Indicator(code="ALL", kind="annual", target=80, course_match="all",
                  course_types=["phap_luat", "dao_duc_cong_vu"], categories=["cong_chuc"]),
        Indicator(code="MIX", kind="status", target=50, min_education=4, min_language=3, min_political=2,
                  course_types=["ngoai_ngu"], max_age=45),
        Indicator(code="NONE", kind="status", target=50),
    ]  # fmt: skip
    indicators = [i for i in programme.indicators.all() if i.kind != IndicatorKind.APPOINTMENT] + variants
    units = [OrgUnit.objects.get(code="HN"), OrgUnit.objects.get(code="H01")]
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        for when in WHENS:
            year, at = evaluation_date(programme, **when)
            for unit in units:
                expected = direct_counts_by_filters(indicators, unit, year, at)
                assert sum(d for by_code in expected.values() for _, d in by_code.values()) > 0
                assert PersonCounter(indicators, year, at).count(unit) == expected, (when, unit.code)
            # Per person, the same statement adds up to the same unit figures.
            persons = list(Person.objects.in_unit(units[0]).values_list("pk", "unit_id"))
            by_person = PersonCounter(indicators, year, at).count_persons([pk for pk, _ in persons])
            summed = defaultdict(lambda: defaultdict(lambda: (0, 0)))
            for pk, unit_id in persons:
                for code, (n, d) in by_person.get(pk, {}).items():
                    summed[unit_id][code] = (summed[unit_id][code][0] + n, summed[unit_id][code][1] + d)
            assert summed == direct_counts_by_filters(indicators, units[0], year, at), when


def test_the_appointment_counter_agrees_with_the_filters(random_city, programme):
    variants = [
        Indicator(code="ALL", kind="appointment", target=100, course_match="all", categories=["cong_chuc", "can_bo"],
                  appointment_requirements={"chuc_vu": ["lanh_dao_quan_ly", "phap_luat"]}),
        Indicator(code="YOUNG", kind="appointment", target=100, max_age=40, min_leadership_level=1,
                  appointment_requirements={"ngach": ["tieu_chuan_ngach", "chuyen_mon"]}),
    ]  # fmt: skip
    indicators = [i for i in programme.indicators.all() if i.kind == IndicatorKind.APPOINTMENT] + variants
    assert AppointmentCounter.handles(indicators)
    met = 0
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        for when in WHENS:
            _year, at = evaluation_date(programme, **when)
            for code in ("HN", "H01"):
                unit = OrgUnit.objects.get(code=code)
                expected = direct_appointment_counts_by_filters(programme, indicators, unit, at)
                counted = AppointmentCounter(indicators, programme, at).count(unit)
                counted = {u: c for u, c in counted.items() if any(d for _, d in c.values())}
                assert counted == expected, (when, code)
                met += sum(n for by_code in expected.values() for n, _ in by_code.values())
    assert met > 0  # the data exercises both met and unmet appointments


def test_counting_several_periods_in_one_pass_gives_each_periods_own_figures(random_city, programme):
    person_indicators = [i for i in programme.indicators.all() if i.kind != IndicatorKind.APPOINTMENT]
    appointment_indicators = [i for i in programme.indicators.all() if i.kind == IndicatorKind.APPOINTMENT]
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        periods = [evaluation_date(programme, **when) for when in WHENS]
        for code in ("HN", "H01"):
            unit = OrgUnit.objects.get(code=code)
            together = PersonCounter(person_indicators, *periods[0], periods=periods).count_periods(unit)
            alone = [PersonCounter(person_indicators, year, at).count(unit) for year, at in periods]
            assert together == alone, code

            # Units whose appointments fall in another period's window only are listed with zeros: left out.
            counter = AppointmentCounter(appointment_indicators, programme, periods[0][1], periods=periods)
            together = [_applying(counts) for counts in counter.count_periods(unit)]
            alone = [
                _applying(AppointmentCounter(appointment_indicators, programme, at).count(unit)) for _y, at in periods
            ]
            assert together == alone, code


def test_the_programmes_years_evaluated_together_equal_each_year_evaluated_alone(
    random_city, programme, django_assert_num_queries
):
    years = [2021, 2022, 2023, 2024, 2025]
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        # the programme, its indicators, the root unit, the units, whether heir units are due, persons (one
        # query a year; one in all where the summary of completions is kept), appointments
        persons = 1 if completions.kept() else len(years)
        with django_assert_num_queries(5 + persons + 1):
            together = evaluate_subtree_years(programme.code, years=years)
        for year in years:
            assert together[year] == evaluate_subtree(programme.code, year=year), year


def _applying(counts: dict) -> dict:
    """Return the units' counts without the units where no indicator applies."""
    return {unit: by_code for unit, by_code in counts.items() if any(d for _n, d in by_code.values())}

"""Issue #14: from gap to action — needs, plans, nominations, rosters, results (services and selectors)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from planning.models import Nomination, NominationStatus, PlanStatus, Roster
from planning.selectors import need_indicators, training_needs
from planning.services import (
    GapsUncovered,
    ResultLine,
    ResultsRefused,
    add_planned_class,
    create_plan,
    enter_results,
    nominate,
    open_roster,
    review_plan,
    submit_plan,
    withdraw,
)
from reports.freshness import load_figures
from targets import compliance
from training.models import CourseType, TrainingRecord

NOW = datetime.datetime(2025, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hr(make_user):
    return make_user("hr_plans", role="hr", unit="H01")


@pytest.fixture
def hr_city(make_user):
    return make_user("hr_city", role="hr", unit="HN")


@pytest.fixture
def legal_course(make_course):
    return make_course(
        "phap_luat", code="PL-2025-11", start_date=datetime.date(2025, 11, 3), end_date=datetime.date(2025, 11, 7)
    )


@pytest.fixture
def roster(legal_course, units, hr):
    return open_roster(course=legal_course, unit=units["H01"], capacity=25, user=hr)


def test_the_needs_list_holds_exactly_the_persons_the_engine_lists_as_unmet(
    programme, units, make_person, make_course, complete
):
    people = [make_person(unit="H01X1" if i % 2 else "H01X2", full_name=f"Nguyễn Văn {chr(65 + i)}") for i in range(6)]
    make_person(unit="H02X1")  # another district
    make_person(unit="H01X1", category="vien_chuc")  # not in CC-3's population
    complete(people[0], make_course("phap_luat"))  # meets CC-3 this year
    complete(people[1], make_course("ky_nang_cong_vu"))  # meets CC-4 only

    for indicator in ("CC-3", "CC-4"):
        needs = training_needs(programme=programme, unit=units["H01"], year=2025, indicator=indicator)
        engine = set(compliance.unmet(programme, indicator, units["H01"], year=2025).values_list("pk", flat=True))
        assert {need.person.pk for need in needs.persons} == engine
        assert (
            needs.indicators[0].gap == compliance.evaluate(programme, units["H01"], year=2025).by_code()[indicator].gap
        )

    everything = training_needs(programme=programme, unit=units["H01"], year=2025)
    union = set()
    for indicator in need_indicators(programme):
        union |= set(compliance.unmet(programme, indicator, units["H01"], year=2025).values_list("pk", flat=True))
    assert {need.person.pk for need in everything.persons} == union
    by_type = {row.course_type.code: row.persons for row in everything.course_types}
    assert by_type["phap_luat"] == 5
    assert by_type["ky_nang_cong_vu"] == 5


def test_the_needs_list_reads_one_unmet_list_per_indicator_whatever_the_number_of_persons(
    programme, units, make_person, django_assert_max_num_queries
):
    for i in range(40):
        make_person(unit="H01X1", full_name=f"Trần Văn {i}")
    with django_assert_max_num_queries(40) as few:
        training_needs(programme=programme, unit=units["H01"], year=2025)
    for i in range(40):
        make_person(unit="H01X2", full_name=f"Lê Văn {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        training_needs(programme=programme, unit=units["H01"], year=2025)


def test_nominating_thirty_into_twenty_five_places_puts_five_on_the_waiting_list_in_order(make_person, roster, hr):
    people = [make_person(unit="H01X1", full_name=f"Phạm Văn {i:02d}") for i in range(30)]

    done = nominate(roster=roster, persons=people, user=hr)

    assert len(done.seated) == 25
    assert [n.person for n in done.waiting] == people[25:]
    assert list(roster.nominations.waiting().values_list("person", flat=True)) == [p.pk for p in people[25:]]
    assert roster.nominations.seated().count() == 25


def test_each_nomination_says_which_target_it_serves_and_what_the_person_misses(make_person, roster, hr):
    person = make_person(unit="H01X1")

    nominate(roster=roster, persons=[person], user=hr)

    nomination = Nomination.objects.get(person=person)
    assert nomination.indicator.code == "CC-3"
    assert (
        "CC-3: chưa có khóa cập nhật kiến thức pháp luật hoặc bồi dưỡng đạo đức công vụ năm 2025" in nomination.reason
    )


def test_withdrawing_a_seated_person_moves_the_first_waiting_person_up(make_person, roster, hr):
    people = [make_person(unit="H01X1") for _ in range(28)]
    nominate(roster=roster, persons=people, user=hr)

    moved = withdraw(nomination=Nomination.objects.get(person=people[3]), user=hr)

    assert moved.person == people[25]
    assert Nomination.objects.get(person=people[25]).status == NominationStatus.SEATED
    assert [n.person for n in roster.nominations.waiting()] == people[26:]
    assert roster.nominations.seated().count() == 25


def test_a_class_over_capacity_without_the_waiting_list_refuses_everyone_and_writes_nothing(make_person, roster, hr):
    people = [make_person(unit="H01X1") for _ in range(26)]

    with pytest.raises(ValidationError) as refused:
        nominate(roster=roster, persons=people, user=hr, waiting_list=False)

    assert "chỉ còn 25 chỗ cho 26 người" in str(refused.value)
    assert not Nomination.objects.exists()


def test_a_person_outside_the_scope_reads_exactly_like_an_unknown_code(make_person, roster, hr):
    theirs = make_person(unit="H02X1", code="CB-DA-01")
    mine = make_person(unit="H01X1")

    with pytest.raises(ValidationError) as outside:
        nominate(roster=roster, persons=[mine, theirs.code], user=hr)
    with pytest.raises(ValidationError) as unknown:
        nominate(roster=roster, persons=[mine, "CB-KHONG-CO"], user=hr)

    assert outside.value.message_dict["persons"] == ["Không tìm thấy cán bộ mã “CB-DA-01” trong phạm vi bạn quản lý."]
    assert unknown.value.message_dict["persons"] == [
        m.replace("CB-DA-01", "CB-KHONG-CO") for m in outside.value.message_dict["persons"]
    ]
    assert not Nomination.objects.exists()


def test_entering_a_rosters_results_creates_the_training_records_and_moves_the_dashboard(
    programme, units, make_person, roster, hr
):
    people = [make_person(unit="H01X1") for _ in range(3)]
    nominate(roster=roster, persons=people, user=hr)
    before = load_figures(programme, units["H01"], year=2025).report.by_code()["CC-3"]
    nominations = {n.person_id: n for n in roster.nominations.select_related("person")}
    lines = [
        ResultLine(nominations[people[0].pk], "hoan_thanh", datetime.date(2025, 11, 7), "CC-001"),
        ResultLine(nominations[people[1].pk], "hoan_thanh", None, "CC-002"),
        ResultLine(nominations[people[2].pk], "bo_hoc"),
    ]

    enter_results(roster=roster, lines=lines, user=hr)

    records = {r.person_id: r for r in TrainingRecord.objects.filter(course=roster.course)}
    assert (records[people[0].pk].result, records[people[0].pk].certificate_number) == ("hoan_thanh", "CC-001")
    assert records[people[2].pk].result == "bo_hoc"
    assert Nomination.objects.get(person=people[0]).record == records[people[0].pk]
    after = load_figures(programme, units["H01"], year=2025).report.by_code()["CC-3"]
    assert after.numerator == before.numerator + 2


def test_a_result_dated_before_the_class_is_refused_with_the_person_field_value_and_reason(make_person, roster, hr):
    person = make_person(unit="H01X1", code="CB-001")
    nominate(roster=roster, persons=[person], user=hr)
    nomination = roster.nominations.get()

    with pytest.raises(ResultsRefused) as refused:
        enter_results(roster=roster, lines=[ResultLine(nomination, "hoan_thanh", datetime.date(2025, 11, 1))], user=hr)

    assert refused.value.errors == [
        ("CB-001", "completed_on", "01/11/2025", "Ngày hoàn thành 01/11/2025 trước ngày khai giảng lớp (03/11/2025).")
    ]
    assert not TrainingRecord.objects.exists()


def test_a_waiting_person_gets_no_result(make_person, roster, hr):
    roster.capacity = 1
    roster.save()
    first, second = make_person(unit="H01X1"), make_person(unit="H01X1")
    nominate(roster=roster, persons=[first, second], user=hr)

    with pytest.raises(ResultsRefused):
        enter_results(roster=roster, lines=[ResultLine(roster.nominations.get(person=second), "hoan_thanh")], user=hr)

    assert not TrainingRecord.objects.exists()


# ---------------------------------------------------------------------------------------------
# Plans


def legal_type():
    return CourseType.objects.get(code="phap_luat")


def test_a_plan_that_leaves_a_gap_uncovered_warns_before_it_is_submitted(programme, units, make_person, hr):
    for _ in range(10):
        make_person(unit="H01X1")
    plan = create_plan(unit=units["H01X1"], year=2025, user=hr)
    add_planned_class(
        plan=plan,
        user=hr,
        course_type=legal_type(),
        title="Pháp luật",
        places=3,
        quarter=4,
        indicator=programme.indicators.get(code="CC-3"),
        estimated_cost=30_000_000,
    )

    with pytest.raises(GapsUncovered) as warned:
        submit_plan(plan=plan, user=hr)

    assert "Chỉ tiêu CC-3 còn thiếu 8 người nhưng kế hoạch chỉ có 3 chỗ" in str(warned.value)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    submit_plan(plan=plan, user=hr, confirm_gaps=True)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert "CC-3" in plan.gaps_confirmed


def test_a_returned_plan_cannot_be_carried_out_until_it_is_resubmitted_and_approved(
    programme, units, make_person, make_course, hr
):
    make_person(unit="H01X1")
    plan = create_plan(unit=units["H01X1"], year=2025, user=hr)
    planned = add_planned_class(plan=plan, user=hr, course_type=legal_type(), title="Pháp luật", places=5, quarter=4)
    submit_plan(plan=plan, user=hr, confirm_gaps=True)
    review_plan(plan=plan, user=hr, approve=False, comment="Bổ sung lớp kỹ năng")
    plan.refresh_from_db()
    assert (plan.status, plan.review_comment) == (PlanStatus.RETURNED, "Bổ sung lớp kỹ năng")
    course = make_course("phap_luat", start_date=datetime.date(2025, 12, 1), end_date=datetime.date(2025, 12, 5))

    with pytest.raises(ValidationError) as refused:
        open_roster(course=course, unit=units["H01X1"], capacity=5, user=hr, planned_class=planned)
    assert "Trả lại" in str(refused.value)
    assert not Roster.objects.exists()

    submit_plan(plan=plan, user=hr, confirm_gaps=True)
    review_plan(plan=plan, user=hr, approve=True)
    assert open_roster(course=course, unit=units["H01X1"], capacity=5, user=hr, planned_class=planned)


def test_only_the_level_above_reviews_a_plan_and_returning_needs_a_comment(units, make_user, hr):
    ward = make_user("hr_ward", role="hr", unit="H01X1")
    plan = create_plan(unit=units["H01X1"], year=2025, user=ward)
    add_planned_class(plan=plan, user=ward, course_type=legal_type(), title="Lớp", places=100, quarter=1)
    submit_plan(plan=plan, user=ward, confirm_gaps=True)

    with pytest.raises(ValidationError, match="Chỉ cấp trên"):
        review_plan(plan=plan, user=ward, approve=True)
    with pytest.raises(ValidationError, match="phải kèm ý kiến"):
        review_plan(plan=plan, user=hr, approve=False, comment=" ")
    other = make_user("hr_other", role="hr", unit="H02")
    with pytest.raises(PermissionDenied):
        review_plan(plan=plan, user=other, approve=True)
    assert review_plan(plan=plan, user=hr, approve=True).status == PlanStatus.APPROVED
    assert plan.history.count() >= 3


def test_a_second_plan_of_a_unit_and_year_or_roster_of_a_course_is_refused_in_the_databases_words(
    units, hr, roster, legal_course
):
    create_plan(unit=units["H01X1"], year=2026, user=hr)

    with pytest.raises(ValidationError) as plan_again:
        create_plan(unit=units["H01X1"], year=2026, user=hr)
    with pytest.raises(ValidationError) as roster_again:
        open_roster(course=legal_course, unit=units["H01X1"], capacity=5, user=hr)

    assert plan_again.value.message_dict == {"year": ["Đơn vị đã có kế hoạch của năm này."]}
    assert roster_again.value.message_dict == {"course": ["Khóa học này đã có danh sách lớp."]}
    assert Roster.objects.count() == 1

"""The compliance engine evaluates every indicator kind as section 4 of the programme spec says."""

import datetime

import pytest
import time_machine

from personnel.models import OrgUnit
from targets import compliance
from targets.models import Indicator, Programme

D = datetime.date


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def figures(programme, unit=None, **when):
    """Return {code: (numerator, denominator)} of a unit."""
    report = compliance.evaluate(programme, unit, **when)
    return {r.code: (r.numerator, r.denominator) for r in report.indicators}


# --- dates ---------------------------------------------------------------------------------


def test_evaluation_date_is_the_end_of_the_year_but_never_after_today(programme):
    assert compliance.evaluation_date(programme, year=2023) == (2023, D(2023, 12, 31))
    assert compliance.evaluation_date(programme, year=2026) == (2026, D(2026, 11, 26))
    assert compliance.evaluation_date(programme, as_of=D(2024, 6, 30)) == (2024, D(2024, 6, 30))


def test_without_a_year_the_programme_end_is_used(programme):
    assert compliance.evaluation_date(programme) == (2025, D(2025, 12, 31))


# --- population --------------------------------------------------------------------------------


def test_a_person_turning_40_on_the_evaluation_date_is_no_longer_under_40(programme, make_person):
    make_person(category="cong_chuc_xa", unit="H01X1", birth_date=D(1985, 12, 31), language_level=3)
    make_person(category="cong_chuc_xa", unit="H01X1", birth_date=D(1986, 1, 1), language_level=3)
    assert figures(programme, year=2025)["XA-3"] == (1, 1)


def test_a_person_born_on_29_february_is_40_on_28_february_of_a_common_year():
    assert compliance.birth_cutoff(D(2025, 2, 28), 40) == D(1985, 2, 28)
    assert compliance.birth_cutoff(D(2024, 2, 29), 40) == D(1984, 2, 29)
    assert compliance.birth_cutoff(D(2023, 2, 28), 41) == D(1982, 2, 28)


def test_people_who_left_or_start_later_are_not_counted(programme, make_person):
    make_person(category="vien_chuc", end_date=D(2025, 12, 31))  # leaves on T: not employed at T
    make_person(category="vien_chuc", end_date=D(2026, 1, 1))  # still there on T
    make_person(category="vien_chuc", start_date=D(2026, 1, 1))  # starts after T
    make_person(category="vien_chuc", start_date=D(2025, 12, 31))  # starts on T
    assert figures(programme, year=2025)["VC-1"][1] == 2


def test_population_filters_combine_category_unit_level_leadership_and_age(programme, make_person):
    young = D(1995, 5, 5)
    make_person(category="vien_chuc", unit="H01X1", leadership_level=1, birth_date=young)  # counted
    make_person(category="vien_chuc", unit="H01", leadership_level=1, birth_date=young)  # district unit
    make_person(category="vien_chuc", unit="H01X1", leadership_level=0, birth_date=young)  # no leadership
    make_person(category="cong_chuc", unit="H01X1", leadership_level=2, birth_date=young)  # category
    make_person(category="can_bo_xa", unit="H02X1", leadership_level=3, birth_date=D(1970, 1, 1))  # age
    assert figures(programme, year=2025)["XA-4"] == (0, 1)


def test_only_deputies_of_the_term_count_for_hdnd(programme, make_person):
    make_person(category="khac", deputy_term="2021-2026")
    make_person(category="khac", deputy_term="2016-2021")
    make_person(category="khac")
    assert figures(programme, year=2025)["HDND-1"][1] == 1


# --- qualifications ----------------------------------------------------------------------------


def test_a_qualification_counts_from_the_date_it_was_obtained(programme, make_person, qualify):
    person = make_person(btv_managed=True, education_level=4)
    qualify(person, "chuyen_mon", 5, D(2024, 3, 1))
    assert figures(programme, year=2023)["BTV-1"] == (0, 1)
    assert figures(programme, year=2024)["BTV-1"] == (1, 1)


def test_an_undated_qualification_counts_at_every_date(programme, make_person, qualify):
    person = make_person(btv_succession=True)
    qualify(person, "ly_luan_chinh_tri", 3, None)
    assert figures(programme, year=2021)["BTV-2"] == (1, 1)


def test_a_declared_level_counts_at_every_date(programme, make_person):
    make_person(btv_succession=True, political_level=4)  # cử nhân counts as cao cấp or higher
    assert figures(programme, year=2021)["BTV-2"] == (1, 1)


def test_a_completed_course_that_grants_a_level_counts_from_its_completion(
    programme, make_person, make_course, complete
):
    person = make_person(category="cong_chuc_xa", unit="H01X1", birth_date=D(1990, 1, 1), language_level=2)
    course = make_course("ngoai_ngu", year=2024, grants=("ngoai_ngu", 3), end_date=D(2024, 8, 15))
    complete(person, course)
    assert figures(programme, as_of=D(2024, 8, 14))["XA-3"] == (0, 1)
    assert figures(programme, as_of=D(2024, 8, 15))["XA-3"] == (1, 1)


def test_a_granting_course_that_was_failed_or_is_ongoing_grants_nothing(programme, make_person, make_course, complete):
    failed = make_person(btv_managed=True, education_level=4)
    ongoing = make_person(btv_managed=True, education_level=4)
    course = make_course("bang_cap", year=2024, grants=("chuyen_mon", 5))
    complete(failed, course, result="khong_dat")
    complete(ongoing, course, result="dang_hoc")
    assert figures(programme, year=2025)["BTV-1"] == (0, 2)


def test_two_thresholds_must_both_hold(programme, make_person):
    make_person(category="cong_chuc", leadership_level=2, education_level=4, political_level=2)
    make_person(category="cong_chuc", leadership_level=3, education_level=4, political_level=1)
    make_person(category="can_bo", leadership_level=2, education_level=3, political_level=3)
    make_person(category="cong_chuc", leadership_level=1, education_level=0)  # not a division leader
    assert figures(programme, year=2025)["CC-2"] == (1, 3)


def test_xa1_needs_the_field_suited_to_the_job(programme, make_person):
    make_person(category="can_bo_xa", unit="H01X1", education_level=2, field_suited=True)
    make_person(category="can_bo_xa", unit="H01X1", education_level=4, field_suited=False)
    assert figures(programme, year=2025)["XA-1"] == (1, 2)


def test_the_level_rule_gives_the_same_answer_as_a_filter_and_for_display(make_person, make_course, complete, qualify):
    from personnel.models import Person
    from training.levels import holds_level, levels_at

    person = make_person(education_level=3, language_level=1)
    qualify(person, "chuyen_mon", 5, D(2023, 1, 1))
    complete(person, make_course("ngoai_ngu", year=2024, grants=("ngoai_ngu", 4)))
    at = D(2023, 12, 31)
    levels = levels_at([person.pk], at)[person.pk]
    assert levels["chuyen_mon"] == 5
    assert levels["ngoai_ngu"] == 1
    for kind, level in levels.items():
        assert Person.objects.filter(holds_level(kind, level, at), pk=person.pk).exists()
        assert not Person.objects.filter(holds_level(kind, level + 1, at), pk=person.pk).exists()


# --- courses -----------------------------------------------------------------------------------


def test_an_annual_indicator_counts_courses_completed_in_the_year_up_to_t(
    programme, make_person, make_course, complete
):
    this_year = make_person(category="cong_chuc")
    last_year = make_person(category="cong_chuc")
    failed = make_person(category="cong_chuc")
    make_person(category="cong_chuc")  # nothing
    complete(this_year, make_course("phap_luat", year=2025))
    complete(last_year, make_course("dao_duc_cong_vu", year=2024))
    complete(failed, make_course("phap_luat", year=2025), result="khong_dat")
    assert figures(programme, year=2025)["CC-3"] == (1, 4)
    assert figures(programme, year=2024)["CC-3"] == (1, 4)
    assert figures(programme, as_of=D(2025, 6, 29))["CC-3"] == (0, 4)  # the course ends 30/06


def test_the_completion_date_not_the_course_end_decides_the_year(programme, make_person, make_course, complete):
    person = make_person(category="vien_chuc")
    course = make_course("chuyen_mon", start_date=D(2024, 12, 1), end_date=D(2024, 12, 20))
    complete(person, course, on=D(2025, 1, 10))
    assert figures(programme, year=2024)["VC-3"] == (0, 1)
    assert figures(programme, year=2025)["VC-3"] == (1, 1)


def test_a_course_with_several_types_counts_for_each(programme, make_person, make_course, complete):
    cadre = make_person(category="cong_chuc")
    course = make_course("ky_nang_cong_vu", "phap_luat", year=2025)
    complete(cadre, course)
    result = figures(programme, year=2025)
    assert result["CC-3"] == (1, 1)
    assert result["CC-4"] == (1, 1)


def test_a_status_course_indicator_counts_any_year_up_to_t(programme, make_person, make_course, complete):
    person = make_person(category="vien_chuc")
    complete(person, make_course("chuc_danh_nghe_nghiep", year=2019))
    assert figures(programme, year=2021)["VC-1"] == (1, 1)


def test_the_hdnd_window_counts_courses_within_the_term_only(programme, make_person, make_course, complete):
    before = make_person(category="khac", deputy_term="2021-2026")
    inside = make_person(category="khac", deputy_term="2021-2026")
    complete(before, make_course("hdnd", start_date=D(2021, 5, 1), end_date=D(2021, 5, 22)))
    complete(inside, make_course("hdnd", start_date=D(2021, 5, 20), end_date=D(2021, 5, 23)))
    assert figures(programme, year=2021)["HDND-1"] == (1, 2)
    assert figures(programme, as_of=D(2021, 5, 22))["HDND-1"] == (0, 2)


def test_an_admin_can_make_cc3_require_both_course_types(programme, make_person, make_course, complete):
    both = make_person(category="cong_chuc")
    one = make_person(category="cong_chuc")
    complete(both, make_course("phap_luat", year=2025))
    complete(both, make_course("dao_duc_cong_vu", year=2025))
    complete(one, make_course("phap_luat", year=2025))
    assert figures(programme, year=2025)["CC-3"] == (2, 2)
    Indicator.objects.filter(programme=programme, code="CC-3").update(course_match="all")
    programme = Programme.objects.get(pk=programme.pk)
    assert figures(programme, year=2025)["CC-3"] == (1, 2)


# --- appointments ------------------------------------------------------------------------------


def test_appointments_count_in_the_window_up_to_t_even_if_the_person_left(
    programme, make_person, make_course, complete, appoint
):
    left = make_person(category="cong_chuc", end_date=D(2023, 1, 1))
    stays = make_person(category="can_bo")
    appoint(left, "ngach", D(2022, 3, 1))
    appoint(stays, "chuc_vu", D(2020, 12, 31))  # before the programme
    appoint(stays, "chuc_vu", D(2025, 3, 1))
    appoint(stays, "ngach", D(2026, 1, 5))  # after the programme's end
    assert figures(programme, year=2025)["CC-1"] == (0, 2)
    assert figures(programme, year=2022)["CC-1"] == (0, 1)


def test_an_appointment_is_met_by_the_required_course_on_or_before_its_date(
    programme, make_person, make_course, complete, appoint
):
    person = make_person(category="cong_chuc")
    complete(person, make_course("tieu_chuan_ngach", start_date=D(2022, 1, 1), end_date=D(2022, 3, 1)))
    complete(person, make_course("lanh_dao_quan_ly", start_date=D(2024, 1, 1), end_date=D(2024, 5, 2)))
    appoint(person, "ngach", D(2022, 3, 1))  # course ends that day: met
    appoint(person, "chuc_vu", D(2024, 5, 1))  # course ends the day after: not met
    appoint(person, "chuc_vu", D(2024, 6, 1))  # met
    assert figures(programme, year=2025)["CC-1"] == (2, 3)


def test_vc2_counts_only_leadership_appointments_of_public_employees(
    programme, make_person, make_course, complete, appoint
):
    employee = make_person(category="vien_chuc")
    appoint(employee, "ngach", D(2022, 1, 1))
    appoint(employee, "chuc_vu", D(2022, 2, 1))
    assert figures(programme, year=2025)["VC-2"] == (0, 1)
    assert figures(programme, year=2025)["CC-1"] == (0, 0)


# --- units -------------------------------------------------------------------------------------


def test_a_parent_unit_counts_its_subtree_not_an_average_of_children(
    programme, units, make_person, make_course, complete
):
    course = make_course("phap_luat", year=2025)
    for _ in range(3):
        complete(make_person(category="cong_chuc", unit="H01X1"), course)
    make_person(category="cong_chuc", unit="H02")
    result = compliance.evaluate(programme, units["HN"], year=2025).by_code()["CC-3"]
    assert (result.numerator, result.denominator) == (3, 4)
    assert str(result.percent) == "75.0"  # an average of 100% and 0% would say 50%


def test_children_are_evaluated_in_one_call_over_their_subtrees(programme, units, make_person):
    make_person(category="vien_chuc", unit="H01X1")
    make_person(category="vien_chuc", unit="H01")
    make_person(category="vien_chuc", unit="H02X1")
    parent, children = compliance.evaluate_children(programme, units["HN"], year=2025)
    by_code = {child.unit.code: child.by_code()["VC-1"].denominator for child in children}
    assert by_code == {"H01": 2, "H02": 1, "SNV": 0}
    assert parent.by_code()["VC-1"].denominator == 3


def test_a_unit_report_is_the_compliance_json(programme, units, make_person):
    make_person(category="vien_chuc", unit="H01")
    data = compliance.evaluate(programme, units["H01"], year=2024).as_json()
    assert data["programme"] == "HN-2021-2025"
    assert data["unit"] == {"code": "H01", "name": "UBND quận Ba Đình"}
    assert data["year"] == 2024
    assert data["as_of"] == "2024-12-31"
    assert [i["code"] for i in data["indicators"]][:3] == ["BTV-1", "BTV-2", "BTV-3"]
    vc1 = next(i for i in data["indicators"] if i["code"] == "VC-1")
    assert vc1 == {
        "code": "VC-1", "name": vc1["name"], "kind": "status", "target": 100.0,
        "numerator": 0, "denominator": 1, "percent": 0.0, "met": False, "gap": 1,
    }  # fmt: skip
    btv1 = data["indicators"][0]
    assert (btv1["percent"], btv1["met"], btv1["gap"]) == (None, None, 0)


# --- who is missing, and one person -------------------------------------------------------------


def test_unmet_lists_the_people_who_do_not_meet_an_indicator(programme, units, make_person, make_course, complete):
    done = make_person(category="cong_chuc", full_name="Trần Văn Bình")
    missing_b = make_person(category="cong_chuc", full_name="Lê Thị Bích")
    missing_a = make_person(category="cong_chuc", full_name="Phạm Văn An")
    make_person(category="vien_chuc")  # not in the population
    complete(done, make_course("ky_nang_cong_vu", year=2025))
    names = [p.full_name for p in compliance.unmet(programme, "CC-4", units["HN"], year=2025)]
    assert names == [missing_a.full_name, missing_b.full_name]  # Vietnamese order: An before Bích


def test_unmet_appointments_are_listed_for_appointment_indicators(programme, units, make_person, appoint):
    person = make_person(category="cong_chuc")
    appointment = appoint(person, "chuc_vu", D(2023, 4, 1))
    assert list(compliance.unmet(programme, "CC-1", units["HN"], year=2025)) == [appointment]


def test_a_person_sees_which_indicators_apply_and_what_is_missing(programme, make_person, make_course, complete):
    person = make_person(category="cong_chuc", leadership_level=2, education_level=4, political_level=2)
    complete(person, make_course("phap_luat", year=2025))
    statuses = {s.code: s for s in compliance.person_status(programme, person, year=2025)}
    assert statuses["CC-2"].applies
    assert statuses["CC-2"].met
    assert statuses["CC-3"].met is True
    assert statuses["CC-4"].applies
    assert statuses["CC-4"].met is False
    assert statuses["CC-4"].missing == ["chưa có khóa kiến thức, kỹ năng, phương pháp thực thi công vụ năm 2025"]
    assert statuses["VC-1"].applies is False
    assert statuses["VC-1"].met is None


def test_unmet_counts_by_person_count_applicable_indicators_not_met(programme, make_person, make_course, complete):
    person = make_person(category="cong_chuc")
    complete(person, make_course("phap_luat", year=2026))
    counts = compliance.unmet_counts_by_person(programme, [person.pk], year=2026)
    assert counts == {person.pk: 1}  # CC-4 only; CC-3 met in 2026


# --- programmes as data --------------------------------------------------------------------------


def test_a_new_programme_needs_no_code(units, make_person, make_course, complete):
    programme = Programme.objects.create(
        code="HN-2026-2030", name="Giai đoạn 2026-2030", start_date=D(2026, 1, 1), end_date=D(2030, 12, 31)
    )
    Indicator.objects.create(
        programme=programme, code="VC-9", group="VC", name="Viên chức bồi dưỡng chuyên môn", kind="annual",
        target=50, categories=["vien_chuc"], course_types=["chuyen_mon"],
    )  # fmt: skip
    a = make_person(category="vien_chuc")
    make_person(category="vien_chuc")
    complete(a, make_course("chuyen_mon", year=2026))
    result = compliance.evaluate(programme, OrgUnit.objects.get(code="HN"), year=2026).by_code()["VC-9"]
    assert (result.numerator, result.denominator, result.met, result.gap) == (1, 2, True, 0)


# --- queries -----------------------------------------------------------------------------------


def _populate(size, make_person, make_course, complete, appoint, qualify):
    courses = [make_course(t, year=2025) for t in ("phap_luat", "chuyen_mon", "lanh_dao_quan_ly", "hdnd")]
    for n in range(size):
        unit = ["H01", "H01X1", "H02X1", "SNV"][n % 4]
        person = make_person(category=["cong_chuc", "vien_chuc", "cong_chuc_xa"][n % 3], unit=unit,
                             deputy_term="2021-2026" if n % 5 == 0 else "", btv_managed=n % 7 == 0)  # fmt: skip
        complete(person, courses[n % 4])
        appoint(person, "chuc_vu", D(2024, 1, 1 + n % 28))
        qualify(person, "ngoai_ngu", 3, D(2022, 1, 1))


@pytest.mark.parametrize("size", [3, 30])
def test_the_number_of_queries_does_not_grow_with_the_data(
    size, programme, units, make_person, make_course, complete, appoint, qualify, django_assert_num_queries
):
    _populate(size, make_person, make_course, complete, appoint, qualify)
    programme = Programme.objects.get(pk=programme.pk)
    root = OrgUnit.objects.get(code="HN")
    # indicators, units of the subtree, whether heir units are due (once a day per process: the cache is
    # empty in tests), person counts, appointment counts
    with django_assert_num_queries(5):
        compliance.evaluate_children(programme, root, year=2025)

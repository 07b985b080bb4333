"""Year-end sign-off (issue #13): approving freezes the figures and locks the year; imports, forms and the API
are refused in a locked year; an exception lets exactly the allowed correction in; returning unlocks."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from approvals import locks, selectors, services
from approvals.models import ExceptionUse, Status, YearApproval
from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from training.models import TrainingRecord

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def in_january_2026():
    with time_machine.travel(datetime.datetime(2026, 1, 15, 9, tzinfo=HANOI), tick=False):
        yield


@pytest.fixture
def world(make_person, make_course, make_user, units):
    """Ward H01X1 (under district H01) with P1, ward H01X2 with P2; a 2024 law course; their leaders."""
    return {
        "p1": make_person(code="P1", full_name="Trần Văn Bình", unit="H01X1", category="cong_chuc_xa"),
        "p2": make_person(code="P2", full_name="Lê Thị Cúc", unit="H01X2", category="cong_chuc_xa"),
        "course": make_course("phap_luat", code="K2024", year=2024),
        "ward_leader": make_user("lead_x1", role="leader", unit="H01X1"),
        "district_leader": make_user("lead_h01", role="leader", unit="H01"),
        "city_leader": make_user("lead_hn", role="leader", unit="HN"),
        "hr": make_user("hr_h01", role="hr", unit="H01"),
        "units": units,
    }


def import_results(*rows):
    records = [{"Mã cán bộ": p, "Mã khóa học": c, "Kết quả": "hoan_thanh", "Ngày hoàn thành": on} for p, c, on in rows]
    return run_import(
        kind="ket_qua", file_name="ket_qua.csv", content=csv_bytes(template_rows("ket_qua", records)), dry_run=False
    )


def approve_ward(world, programme):
    return services.approve(programme=programme, unit=world["units"]["H01X1"], year=2024, user=world["ward_leader"])


def test_approving_freezes_every_indicator_in_both_views(world, programme):
    approval = approve_ward(world, programme)

    assert approval.status == Status.APPROVED
    assert set(approval.figures) == {"then", "today"}
    items = selectors.frozen_items(approval.figures["today"], list(programme.indicators.all()))
    assert len({i["code"] for i in items}) == programme.indicators.count()
    assert set(items[0]) >= {"numerator", "denominator", "percent", "met", "gap"}
    assert approval.steps.get().user == world["ward_leader"]


def test_only_the_units_own_leader_approves_it(world, programme):
    with pytest.raises(PermissionDenied):
        services.approve(programme=programme, unit=world["units"]["H01X1"], year=2024, user=world["district_leader"])


def test_the_parent_accepts_then_the_city_accepts_last(world, programme):
    approve_ward(world, programme)
    ward = world["units"]["H01X1"]

    with pytest.raises(PermissionDenied):
        services.accept(programme=programme, unit=ward, year=2024, user=world["city_leader"])
    assert services.accept(programme=programme, unit=ward, year=2024, user=world["district_leader"]).status == (
        Status.ACCEPTED
    )
    final = services.accept(programme=programme, unit=ward, year=2024, user=world["city_leader"])

    assert final.status == Status.FINAL
    assert [s.action for s in final.steps.order_by("pk")] == ["approve", "accept", "accept"]


def test_an_import_touching_the_approved_year_is_refused_with_nothing_written(world, programme):
    approve_ward(world, programme)

    outcome = import_results(("P1", "K2024", "30/06/2024"), ("P2", "K2024", "30/06/2024"))

    assert not outcome.ok
    messages = " ".join(str(e) for e in outcome.errors)
    assert "2024" in messages
    assert "UBND phường Phúc Xá" in messages
    assert "lead_x1" in messages
    assert TrainingRecord.objects.count() == 0


def test_the_same_import_for_an_unapproved_unit_goes_through(world, programme):
    approve_ward(world, programme)

    outcome = import_results(("P2", "K2024", "30/06/2024"))

    assert outcome.ok, outcome.errors
    assert TrainingRecord.objects.filter(person=world["p2"]).count() == 1


def test_a_record_dated_in_another_year_is_not_locked(world, programme, make_course):
    approve_ward(world, programme)
    make_course("phap_luat", code="K2025", year=2025)

    assert import_results(("P1", "K2025", "")).ok


def test_a_districts_approval_locks_the_wards_below_it(world, programme):
    services.approve(programme=programme, unit=world["units"]["H01"], year=2024, user=world["district_leader"])

    assert locks.locked_for(world["p1"].pk, datetime.date(2024, 6, 30)).unit_id == world["units"]["H01"].pk
    assert locks.locked_for(world["p1"].pk, datetime.date(2025, 6, 30)) is None


def test_a_single_save_in_a_locked_year_is_refused_with_the_year_locked_code(world, programme, complete):
    approve_ward(world, programme)

    with pytest.raises(locks.YearLocked) as refused:
        complete(world["p1"], world["course"])

    assert refused.value.code == "year_locked"
    assert isinstance(refused.value, ValidationError)


def test_an_exception_lets_exactly_the_allowed_correction_in(world, programme, make_course, complete):
    services.approve(programme=programme, unit=world["units"]["H01"], year=2024, user=world["district_leader"])
    older = make_course("phap_luat", code="K2023", year=2023)
    services.approve(programme=programme, unit=world["units"]["H01"], year=2023, user=world["district_leader"])
    services.grant_exception(
        unit=world["units"]["H01X1"],
        year=2024,
        until=datetime.datetime(2026, 1, 20, tzinfo=HANOI),
        reason="Bổ sung kết quả lớp pháp luật bị sót",
        user=world["city_leader"],
    )

    outcome = import_results(("P1", "K2024", "30/06/2024"), ("P2", "K2024", "30/06/2024"))
    assert not outcome.ok  # P2 sits in ward H01X2: the exception does not reach it
    assert len(outcome.errors) == 1

    complete(world["p1"], world["course"])  # P1, ward H01X1, 2024: let through and recorded
    assert ExceptionUse.objects.count() == 1
    with pytest.raises(locks.YearLocked):
        complete(world["p1"], older)  # 2023 stays locked
    expired = time_machine.travel(datetime.datetime(2026, 1, 21, 9, tzinfo=HANOI), tick=False)
    with expired, pytest.raises(locks.YearLocked), transaction.atomic():
        TrainingRecord.objects.filter(person=world["p1"]).get().delete()  # the exception has expired


def test_returning_a_year_unlocks_it(world, programme):
    approve_ward(world, programme)

    returned = services.return_year(
        programme=programme,
        unit=world["units"]["H01X1"],
        year=2024,
        user=world["district_leader"],
        reason="Thiếu kết quả lớp pháp luật",
    )

    assert [a.status for a in returned] == [Status.RETURNED]
    assert locks.locked_for(world["p1"].pk, datetime.date(2024, 6, 30)) is None
    assert import_results(("P1", "K2024", "30/06/2024")).ok
    assert approve_ward(world, programme).status == Status.APPROVED  # and it can be approved again


def test_a_return_needs_a_reason_and_a_higher_level(world, programme):
    approve_ward(world, programme)
    ward = world["units"]["H01X1"]

    with pytest.raises(ValidationError):
        services.return_year(programme=programme, unit=ward, year=2024, user=world["district_leader"], reason=" ")
    with pytest.raises(PermissionDenied):
        services.return_year(programme=programme, unit=ward, year=2024, user=world["ward_leader"], reason="x")


def test_after_an_excepted_correction_the_frozen_copy_differs_and_the_comparison_names_the_person(
    world, programme, complete
):
    approval = approve_ward(world, programme)
    services.grant_exception(
        unit=world["units"]["H01X1"],
        year=2024,
        until=datetime.datetime(2026, 1, 20, tzinfo=HANOI),
        reason="Bổ sung",
        user=world["district_leader"],
    )
    complete(world["p1"], world["course"])
    approval.refresh_from_db()

    comparison = selectors.compare(approval, "today")

    changed = {row.code: row for row in comparison.changed}
    assert changed
    row = next(iter(changed.values()))
    assert row.frozen["numerator"] + 1 == row.live.numerator
    assert [(c.person.code, c.what) for c in row.persons] == [("P1", "now_met")]


def test_bulk_approval_approves_many_units_and_years_finally_and_once(world, programme, make_user):
    admin = make_user("admin_hn", role="admin", unit="HN")
    wards = [world["units"][code] for code in ("H01X1", "H01X2", "H02X1")]
    approve_ward(world, programme)

    batch = services.bulk_approve(programme=programme, units=wards, years=[2021, 2022, 2023, 2024, 2025], user=admin)

    assert batch.approved == 14
    assert batch.skipped == 1
    assert YearApproval.objects.filter(status=Status.FINAL).count() == 14
    approval = YearApproval.objects.get(unit=world["units"]["H02X1"], year=2023)
    assert approval.figures["today"]["indicators"]
    assert approval.steps.get().batch == batch

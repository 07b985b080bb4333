"""Reorganising (organisation-history.md, section 7): preview, apply all or nothing, undo."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from personnel.history import sync_person_assignments, transfer
from personnel.models import Assignment, OrgUnit, Person, Reorganisation, UnitSuccession
from personnel.reorganisation import (
    Closure,
    Destination,
    Opening,
    Plan,
    PlanError,
    ReorganisationRefused,
    apply_reorganisation,
    check_plan,
    read_plan,
    undo_reorganisation,
)

D = datetime.date
ON = D(2025, 7, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 11, 20, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def admin(make_user):
    return make_user("admin_reorg", role="admin", unit="HN")


@pytest.fixture
def people(make_person):
    """Phúc Xá (H01X1): p1, p4 (leaves on 01/01/2026); Trúc Bạch (H01X2): p2, p3 (left 01/03/2024)."""
    made = {
        "p1": make_person(unit="H01X1", code="P1", start_date=D(2020, 1, 1), leadership_level=2),
        "p2": make_person(unit="H01X2", code="P2", start_date=D(2019, 1, 1), category="cong_chuc_xa"),
        "p3": make_person(unit="H01X2", code="P3", start_date=D(2015, 1, 1), end_date=D(2024, 3, 1)),
        "p4": make_person(unit="H01X1", code="P4", start_date=D(2021, 1, 1), end_date=D(2026, 1, 1)),
    }
    sync_person_assignments([p.pk for p in made.values()])
    return {key: Person.objects.get(pk=p.pk) for key, p in made.items()}


def merge_plan(**extra) -> Plan:
    """Two wards of Ba Đình into one new ward, from 01/07/2025."""
    return Plan(
        name="Sáp nhập phường",
        effective_on=ON,
        closures=[Closure("H01X1", ["N1"], line=2), Closure("H01X2", ["N1"], line=3)],
        openings=[Opening("N1", "UBND phường Ba Đình", "xa", "H01", line=2)],
        **extra,
    )


def history_of(person) -> list[tuple]:
    return list(person.assignments.in_order().values_list("unit__code", "start_date", "end_date"))


def state() -> tuple:
    """Return everything a reorganisation touches, to compare before and after."""
    return (
        list(OrgUnit.objects.order_by("pk").values_list("pk", "code", "closed_on", "opened_on", "path")),
        list(UnitSuccession.objects.values_list("predecessor_id", "successor_id", "is_primary")),
        list(
            Assignment.objects.order_by("pk").values_list(
                "pk", "person_id", "unit_id", "category", "leadership_level", "start_date", "end_date", "heir_unit_id"
            )
        ),
        list(Person.objects.order_by("pk").values_list("pk", "unit_id", "category", "start_date", "end_date")),
    )


def test_the_preview_says_what_moves_where_and_writes_nothing(units, people):
    before = state()

    preview = check_plan(merge_plan())

    assert preview.problems == []
    assert [unit.code for unit, _successors in preview.closed] == ["H01X1", "H01X2"]
    assert [(opening.code, parent) for opening, parent in preview.opened] == [("N1", "UBND quận Ba Đình (H01)")]
    moves = [(m.source, m.target, m.count) for m in preview.moves]
    assert moves == [
        ("UBND phường Phúc Xá (H01X1)", "UBND phường Ba Đình (N1)", 2),
        ("UBND phường Trúc Bạch (H01X2)", "UBND phường Ba Đình (N1)", 1),
    ]
    assert preview.people == 3
    assert state() == before


def test_applying_closes_opens_names_successors_and_moves_people_with_their_category_and_level(units, people, admin):
    record = apply_reorganisation(plan=merge_plan(), user=admin)

    new = OrgUnit.objects.get(code="N1")
    assert (new.opened_on, new.closed_on, new.parent.code, new.level) == (ON, None, "H01", "xa")
    assert new.path == f"{units['HN'].pk}/{units['H01'].pk}/{new.pk}/"
    assert set(OrgUnit.objects.filter(closed_on=ON).values_list("code", flat=True)) == {"H01X1", "H01X2"}
    assert OrgUnit.objects.get(code="H01X2").primary_successor == new
    assert history_of(people["p1"]) == [("H01X1", D(2020, 1, 1), ON), ("N1", ON, None)]
    assert history_of(people["p4"]) == [("H01X1", D(2021, 1, 1), ON), ("N1", ON, D(2026, 1, 1))]
    assert history_of(people["p3"]) == [("H01X2", D(2015, 1, 1), D(2024, 3, 1))]
    moved = people["p1"].assignments.get(start_date=ON)
    assert (moved.category, moved.leadership_level) == ("cong_chuc", 2)
    assert people["p2"].assignments.get(start_date=ON).category == "cong_chuc_xa"
    p1 = Person.objects.get(pk=people["p1"].pk)
    assert (p1.unit.code, p1.start_date, p1.end_date) == ("N1", D(2020, 1, 1), None)
    # view "today": the person who left before goes to the primary successor
    assert people["p3"].assignments.get().heir_unit == new
    assert record.status == "applied"
    assert record.applied_by == admin
    assert record.applied_at is not None
    reason = record.history_reason
    assert OrgUnit.history.filter(history_change_reason=reason).count() == 3
    assert UnitSuccession.history.filter(history_change_reason=reason).count() == 2
    assert Assignment.history.filter(history_change_reason=reason).count() == 6
    assert Person.history.filter(history_change_reason=reason, history_user=admin).count() == 3


def test_a_split_sends_named_people_to_their_destination_and_the_rest_to_the_primary_successor(units, people, admin):
    plan = Plan(
        name="Chia phường",
        effective_on=ON,
        closures=[Closure("H01X2", ["N1", "N2"])],
        openings=[Opening("N1", "Phường Một", "xa", "H01"), Opening("N2", "Phường Hai", "Cấp xã", "H01")],
        destinations=[Destination("P2", "N2")],
    )
    extra = Person.objects.get(code=sync_and_return(people, "H01X2", "P5"))

    preview = check_plan(plan)
    assert preview.problems == []
    assert [(name, count) for name, count, _names in preview.defaulted] == [("UBND phường Trúc Bạch (H01X2)", 1)]

    apply_reorganisation(plan=plan, user=admin)

    assert history_of(people["p2"])[-1] == ("N2", ON, None)
    assert history_of(extra)[-1] == ("N1", ON, None)
    assert list(
        UnitSuccession.objects.filter(predecessor__code="H01X2").values_list("successor__code", "is_primary")
    ) == [("N1", True), ("N2", False)]


def sync_and_return(people, unit_code, code) -> str:
    from personnel.services import save_person

    person = save_person(
        person=Person(
            code=code,
            full_name="Lê Thị Năm",
            birth_date=D(1985, 1, 1),
            category="cong_chuc_xa",
            unit=OrgUnit.objects.get(code=unit_code),
            start_date=D(2018, 1, 1),
        )
    )
    sync_person_assignments([person.pk])
    return code


def test_a_person_with_no_assignment_yet_moves_from_the_one_their_row_describes(units, people, make_person, admin):
    newcomer = make_person(unit="H01X1", code="P9", start_date=D(2022, 5, 1))
    newcomer.assignments.all().delete()  # as a row written in bulk before it got its assignment

    apply_reorganisation(plan=merge_plan(), user=admin)

    assert history_of(newcomer) == [("H01X1", D(2022, 5, 1), ON), ("N1", ON, None)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda p, u: p.closures.append(Closure("H02", ["SNV"], line=4)),
            "còn đơn vị trực thuộc chưa giải thể: UBND xã Uy Nỗ (H02X1)",
        ),
        (lambda p, u: setattr(p.closures[0], "successors", ["H02X9"]), "dòng 2, cột «Đơn vị kế thừa», giá trị «H02X9»"),
        (lambda p, u: setattr(p.closures[0], "successors", ["CLOSED"]), "không hoạt động vào ngày 01/07/2025"),
        (lambda p, u: setattr(p.closures[0], "successors", ["H01X2"]), "cũng giải thể trong đợt này"),
        (lambda p, u: setattr(p.closures[0], "successors", []), "cần ít nhất một đơn vị kế thừa"),
        (lambda p, u: setattr(p.openings[0], "code", "H02X1"), "mã đã được dùng cho UBND xã Uy Nỗ (H02X1)"),
        (lambda p, u: setattr(p.openings[0], "level", "tinh"), "cột «Cấp», giá trị «tinh»"),
        (lambda p, u: setattr(p.openings[0], "parent", "H01X1"), "cũng giải thể trong đợt này"),
        (lambda p, u: p.destinations.append(Destination("P1", "H02X1", line=2)), "không phải đơn vị kế thừa"),
        (lambda p, u: p.destinations.append(Destination("P3", "N1", line=2)), "không công tác ở đơn vị giải thể"),
        (lambda p, u: p.closures.append(Closure("CLOSED", ["N1"], line=4)), "đơn vị đã giải thể từ ngày 01/01/2024"),
    ],
    ids=[
        "children not closed",
        "unknown successor",
        "successor closed",
        "successor closing",
        "no successor",
        "code taken",
        "bad level",
        "parent closing",
        "destination not a successor",
        "destination of someone not moving",
        "already closed",
    ],
)
def test_a_plan_with_a_problem_is_refused_naming_it_and_writes_nothing(units, people, admin, change, expected):
    OrgUnit.objects.create(code="CLOSED", name="Đơn vị cũ", parent=units["H01"], level="xa", closed_on=D(2024, 1, 1))
    plan = merge_plan()
    change(plan, units)
    before, records = state(), Reorganisation.objects.count()

    assert any(expected in problem for problem in check_plan(plan).problems), check_plan(plan).problems
    with pytest.raises(ReorganisationRefused) as refused:
        apply_reorganisation(plan=plan, user=admin)

    assert any(expected in message for message in refused.value.messages)
    assert state() == before
    assert Reorganisation.objects.count() == records


def test_moving_people_takes_the_same_number_of_queries_whatever_their_number(units, make_person, admin):
    def run(count: int, suffix: str) -> int:
        ward = OrgUnit.objects.create(code=f"W{suffix}", name=f"Phường {suffix}", parent=units["H01"], level="xa")
        from personnel.services import rebuild_unit_paths

        rebuild_unit_paths()
        ids = [make_person(unit=ward, code=f"{suffix}{i}", start_date=D(2020, 1, 1)).pk for i in range(count)]
        sync_person_assignments(ids)
        plan = Plan(
            name=suffix,
            effective_on=ON,
            closures=[Closure(ward.code, [f"N{suffix}"])],
            openings=[Opening(f"N{suffix}", "Mới", "xa", "H01")],
        )
        with CaptureQueriesContext(connection) as queries:
            apply_reorganisation(plan=plan, user=admin)
        return len(queries)

    assert run(3, "A") == run(30, "B")


def test_undo_puts_units_people_and_heirs_back_as_they_were(units, people, admin):
    before = state()
    record = apply_reorganisation(plan=merge_plan(), user=admin)

    undo_reorganisation(record=record, user=admin)

    assert state() == before
    record.refresh_from_db()
    assert (record.status, record.undone_by) == ("undone", admin)
    assert not OrgUnit.objects.filter(code="N1").exists()
    assert OrgUnit.history.filter(history_change_reason=record.undo_reason, history_type="-").count() == 1
    assert Assignment.history.filter(history_change_reason=record.undo_reason, history_type="-").count() == 3
    with pytest.raises(ReorganisationRefused):
        undo_reorganisation(record=record, user=admin)


def test_undo_is_refused_once_a_moved_persons_assignments_changed_and_changes_nothing(units, people, admin):
    record = apply_reorganisation(plan=merge_plan(), user=admin)
    transfer(person=Person.objects.get(code="P1"), unit=units["SNV"], on=D(2025, 10, 1))
    after = state()

    with pytest.raises(ReorganisationRefused) as refused:
        undo_reorganisation(record=record, user=admin)

    assert "đã thay đổi sau đợt sắp xếp" in refused.value.messages[0]
    assert "P1" in refused.value.messages[0]
    assert state() == after
    record.refresh_from_db()
    assert record.status == "applied"


def test_the_tables_are_read_from_csv_with_the_primary_successor_first():
    plan = read_plan(
        name="Đợt 1",
        effective_on=ON,
        closures='Mã đơn vị giải thể,Đơn vị kế thừa\nH01X2,"N1; N2"\n',
        openings="Mã đơn vị;Tên đơn vị;Cấp;Mã đơn vị cấp trên\nN1;Phường Một;xa;H01\nN2;Phường Hai;xa;H01\n",
        destinations="Mã cán bộ,Mã đơn vị\nP2,N2\n",
    )

    assert plan.closures == [Closure("H01X2", ["N1", "N2"], line=2)]
    assert [o.code for o in plan.openings] == ["N1", "N2"]
    assert plan.destinations == [Destination("P2", "N2", line=2)]
    assert Plan.from_json(plan.to_json()) == plan


def test_a_table_with_wrong_headers_is_refused_naming_the_expected_columns():
    with pytest.raises(PlanError) as refused:
        read_plan(name="x", effective_on=ON, closures="Mã,Kế thừa\nH01X1,N1\n")
    assert "Mã đơn vị giải thể, Đơn vị kế thừa" in refused.value.errors[0]


def test_a_destination_may_be_a_unit_below_a_successor(units, people, admin):
    plan = Plan(
        name="Về quận",
        effective_on=ON,
        closures=[Closure("H01X2", ["H01"])],
        destinations=[Destination("P2", "H01X1")],
    )

    assert check_plan(plan).problems == []
    apply_reorganisation(plan=plan, user=admin)

    assert history_of(people["p2"])[-1] == ("H01X1", ON, None)
    assert people["p3"].assignments.get().heir_unit == units["H01"]

"""A personnel import gives each new person the one assignment ``history.sync_person_assignments`` would give
them (computed before the persons are written, copied in bulk): same unit, dates, heir unit, and the person's
first day and version brought in line the same way."""

import datetime

import pytest
import time_machine

from exchange.cells import parse_date
from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from personnel import history
from personnel.models import Assignment, OrganisationState, OrgUnit, Person, UnitSuccession
from personnel.services import rebuild_unit_paths

D = datetime.date
CLOSED = D(2025, 7, 1)
ASSIGNMENT_FIELDS = [
    "person__code", "unit__code", "category", "leadership_level", "position_title", "start_date", "end_date",
    "heir_unit__code", "job_position_id",
]  # fmt: skip
PERSON_FIELDS = ["code", "unit__code", "category", "leadership_level", "position_title", "start_date", "end_date",
                 "version"]  # fmt: skip


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def tree(units):
    """Close H01X1 on 1 July 2025 into the ward N1 opened that day (its primary successor)."""
    new = OrgUnit.objects.create(code="N1", name="Phường Mới", parent=units["HN"], level="xa", opened_on=CLOSED)
    ward = units["H01X1"]
    ward.closed_on = CLOSED
    ward.save()
    UnitSuccession.objects.create(predecessor=ward, successor=new, is_primary=True)
    rebuild_unit_paths()
    return units


def row(code: str, unit: str, **cells) -> dict:
    return {"Mã cán bộ": code, "Họ và tên": "Nguyễn Văn An", "Ngày sinh": "01/02/1980", "Mã đơn vị": unit,
            "Đối tượng": "cong_chuc_xa", **cells}  # fmt: skip


ROWS = [
    row("A1", "H01X2", **{"Ngày bắt đầu công tác": "01/09/2010", "Chức vụ": "Chuyên viên", "Cấp chức vụ": "1"}),
    row("A2", "N1", **{"Ngày bắt đầu công tác": "01/09/2010"}),  # started before the ward opened: from its opening
    row("A3", "N1"),  # no first day: from the ward's opening
    row("A4", "H01X1", **{"Ngày bắt đầu công tác": "01/09/2010", "Ngày thôi việc": "01/03/2024"}),  # heir N1
    row("A5", "H02X1", **{"Ngày thôi việc": "01/03/2024"}),
]


def snapshot() -> tuple[list, list]:
    assignments = list(Assignment.objects.order_by("person__code").values_list(*ASSIGNMENT_FIELDS))
    persons = list(Person.objects.order_by("code").values_list(*PERSON_FIELDS))
    return assignments, persons


def test_new_persons_get_the_assignments_the_history_sync_gives_them(tree):
    outcome = run_import(
        kind="nhan_su", file_name="nhan_su.csv", content=csv_bytes(template_rows("nhan_su", ROWS)), dry_run=False
    )
    assert outcome.ok, outcome.errors
    imported = snapshot()
    assert OrganisationState.objects.get(pk=1).heirs_as_of == D(2026, 11, 26)

    # The same persons as the file wrote them, put in line by the general sync instead.
    Assignment.objects.all().delete()
    OrganisationState.objects.all().delete()
    for person in Person.objects.all():
        written = next(r for r in ROWS if r["Mã cán bộ"] == person.code).get("Ngày bắt đầu công tác")
        person.start_date = parse_date(written)
        person.version = 1
        person.save(update_fields=["start_date", "version"])
    history.sync_person_assignments(Person.objects.values_list("pk", flat=True))

    assert imported == snapshot()
    assignments, persons = imported
    assert [a[2:] for a in assignments if a[0] in ("A2", "A4")] == [
        ("cong_chuc_xa", 0, "", CLOSED, None, None, None),
        ("cong_chuc_xa", 0, "", D(2010, 9, 1), D(2024, 3, 1), "N1", None),
    ]
    assert [p[5] for p in persons] == [D(2010, 9, 1), CLOSED, CLOSED, D(2010, 9, 1), None]
    assert [p[7] for p in persons] == [1, 2, 2, 1, 1]

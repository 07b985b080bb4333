"""Nobody can be placed in a closed unit for a day on or after its closing date (forms, API, imports,
transfers), while its history before then can still be recorded; the refusal names the unit, its closing
date and its primary successor, and nothing is written (organisation-history.md, section 7)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from personnel import history
from personnel.models import Assignment, OrgUnit, Person, UnitSuccession
from personnel.services import rebuild_unit_paths

D = datetime.date
CLOSED = D(2025, 7, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def closed(units):
    """Close H01X1 on 1 July 2025 into a new ward N1 (its primary successor) and return H01X1."""
    new = OrgUnit.objects.create(code="N1", name="Phường Mới", parent=units["HN"], level="xa", opened_on=CLOSED)
    ward = units["H01X1"]
    ward.closed_on = CLOSED
    ward.save()
    rebuild_unit_paths()
    UnitSuccession.objects.create(predecessor=ward, successor=new, is_primary=True)
    return OrgUnit.objects.get(pk=ward.pk)


def said_closed(text: str) -> bool:
    return "H01X1" in text and "01/07/2025" in text and "N1" in text


def test_the_rule_names_the_unit_its_closing_date_and_its_primary_successor(closed):
    assert said_closed(history.closed_unit_error(closed, D(2024, 1, 1), None))
    assert history.closed_unit_error(closed, D(2024, 1, 1), CLOSED) is None  # history before it closed


def test_the_person_form_refuses_a_closed_unit_and_writes_nothing(hr, closed, units):
    data = {
        "code": "HN0001", "full_name": "Nguyễn Văn Dũng", "birth_date": "15/03/1985", "gender": "nam",
        "citizen_id": "", "unit": closed.pk, "category": "cong_chuc_xa", "position_title": "",
        "leadership_level": "0", "deputy_term": "", "education_level": "4", "political_level": "2",
        "state_management_level": "1", "language_level": "3", "start_date": "2010-09-01", "end_date": "",
    }  # fmt: skip
    response = hr.post(reverse("personnel:person_create"), data)
    assert response.status_code == 200
    assert said_closed(" ".join(response.context["form"].errors.get("unit", [])))
    assert not Person.objects.exists()
    assert not Assignment.objects.exists()


def test_the_api_refuses_a_closed_unit_and_writes_nothing(make_user, closed):
    _instance, token = AuthToken.objects.create(user=make_user("hr_api", "hr", "H01"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.post(
        "/api/v1/persons/",
        {
            "code": "CB1",
            "full_name": "Lê Văn Bình",
            "birth_date": "1988-04-12",
            "unit": "H01X1",
            "category": "cong_chuc_xa",
        },
        format="json",
    )
    assert response.status_code == 400
    assert said_closed(str(response.json()))
    assert not Person.objects.exists()


def person_row(code: str, **cells) -> dict:
    return {"Mã cán bộ": code, "Họ và tên": "Nguyễn Văn An", "Ngày sinh": "01/02/1980", "Đối tượng": "cong_chuc_xa",
            **cells}  # fmt: skip


def test_a_personnel_row_in_a_closed_unit_is_refused_unless_the_person_left_before_it_closed(closed):
    refused = run_import(
        kind="nhan_su",
        file_name="nhan_su.csv",
        content=csv_bytes(template_rows("nhan_su", [person_row("A1", **{"Mã đơn vị": "H01X1"})])),
        dry_run=False,
    )
    assert not refused.ok
    assert any(said_closed(str(error)) for error in refused.errors)
    assert not Person.objects.exists()

    left = person_row("A2", **{"Mã đơn vị": "H01X1", "Ngày thôi việc": "01/03/2024"})
    accepted = run_import(
        kind="nhan_su", file_name="nhan_su.csv", content=csv_bytes(template_rows("nhan_su", [left])), dry_run=False
    )
    assert accepted.ok, accepted.errors
    assert Assignment.objects.get(person__code="A2").unit == closed


def test_a_history_row_past_the_closing_date_refuses_the_whole_file(closed, make_person, units):
    person = make_person(unit="H01", code="P1")
    rows = [
        {"Mã cán bộ": "P1", "Mã đơn vị": "H01X1", "Đối tượng": "cong_chuc_xa", "Từ ngày": "01/01/2020",
         "Đến ngày": "01/08/2025"},
        {"Mã cán bộ": "P1", "Mã đơn vị": "N1", "Đối tượng": "cong_chuc_xa", "Từ ngày": "01/08/2025"},
    ]  # fmt: skip
    before = list(Assignment.objects.values_list("person_id", "unit_id", "start_date", "end_date"))
    outcome = run_import(
        kind="qua_trinh_cong_tac",
        file_name="qtct.csv",
        content=csv_bytes(template_rows("qua_trinh_cong_tac", rows)),
        dry_run=False,
    )
    assert not outcome.ok
    assert any(said_closed(str(error)) for error in outcome.errors)
    assert list(Assignment.objects.values_list("person_id", "unit_id", "start_date", "end_date")) == before
    assert Person.objects.get(pk=person.pk).unit == units["H01"]


def test_a_history_with_overlapping_rows_is_refused(make_person):
    make_person(unit="H01", code="P2")
    rows = [
        {"Mã cán bộ": "P2", "Mã đơn vị": "H01", "Đối tượng": "cong_chuc", "Từ ngày": "01/01/2020",
         "Đến ngày": "01/08/2023"},
        {"Mã cán bộ": "P2", "Mã đơn vị": "H02", "Đối tượng": "cong_chuc", "Từ ngày": "01/06/2023"},
    ]  # fmt: skip
    outcome = run_import(
        kind="qua_trinh_cong_tac",
        file_name="qtct.csv",
        content=csv_bytes(template_rows("qua_trinh_cong_tac", rows)),
        dry_run=False,
    )
    assert not outcome.ok
    assert Assignment.objects.filter(person__code="P2").count() == 1


def test_a_history_file_replaces_the_persons_history_and_their_row_follows_the_latest(make_person, units):
    make_person(unit="H01", code="P3", start_date=D(2015, 1, 1))
    rows = [
        {"Mã cán bộ": "P3", "Mã đơn vị": "H01", "Đối tượng": "cong_chuc", "Từ ngày": "01/01/2015",
         "Đến ngày": "01/08/2023"},
        {"Mã cán bộ": "P3", "Mã đơn vị": "H02X1", "Đối tượng": "cong_chuc_xa", "Cấp chức vụ": "2",
         "Từ ngày": "01/08/2023"},
    ]  # fmt: skip
    outcome = run_import(
        kind="qua_trinh_cong_tac",
        file_name="qtct.csv",
        content=csv_bytes(template_rows("qua_trinh_cong_tac", rows)),
        dry_run=False,
    )
    assert outcome.ok, outcome.errors
    person = Person.objects.get(code="P3")
    assert (person.unit, person.category, person.leadership_level) == (units["H02X1"], "cong_chuc_xa", 2)
    assert (person.start_date, person.end_date) == (D(2015, 1, 1), None)
    assert person.assignments.count() == 2


def test_a_transfer_into_a_closed_unit_is_refused_and_writes_nothing(closed, make_person):
    person = make_person(unit="H01", code="P4")
    with pytest.raises(ValidationError) as refused:
        history.transfer(person=person, unit=closed, on=D(2026, 1, 1))
    assert said_closed(" ".join(refused.value.messages))
    assert person.assignments.count() == 1


def test_a_transfer_ends_the_assignment_and_starts_one_in_the_new_unit(make_person, units):
    person = make_person(unit="H01", code="P5", start_date=D(2010, 1, 1))
    history.transfer(person=person, unit=units["H02"], on=D(2026, 3, 1))
    rows = list(person.assignments.in_order().values_list("unit__code", "start_date", "end_date"))
    assert rows == [("H01", D(2010, 1, 1), D(2026, 3, 1)), ("H02", D(2026, 3, 1), None)]
    assert Person.objects.get(pk=person.pk).unit == units["H02"]


def test_a_personnel_row_naming_another_unit_for_someone_with_a_history_is_a_transfer_dated_today(make_person, units):
    person = make_person(unit="H01", code="P6", start_date=D(2010, 1, 1))
    history.transfer(person=person, unit=units["H02"], on=D(2020, 1, 1))
    outcome = run_import(
        kind="nhan_su",
        file_name="nhan_su.csv",
        content=csv_bytes(
            template_rows("nhan_su", [person_row("P6", **{"Mã đơn vị": "H01X2", "Đối tượng": "cong_chuc"})])
        ),
        dry_run=False,
    )
    assert outcome.ok, outcome.errors
    rows = list(person.assignments.in_order().values_list("unit__code", "start_date", "end_date"))
    assert rows == [
        ("H01", D(2010, 1, 1), D(2020, 1, 1)),
        ("H02", D(2020, 1, 1), D(2026, 11, 26)),
        ("H01X2", D(2026, 11, 26), None),
    ]

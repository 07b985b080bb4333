"""A person's assignments on their page (newest first), and the transfer form (chuyển công tác)."""

import datetime

import pytest
import time_machine
from django.utils import translation

from personnel.history import Stretch, replace_history
from personnel.models import Assignment, OrgUnit, Person, UnitSuccession
from personnel.services import save_unit

D = datetime.date


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield
    translation.deactivate()  # a test that chose English must not leave it active


@pytest.fixture
def closed_ward(units):
    """Return ward H01X9 of Ba Đình, closed on 01/07/2025; its primary successor is Phúc Xá (H01X1)."""
    ward = save_unit(
        unit=OrgUnit(code="H01X9", name="UBND phường Cũ", parent=units["H01"], level="xa", closed_on=D(2025, 7, 1))
    )
    UnitSuccession.objects.create(predecessor=ward, successor=units["H01X1"], is_primary=True)
    return ward


@pytest.fixture
def moved_person(make_person, units, closed_ward):
    """Return a person of the old ward until 01/07/2025, then of Phúc Xá."""
    person = make_person(unit="H01X1", full_name="Trần Thị Hoa")
    replace_history(
        person=person,
        stretches=[
            Stretch(unit=closed_ward, category="cong_chuc_xa", start_date=D(2019, 5, 1), end_date=D(2025, 7, 1)),
            Stretch(
                unit=units["H01X1"],
                category="cong_chuc_xa",
                leadership_level=2,
                position_title="Phó Chủ tịch",
                start_date=D(2025, 7, 1),
            ),
        ],
    )
    return Person.objects.get(pk=person.pk)


def snapshot(person):
    """Return the person's assignments and mirrored fields, to check that nothing was written."""
    rows = list(
        Assignment.objects.filter(person=person)
        .order_by("pk")
        .values_list("pk", "unit_id", "category", "leadership_level", "position_title", "start_date", "end_date")
    )
    mirrored = Person.objects.filter(pk=person.pk).values_list("unit_id", "category", "end_date", "version").get()
    return rows, mirrored, Assignment.history.count()


def test_the_page_lists_the_assignments_newest_first_with_the_closing_date_of_a_closed_unit(hr, moved_person):
    response = hr.get(f"/nhan-su/{moved_person.code}/")

    assert [a.unit.code for a in response.context["assignments"]] == ["H01X1", "H01X9"]
    html = response.content.decode()
    timeline = html[html.index('id="qua-trinh"') :]
    assert timeline.index("UBND phường Phúc Xá") < timeline.index("UBND phường Cũ")
    assert "giải thể từ 01/07/2025" in timeline
    assert "01/07/2025 – nay" in timeline
    assert "01/05/2019 – 01/07/2025" in timeline
    assert "Phó Chủ tịch" in timeline
    assert "Cấp phòng và tương đương" in timeline
    assert "Chuyển công tác" in html


def test_a_leader_sees_the_timeline_but_no_transfer_button(client, make_user, moved_person):
    client.force_login(make_user("leader_h01", role="leader", unit="H01"))
    html = client.get(f"/nhan-su/{moved_person.code}/").content.decode()
    assert "UBND phường Cũ" in html
    assert "/chuyen-cong-tac/" not in html
    assert client.get(f"/nhan-su/{moved_person.code}/chuyen-cong-tac/").status_code == 403


def test_the_form_offers_only_open_units_of_the_users_scope_and_today_as_the_date(hr, moved_person, units):
    response = hr.get(f"/nhan-su/{moved_person.code}/chuyen-cong-tac/")

    offered = {value for value, _label in response.context["form"].fields["unit"].widget.choices if value}
    assert offered == {units[code].pk for code in ("H01", "H01X1", "H01X2")}
    assert response.context["form"]["on"].value() == D(2026, 3, 10)


def test_a_transfer_ends_the_current_assignment_and_starts_one_in_the_new_unit(hr, moved_person, units):
    response = hr.post(
        f"/nhan-su/{moved_person.code}/chuyen-cong-tac/",
        {"unit": units["H01X2"].pk, "on": "01/03/2026", "category": "", "leadership_level": "3"},
    )

    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == f"/nhan-su/{moved_person.code}/#qua-trinh"
    rows = list(moved_person.assignments.in_order().values_list("unit__code", "start_date", "end_date"))
    assert rows == [
        ("H01X9", D(2019, 5, 1), D(2025, 7, 1)),
        ("H01X1", D(2025, 7, 1), D(2026, 3, 1)),
        ("H01X2", D(2026, 3, 1), None),
    ]
    latest = moved_person.assignments.get(start_date=D(2026, 3, 1))
    assert (latest.category, latest.leadership_level, latest.position_title) == ("cong_chuc_xa", 3, "Phó Chủ tịch")
    person = Person.objects.get(pk=moved_person.pk)
    assert (person.unit.code, person.leadership_level) == ("H01X2", 3)


def test_a_transfer_to_a_closed_unit_is_refused_naming_it_its_closing_date_and_successor_and_writes_nothing(
    hr, moved_person, closed_ward
):
    before = snapshot(moved_person)

    response = hr.post(f"/nhan-su/{moved_person.code}/chuyen-cong-tac/", {"unit": closed_ward.pk, "on": "01/03/2026"})

    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "UBND phường Cũ (H01X9)" in errors
    assert "01/07/2025" in errors
    assert "UBND phường Phúc Xá (H01X1)" in errors
    assert snapshot(moved_person) == before


def test_a_transfer_to_another_districts_unit_is_refused_and_writes_nothing(hr, moved_person, units):
    before = snapshot(moved_person)

    response = hr.post(
        f"/nhan-su/{moved_person.code}/chuyen-cong-tac/", {"unit": units["H02X1"].pk, "on": "01/03/2026"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["unit"] == ["Đơn vị này nằm ngoài phạm vi bạn quản lý."]
    assert snapshot(moved_person) == before


def test_a_transfer_on_a_day_the_person_did_not_work_is_refused_and_writes_nothing(hr, moved_person, units):
    before = snapshot(moved_person)

    response = hr.post(
        f"/nhan-su/{moved_person.code}/chuyen-cong-tac/", {"unit": units["H01X2"].pk, "on": "01/01/2010"}
    )

    assert response.status_code == 200
    assert "không công tác vào ngày 01/01/2010" in " ".join(response.context["form"].non_field_errors())
    assert snapshot(moved_person) == before


def test_hr_cannot_transfer_a_person_of_another_district(hr, make_person, units):
    other = make_person(unit="H02X1")
    response = hr.post(f"/nhan-su/{other.code}/chuyen-cong-tac/", {"unit": units["H01X2"].pk, "on": "01/03/2026"})
    assert response.status_code == 404
    assert Person.objects.get(pk=other.pk).unit.code == "H02X1"


def test_a_person_without_a_history_is_transferred_from_the_assignment_their_row_describes(hr, make_person, units):
    person = make_person(unit="H01X1", start_date=D(2015, 1, 1))
    person.assignments.all().delete()  # as a row written in bulk before it got its assignment

    response = hr.post(f"/nhan-su/{person.code}/chuyen-cong-tac/", {"unit": units["H01X2"].pk, "on": "01/02/2026"})

    assert response.status_code == 302
    rows = list(person.assignments.in_order().values_list("unit__code", "start_date", "end_date"))
    assert rows == [("H01X1", D(2015, 1, 1), D(2026, 2, 1)), ("H01X2", D(2026, 2, 1), None)]


def test_a_refused_transfer_of_a_person_without_a_history_leaves_them_without_one(hr, make_person, closed_ward):
    person = make_person(unit="H01X1", start_date=D(2015, 1, 1))
    person.assignments.all().delete()  # as a row written in bulk before it got its assignment

    response = hr.post(f"/nhan-su/{person.code}/chuyen-cong-tac/", {"unit": closed_ward.pk, "on": "01/02/2026"})

    assert response.status_code == 200
    assert not person.assignments.exists()


def test_an_hr_officer_who_chose_english_reads_the_refusal_in_english(hr, moved_person, closed_ward):
    hr.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = hr.post(f"/nhan-su/{moved_person.code}/chuyen-cong-tac/", {"unit": closed_ward.pk, "on": "01/03/2026"})

    assert response.context["form"].non_field_errors() == [
        "Unit UBND phường Cũ (H01X9) was closed on 01/07/2025; its primary successor is UBND phường Phúc Xá (H01X1)."
    ]


def test_the_units_offered_are_those_open_on_the_date_chosen(hr, moved_person, closed_ward, units):
    url = f"/nhan-su/{moved_person.code}/chuyen-cong-tac/"

    def offered(response):
        return {value for value, _label in response.context["form"].fields["unit"].widget.choices if value}

    assert closed_ward.pk in offered(hr.get(url, {"on": "30/06/2025"}))
    assert closed_ward.pk not in offered(hr.get(url, {"on": "01/07/2025"}))
    assert closed_ward.pk not in offered(hr.get(url, {"on": "not a date"}))
    assert 'hx-trigger="change"' in hr.get(url).content.decode()

"""Holes found by the security probe (issue #17) in personal data: citizen IDs in the change history, bulk reads
that left no trace, other districts that could be probed, non-ASCII digits, invisible characters in names,
formula look-alikes in exports."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AccessAction, AccessLog
from exchange.testing import csv_bytes, template_rows
from personnel.models import Person
from personnel.services import save_person
from reports.exports import safe_cell
from training.models import TrainingRecord

OLD_ID, NEW_ID = "001189224572", "001199000111"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 11, 20, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def corrected(make_person):
    """Return a person of H01 whose citizen ID was corrected once."""
    person = make_person(code="CB-SUA", full_name="Phạm Thu Hà", citizen_id=OLD_ID)
    person.citizen_id = NEW_ID
    return save_person(person=person)


def login(client, make_user, role: str):
    client.force_login(make_user(f"probe_{role}", role=role, unit="HN" if role in ("viewer", "admin") else "H01"))
    return client


# ---------------------------------------------------------------------------------------------
# 1. The change history masks citizen IDs as the profile does


@pytest.mark.parametrize("role", ["leader", "viewer"])
def test_a_corrected_citizen_id_is_masked_in_the_history_for_leaders_and_viewers(client, make_user, corrected, role):
    page = login(client, make_user, role).get(reverse("personnel:person_detail", args=[corrected.code]))
    html = page.content.decode()
    assert OLD_ID not in html
    assert NEW_ID not in html
    assert "001*******72" in html
    assert "001*******11" in html


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admins_see_the_corrected_citizen_id_in_full_in_the_history(client, make_user, corrected, role):
    html = login(client, make_user, role).get(reverse("personnel:person_detail", args=[corrected.code])).content
    assert OLD_ID.encode() in html
    assert NEW_ID.encode() in html


def test_the_admin_history_of_a_person_is_for_admins_only(client, make_user, corrected):
    leader = make_user("probe_staff_leader", role="leader", unit="H01", is_staff=True)
    client.force_login(leader)
    response = client.get(reverse("admin:personnel_person_history", args=[corrected.pk]))
    assert response.status_code == 302
    assert OLD_ID.encode() not in response.content


# ---------------------------------------------------------------------------------------------
# 8 and 12. Lists, searches, the edit form and the indicator panel leave a trace


def test_a_search_of_the_class_recorder_is_logged_with_its_filter_and_count(hr, make_person):
    make_person(full_name="Đặng Văn Dũng")
    make_person(full_name="Đặng Thị Lan")
    hr.get(reverse("training:person_search"), {"q": "dang"})
    entry = AccessLog.objects.get()
    assert (entry.action, entry.filters, entry.persons) == (AccessAction.LIST_PERSONS, {"q": "dang"}, 2)


def test_an_api_page_of_persons_is_logged_in_one_insert_with_how_many_it_returned(hr_user, make_person):
    for _index in range(3):
        make_person()
    api = APIClient()
    api.force_authenticate(hr_user)
    assert len(api.get("/api/v1/persons/", {"page_size": 2}).json()["results"]) == 2
    entry = AccessLog.objects.get()
    assert (entry.user, entry.action, entry.persons) == (hr_user, AccessAction.API_LIST_PERSONS, 2)


def test_opening_a_persons_edit_form_and_indicator_panel_are_logged(hr, make_person):
    person = make_person()
    hr.get(reverse("personnel:person_edit", args=[person.code]))
    hr.get(reverse("personnel:person_indicators", args=[person.code]), HTTP_HX_REQUEST="true")
    actions = list(AccessLog.objects.order_by("id").values_list("action", "target"))
    assert actions == [(AccessAction.EDIT_PERSON, person.code), (AccessAction.VIEW_INDICATORS, person.code)]


# ---------------------------------------------------------------------------------------------
# 7. Another district reads exactly like "not found"


def test_the_class_recorder_names_another_districts_person_like_an_unknown_code(hr, make_person, make_course):
    course = make_course("phap_luat", year=2025)
    theirs = make_person(unit="H02X1", code="CB-DA")
    data = {"course": course.pk, "codes": "CB-DA\nCB-KHONG", "result": "dang_hoc"}
    errors = hr.post(reverse("training:record_class"), data).context["form"].errors["codes"]
    assert errors == [f"Không có cán bộ mang mã: {theirs.code}, CB-KHONG."]
    assert not TrainingRecord.objects.exists()


@pytest.fixture
def importer(client, make_user, settings):
    settings.IMPORT_JOBS_INLINE = True
    user = make_user("probe_importer", role="hr", unit="H01")
    user.user_permissions.add(Permission.objects.get(codename="add_importbatch", content_type__app_label="exchange"))
    client.force_login(user)
    return client


def import_errors(client, kind: str, rows: list[dict]) -> list[tuple]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(f"{kind}.csv", csv_bytes(template_rows(kind, rows)), content_type="text/csv")
    response = client.post(reverse("exchange:upload", args=[kind]), {"file": upload}, follow=True)
    return [(column, reason) for row in response.context["rows"] for column, _value, reason in row.errors]


def test_a_scoped_import_does_not_name_the_out_of_scope_holder_of_a_citizen_id(importer, make_person):
    make_person(code="CB-DONGANH", unit="H02X1", citizen_id="001090123456")
    row = {
        "Mã cán bộ": "CB-MOI",
        "Họ và tên": "Ngô Văn Mới",
        "Ngày sinh": "01/01/1990",
        "Số CCCD": "001090123456",
        "Mã đơn vị": "H01",
        "Đối tượng": "cong_chuc",
    }
    errors = import_errors(importer, "nhan_su", [row])
    assert errors == [("Số CCCD", "Số CCCD này đã có trong hồ sơ của một cán bộ khác.")]
    assert "CB-DONGANH" not in str(errors)


def test_a_scoped_import_of_results_reads_another_districts_person_like_an_unknown_one(
    importer, make_person, make_course
):
    make_person(code="CB-DONGANH", unit="H02X1")
    make_course("phap_luat", code="K1", year=2024)
    rows = [
        {"Mã cán bộ": "CB-DONGANH", "Mã khóa học": "K1", "Kết quả": "dang_hoc"},
        {"Mã cán bộ": "CB-KHONG", "Mã khóa học": "K1", "Kết quả": "dang_hoc"},
    ]
    errors = import_errors(importer, "ket_qua", rows)
    assert errors == [
        ("Mã cán bộ", "Không có cán bộ mã «CB-DONGANH» (hãy nhập danh sách cán bộ trước)."),
        ("Mã cán bộ", "Không có cán bộ mã «CB-KHONG» (hãy nhập danh sách cán bộ trước)."),
    ]


# ---------------------------------------------------------------------------------------------
# 9. Citizen IDs: ASCII digits only, everywhere


FULL_WIDTH = "００１０９００００００１"
ARABIC_INDIC = "٠٠١٠٩٠٠٠٠٠٠١"


@pytest.mark.parametrize("citizen_id", [FULL_WIDTH, ARABIC_INDIC])
def test_the_model_refuses_a_citizen_id_of_non_ascii_digits(make_person, citizen_id):
    with pytest.raises(ValidationError) as caught:
        make_person(citizen_id=citizen_id)
    assert "citizen_id" in caught.value.message_dict


@pytest.mark.parametrize("citizen_id", [FULL_WIDTH, ARABIC_INDIC])
def test_the_api_refuses_a_citizen_id_of_non_ascii_digits(hr_user, units, citizen_id):
    api = APIClient()
    api.force_authenticate(hr_user)
    payload = {"code": "CB-X", "full_name": "Vũ Văn X", "birth_date": "1990-01-01", "category": "cong_chuc"}
    response = api.post("/api/v1/persons/", {**payload, "unit": "H01", "citizen_id": citizen_id}, format="json")
    assert response.status_code == 400
    assert "citizen_id" in response.json()
    assert not Person.objects.exists()


def test_the_import_refuses_a_citizen_id_of_full_width_digits(importer, units):
    row = {
        "Mã cán bộ": "CB-MOI",
        "Họ và tên": "Ngô Văn Mới",
        "Ngày sinh": "01/01/1990",
        "Số CCCD": FULL_WIDTH,
        "Mã đơn vị": "H01",
        "Đối tượng": "cong_chuc",
    }
    assert [column for column, _reason in import_errors(importer, "nhan_su", [row])] == ["Số CCCD"]


# ---------------------------------------------------------------------------------------------
# 12. Names refuse invisible characters; exports neutralise formula look-alikes


@pytest.mark.parametrize("name", ["Nguyễn Văn \u202eAn", "Nguyễn\u200b Văn An", "Nguyễn Văn\x07 An"])
def test_a_name_with_a_control_or_invisible_character_is_refused(make_person, name):
    with pytest.raises(ValidationError) as caught:
        make_person(full_name=name)
    assert "full_name" in caught.value.message_dict


def test_the_import_refuses_a_name_with_a_right_to_left_override(importer, units):
    row = {
        "Mã cán bộ": "CB-MOI",
        "Họ và tên": "Ngô Văn \u202eMới",
        "Ngày sinh": "01/01/1990",
        "Mã đơn vị": "H01",
        "Đối tượng": "cong_chuc",
    }
    assert [column for column, _reason in import_errors(importer, "nhan_su", [row])] == ["Họ và tên"]


def test_vietnamese_names_in_either_normal_form_are_accepted(make_person):
    import unicodedata

    name = "Nguyễn Thị Ánh Tuyết"
    assert make_person(full_name=unicodedata.normalize("NFD", name)).pk
    assert make_person(full_name=name).pk


@pytest.mark.parametrize("text", ["＝1+1", '﹦HYPERLINK("x")', "＋1", "－1", "＠SUM(A1)", "\u2212 1", " \u200b=1+1"])
def test_formula_look_alikes_are_neutralised_in_exports(text):
    assert safe_cell(text) == "'" + text


def test_ordinary_text_is_left_alone_in_exports():
    assert safe_cell("Nguyễn Văn An") == "Nguyễn Văn An"

"""One rule, one refusal: each invalid input is fed to the form, the API and the import, which refuse it alike.

The rules are stated once (``personnel.rules``, ``training.rules``, the model's unique messages); this
contract holds every entry point to them. Each case names the field refused and the message expected;
the import's reason is its cell's message (several messages of one cell joined by a space).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from exchange.resources import RESOURCES
from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from personnel.models import Person
from training.models import Course, TrainingRecord

D = datetime.date

BIRTH_IN_FUTURE = "Ngày sinh không được ở tương lai."
START_IN_FUTURE = "Ngày bắt đầu công tác không được ở tương lai."
START_NOT_AFTER_BIRTH = "Ngày bắt đầu công tác phải sau ngày sinh."
END_BEFORE_START = "Ngày thôi việc không được trước ngày bắt đầu công tác."
CODE_TAKEN = "Mã cán bộ này đã được dùng cho một người khác."
CITIZEN_ID_TAKEN = "Số CCCD này đã có trong hồ sơ của một cán bộ khác."
COURSE_ENDS_BEFORE_START = "Ngày kết thúc không được trước ngày bắt đầu."
STRANDED = "1 kết quả đã ghi có ngày hoàn thành nằm ngoài khoảng thời gian mới; hãy sửa các kết quả đó trước."


@pytest.fixture(autouse=True)
def on_1_august_2025(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(datetime.datetime(2025, 8, 1, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        yield


@pytest.fixture
def officer(make_user):
    """The HR officer of district H01: every entry point is used by them."""
    return make_user("hr_h01", role="hr", unit="H01")


@pytest.fixture
def entry(client, officer):
    """Return the three entry points of a kind of record, each giving {field: message} of a refused write."""
    client.force_login(officer)
    _instance, token = AuthToken.objects.create(user=officer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return Entries(web=client, api=api, user=officer)


class Entries:
    def __init__(self, *, web, api, user):
        self.web, self.api, self.user = web, api, user

    @staticmethod
    def form_errors(response) -> dict[str, str]:
        assert response.status_code == 200, "the form was saved"
        return {field: " ".join(messages) for field, messages in response.context["form"].errors.items()}

    @staticmethod
    def api_errors(response) -> dict[str, str]:
        assert response.status_code == 400, response.content
        return {field: " ".join(messages) for field, messages in response.json().items()}

    def import_errors(self, kind: str, row: dict[str, str]) -> dict[str, str]:
        headers = RESOURCES[kind].column_names()
        content = csv_bytes(template_rows(kind, [{headers[field]: value for field, value in row.items()}]))
        outcome = run_import(kind=kind, file_name=f"{kind}.csv", content=content, dry_run=True, user=self.user)
        field_of = {column: field for field, column in headers.items()}
        return {field_of[error.column]: error.reason for error in outcome.errors}


# --- persons -----------------------------------------------------------------------------------------------

PERSON = {
    "code": "CB1",
    "full_name": "Nguyễn Văn An",
    "birth_date": "1980-01-01",
    "gender": "nam",
    "citizen_id": "",
    "unit": "H01X1",
    "category": "cong_chuc_xa",
    "leadership_level": "0",
    "start_date": "2005-09-01",
    "end_date": "",
}

PERSON_CASES = {
    "a birth date in 2090": ({"birth_date": "2090-01-01"}, {"birth_date": BIRTH_IN_FUTURE}),
    "a start before birth": ({"start_date": "1979-12-31"}, {"start_date": START_NOT_AFTER_BIRTH}),
    "a start on the birth day": ({"start_date": "1980-01-01"}, {"start_date": START_NOT_AFTER_BIRTH}),
    "a start in 2090": ({"start_date": "2090-01-01"}, {"start_date": START_IN_FUTURE}),
    "an end before the start": ({"end_date": "2005-08-31"}, {"end_date": END_BEFORE_START}),
    "a code another unit's person holds": ({"code": "TAKEN"}, {"code": CODE_TAKEN}),
    "a citizen ID another person holds": ({"citizen_id": "001080000001"}, {"citizen_id": CITIZEN_ID_TAKEN}),
}


def person_form(entry, units, data) -> dict[str, str]:
    levels = {"education_level": "0", "political_level": "0", "state_management_level": "0", "language_level": "0"}
    post = {**data, **levels, "unit": units[data["unit"]].pk}
    return entry.form_errors(entry.web.post(reverse("personnel:person_create"), post))


def person_api(entry, units, data) -> dict[str, str]:
    payload = {**data, "citizen_id": data["citizen_id"] or None, "end_date": data["end_date"] or None}
    return entry.api_errors(entry.api.post("/api/v1/persons/", payload, format="json"))


def person_import(entry, units, data) -> dict[str, str]:
    return entry.import_errors("nhan_su", {name: value for name, value in data.items() if name != "leadership_level"})


@pytest.mark.parametrize("way", [person_form, person_api, person_import], ids=["form", "api", "import"])
@pytest.mark.parametrize(("changes", "refusal"), PERSON_CASES.values(), ids=PERSON_CASES.keys())
def test_every_entry_point_refuses_an_invalid_person_alike(entry, units, make_person, way, changes, refusal):
    make_person(code="TAKEN", unit="H02", citizen_id="001080000001")  # another district's person

    assert way(entry, units, {**PERSON, **changes}) == refusal
    assert not Person.objects.filter(code="CB1").exists()


# --- training records --------------------------------------------------------------------------------------

RECORD_CASES = {
    "a completion before the course": (
        {"completed_on": "2024-05-31"},
        "Ngày hoàn thành không được trước ngày bắt đầu khóa học (01/06/2024).",
    ),
    "a completion over a year after the course": (
        {"completed_on": "2025-07-01"},
        "Ngày hoàn thành không được sau ngày kết thúc khóa học quá một năm (muộn nhất 30/06/2025).",
    ),
    "a completion in the future": (
        {"course": "KFUT", "completed_on": "2025-09-30"},
        "Ngày hoàn thành không được ở tương lai.",
    ),
    "a date on a result that is not a completion": (
        {"result": "dang_hoc", "completed_on": "2024-06-30"},
        "Chỉ ghi ngày hoàn thành khi kết quả là “Hoàn thành”.",
    ),
    "a completion without a date of a course still running": (
        {"course": "KFUT"},
        "Khóa học kết thúc ngày 30/09/2025, sau hôm nay: ghi ngày hoàn thành hoặc chờ khóa học kết thúc.",
    ),
}


@pytest.fixture
def courses(make_course, units):
    """K2024 runs 01/06–30/06/2024; KFUT 01/09–30/09/2025 (after today); both run by district H01."""
    return {
        "K2024": make_course("phap_luat", code="K2024", year=2024, unit=units["H01"]),
        "KFUT": make_course(
            "phap_luat", code="KFUT", start_date=D(2025, 9, 1), end_date=D(2025, 9, 30), unit=units["H01"]
        ),
    }


def record_form(entry, courses, row) -> dict[str, str]:
    url = reverse("personnel:training_record_add", args=[row["person"]])
    data = {"course": courses[row["course"]].pk, "result": row["result"], "completed_on": row["completed_on"]}
    return entry.form_errors(entry.web.post(url, data))


def record_api(entry, courses, row) -> dict[str, str]:
    payload = {**row, "completed_on": row["completed_on"] or None}
    return entry.api_errors(entry.api.post("/api/v1/training-records/", payload, format="json"))


def record_import(entry, courses, row) -> dict[str, str]:
    return entry.import_errors("ket_qua", row)


@pytest.mark.parametrize("way", [record_form, record_api, record_import], ids=["form", "api", "import"])
@pytest.mark.parametrize(("changes", "message"), RECORD_CASES.values(), ids=RECORD_CASES.keys())
def test_every_entry_point_refuses_an_invalid_completion_alike(entry, make_person, courses, way, changes, message):
    make_person(code="P1", unit="H01X1")
    row = {"person": "P1", "course": "K2024", "result": "hoan_thanh", "completed_on": "", **changes}

    assert way(entry, courses, row) == {"completed_on": message}
    assert not TrainingRecord.objects.exists()


# --- courses -----------------------------------------------------------------------------------------------

COURSE_CASES = {
    "an end before the start": (
        {"start_date": "2024-06-10", "end_date": "2024-06-09"},
        "end_date",
        COURSE_ENDS_BEFORE_START,
    ),
    "new dates leaving a completion before them": (
        {"start_date": "2024-09-01", "end_date": "2024-09-30"},
        "start_date",
        STRANDED,
    ),
    "an earlier end leaving a completion over a year after it": (
        {"start_date": "2024-06-01", "end_date": "2024-06-05"},
        "end_date",
        STRANDED,
    ),
}


def course_form(entry, course, dates) -> dict[str, str]:
    data = {
        "code": course.code,
        "title": course.title,
        "types": ["phap_luat"],
        "form": "",
        "provider": "",
        "hours": "",
        "grants": "",
        "version": course.version,
        **dates,
    }
    return entry.form_errors(entry.web.post(reverse("training:course_edit", args=[course.code]), data))


def course_api(entry, course, dates) -> dict[str, str]:
    return entry.api_errors(entry.api.patch(f"/api/v1/courses/{course.code}/", dates, format="json"))


def course_import(entry, course, dates) -> dict[str, str]:
    return entry.import_errors("khoa_hoc", {"code": course.code, "title": course.title, "types": "phap_luat", **dates})


@pytest.mark.parametrize("way", [course_form, course_api, course_import], ids=["form", "api", "import"])
@pytest.mark.parametrize(("dates", "field", "message"), COURSE_CASES.values(), ids=COURSE_CASES.keys())
def test_every_entry_point_refuses_invalid_course_dates_alike(
    entry, make_person, make_course, complete, units, way, dates, field, message
):
    course = make_course("phap_luat", code="K2024", year=2024, unit=units["H01"])
    complete(make_person(unit="H01X1"), course, on=D(2024, 6, 30))
    complete(make_person(unit="H01X1"), course, on=D(2025, 6, 10))  # outside once the end moves before 10/06/2024

    refusal = way(entry, course, dates)

    assert refusal == {field: message}
    course.refresh_from_db()
    assert (course.start_date, course.end_date) == (D(2024, 6, 1), D(2024, 6, 30))


# --- the two import bugs of issue #18 ----------------------------------------------------------------------


def test_an_import_refuses_a_birth_in_2090_and_a_start_before_birth_or_in_2090(units):
    rows = [
        {
            "Mã cán bộ": "A1",
            "Họ và tên": "Lê Văn A",
            "Ngày sinh": "01/01/2090",
            "Mã đơn vị": "H01",
            "Đối tượng": "can_bo",
        },
        {
            "Mã cán bộ": "A2",
            "Họ và tên": "Lê Văn B",
            "Ngày sinh": "01/01/1990",
            "Mã đơn vị": "H01",
            "Đối tượng": "can_bo",
            "Ngày bắt đầu công tác": "01/01/1985",
        },
        {
            "Mã cán bộ": "A3",
            "Họ và tên": "Lê Văn C",
            "Ngày sinh": "01/01/1990",
            "Mã đơn vị": "H01",
            "Đối tượng": "can_bo",
            "Ngày bắt đầu công tác": "01/01/2090",
        },
    ]

    outcome = run_import(
        kind="nhan_su", file_name="nhan_su.csv", content=csv_bytes(template_rows("nhan_su", rows)), dry_run=False
    )

    assert [(e.line, e.column, e.reason) for e in outcome.errors] == [
        (2, "Ngày sinh", BIRTH_IN_FUTURE),
        (3, "Ngày bắt đầu công tác", START_NOT_AFTER_BIRTH),
        (4, "Ngày bắt đầu công tác", START_IN_FUTURE),
    ]
    assert not Person.objects.exists()


def test_an_import_may_not_move_a_course_away_from_its_recorded_completions(make_person, make_course, complete):
    course = make_course("phap_luat", code="K2024", year=2024)
    complete(make_person(), course, on=D(2024, 6, 30))
    row = {"Mã khóa học": "K2024", "Tên khóa học": course.title, "Loại khóa học": "phap_luat"}
    row |= {"Từ ngày": "01/09/2024", "Đến ngày": "30/09/2024"}

    outcome = run_import(
        kind="khoa_hoc", file_name="khoa_hoc.csv", content=csv_bytes(template_rows("khoa_hoc", [row])), dry_run=False
    )

    assert [(e.line, e.column, e.reason) for e in outcome.errors] == [(2, "Từ ngày", STRANDED)]
    assert Course.objects.values_list("start_date", "end_date").get() == (D(2024, 6, 1), D(2024, 6, 30))


# --- a person's record twice: the natural key's constraint, with its message ---------------------------------


def _taken_message(model) -> str:
    from personnel.rules import natural_key

    return str(natural_key(model).violation_error_message)


def qualification_twice(entry, person, way):
    from personnel.models import Qualification

    # Undated twice is the same qualification (as the import matches it), though the database would take both.
    person.qualifications.create(kind="quan_ly_nha_nuoc", level=2, obtained_on=None)
    if way == "form":
        url = reverse("personnel:qualification_add", args=[person.code])
        errors = entry.form_errors(entry.web.post(url, {"kind": "quan_ly_nha_nuoc", "level": "2", "obtained_on": ""}))
    else:
        payload = {"person": person.code, "kind": "quan_ly_nha_nuoc", "level": 2, "obtained_on": None}
        errors = entry.api_errors(entry.api.post("/api/v1/qualifications/", payload, format="json"))
    return _taken_message(Qualification), errors, "level"


def appointment_twice(entry, person, way):
    from personnel.models import Appointment

    person.appointments.create(kind="ngach", title="Chuyên viên", appointed_on=D(2024, 9, 1))
    if way == "form":
        url = reverse("personnel:appointment_add", args=[person.code])
        data = {"kind": "ngach", "title": "Chuyên viên chính", "appointed_on": "01/09/2024"}
        errors = entry.form_errors(entry.web.post(url, data))
    else:
        payload = {"person": person.code, "kind": "ngach", "title": "Chuyên viên chính", "appointed_on": "2024-09-01"}
        errors = entry.api_errors(entry.api.post("/api/v1/appointments/", payload, format="json"))
    return _taken_message(Appointment), errors, "appointed_on"


def record_twice(entry, person, way, course):
    TrainingRecord.objects.create(person=person, course=course, result="khong_dat")
    if way == "form":
        url = reverse("personnel:training_record_add", args=[person.code])
        errors = entry.form_errors(entry.web.post(url, {"course": course.pk, "result": "khong_dat"}))
    else:
        payload = {"person": person.code, "course": course.code, "result": "khong_dat"}
        errors = entry.api_errors(entry.api.post("/api/v1/training-records/", payload, format="json"))
    return _taken_message(TrainingRecord), errors, "course"


@pytest.mark.parametrize("way", ["form", "api"])
@pytest.mark.parametrize("twice", [qualification_twice, appointment_twice, record_twice])
def test_the_form_and_the_api_refuse_a_persons_record_twice_with_its_constraints_message(
    entry, make_person, courses, way, twice
):
    person = make_person(unit="H01", category="khac")
    extra = [courses["K2024"]] if twice is record_twice else []

    message, errors, field = twice(entry, person, way, *extra)

    assert errors == {field: message}
    assert message.startswith("Cán bộ đã có")  # the constraint's own words, not Django's generic "already exists"

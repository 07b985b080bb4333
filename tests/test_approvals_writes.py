"""Every path that writes records behind the figures meets the approved years: the API (409 "year_locked"), the
bulk API, the person page's forms and its delete button, the class recorder, and the imports of qualifications,
appointments and assignments (row by row, nothing written); the approvals API itself."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from knox.models import AuthToken
from rest_framework.test import APIClient

from approvals import locks, services
from approvals.models import Status, YearApproval
from exchange.services import run_import
from exchange.testing import csv_bytes, template_rows
from personnel.models import Appointment, Assignment, Qualification
from training.models import TrainingRecord

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def in_january_2026():
    with time_machine.travel(datetime.datetime(2026, 1, 15, 9, tzinfo=HANOI), tick=False):
        yield


def api_as(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


@pytest.fixture
def world(make_person, make_course, make_user, units, programme):
    world = {
        "p1": make_person(code="P1", full_name="Trần Văn Bình", unit="H01X1", category="cong_chuc_xa"),
        "p2": make_person(code="P2", full_name="Lê Thị Cúc", unit="H01X2", category="cong_chuc_xa"),
        "course": make_course("phap_luat", code="K2024", year=2024),
        "ward_leader": make_user("lead_x1", role="leader", unit="H01X1"),
        "district_leader": make_user("lead_h01", role="leader", unit="H01"),
        "hr": make_user("hr_h01", role="hr", unit="H01"),
        "units": units,
        "programme": programme,
    }
    services.approve(programme=programme, unit=units["H01X1"], year=2024, user=world["ward_leader"])
    return world


def test_the_api_answers_409_year_locked_and_writes_nothing(world):
    client = api_as(world["hr"])
    body = {"person": "P1", "course": "K2024", "result": "hoan_thanh"}

    refused = client.post("/api/v1/training-records/", body, format="json")
    written = client.post("/api/v1/training-records/", {**body, "person": "P2"}, format="json")

    assert refused.status_code == 409
    assert refused.json()["code"] == "year_locked"
    assert refused.json()["lock"]["unit"] == "H01X1"
    assert written.status_code == 201
    assert list(TrainingRecord.objects.values_list("person__code", flat=True)) == ["P2"]


def test_the_bulk_api_names_each_locked_item_and_writes_nothing(world):
    items = [{"person": code, "course": "K2024", "result": "hoan_thanh"} for code in ("P2", "P1")]

    answer = api_as(world["hr"]).post("/api/v1/training-records/bulk/", items, format="json")

    assert answer.status_code == 409
    assert answer.json()["code"] == "year_locked"
    assert [e["index"] for e in answer.json()["errors"]] == [1]
    assert TrainingRecord.objects.count() == 0


def test_the_person_pages_form_refuses_a_date_in_the_approved_year(client, world):
    client.force_login(world["hr"])

    answer = client.post("/nhan-su/P1/van-bang/them/", {"kind": "ngoai_ngu", "level": "3", "obtained_on": "2024-05-01"})

    assert answer.status_code == 200
    assert "đã được lead_x1 phê duyệt" in answer.content.decode()
    assert not Qualification.objects.exists()


def test_the_delete_button_refuses_a_record_of_the_approved_year(client, world, qualify):
    services.return_year(
        programme=world["programme"], unit=world["units"]["H01X1"], year=2024, user=world["district_leader"],
        reason="Bổ sung",
    )  # fmt: skip
    qualification = qualify(world["p1"], "ngoai_ngu", 3, datetime.date(2024, 5, 1))
    services.approve(programme=world["programme"], unit=world["units"]["H01X1"], year=2024, user=world["ward_leader"])
    client.force_login(world["hr"])

    client.post(f"/nhan-su/P1/van-bang/{qualification.pk}/xoa/")

    assert Qualification.objects.filter(pk=qualification.pk).exists()


def test_the_class_recorder_refuses_the_whole_class(client, world):
    client.force_login(world["hr"])

    client.post(
        "/dao-tao/ghi-ket-qua-ca-lop/",
        {"course": world["course"].pk, "codes": "P1 P2", "result": "hoan_thanh", "completed_on": ""},
    )

    assert TrainingRecord.objects.count() == 0


def run(kind, records):
    return run_import(
        kind=kind, file_name=f"{kind}.csv", content=csv_bytes(template_rows(kind, records)), dry_run=False
    )


def test_qualification_and_appointment_imports_are_refused_row_by_row(world):
    qualifications = run(
        "van_bang",
        [
            {"Mã cán bộ": "P1", "Loại": "ngoai_ngu", "Trình độ": "B1", "Ngày cấp": "01/05/2024"},
            {"Mã cán bộ": "P2", "Loại": "ngoai_ngu", "Trình độ": "B1", "Ngày cấp": "01/05/2024"},
            {"Mã cán bộ": "P1", "Loại": "ngoai_ngu", "Trình độ": "B1", "Ngày cấp": "01/05/2025"},
        ],
    )
    appointments = run(
        "bo_nhiem",
        [{"Mã cán bộ": "P1", "Loại bổ nhiệm": "ngach", "Chức danh": "Chuyên viên", "Ngày bổ nhiệm": "01/03/2024"}],
    )

    assert not qualifications.ok
    assert [e.line for e in qualifications.errors] == [2]
    assert not appointments.ok
    assert len(appointments.errors) == 1
    assert not Qualification.objects.exists()
    assert not Appointment.objects.exists()


def test_an_assignment_import_that_rewrites_the_approved_year_is_refused(world):
    outcome = run(
        "qua_trinh_cong_tac",
        [
            {"Mã cán bộ": "P1", "Mã đơn vị": "H01X2", "Đối tượng": "cong_chuc_xa", "Từ ngày": "", "Đến ngày": ""},
        ],
    )
    later = run(
        "qua_trinh_cong_tac",
        [
            {"Mã cán bộ": "P2", "Mã đơn vị": "H01X2", "Đối tượng": "cong_chuc_xa", "Từ ngày": "", "Đến ngày": ""},
        ],
    )

    assert not outcome.ok
    assert "phê duyệt" in str(outcome.errors[0])
    assert list(Assignment.objects.filter(person=world["p1"]).values_list("unit__code", flat=True)) == ["H01X1"]
    assert later.ok, later.errors


def test_a_transfer_after_the_approved_year_is_not_refused(world):
    from personnel.history import transfer

    transfer(person=world["p1"], unit=world["units"]["H01X2"], on=datetime.date(2026, 1, 10))

    assert Assignment.objects.filter(person=world["p1"]).count() == 2


def test_the_approvals_api_accepts_returns_and_refuses_who_may_not(world):
    district = api_as(world["district_leader"])
    key = {"programme": "HN-2021-2025", "unit": "H01X1", "year": 2024}

    refused = api_as(world["ward_leader"]).post("/api/v1/approvals/return/", {**key, "reason": "x"}, format="json")
    accepted = district.post("/api/v1/approvals/accept/", key, format="json")
    listed = district.get("/api/v1/approvals/?year=2024").json()["results"]
    returned = district.post("/api/v1/approvals/return/", {**key, "reason": "Thiếu"}, format="json")
    again = district.post("/api/v1/approvals/accept/", key, format="json")

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert accepted.json()["status"] == Status.ACCEPTED
    assert [(a["unit"], a["status"]) for a in listed] == [("H01X1", "accepted")]
    assert returned.status_code == 200
    assert again.status_code == 400
    assert again.json()["code"] == "not_approved"
    assert YearApproval.objects.get().status == Status.RETURNED


def person_row(code, unit, **cells):
    row = {"Mã cán bộ": code, "Họ và tên": "Trần Văn Bình", "Ngày sinh": "01/01/1980", "Mã đơn vị": unit}
    row["Đối tượng"] = "cong_chuc_xa"
    return {**row, **cells}


def test_a_personnel_import_that_moves_people_in_the_approved_year_is_refused(world):
    moved = run("nhan_su", [person_row("P1", "H01X2")])
    newcomer = run("nhan_su", [person_row("P9", "H01X1", **{"Ngày bắt đầu công tác": "01/01/2020"})])
    renamed = run("nhan_su", [person_row("P1", "H01X1", **{"Họ và tên": "Trần Văn Bính"})])
    elsewhere = run("nhan_su", [person_row("P8", "H01X2", **{"Ngày bắt đầu công tác": "01/01/2020"})])

    assert not moved.ok
    assert "phê duyệt" in str(moved.errors[0])
    assert not newcomer.ok
    assert renamed.ok, renamed.errors
    assert elsewhere.ok, elsewhere.errors
    assert list(Assignment.objects.filter(person=world["p1"]).values_list("unit__code", flat=True)) == ["H01X1"]


def test_the_person_form_refuses_a_move_that_rewrites_the_approved_year(client, world):
    client.force_login(world["hr"])
    form = client.get("/nhan-su/P1/sua/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"unit": world["units"]["H01X2"].pk, "version": world["p1"].version})

    answer = client.post("/nhan-su/P1/sua/", data)

    assert answer.status_code == 200
    assert "phê duyệt" in answer.content.decode()
    assert list(Assignment.objects.filter(person=world["p1"]).values_list("unit__code", flat=True)) == ["H01X1"]


def test_the_api_refuses_a_person_move_into_the_approved_year_with_409(world):
    answer = api_as(world["hr"]).patch("/api/v1/persons/P1/", {"unit": "H01X2"}, format="json")

    assert answer.status_code == 409
    assert answer.json()["code"] == "year_locked"


def test_the_compliance_api_gives_the_frozen_figures_and_who_approved(world, complete):
    services.grant_exception(
        unit=world["units"]["H01X1"], year=2024, until=datetime.datetime(2026, 1, 20, tzinfo=HANOI),
        reason="Bổ sung", user=world["district_leader"],
    )  # fmt: skip
    complete(world["p1"], world["course"])
    client = api_as(world["district_leader"])

    ward = client.get("/api/v1/compliance/?unit=H01X1&year=2024&view=today").json()
    district = client.get("/api/v1/compliance/units/?unit=H01&year=2024&view=today").json()

    assert ward["approved"]["by"] == "lead_x1"
    assert all(i["numerator"] == 0 for i in ward["indicators"])  # frozen before the correction
    assert "approved" not in district
    children = {c["unit"]["code"]: c for c in district["children"]}
    assert children["H01X1"]["approved"]["by"] == "lead_x1"
    assert "approved" not in children["H01X2"]


def test_the_bulk_and_exception_endpoints(world, make_user):
    admin = api_as(make_user("admin_hn", role="admin", unit="HN"))
    district = api_as(world["district_leader"])

    refused = district.post(
        "/api/v1/approvals/bulk/", {"programme": "HN-2021-2025", "years": [2023], "level": "xa"}, format="json"
    )
    bulk = admin.post(
        "/api/v1/approvals/bulk/", {"programme": "HN-2021-2025", "years": [2022, 2023], "level": "xa"}, format="json"
    )
    opened = district.post(
        "/api/v1/approvals/exceptions/",
        {"programme": "HN-2021-2025", "unit": "H01X1", "year": 2024, "reason": "Bổ sung", "days": 3},
        format="json",
    )

    assert refused.status_code == 403
    assert bulk.status_code == 200
    assert bulk.json()["approved"] == 6
    assert opened.status_code == 200
    assert opened.json()["unit"] == "H01X1"
    assert locks.locked_for(world["p1"].pk, datetime.date(2024, 6, 30)) is None

"""The sign-off pages: the buttons, the dashboard's approved mark and frozen figures, "now vs approved", the final
report (print and XLSX), the bulk page, and the compliance command's "approved"."""

import datetime
import io
import json
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import call_command

from approvals import services
from approvals.models import Status, YearApproval

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def in_january_2026(figures_in_request):
    with time_machine.travel(datetime.datetime(2026, 1, 15, 9, tzinfo=HANOI), tick=False):
        yield


@pytest.fixture
def world(make_person, make_course, make_user, units):
    return {
        "p1": make_person(code="P1", full_name="Trần Văn Bình", unit="H01X1", category="cong_chuc_xa"),
        "course": make_course("phap_luat", code="K2024", year=2024),
        "ward_leader": make_user("lead_x1", role="leader", unit="H01X1"),
        "district_leader": make_user("lead_h01", role="leader", unit="H01"),
        "units": units,
    }


QUERY = "programme=HN-2021-2025&unit=H01X1&year=2024&view=today"


def test_a_ward_leader_approves_with_the_button_and_the_dashboard_marks_it(client, world):
    client.force_login(world["ward_leader"])

    page = client.get(f"/phe-duyet/?{QUERY}")
    assert 'data-action="approve"' in page.content.decode()
    answer = client.post(
        "/phe-duyet/thao-tac/", {"programme": "HN-2021-2025", "unit": "H01X1", "year": "2024", "action": "approve"}
    )

    assert answer.status_code == 302
    assert YearApproval.objects.get().status == Status.APPROVED
    dashboard = client.get(f"/bao-cao/?{QUERY}").content.decode()
    assert 'id="approved-mark"' in dashboard
    assert "lead_x1" in dashboard


def test_a_year_that_is_not_ascii_digits_is_refused_as_not_found(client, world):
    client.force_login(world["ward_leader"])

    answer = client.post(
        "/phe-duyet/thao-tac/", {"programme": "HN-2021-2025", "unit": "H01X1", "year": "²", "action": "approve"}
    )

    assert answer.status_code == 404
    assert not YearApproval.objects.exists()


def test_the_dashboard_keeps_the_frozen_figures_after_an_excepted_correction(client, world, programme, complete):
    services.approve(programme=programme, unit=world["units"]["H01X1"], year=2024, user=world["ward_leader"])
    services.grant_exception(
        unit=world["units"]["H01X1"], year=2024, until=datetime.datetime(2026, 1, 20, tzinfo=HANOI),
        reason="Bổ sung", user=world["district_leader"],
    )  # fmt: skip
    complete(world["p1"], world["course"])
    client.force_login(world["district_leader"])

    frozen = client.get(f"/bao-cao/?{QUERY}").context["figures"].report.by_code()
    unapproved = client.get(QUERY.join(["/bao-cao/?", ""]).replace("year=2024", "year=2025"))
    compare = client.get(f"/phe-duyet/so-sanh/?{QUERY}").content.decode()

    assert all(r.numerator == 0 for r in frozen.values())
    assert unapproved.status_code == 200
    assert "Trần Văn Bình" in compare
    assert "nay đạt chỉ tiêu" in compare


def test_the_final_report_prints_with_the_signature_block_and_downloads_as_xlsx(client, world, programme):
    services.approve(programme=programme, unit=world["units"]["H01X1"], year=2024, user=world["ward_leader"])
    client.force_login(world["district_leader"])

    page = client.get("/phe-duyet/bao-cao-tong-ket/?programme=HN-2021-2025&unit=H01X1&view=today").content.decode()
    workbook = client.get("/phe-duyet/bao-cao-tong-ket/xlsx/?programme=HN-2021-2025&unit=H01X1&view=today")

    assert "Báo cáo tổng kết Chương trình 01-CTr/TU giai đoạn 2021–2025" in page
    assert "Người lập biểu" in page
    assert "Thủ trưởng đơn vị" in page
    assert page.count('class="approved-tick"') == programme.indicators.count()  # 2024 approved, each target
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert "NGƯỜI LẬP BIỂU" in cells
    assert "THỦ TRƯỞNG ĐƠN VỊ" in cells
    assert sum(
        1 for row in sheet.iter_rows(min_row=9) if row[0].value in {i.code for i in programme.indicators.all()}
    ) == (programme.indicators.count())


def test_the_compliance_command_carries_who_approved(world, programme, capsys):
    services.approve(programme=programme, unit=world["units"]["H01X1"], year=2024, user=world["ward_leader"])

    call_command("compliance", "--programme", "HN-2021-2025", "--year", "2024", "--unit", "H01X1", "--view", "today")
    approved = json.loads(capsys.readouterr().out)
    call_command("compliance", "--programme", "HN-2021-2025", "--year", "2023", "--unit", "H01X1", "--view", "today")
    not_approved = json.loads(capsys.readouterr().out)

    assert approved["approved"]["by"] == "lead_x1"
    assert approved["approved"]["at"]
    assert "approved" not in not_approved


def test_the_approve_and_return_year_commands(world, capsys):
    call_command("approve", "--programme", "HN-2021-2025", "--year", "2024", "--unit", "H01X1", "--user", "lead_x1")
    assert YearApproval.objects.get().status == Status.APPROVED

    call_command(
        "return_year", "--programme", "HN-2021-2025", "--year", "2024", "--unit", "H01X1", "--user", "lead_h01",
        "--reason", "Thiếu kết quả",
    )  # fmt: skip
    assert YearApproval.objects.get().status == Status.RETURNED


def test_only_a_city_admin_opens_the_bulk_page(client, world, make_user):
    client.force_login(world["district_leader"])
    assert client.get("/phe-duyet/hang-loat/").status_code == 403
    admin = make_user("admin_hn", role="admin", unit="HN")
    client.force_login(admin)

    answer = client.post("/phe-duyet/hang-loat/", {"years": ["2022", "2023"], "level": "xa", "open_only": "1"})

    assert answer.status_code == 302
    assert YearApproval.objects.filter(status=Status.FINAL).count() == 6  # three wards × two years


def test_the_district_dashboard_marks_its_approved_wards(client, world, programme):
    client.force_login(world["district_leader"])
    before = client.get("/bao-cao/?programme=HN-2021-2025&unit=H01&year=2024&view=today").content.decode()
    services.approve(programme=programme, unit=world["units"]["H01X1"], year=2024, user=world["ward_leader"])

    after = client.get("/bao-cao/?programme=HN-2021-2025&unit=H01&year=2024&view=today").content.decode()

    assert "approved-unit" not in before
    ward_row = after.split('data-unit="H01X1"')[1].split("</tr>")[0]
    assert "approved-unit" in ward_row
    assert "approved-unit" not in after.split('data-unit="H01X2"')[1].split("</tr>")[0]


def test_a_closed_district_is_approved_and_reported_as_it_was_then(client, world, programme, make_user):
    from personnel.models import OrgUnit

    OrgUnit.objects.filter(code__in=["H02", "H02X1"]).update(closed_on=datetime.date(2025, 7, 1))
    district = OrgUnit.objects.get(code="H02")
    leader = make_user("lead_h02", role="leader", unit="H02")

    approval = services.approve(programme=programme, unit=district, year=2025, user=leader)
    client.force_login(leader)
    report = client.get("/phe-duyet/bao-cao-tong-ket/?programme=HN-2021-2025&unit=H02")

    assert set(approval.figures) == {"then"}
    assert approval.figures["then"]["as_of"] == "2025-06-30"
    assert report.status_code == 200
    assert report.context["selection"].view == "then"
    assert report.context["report"].approval["by"] == "lead_h02"

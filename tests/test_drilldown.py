"""Drill-down: from an indicator of a unit to the people (or appointments) who do not meet it, and why."""

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from targets import compliance

pytestmark = pytest.mark.usefixtures("figures_in_request")

TODAY = datetime.datetime(2025, 11, 20, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
LAW_OR_ETHICS = "chưa có khóa cập nhật kiến thức pháp luật hoặc bồi dưỡng đạo đức công vụ năm 2025"


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def scene(make_person, make_course, complete, appoint):
    law = make_course("phap_luat", year=2025)
    an = make_person(full_name="Nguyễn Văn An", unit="H01", code="CB-AN")
    complete(an, law)
    binh = make_person(full_name="Trần Thị Bình", unit="H01", code="CB-BINH")
    cuong = make_person(full_name="Lê Văn Cường", unit="H01X1", code="CB-CUONG")
    make_person(full_name="Đỗ Thị Hà", unit="H02", code="CB-HA")
    dung = make_person(
        full_name="Phạm Văn Dũng", unit="H01X1", category="cong_chuc_xa", education_level=4, code="XA-DUNG"
    )
    em = make_person(
        full_name="Hoàng Thị Em", unit="H01X1", category="cong_chuc_xa", education_level=1, field_suited=True
    )
    giang = make_person(full_name="Vũ Văn Giang", unit="H01X2", category="cong_chuc_xa", education_level=1)
    make_person(full_name="Ngô Văn Đạt", unit="H01X2", category="cong_chuc_xa", education_level=2, field_suited=True)
    rank = appoint(binh, "ngach", datetime.date(2024, 3, 1), title="Chuyên viên chính")
    post = appoint(cuong, "chuc_vu", datetime.date(2024, 5, 1), title="Phó Chủ tịch UBND phường")
    return {"an": an, "binh": binh, "cuong": cuong, "dung": dung, "em": em, "giang": giang, "rank": rank, "post": post}


@pytest.fixture
def leader_client(client, make_user):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    return client


def listed(html: str) -> dict[str, list[str]]:
    """Return {person code: [what is missing]} from a drill-down page, in page order."""
    rows = {}
    for code, body in re.findall(r'<tr data-person="([^"]+)">(.*?)</tr>', html, re.S):
        missing = re.search(r'<td class="missing">(.*?)</td>', body, re.S).group(1)
        rows.setdefault(code, []).extend(re.findall(r"<li>(.*?)</li>", missing))
    return rows


def test_the_list_names_who_does_not_meet_an_indicator_and_what_each_misses(leader_client, scene):
    response = leader_client.get(reverse("reports:drilldown", args=["CC-3"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert listed(html) == {"CB-BINH": [LAW_OR_ETHICS], "CB-CUONG": [LAW_OR_ETHICS]}
    assert "Trần Thị Bình" in html
    assert "CB-AN" not in html  # An took the legal course in 2025
    assert "CB-HA" not in html  # H02 is not below H01
    assert '<strong class="unmet-count">2</strong>' in html


def test_the_list_holds_exactly_the_people_the_engine_counts_as_not_meeting(leader_client, scene, programme, units):
    for code in ("CC-3", "CC-4", "XA-1", "XA-2"):
        html = leader_client.get(reverse("reports:drilldown", args=[code])).content.decode()
        result = compliance.evaluate(programme, units["H01"], year=2025).by_code()[code]
        expected = list(compliance.unmet(programme, code, units["H01"], year=2025).values_list("code", flat=True))
        assert list(listed(html)) == expected
        assert len(expected) == result.denominator - result.numerator


def test_what_is_missing_leaves_out_what_the_person_already_has(leader_client, scene):
    html = leader_client.get(reverse("reports:drilldown", args=["XA-1"])).content.decode()
    rows = listed(html)
    field = "chuyên môn chưa phù hợp vị trí việc làm (hoặc chưa khai)"
    level = "chưa đạt trình độ chuyên môn Trung cấp"
    assert rows["XA-DUNG"] == [field]  # đại học, but not in a suited field
    assert rows[scene["em"].code] == [level]  # suited field, sơ cấp only
    assert rows[scene["giang"].code] == [level, field]
    assert len(rows) == 3


def test_appointment_indicators_list_each_appointment_with_the_course_its_kind_requires(leader_client, scene):
    html = leader_client.get(reverse("reports:drilldown", args=["CC-1"])).content.decode()
    rows = listed(html)
    assert rows == {
        "CB-BINH": ["chưa có khóa bồi dưỡng theo tiêu chuẩn ngạch (QLNN) trước ngày bổ nhiệm"],
        "CB-CUONG": ["chưa có khóa bồi dưỡng năng lực, kỹ năng lãnh đạo, quản lý trước ngày bổ nhiệm"],
    }
    assert "Bổ nhiệm ngạch: Chuyên viên chính (01/03/2024)" in html
    assert "lần bổ nhiệm chưa đáp ứng chỉ tiêu" in html


def test_an_appointment_trained_for_in_time_is_not_listed(leader_client, scene, make_course, complete):
    course = make_course("tieu_chuan_ngach", year=2023)
    complete(scene["binh"], course)
    rows = listed(leader_client.get(reverse("reports:drilldown", args=["CC-1"])).content.decode())
    assert list(rows) == ["CB-CUONG"]


def test_the_list_of_a_unit_below_is_limited_to_its_subtree(leader_client, scene):
    html = leader_client.get(reverse("reports:drilldown", args=["CC-3"]), {"unit": "H01X1"}).content.decode()
    assert list(listed(html)) == ["CB-CUONG"]


def test_a_unit_outside_the_scope_or_an_unknown_indicator_is_not_found(leader_client, scene):
    assert leader_client.get(reverse("reports:drilldown", args=["CC-3"]), {"unit": "H02"}).status_code == 404
    assert leader_client.get(reverse("reports:drilldown", args=["KHONG-CO"])).status_code == 404
    for name in ("reports:drilldown_csv", "reports:drilldown_xlsx"):
        assert leader_client.get(reverse(name, args=["CC-3"]), {"unit": "H02"}).status_code == 404


def test_the_dashboard_links_each_unmet_indicator_to_its_list(leader_client, scene):
    html = leader_client.get(reverse("reports:dashboard"), {"unit": "H01X1"}).content.decode()
    row = re.search(r'data-code="XA-1">(.*?)</tr>', html, re.S).group(1)
    link = re.search(r'<a class="drill-link no-print" href="([^"]+)"', row).group(1).replace("&amp;", "&")
    assert link.startswith(reverse("reports:drilldown", args=["XA-1"]) + "?")
    assert "unit=H01X1" in link
    assert "year=2025" in link
    assert list(listed(leader_client.get(link).content.decode())) == ["XA-DUNG", scene["em"].code]


def test_the_page_shows_the_indicators_figures_with_its_bar(leader_client, scene):
    html = leader_client.get(reverse("reports:drilldown", args=["CC-3"])).content.decode()
    assert "CC-3: 33,3% (1/3); chỉ tiêu ≥ 80%; chưa đạt, còn thiếu 2 người" in html
    assert 'role="img"' in html
    assert "Số liệu tính lúc 09:30 20/11/2025" in html


def test_long_lists_come_in_pages_of_fifty(leader_client, make_person, units):
    for index in range(55):
        make_person(full_name=f"Người Số {index:02d}", unit="H01")
    first = leader_client.get(reverse("reports:drilldown", args=["CC-3"])).content.decode()
    second = leader_client.get(reverse("reports:drilldown", args=["CC-3"]), {"page": 2}).content.decode()
    assert len(listed(first)) == 50
    assert len(listed(second)) == 5
    assert not set(listed(first)) & set(listed(second))
    assert "Trang 2/2" in second
    assert '<td class="num">51</td>' in second


def test_the_drilldown_takes_the_same_queries_whatever_the_size_of_the_list(
    leader_client, scene, make_person, django_assert_num_queries
):
    url = reverse("reports:drilldown", args=["XA-1"])
    leader_client.get(url)
    with django_assert_num_queries(13):  # no query for the groups: the role is kept with the session
        leader_client.get(url)
    for index in range(25):
        make_person(full_name=f"Người Xã {index}", unit="H01X2", category="cong_chuc_xa", education_level=index % 3)
    leader_client.get(url)  # the figures are recomputed once after the change
    with django_assert_num_queries(13):
        leader_client.get(url)


def test_the_list_downloads_as_csv_with_what_each_misses(leader_client, scene):
    response = leader_client.get(reverse("reports:drilldown_csv", args=["XA-1"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="chua-dat-XA-1-H01-2025.csv"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["STT", "Mã cán bộ", "Họ và tên", "Ngày sinh", "Đơn vị", "Đối tượng", "Chức vụ", "Còn thiếu"]
    assert rows[1][:4] == ["1", "XA-DUNG", "Phạm Văn Dũng", "01/01/1980"]
    assert rows[1][-1] == "chuyên môn chưa phù hợp vị trí việc làm (hoặc chưa khai)"
    assert len(rows) == 4


def test_the_list_downloads_as_xlsx_with_what_each_misses(leader_client, scene):
    response = leader_client.get(reverse("reports:drilldown_xlsx", args=["CC-1"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue()))["CC-1"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Danh sách chưa đạt CC-1")
    header = rows.index(
        (
            "STT",
            "Mã cán bộ",
            "Họ và tên",
            "Ngày sinh",
            "Đơn vị",
            "Đối tượng",
            "Chức vụ",
            "Loại bổ nhiệm",
            "Chức danh bổ nhiệm",
            "Ngày bổ nhiệm",
            "Còn thiếu",
        )
    )
    assert sheet.freeze_panes == f"A{header + 2}"
    data = rows[header + 1 :]
    assert [row[1] for row in data] == ["CB-BINH", "CB-CUONG"]
    assert data[0][7:] == (
        "Bổ nhiệm ngạch",
        "Chuyên viên chính",
        datetime.datetime(2024, 3, 1),  # noqa: DTZ001 (a spreadsheet cell read back: no time zone)
        "chưa có khóa bồi dưỡng theo tiêu chuẩn ngạch (QLNN) trước ngày bổ nhiệm",
    )


def test_the_list_exports_take_the_same_queries_whatever_their_length(
    leader_client, scene, make_person, django_assert_num_queries
):
    csv_url, xlsx_url = (reverse(name, args=["XA-1"]) for name in ("reports:drilldown_csv", "reports:drilldown_xlsx"))
    leader_client.get(reverse("reports:dashboard"))  # stores the figures
    planned = 1 if connection.vendor == "postgresql" else 0  # the list read in a transaction planned for all rows
    for size in (3, 33):  # each export also writes one access-log row (the role is kept with the session)
        with django_assert_num_queries(9 + planned):
            content = b"".join(leader_client.get(csv_url).streaming_content)
        assert content.count(b"\n") == size + 1
        with django_assert_num_queries(12 + planned):
            leader_client.get(xlsx_url)
        for index in range(30):
            make_person(full_name=f"Người {index}", unit="H01X1", category="cong_chuc_xa")
        leader_client.get(reverse("reports:dashboard"))  # recomputes the stored figures once

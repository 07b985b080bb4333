"""The leaders' dashboard: a unit's figures against the 2021–2025 targets, its child units side by side."""

import datetime
import re
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from targets import compliance

pytestmark = pytest.mark.usefixtures("figures_in_request")

TODAY = datetime.datetime(2025, 11, 20, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
GROUP_TITLES = [
    "Cán bộ diện Ban Thường vụ Thành ủy quản lý",
    "Cán bộ, công chức",
    "Cán bộ, công chức cấp xã",
    "Viên chức",
    "Đại biểu Hội đồng nhân dân",
]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def scene(make_person, make_course, complete):
    """Return persons of H01 and its communes, some trained in 2025 and before."""
    law_2025 = make_course("phap_luat", year=2025)
    skills_2025 = make_course("ky_nang_cong_vu", year=2025)
    law_2023 = make_course("phap_luat", year=2023)
    an = make_person(full_name="Nguyễn Văn An", unit="H01")
    binh = make_person(full_name="Trần Thị Bình", unit="H01")
    make_person(full_name="Lê Văn Cường", unit="H01")
    complete(an, law_2025)
    complete(an, skills_2025)
    complete(binh, law_2023)
    complete(binh, skills_2025)
    make_person(full_name="Phạm Văn Dũng", unit="H01X1", category="cong_chuc_xa", education_level=4, field_suited=True)
    make_person(full_name="Hoàng Thị Em", unit="H01X1", category="cong_chuc_xa", education_level=1)
    make_person(full_name="Vũ Văn Giang", unit="H01X2", category="cong_chuc_xa", education_level=2, field_suited=True)
    make_person(full_name="Đỗ Thị Hà", unit="H02", category="cong_chuc")
    return {"an": an, "binh": binh}


def indicator_figures(html: str) -> dict[str, dict]:
    """Return {code: figures} read from the indicator rows of a dashboard page."""
    figures = {}
    for code, body in re.findall(r'<tr class="indicator [^"]*" data-code="([^"]+)">(.*?)</tr>', html, re.S):

        def text(css_class, body=body):
            return re.search(rf'class="{css_class}"[^>]*>([^<]*)<', body).group(1).strip()

        figures[code] = {
            "percent": text("percent"),
            "numerator": int(text("numerator")),
            "denominator": int(text("denominator")),
            "gap": int(text("gap")),
        }
    return figures


def unit_cells(html: str) -> dict[str, dict[str, str]]:
    """Return {unit code: {indicator code: cell text}} from the side-by-side table."""
    table = html[html.index('id="don-vi-truc-thuoc"') :]
    cells = {}
    for unit, body in re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', table, re.S):
        cells[unit] = {
            code: re.sub(r"<[^>]+>", " ", content).split()[0]
            for code, content in re.findall(r'<td class="cell [^"]*" data-code="([^"]+)">(.*?)</td>', body, re.S)
        }
    return cells


def percent_text(value) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + "%"


def test_a_leader_sees_the_dashboard_of_their_own_unit_by_default(client, make_user, scene, programme):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "UBND quận Ba Đình" in html
    shown = indicator_figures(html)
    expected = compliance.evaluate(programme, scene["an"].unit, year=2025)
    assert list(shown) == [result.code for result in expected.indicators]
    assert len(shown) == 15
    for result in expected.indicators:
        assert shown[result.code] == {
            "percent": percent_text(result.percent),
            "numerator": result.numerator,
            "denominator": result.denominator,
            "gap": result.gap,
        }


def test_the_figures_of_the_example_are_those_the_rules_give(client, make_user, scene):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    shown = indicator_figures(client.get(reverse("reports:dashboard")).content.decode())
    # CC-3: An (legal course 2025) of An, Bình, Cường → 1/3; 80% of 3 is 2.4, so 2 more people are needed.
    assert shown["CC-3"] == {"percent": "33,3%", "numerator": 1, "denominator": 3, "gap": 2}
    # CC-4: An and Bình took the skills course in 2025 → 2/3, 70% needs ⌈2.1⌉ = 3.
    assert shown["CC-4"] == {"percent": "66,7%", "numerator": 2, "denominator": 3, "gap": 1}
    # XA-1: Dũng and Giang hold trung cấp or more in a suited field; Em does not.
    assert shown["XA-1"] == {"percent": "66,7%", "numerator": 2, "denominator": 3, "gap": 1}


def test_indicators_are_grouped_as_the_programme_groups_them(client, make_user, scene):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    html = client.get(reverse("reports:dashboard")).content.decode()
    positions = [html.index(f">{title}</h2>") for title in GROUP_TITLES]
    assert positions == sorted(positions)
    cc_group = html[positions[1] : positions[2]]
    assert re.findall(r'data-code="([^"]+)">', cc_group) == ["CC-1", "CC-2", "CC-3", "CC-4"]


def test_each_bar_is_an_svg_with_a_target_marker_and_its_numbers_in_text(client, make_user, scene):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    html = client.get(reverse("reports:dashboard")).content.decode()
    row = re.search(r'data-code="CC-3">(.*?)</tr>', html, re.S).group(1)
    svg = re.search(r'<svg class="bar".*?</svg>', row, re.S).group(0)
    assert 'role="img"' in svg
    assert "<title>CC-3: 33,3% (1/3); chỉ tiêu ≥ 80%; chưa đạt, còn thiếu 2 người</title>" in svg
    assert 'class="bar-fill band-far" x="0" y="0" width="33.3"' in svg
    assert 'class="bar-target" x1="80.0" x2="80.0"' in svg
    assert "33,3%" in row.replace(svg, "")  # the number is also written beside the bar
    assert "chỉ tiêu ≥ 80%" in row.replace(svg, "")


def test_annual_and_status_indicators_show_their_trend_over_2021_to_2025(client, make_user, scene, programme):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    html = client.get(reverse("reports:dashboard")).content.decode()
    row = re.search(r'data-code="CC-3">(.*?)</tr>', html, re.S).group(1)
    years = compliance.evaluate_years(programme, scene["an"].unit, years=range(2021, 2026))
    label = "; ".join(f"{y}: {percent_text(years[y].by_code()['CC-3'].percent)}" for y in range(2021, 2026))
    assert f'aria-label="Xu hướng CC-3: {label}"' in row
    assert "<title>2023: 33,3%</title>" in row  # Bình's legal course of 2023, shown on hover over its point
    assert "<title>2025: 33,3%</title>" in row
    # and in a table below the chart
    assert re.search(r'data-code="CC-3">.*?<table class="trend-table">.*?<td>33,3%</td>', html, re.S)
    assert 'class="trend-label"' in row  # axes: 0 %, 100 % and the years
    status_row = re.search(r'data-code="XA-1">(.*?)</tr>', html, re.S).group(1)
    assert "trend-chart" in status_row  # a status indicator has a value at the end of each year too


def test_child_units_are_side_by_side_with_links_to_their_own_dashboards(client, make_user, scene, programme, units):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    html = client.get(reverse("reports:dashboard")).content.decode()
    cells = unit_cells(html)
    assert list(cells) == ["H01X1", "H01X2"]
    for code in cells:
        report = compliance.evaluate(programme, units[code], year=2025)
        assert cells[code] == {r.code: percent_text(r.percent) for r in report.indicators}
    assert 'href="?year=2025&amp;unit=H01X1"' in html or 'unit=H01X1"' in html
    assert re.search(r'data-code="XA-1"><a href="\?[^"]*unit=H01X1"', html)


def test_child_units_sort_by_the_gap_of_an_indicator(client, make_user, make_person, scene):
    make_person(unit="H01X2", category="cong_chuc_xa")
    make_person(unit="H01X2", category="cong_chuc_xa")
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    url = reverse("reports:dashboard")
    assert list(unit_cells(client.get(url).content.decode())) == ["H01X1", "H01X2"]
    html = client.get(url, {"sort": "gap:XA-1"}).content.decode()
    assert list(unit_cells(html)) == ["H01X2", "H01X1"]  # H01X2 lacks 2 people, H01X1 one
    assert 'aria-sort="descending"' in html


def test_a_leader_can_open_a_unit_below_theirs_but_not_one_outside(client, make_user, scene):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    url = reverse("reports:dashboard")
    below = client.get(url, {"unit": "H01X1"})
    assert below.status_code == 200
    assert list(indicator_figures(below.content.decode())["XA-1"].values()) == ["50,0%", 1, 2, 1]
    assert client.get(url, {"unit": "H02"}).status_code == 404
    assert client.get(url, {"unit": "HN"}).status_code == 404
    assert client.get(url, {"unit": "KHONG-CO"}).status_code == 404


def test_the_unit_choice_offers_exactly_the_users_scope(client, make_user, scene):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    html = client.get(reverse("reports:dashboard")).content.decode()
    select = re.search(r'<select name="unit".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', select) == ["H01", "H01X1", "H01X2"]
    assert '<option value="H01" selected>' in select


@pytest.mark.parametrize("role", ["leader", "viewer", "hr", "admin"])
def test_every_role_sees_the_dashboard_of_its_scope(client, make_user, scene, role):
    client.force_login(make_user("nguoidung", role=role, unit="H01"))
    assert client.get(reverse("reports:dashboard")).status_code == 200
    outside = client.get(reverse("reports:dashboard"), {"unit": "H02"})
    assert outside.status_code == (200 if role in ("viewer", "admin") else 404)


def test_a_city_wide_viewer_starts_at_the_city_and_sees_every_district(client, make_user, scene):
    client.force_login(make_user("xem", role="viewer", unit=None))
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert "Thành phố Hà Nội" in html
    assert list(unit_cells(html)) == ["H01", "H02", "SNV"]
    assert indicator_figures(html)["CC-3"]["denominator"] == 4


def test_a_user_without_a_role_or_a_unit_is_refused(client, make_user, django_user_model, units):
    nobody = django_user_model.objects.create_user(username="khong-vai-tro", password="x" * 12, unit=units["H01"])
    client.force_login(nobody)
    assert client.get(reverse("reports:dashboard")).status_code == 403
    client.force_login(make_user("khong-don-vi", role="leader", unit=None))
    assert client.get(reverse("reports:dashboard")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, units):
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["reports:dashboard", "reports:print", "reports:export_xlsx", "reports:export_csv"])
def test_the_report_pages_change_nothing_and_refuse_writes(client, make_user, scene, name):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    assert client.post(reverse(name)).status_code == 405


def test_the_years_offered_are_those_of_the_programme_and_the_current_year(client, make_user, scene):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    url = reverse("reports:dashboard")
    html = client.get(url).content.decode()
    select = re.search(r'<select name="year".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', select) == ["2021", "2022", "2023", "2024", "2025"]
    assert '<option value="2025" selected>' in select
    assert client.get(url, {"year": "2022"}).status_code == 200
    assert client.get(url, {"year": "2020"}).status_code == 404
    assert client.get(url, {"year": "abc"}).status_code == 404
    assert client.get(url, {"programme": "KHONG-CO"}).status_code == 404


def test_after_the_programme_ends_it_opens_on_its_last_year_and_offers_the_current_year_too(
    client, make_user, scene, programme
):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        client.force_login(make_user("lanhdao", role="leader", unit="H01"))
        html = client.get(reverse("reports:dashboard")).content.decode()
        select = re.search(r'<select name="year".*?</select>', html, re.S).group(0)
        assert re.findall(r'<option value="(\d+)"', select) == ["2021", "2022", "2023", "2024", "2025", "2026"]
        assert '<option value="2025" selected>' in select
        html = client.get(reverse("reports:dashboard"), {"year": 2026}).content.decode()
        expected = compliance.evaluate(programme, scene["an"].unit, year=2026).by_code()["CC-3"]
        assert indicator_figures(html)["CC-3"]["numerator"] == expected.numerator == 0


def test_a_year_of_the_past_is_evaluated_on_its_31_december(client, make_user, scene, programme):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    html = client.get(reverse("reports:dashboard"), {"year": "2023"}).content.decode()
    assert "tính đến ngày 31/12/2023" in html
    expected = compliance.evaluate(programme, scene["an"].unit, year=2023).by_code()["CC-3"]
    assert indicator_figures(html)["CC-3"]["numerator"] == expected.numerator == 1


def test_the_page_says_when_the_figures_were_computed(client, make_user, scene):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert "Số liệu tính lúc 09:30 20/11/2025" in html
    assert "data-refreshing" not in html


def test_the_print_view_is_an_a4_report_with_heading_unit_year_and_data_date(client, make_user, scene):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    response = client.get(reverse("reports:print"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU ĐÀO TẠO, BỒI DƯỠNG" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "Hà Nội, ngày 20 tháng 11 năm 2025" in html
    assert '<dd class="unit-name">UBND quận Ba Đình</dd>' in html
    assert '<dd class="report-year">2025</dd>' in html
    assert "<dd>20/11/2025</dd>" in html  # data as of
    assert "data-print" in html
    assert indicator_figures(html)["CC-3"]["numerator"] == 1
    css = (Path(__file__).parent.parent / "reports/static/reports/reports.css").read_text()
    assert "size: A4" in css


def test_no_page_carries_an_inline_script(client, make_user, scene):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    for name in ("reports:dashboard", "reports:print"):
        html = client.get(reverse(name)).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert not re.search(r"\son[a-z]+=", html)


def test_the_dashboard_takes_the_same_queries_whatever_the_size_of_the_data(
    client, make_user, make_person, make_course, complete, scene, django_assert_num_queries
):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    url = reverse("reports:dashboard")
    client.get(url)  # computes and stores every year
    # session, user and unit, programme, version, runs, approvals (the role is kept with the session: no groups)
    with django_assert_num_queries(6):
        client.get(url)
    with django_assert_num_queries(8):  # drawn anew (another order): + the stored figures and the indicators
        client.get(url, {"sort": "name"})
    course = make_course("phap_luat", year=2025)
    complete(make_person(unit="H01"), course)
    # A new course: each year is evaluated whole and stored again (savepoints counted: tests run in a transaction).
    # (Collecting the triggers' notes keeps the newest one: a few statements more per year.)
    with django_assert_num_queries(95):
        client.get(url)
    for index in range(30):
        person = make_person(full_name=f"Người Thứ {index}", unit="H01X1" if index % 2 else "H01")
        complete(person, course)
    # Persons and records only: each year is updated unit by unit (the changed units, how many persons they
    # hold, then their ancestors); the triggers note persons, whose units take one more query.
    with django_assert_num_queries(101):
        client.get(url)
    with django_assert_num_queries(6):
        client.get(url)


def test_the_figures_are_decimal_exact_to_the_engine(client, make_user, make_person, make_course, complete, units):
    course = make_course("phap_luat", year=2025)
    for index in range(7):
        person = make_person(full_name=f"Người {index}", unit="H01")
        if index < 2:
            complete(person, course)
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    shown = indicator_figures(client.get(reverse("reports:dashboard")).content.decode())
    assert shown["CC-3"] == {"percent": "28,6%", "numerator": 2, "denominator": 7, "gap": 4}
    assert Decimal("28.6") == compliance.percent(2, 7)

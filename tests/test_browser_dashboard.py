"""In a real browser: a district leader reads the dashboard, drills down to names, and downloads the same figures."""

import datetime
import re
from importlib import import_module

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("figures_in_request"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def seeded(transactional_db):
    """Put back what the migrations seed (course types, the programme, the role groups) if a flush removed it.

    Serialized rollback does not restore it once a Playwright page has run in the session: the
    connection then no longer carries the serialized data, and an earlier transactional test's flush
    leaves these tables empty.
    """
    import_module("training.migrations.0002_seed_course_types").seed(apps, None)
    import_module("targets.migrations.0002_seed_hn_2021_2025").seed(apps, None)
    import_module("training.migrations.0004_newcomer_english_names").seed(apps, None)
    import_module("targets.migrations.0004_newcomer_english_names").seed(apps, None)
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@pytest.fixture
def district(seeded, make_person, make_course, complete, make_user):
    """Return the leader of H01, whose district has one civil servant trained this year and two not."""
    from targets.models import Programme
    from targets.years import default_year

    year = default_year(Programme.objects.get(code="HN-2021-2025"))  # the year the dashboard opens on
    end = min(timezone.localdate(), datetime.date(year, 12, 31))
    law = make_course("phap_luat", year=year, start_date=datetime.date(year, 1, 1), end_date=end)
    an = make_person(full_name="Nguyễn Văn An", unit="H01", code="CB-AN")
    complete(an, law)
    make_person(full_name="Trần Thị Bình", unit="H01", code="CB-BINH")
    make_person(full_name="Lê Văn Cường", unit="H01X1", code="CB-CUONG")
    make_person(full_name="Đỗ Thị Hà", unit="H02", code="CB-HA")  # another district
    make_person(full_name="Phạm Văn Dũng", unit="H01X1", category="cong_chuc_xa", education_level=1)
    leader = make_user("lanhdao.badinh", role="leader", unit="H01")
    leader.shown_year = year
    return leader


def page_figures(page) -> dict[str, dict]:
    """Return {code: figures} as the dashboard shows them."""
    figures = {}
    for row in page.locator("tr.indicator").all():
        percent = row.locator(".percent").inner_text().strip()
        figures[row.get_attribute("data-code")] = {
            "percent": None if percent == "—" else float(percent.rstrip("%").replace(",", ".")),
            "numerator": int(row.locator(".numerator").inner_text()),
            "denominator": int(row.locator(".denominator").inner_text()),
            "gap": int(row.locator(".gap").inner_text()),
        }
    return figures


def test_a_district_leader_drills_down_to_names_and_downloads_the_figures_shown(page, login, district, tmp_path):
    login("lanhdao.badinh")
    page.goto(f"{page.base_url}/bao-cao/")
    assert page.locator("h1 .unit-name").inner_text() == "UBND quận Ba Đình"
    assert re.search(r"Số liệu tính lúc \d\d:\d\d \d\d/\d\d/\d{4}", page.locator(".freshness").inner_text())
    shown = page_figures(page)
    assert len(shown) == 15
    assert shown["CC-3"] == {"percent": 33.3, "numerator": 1, "denominator": 3, "gap": 2}
    assert (
        page.locator('tr.indicator[data-code="CC-3"] svg.bar[role="img"] title')
        .text_content()
        .startswith("CC-3: 33,3% (1/3)")
    )

    # From the unmet indicator to the people who do not meet it.
    page.locator('tr.indicator[data-code="CC-3"] a.drill-link').click()
    page.wait_for_url(re.compile(r"/bao-cao/chi-tieu/CC-3/"))
    names = page.locator("table.unmet-list td.person-name").all_inner_texts()
    assert names == ["Trần Thị Bình", "Lê Văn Cường"]
    assert "Nguyễn Văn An" not in page.content()
    assert "Đỗ Thị Hà" not in page.content()
    missing = page.locator('tr[data-person="CB-BINH"] td.missing').inner_text()
    assert "chưa có khóa cập nhật kiến thức pháp luật hoặc bồi dưỡng đạo đức công vụ" in missing
    page.go_back()

    # The XLSX holds the figures the page showed, and the same names.
    with page.expect_download() as download_info:
        page.locator("#download-xlsx").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    assert path.name == f"bao-cao-chi-tieu-H01-{district.shown_year}.xlsx"
    book = openpyxl.load_workbook(path)
    rows = list(book["Tổng hợp"].iter_rows(values_only=True))
    header = rows.index(next(row for row in rows if row and row[0] == "Nhóm"))
    downloaded = {
        row[1]: {"percent": row[6], "numerator": row[4], "denominator": row[5], "gap": row[8]}
        for row in rows[header + 1 :]
    }
    assert downloaded == shown
    listed = [row[2] for row in book["CC-3"].iter_rows(values_only=True) if row and isinstance(row[0], int)]
    assert listed == names


def test_the_print_view_prints_to_an_a4_pdf(page, login, district):
    login("lanhdao.badinh")
    page.goto(f"{page.base_url}/bao-cao/in/")
    assert page.locator(".report-title").inner_text() == "BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU ĐÀO TẠO, BỒI DƯỠNG"
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".print-actions").is_visible()
    assert page.locator(".signatures").inner_text().split("\n")[0] == "Người lập biểu"
    assert "Thủ trưởng đơn vị" in page.locator(".signatures").inner_text()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = [(float(w), float(h)) for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)]
    assert pages
    assert all(sorted((round(w), round(h))) == [595, 842] for w, h in pages)  # A4 (595 × 842 pt)
    assert pages[0][0] < pages[0][1]  # the report starts on a portrait page…
    assert pages[-1][0] > pages[-1][1]  # …and the wide table of units prints in landscape

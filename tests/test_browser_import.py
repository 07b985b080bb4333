"""In a real browser: an admin loads a unit's personnel file, sees a bad file refused with its errors, undoes a load."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.roles import Role
from exchange.testing import csv_bytes, template_rows
from personnel.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def jobs_run_inline(settings):
    settings.IMPORT_JOBS_INLINE = True


@pytest.fixture
def admin(transactional_db, units, make_user):
    for role in Role:  # an earlier transactional test's flush may have emptied the seeded groups
        Group.objects.get_or_create(name=role.value)
    return make_user("quantri", role="admin", unit="HN")


def person(code: str, name: str, **cells) -> dict:
    return {
        "Mã cán bộ": code,
        "Họ và tên": name,
        "Ngày sinh": "20/10/1986",
        "Mã đơn vị": "H01X1",
        "Đối tượng": "Công chức",
        "Trình độ chuyên môn": "Đại học",
        **cells,
    }


def write(tmp_path, name: str, records: list[dict]):
    path = tmp_path / name
    path.write_bytes(csv_bytes(template_rows("nhan_su", records), bom=True))
    return path


def upload(page, path):
    page.goto(f"{page.base_url}/nhap-du-lieu/")
    page.locator("[data-kind='nhan_su']").get_by_role("link", name="Tải tệp lên").click()
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('Tải lên và kiểm tra')")


def test_an_admin_previews_confirms_and_finds_the_records(page, login, admin, tmp_path):
    path = write(tmp_path, "phuc_xa.csv", [person("PX01", "Đinh Thị Thu"), person("PX02", "Kiều Văn Toàn")])
    login("quantri")

    upload(page, path)

    expect(page.locator("h1")).to_contain_text("Nhân sự")
    expect(page.locator(".page-head [data-status]")).to_have_text("Chờ xác nhận")
    rows = page.locator("#batch-rows tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Đinh Thị Thu")
    expect(page.locator("#batch-rows [data-status='new']")).to_have_count(2)
    assert not Person.objects.filter(code__in=["PX01", "PX02"]).exists()

    page.click("button:has-text('Xác nhận ghi 2 thay đổi')")

    expect(page.locator("#batch-summary")).to_contain_text("Đã ghi: 2 mới, 0 cập nhật, 0 không đổi.")
    page.goto(f"{page.base_url}/nhan-su/?q=kieu+van+toan")
    expect(page.locator("#person-results tbody tr")).to_have_count(1)
    expect(page.locator("#person-results")).to_contain_text("Kiều Văn Toàn")


def test_a_file_with_three_bad_rows_shows_every_error_and_changes_nothing(page, login, admin, tmp_path, make_person):
    make_person(code="PX00", full_name="Mai Văn Lộc", unit="H01X1")
    path = write(
        tmp_path,
        "co_loi.csv",
        [
            person("PX01", "Đinh Thị Thu"),
            person("PX02", "Kiều Văn Toàn", **{"Ngày sinh": "30/02/1986"}),
            person("PX03", "Lò Thị Mây", **{"Mã đơn vị": "KHONG-CO"}),
            person("PX00", "Mai Văn Lộc", **{"Trình độ chuyên môn": "Siêu cấp"}),
        ],
    )
    login("quantri")

    upload(page, path)

    expect(page.locator(".page-head [data-status]")).to_have_text("Bị từ chối (có lỗi, không ghi gì)")
    expect(page.locator("#batch-summary")).to_contain_text("Tệp có 3 lỗi: không ghi gì.")
    errors = page.locator("#batch-rows .row-errors li")
    expect(errors).to_have_count(3)
    expect(page.locator("#batch-rows tr[data-line='3']")).to_contain_text("Ngày không có thật trên lịch.")
    expect(page.locator("#batch-rows tr[data-line='4']")).to_contain_text("Không có đơn vị mã «KHONG-CO»")
    expect(page.locator("#batch-rows tr[data-line='5']")).to_contain_text("Trình độ không hợp lệ")
    expect(page.get_by_role("button", name="Xác nhận ghi")).to_have_count(0)
    with page.expect_download() as download:
        page.click("text=Tải các dòng lỗi (XLSX)")
    assert download.value.suggested_filename.startswith("dong-loi-lan-nhap-")
    assert sorted(Person.objects.values_list("code", flat=True)) == ["PX00"]
    assert Person.objects.get(code="PX00").education_level == 0


def test_an_admin_undoes_a_load(page, login, admin, tmp_path):
    path = write(tmp_path, "nham.csv", [person("PX01", "Đinh Thị Thu")])
    login("quantri")
    upload(page, path)
    page.click("button:has-text('Xác nhận ghi 1 thay đổi')")
    expect(page.locator("#batch-summary")).to_contain_text("Đã ghi: 1 mới")
    assert Person.objects.filter(code="PX01").exists()

    page.click("text=Hoàn tác lần nhập")
    page.click("button:has-text('Hoàn tác lần nhập này')")

    expect(page.locator("#batch-summary")).to_contain_text("Đã hoàn tác: xóa 1 bản ghi đã tạo")
    expect(page.locator(".page-head [data-status]")).to_have_text("Đã hoàn tác")
    assert not Person.objects.filter(code="PX01").exists()

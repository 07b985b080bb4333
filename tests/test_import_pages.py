"""The import pages: upload, preview (new / updated / unchanged / error), confirm; errors listed and downloadable."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from exchange.models import ImportBatch, ImportRow, ImportStatus
from exchange.testing import csv_bytes, template_rows, xlsx_bytes
from personnel.models import Person


@pytest.fixture(autouse=True)
def jobs_run_inline(settings):
    settings.IMPORT_JOBS_INLINE = True


@pytest.fixture
def admin(make_user):
    return make_user("quantri", role="admin", unit="HN")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def person(code: str, **cells) -> dict:
    return {
        "Mã cán bộ": code,
        "Họ và tên": "Phạm Thị Hằng",
        "Ngày sinh": "12/05/1987",
        "Mã đơn vị": "H01X1",
        "Đối tượng": "Công chức",
        "Trình độ chuyên môn": "Đại học",
        **cells,
    }


def upload(client, content: bytes, name: str = "nhan_su.csv", kind: str = "nhan_su"):
    """Upload a file as the form does; return the batch page it leads to."""
    response = client.post(reverse("exchange:upload", args=[kind]), {"file": _file(content, name)}, follow=True)
    assert response.status_code == 200
    return response


def _file(content: bytes, name: str):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def shown_rows(response) -> list[tuple[int, str]]:
    return [(row.line, row.status) for row in response.context["rows"]]


def test_the_import_pages_are_for_users_with_the_import_permission_only(client, make_user, admin):
    make_user("canbo_tochuc", role="hr", unit="H01")
    pages = [
        reverse("exchange:import_home"),
        reverse("exchange:upload", args=["nhan_su"]),
        reverse("exchange:batch_list"),
        reverse("exchange:template_download", args=["nhan_su", "xlsx"]),
    ]

    assert all(client.get(url).status_code == 302 for url in pages)  # to the login page
    client.login(username="canbo_tochuc", password="mat-khau-thu-nghiem-2025")
    assert [client.get(url).status_code for url in pages] == [403] * 4
    assert "Nhập dữ liệu" not in client.get(reverse("personnel:person_list")).content.decode()

    client.force_login(admin)
    assert [client.get(url).status_code for url in pages] == [200] * 4
    assert reverse("exchange:import_home") in client.get(reverse("personnel:person_list")).content.decode()


def test_the_home_page_offers_the_templates_in_import_order(admin_client):
    response = admin_client.get(reverse("exchange:import_home"))

    assert [kind.code for kind in response.context["kinds"]] == [
        "don_vi",
        "nhan_su",
        "qua_trinh_cong_tac",
        "van_bang",
        "khoa_hoc",
        "ket_qua",
        "bo_nhiem",
    ]
    page = response.content.decode()
    assert reverse("exchange:template_download", args=["ket_qua", "xlsx"]) in page
    assert reverse("exchange:template_download", args=["ket_qua", "csv"]) in page


def test_a_valid_file_is_previewed_row_by_row_and_written_only_once_confirmed(admin_client, admin, make_person):
    make_person(code="P1", full_name="Phạm Thị Hằng", unit="H01X1", birth_date=datetime.date(1987, 5, 12))
    make_person(code="P2", full_name="Lê Văn Nam", unit="H01X1", birth_date=datetime.date(1987, 5, 12))
    Person.objects.filter(code__in=["P1", "P2"]).update(education_level=4)
    rows = [
        person("P1"),
        person("P2", **{"Họ và tên": "Lê Văn Nam", "Trình độ chuyên môn": "Thạc sĩ", "Mã đơn vị": "H01X2"}),
        person("N1", **{"Họ và tên": "Đỗ Minh Khoa"}),
        person("N2", **{"Họ và tên": "Vũ Thị Lan"}),
    ]

    response = upload(admin_client, csv_bytes(template_rows("nhan_su", rows)))

    batch = response.context["batch"]
    assert batch.status == ImportStatus.PREVIEWED
    assert shown_rows(response) == [(2, "unchanged"), (3, "updated"), (4, "new"), (5, "new")]
    updated = response.context["rows"][1]
    assert updated.changes == [["Mã đơn vị", "H01X1", "H01X2"], ["Trình độ chuyên môn", "Đại học", "Thạc sĩ"]]
    page = response.content.decode()
    assert "Đại học</del> → <ins>Thạc sĩ" in page
    assert "Xác nhận ghi 3 thay đổi" in page
    assert not Person.objects.filter(code__in=["N1", "N2"]).exists()
    assert Person.objects.get(code="P2").education_level == 4

    response = admin_client.post(reverse("exchange:confirm", args=[batch.pk]), follow=True)

    batch.refresh_from_db()
    assert (batch.status, batch.new_count, batch.updated_count, batch.unchanged_count) == (
        ImportStatus.APPLIED,
        2,
        1,
        1,
    )
    assert batch.user == admin
    assert sorted(Person.objects.filter(code__in=["N1", "N2"]).values_list("full_name", flat=True)) == [
        "Vũ Thị Lan",
        "Đỗ Minh Khoa",
    ]
    assert Person.objects.get(code="P2").education_level == 5
    assert set(batch.history(Person).values_list("code", "history_type")) == {("N1", "+"), ("N2", "+"), ("P2", "~")}
    assert "Đã ghi: 2 mới, 1 cập nhật, 1 không đổi." in response.content.decode()
    assert bytes(ImportBatch.objects.get(pk=batch.pk).content) == b""  # no second copy of personal data


def test_an_xlsx_file_is_previewed_and_loaded_like_a_csv_file(admin_client, units):
    rows = template_rows("nhan_su", [person("X1", **{"Ngày sinh": datetime.date(1990, 1, 31)})])

    response = upload(admin_client, xlsx_bytes(rows, extra_sheets=("Ghi chú",)), "nhan_su.xlsx")
    admin_client.post(reverse("exchange:confirm", args=[response.context["batch"].pk]))

    assert Person.objects.get(code="X1").birth_date == datetime.date(1990, 1, 31)


def test_a_file_with_invalid_rows_lists_every_error_and_writes_nothing(admin_client, units):
    rows = [
        person("A1"),
        person("A2", **{"Ngày sinh": "31/02/1990"}),
        person("A3", **{"Mã đơn vị": "ZZZ", "Đối tượng": "giam_doc"}),
        person("A4"),
        person("A1"),
    ]

    response = upload(admin_client, csv_bytes(template_rows("nhan_su", rows)))

    batch = response.context["batch"]
    assert (batch.status, batch.error_count) == (ImportStatus.REJECTED, 4)
    assert shown_rows(response) == [(3, "error"), (4, "error"), (6, "error")]  # errors first
    errors = {(row.line, column, value) for row in response.context["rows"] for column, value, _ in row.errors}
    assert errors == {
        (3, "Ngày sinh", "31/02/1990"),
        (4, "Mã đơn vị", "ZZZ"),
        (4, "Đối tượng", "giam_doc"),
        (6, "Mã cán bộ", "A1"),
    }
    page = response.content.decode()
    assert "Ngày không có thật trên lịch." in page
    assert "Không có đơn vị mã «ZZZ»" in page
    assert "Trùng khóa với dòng 2 của tệp." in page
    assert "Tệp có 4 lỗi: không ghi gì." in page
    assert "Xác nhận ghi" not in page
    assert not Person.objects.exists()

    admin_client.post(reverse("exchange:confirm", args=[batch.pk]))

    assert not Person.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.REJECTED


def test_the_failed_rows_file_holds_every_row_bad_ones_first_with_a_reason_column(admin_client, units):
    rows = [
        person("A1"),
        person("A2", **{"Ngày sinh": "31/02/1990", "Chức vụ": '=HYPERLINK("http://x")'}),
        person("A3", **{"Mã đơn vị": "ZZZ", "Đối tượng": "giam_doc"}),
    ]
    batch = upload(admin_client, csv_bytes(template_rows("nhan_su", rows))).context["batch"]

    response = admin_client.get(reverse("exchange:error_download", args=[batch.pk]))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    headers = template_rows("nhan_su", [])[0]
    assert values[0] == [*headers, "Lý do lỗi"]
    assert [row[0] for row in values[1:]] == ["A2", "A3", "A1"]
    assert values[3][-1] in ("", None)  # a good row has no reason
    assert values[1][headers.index("Ngày sinh")] == "31/02/1990"
    assert values[1][headers.index("Chức vụ")] == '=HYPERLINK("http://x")'  # text, never a formula
    assert sheet.cell(2, headers.index("Chức vụ") + 1).data_type == "s"
    assert values[1][-1] == "Dòng 3, cột «Ngày sinh»: Ngày không có thật trên lịch."
    assert values[2][-1].startswith("Dòng 4, cột «Mã đơn vị»: Không có đơn vị mã «ZZZ»")
    assert "cột «Đối tượng»" in values[2][-1]


def test_the_failed_rows_file_once_fixed_uploads_again_as_it_is(admin_client, units):
    rows = [person("A1"), person("A2", **{"Ngày sinh": "31/02/1990"})]
    batch = upload(admin_client, csv_bytes(template_rows("nhan_su", rows))).context["batch"]
    book = openpyxl.load_workbook(
        io.BytesIO(admin_client.get(reverse("exchange:error_download", args=[batch.pk])).content)
    )
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(2, headers.index("Ngày sinh") + 1).value = "28/02/1990"  # the fix
    fixed = io.BytesIO()
    book.save(fixed)

    response = upload(admin_client, fixed.getvalue(), name="dong-loi.xlsx")

    again = response.context["batch"]
    assert (again.status, again.error_count, again.new_count) == (ImportStatus.PREVIEWED, 0, 2)
    admin_client.post(reverse("exchange:confirm", args=[again.pk]))
    assert sorted(Person.objects.values_list("code", flat=True)) == ["A1", "A2"]


def test_the_preview_shows_every_column_of_a_new_row_and_old_to_new_of_an_updated_one(admin_client, units):
    first = upload(admin_client, csv_bytes(template_rows("nhan_su", [person("A1")]))).context["batch"]
    admin_client.post(reverse("exchange:confirm", args=[first.pk]))
    rows = [person("A1", **{"Chức vụ": "Trưởng phòng"}), person("B2", **{"Chức vụ": "Chuyên viên chính"})]

    response = upload(admin_client, csv_bytes(template_rows("nhan_su", rows)))

    shown = {row.line: row for row in response.context["rows"]}
    assert ("Chức vụ", "Chuyên viên chính") in shown[3].cells
    assert ("Mã cán bộ", "B2") in shown[3].cells
    assert [change[0] for change in shown[2].changes] == ["Chức vụ"]
    assert shown[2].changes[0][2] == "Trưởng phòng"
    page = response.content.decode()
    assert '<dl class="row-cells">' in page
    assert "<del>" in page


def test_only_the_uploader_confirms_a_preview(admin_client, make_user, units):
    batch = upload(admin_client, csv_bytes(template_rows("nhan_su", [person("A1")]))).context["batch"]
    other = make_user("quantri2", role="admin", unit="HN")
    admin_client.force_login(other)

    response = admin_client.post(reverse("exchange:confirm", args=[batch.pk]), follow=True)

    assert "Chỉ người đã gửi tệp mới xác nhận được" in response.content.decode()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PREVIEWED
    assert not Person.objects.exists()


def test_a_preview_can_be_cancelled_and_then_never_loaded(admin_client, units):
    batch = upload(admin_client, csv_bytes(template_rows("nhan_su", [person("A1")]))).context["batch"]

    admin_client.post(reverse("exchange:cancel", args=[batch.pk]))
    admin_client.post(reverse("exchange:confirm", args=[batch.pk]))

    batch.refresh_from_db()
    assert (batch.status, bytes(batch.content)) == (ImportStatus.CANCELLED, b"")
    assert not Person.objects.exists()


@pytest.fixture
def unit_importer(make_user):
    """An HR officer of H01 (Ba Đình) who was given the import permission."""
    user = make_user("nhap_badinh", role="hr", unit="H01")
    user.user_permissions.add(Permission.objects.get(codename="add_importbatch", content_type__app_label="exchange"))
    return user


def test_an_importer_who_is_not_city_wide_imports_only_rows_of_their_units(client, unit_importer, make_person):
    make_person(code="DA1", unit="H02X1")  # Đông Anh: outside Ba Đình
    client.force_login(unit_importer)
    rows = [
        person("B1", **{"Mã đơn vị": "H01X2"}),
        person("B2", **{"Mã đơn vị": "H02"}),
        person("DA1", **{"Mã đơn vị": "H01"}),
    ]

    response = upload(client, csv_bytes(template_rows("nhan_su", rows)))

    errors = [(row.line, column, reason) for row in response.context["rows"] for column, _value, reason in row.errors]
    assert errors == [
        # Another district reads like an unknown unit, and its person's code like a taken one (issue #17, item 7).
        (3, "Mã đơn vị", "Không có đơn vị mã «H02» (hãy nhập danh sách đơn vị trước)."),
        (4, "Mã cán bộ", "Mã cán bộ này đã được dùng cho một người khác."),
    ]
    assert not Person.objects.filter(code="B1").exists()


def test_an_importer_who_is_not_city_wide_may_not_touch_records_of_other_units_persons(
    client, unit_importer, make_person, make_course
):
    make_person(code="BD1", unit="H01X1")
    make_person(code="DA1", unit="H02X1")
    make_course("phap_luat", code="K1", year=2024)
    client.force_login(unit_importer)
    rows = [
        {"Mã cán bộ": "BD1", "Mã khóa học": "K1", "Kết quả": "Hoàn thành"},
        {"Mã cán bộ": "DA1", "Mã khóa học": "K1", "Kết quả": "Hoàn thành"},
    ]

    response = upload(client, csv_bytes(template_rows("ket_qua", rows)), "ket_qua.csv", kind="ket_qua")

    assert [(row.line, row.status) for row in response.context["rows"]] == [(3, "error")]


def test_an_importer_who_is_not_city_wide_sees_only_their_own_batches(client, admin, unit_importer, units):
    client.force_login(admin)
    upload(client, csv_bytes(template_rows("nhan_su", [person("A1")])))
    client.force_login(unit_importer)
    own = upload(client, csv_bytes(template_rows("nhan_su", [person("B1")]))).context["batch"]

    listed = client.get(reverse("exchange:batch_list")).context["batches"]

    assert [batch.pk for batch in listed] == [own.pk]
    other = ImportBatch.objects.exclude(pk=own.pk).get()
    assert client.get(reverse("exchange:batch_detail", args=[other.pk])).status_code == 404
    client.force_login(admin)
    assert len(client.get(reverse("exchange:batch_list")).context["batches"]) == 2


def test_a_missing_file_is_asked_for_again(admin_client, units):
    response = admin_client.post(reverse("exchange:upload", args=["nhan_su"]), {})

    assert response.status_code == 400
    assert "Hãy chọn một tệp CSV hoặc XLSX." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_unknown_template_is_not_found(admin_client):
    assert admin_client.get(reverse("exchange:upload", args=["nhan_vien"])).status_code == 404
    assert admin_client.get(reverse("exchange:template_download", args=["nhan_su", "pdf"])).status_code == 404


def test_the_batch_page_shows_a_hundred_rows_at_a_time_and_filters_by_status(admin_client, make_person):
    make_person(code="P0000", full_name="Phạm Thị Hằng", unit="H01X1", birth_date=datetime.date(1987, 5, 12))
    Person.objects.update(education_level=4)
    rows = [person(f"P{i:04d}") for i in range(150)]
    batch = upload(admin_client, csv_bytes(template_rows("nhan_su", rows))).context["batch"]
    url = reverse("exchange:batch_detail", args=[batch.pk])

    first = admin_client.get(url)
    second = admin_client.get(url, {"trang": 2})
    unchanged = admin_client.get(url, {"trang-thai": "unchanged"})

    assert [row.line for row in first.context["rows"]] == list(range(2, 102))
    assert [row.line for row in second.context["rows"]] == list(range(102, 152))
    assert first.context["counts"] == {"new": 149, "updated": 0, "unchanged": 1, "error": 0}
    assert [row.line for row in unchanged.context["rows"]] == [2]


def test_the_batch_list_runs_the_same_queries_for_few_or_many_batches(admin_client, admin, django_assert_num_queries):
    def make(count: int):
        ImportBatch.objects.bulk_create(
            ImportBatch(kind="nhan_su", file_name=f"f{i}.csv", user=admin, status=ImportStatus.APPLIED)
            for i in range(count)
        )

    make(2)
    # session, user (with their unit, for the page header), the admin's authenticator device (two-step login), count,
    # page of batches (with their users)
    with django_assert_num_queries(5):
        assert len(admin_client.get(reverse("exchange:batch_list")).context["batches"]) == 2
    make(120)
    with django_assert_num_queries(5):
        assert len(admin_client.get(reverse("exchange:batch_list")).context["batches"]) == 50


def test_the_batch_page_runs_the_same_queries_for_small_or_large_files(admin_client, units, django_assert_num_queries):
    small = upload(admin_client, csv_bytes(template_rows("nhan_su", [person("S1")]))).context["batch"]
    large = upload(admin_client, csv_bytes(template_rows("nhan_su", [person(f"L{i}") for i in range(300)])))
    large = large.context["batch"]
    assert ImportRow.objects.filter(batch=large).count() == 300

    # session, user, the admin's authenticator device (two-step login), batch (with its users), counts per status,
    # page of rows (the user's unit, for the page header, comes with the user)
    for batch in (small, large):
        with django_assert_num_queries(6):
            admin_client.get(reverse("exchange:batch_detail", args=[batch.pk]))


def test_an_upload_is_checked_against_forged_requests(client, admin, units):
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(admin)

    response = client.post(reverse("exchange:upload", args=["nhan_su"]), {"file": _file(b"x", "nhan_su.csv")})

    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_a_load_made_from_the_shell_is_listed_and_shown_too(admin_client, units):
    from exchange.services import run_import

    batch = run_import(
        kind="nhan_su", file_name="lenh.csv", content=csv_bytes(template_rows("nhan_su", [person("C1")])), dry_run=False
    ).batch

    listed = admin_client.get(reverse("exchange:batch_list"))
    shown = admin_client.get(reverse("exchange:batch_detail", args=[batch.pk]))

    assert "lenh.csv" in listed.content.decode()
    assert shown.status_code == 200
    assert shown.context["can_undo"] is True

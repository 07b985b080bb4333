"""The reorganisation pages: an admin loads a plan, sees its preview, applies it and undoes it."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from personnel.history import sync_person_assignments
from personnel.models import OrgUnit, Person, Reorganisation

D = datetime.date
CLOSURES = "Mã đơn vị giải thể,Đơn vị kế thừa\nH01X1,N1\nH01X2,N1\n"
OPENINGS = "Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị cấp trên\nN1,UBND phường Ba Đình,xa,H01\n"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 11, 20, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield
    translation.deactivate()  # a test that chose English must not leave it active


@pytest.fixture
def admin(client, make_user):
    client.force_login(make_user("admin_pages", role="admin", unit="HN"))
    return client


@pytest.fixture
def people(make_person):
    made = [
        make_person(unit="H01X1", code="P1", start_date=D(2020, 1, 1)),
        make_person(unit="H01X2", code="P2", start_date=D(2020, 1, 1)),
    ]
    sync_person_assignments([p.pk for p in made])
    return made


def form(**fields) -> dict:
    return {
        "name": "Sáp nhập phường",
        "effective_on": "01/07/2025",
        "closures": CLOSURES,
        "openings": OPENINGS,
        **fields,
    }


def test_a_plan_with_problems_is_shown_with_them_and_nothing_is_stored(admin, units, people):
    response = admin.post("/sap-xep-don-vi/moi/", form(closures="Mã đơn vị giải thể,Đơn vị kế thừa\nH01X1,H02X9\n"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Đơn vị giải thể, dòng 2, cột «Đơn vị kế thừa», giá trị «H02X9»: không có đơn vị mã này." in html
    assert not Reorganisation.objects.exists()


def test_unreadable_tables_are_refused_naming_the_expected_header(admin, units):
    response = admin.post("/sap-xep-don-vi/moi/", form(closures="Mã,Kế thừa\nH01X1,N1\n"))

    assert response.status_code == 200
    assert "Mã đơn vị giải thể, Đơn vị kế thừa" in " ".join(response.context["form"].non_field_errors())
    assert not Reorganisation.objects.exists()


def test_an_admin_previews_applies_and_undoes_a_reorganisation(admin, units, people):
    response = admin.post("/sap-xep-don-vi/moi/", form())
    record = Reorganisation.objects.get()
    assert response["Location"] == f"/sap-xep-don-vi/{record.pk}/"

    preview = admin.get(f"/sap-xep-don-vi/{record.pk}/")
    assert [(m.source, m.target, m.count) for m in preview.context["preview"].moves] == [
        ("UBND phường Phúc Xá (H01X1)", "UBND phường Ba Đình (N1)", 1),
        ("UBND phường Trúc Bạch (H01X2)", "UBND phường Ba Đình (N1)", 1),
    ]
    assert "Áp dụng đợt sắp xếp" in preview.content.decode()

    admin.post(f"/sap-xep-don-vi/{record.pk}/ap-dung/")
    assert Person.objects.get(code="P2").unit.code == "N1"
    applied = admin.get(f"/sap-xep-don-vi/{record.pk}/").content.decode()
    assert "Đã áp dụng" in applied
    assert "2 cán bộ đã chuyển đơn vị." in applied
    assert Reorganisation.objects.get().effects["summary"] == [
        ["UBND phường Phúc Xá (H01X1)", "UBND phường Ba Đình (N1)", 1],
        ["UBND phường Trúc Bạch (H01X2)", "UBND phường Ba Đình (N1)", 1],
    ]
    assert 'id="applied-moves"' in applied

    admin.post(f"/sap-xep-don-vi/{record.pk}/hoan-tac/")
    assert Person.objects.get(code="P2").unit.code == "H01X2"
    assert not OrgUnit.objects.filter(code="N1").exists()
    assert Reorganisation.objects.get().status == "undone"


def test_the_tables_may_be_uploaded_as_csv_files(admin, units, people):
    data = form(closures="", openings="")
    data["closures_file"] = SimpleUploadedFile("giai-the.csv", ("\ufeff" + CLOSURES).encode(), "text/csv")
    data["openings_file"] = SimpleUploadedFile("thanh-lap.csv", OPENINGS.encode(), "text/csv")

    response = admin.post("/sap-xep-don-vi/moi/", data)

    assert response.status_code == 302
    assert [c["code"] for c in Reorganisation.objects.get().plan["closures"]] == ["H01X1", "H01X2"]


def test_applying_twice_is_refused_with_a_message(admin, units, people):
    admin.post("/sap-xep-don-vi/moi/", form())
    record = Reorganisation.objects.get()
    admin.post(f"/sap-xep-don-vi/{record.pk}/ap-dung/")

    response = admin.post(f"/sap-xep-don-vi/{record.pk}/ap-dung/", follow=True)

    assert "không còn chờ xác nhận" in response.content.decode()


def test_the_menu_offers_reorganising_to_admins_only(admin, client, units, make_user):
    assert "/sap-xep-don-vi/" in admin.get("/nhan-su/").content.decode()
    client.force_login(make_user("hr_menu", role="hr", unit="H01"))
    assert "/sap-xep-don-vi/" not in client.get("/nhan-su/").content.decode()
    assert client.get("/sap-xep-don-vi/").status_code == 403


def test_an_admin_who_chose_english_reads_the_problems_in_english(admin, units, people):
    admin.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = admin.post("/sap-xep-don-vi/moi/", form(closures="Mã đơn vị giải thể,Đơn vị kế thừa\nH01X1,H02X9\n"))

    html = response.content.decode()
    assert "Units closed, line 2, column “Đơn vị kế thừa”, value “H02X9”: there is no unit with this code." in html
    assert "Preview" in html


@pytest.mark.parametrize("size", [2, 30])
def test_the_preview_page_runs_the_same_queries_whatever_the_number_of_people(
    admin, units, make_person, django_assert_num_queries, size
):
    ids = [make_person(unit="H01X1" if i % 2 else "H01X2", code=f"Q{i:03d}").pk for i in range(size)]
    sync_person_assignments(ids)
    admin.post("/sap-xep-don-vi/moi/", form())
    record = Reorganisation.objects.get()

    # session, user, the admin's authenticator device, the record; the preview: units named, open children,
    # people moving, people with no assignment, later assignments (destinations: none, no query)
    with django_assert_num_queries(9):
        response = admin.get(f"/sap-xep-don-vi/{record.pk}/")
    assert response.context["preview"].people == size

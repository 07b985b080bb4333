"""Holes found by the security probe (issue #17): odd input must never answer 500, and codes follow one rule.

Codes with a "/" or a reserved word, codes in another case, NUL bytes in addresses, odd years and pages, deeply
nested JSON, extreme dates, huge cells echoed in import errors, forged sort orders, a production server without
its static manifest, stale deletes, and uniqueness races on the API.
"""

import datetime
import json

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.urls import reverse
from rest_framework.test import APIClient

from core.codes import RESERVED_CODES, CodeConverter, clean_code
from exchange.cells import echoed
from exchange.services import RowError
from personnel.models import Person, Qualification
from training.models import Course, TrainingRecord


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 11, 20, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def api(hr_user):
    client = APIClient()
    client.force_authenticate(hr_user)
    return client


def raw_person(unit, code: str, **fields) -> Person:
    """Store a person as an old row or a raw SQL write could have left it (no validation)."""
    person = Person(unit=unit, code=code, full_name="Lê Văn Cũ", birth_date=datetime.date(1980, 1, 1), **fields)
    person.category = "cong_chuc"
    person.refresh_name_keys()
    person.save()
    return person


# ---------------------------------------------------------------------------------------------
# 3. One code rule; a stored "/" breaks no page; no code shadows a page


@pytest.mark.parametrize("code", ["BD/2", "WEB/1", "A B", "Đ01", "-X", "", "CB\x00"])
def test_the_code_rule_refuses_characters_outside_its_alphabet(code):
    with pytest.raises(ValidationError):
        clean_code(code)


@pytest.mark.parametrize("code", sorted(RESERVED_CODES))
def test_the_code_rule_refuses_the_words_of_the_pages_own_addresses(code):
    with pytest.raises(ValidationError):
        clean_code(code.lower())


def test_the_code_rule_upper_cases_and_strips(units):
    assert clean_code("  cb070001 ") == "CB070001"
    assert clean_code("K2025-phap_luat.1") == "K2025-PHAP_LUAT.1"


def test_the_person_form_refuses_a_code_with_a_slash_or_a_reserved_word(hr, units):
    data = {"full_name": "Vũ Văn Mới", "birth_date": "01/01/1990", "unit": units["H01"].pk, "category": "cong_chuc"}
    for code in ("BD/2", "them-moi"):
        response = hr.post(reverse("personnel:person_create"), {**data, "code": code})
        assert response.status_code == 200
        assert "code" in response.context["form"].errors
    assert not Person.objects.exists()


def test_the_api_refuses_a_course_code_with_a_slash(api):
    payload = {"code": "WEB/1", "title": "Lớp web", "types": ["phap_luat"], "start_date": "2025-03-01"}
    response = api.post("/api/v1/courses/", {**payload, "end_date": "2025-03-05"}, format="json")
    assert response.status_code == 400
    assert "code" in response.json()
    assert not Course.objects.exists()


def test_stored_codes_with_a_slash_break_neither_the_lists_nor_their_own_pages(hr, units, make_course):
    person = raw_person(units["H01"], "BD/2")
    course = make_course("phap_luat", code="WEB/1")
    assert hr.get(reverse("personnel:person_list")).status_code == 200
    assert hr.get(reverse("training:course_list")).status_code == 200
    person_url = reverse("personnel:person_detail", args=[person.code])
    assert hr.get(person_url).context["person"] == person
    assert hr.get(reverse("training:course_detail", args=[course.code])).context["course"] == course


def test_the_code_converter_carries_a_slash_through_one_segment():
    converter = CodeConverter()
    assert "/" not in converter.to_url("BD/2")
    assert converter.to_python("BD%2F2") == "BD/2"


def test_the_add_person_page_is_never_shadowed_by_a_person(hr, units):
    raw_person(units["H01"], "them-moi")
    response = hr.get("/nhan-su/them-moi/")
    assert response.status_code == 200
    assert response.context["person"] is None


# ---------------------------------------------------------------------------------------------
# 18. Codes compare without regard to case


def test_a_person_code_in_lower_case_opens_the_person_page_and_the_api(hr, api, make_person):
    person = make_person(code="CB070001")
    assert hr.get("/nhan-su/cb070001/").context["person"] == person
    assert api.get("/api/v1/persons/cb070001/").json()["code"] == "CB070001"


def test_api_filters_by_code_ignore_case(api, make_person, qualify):
    person = make_person(code="CB070001", unit="H01X1")
    qualify(person, "chuyen_mon", 4, datetime.date(2010, 1, 1))
    assert len(api.get("/api/v1/qualifications/", {"person": "cb070001"}).json()["results"]) == 1
    assert [p["code"] for p in api.get("/api/v1/persons/", {"unit": "h01x1"}).json()["results"]] == ["CB070001"]


def test_a_lower_case_person_code_is_refused_beside_its_upper_case_twin(make_person, units):
    make_person(code="CB070001")
    with pytest.raises(ValidationError):
        make_person(code="cb070001")
    with pytest.raises(IntegrityError):
        raw_person(units["H01"], "cb070001")


def test_the_api_stores_codes_upper_case_and_finds_references_in_any_case(api, make_person, make_course):
    make_person(code="CB070001")
    make_course("phap_luat", code="K2025-PL")
    response = api.post(
        "/api/v1/training-records/", {"person": "cb070001", "course": "k2025-pl", "result": "dang_hoc"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert TrainingRecord.objects.get().person.code == "CB070001"


@pytest.fixture
def importer(client, make_user, settings):
    from django.contrib.auth.models import Permission

    settings.IMPORT_JOBS_INLINE = True
    user = make_user("probe_admin", role="admin", unit="HN")
    user.user_permissions.add(Permission.objects.get(codename="add_importbatch", content_type__app_label="exchange"))
    client.force_login(user)
    return client


def import_file(client, kind: str, rows: list[dict], *, confirm: bool = False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exchange.testing import csv_bytes, template_rows

    upload = SimpleUploadedFile(f"{kind}.csv", csv_bytes(template_rows(kind, rows)), content_type="text/csv")
    response = client.post(reverse("exchange:upload", args=[kind]), {"file": upload}, follow=True)
    if confirm:
        batch = response.context["batch"]
        response = client.post(reverse("exchange:confirm", args=[batch.pk]), follow=True)
    return response


def person_row(code: str, **cells) -> dict:
    return {"Mã cán bộ": code, "Họ và tên": "Phạm Thị Hằng", "Ngày sinh": "12/05/1987", "Mã đơn vị": "h01", **cells}


def test_a_lower_case_person_code_imports_as_the_same_person(importer, make_person):
    person = make_person(code="CB070001", full_name="Phạm Thị Hằng", birth_date=datetime.date(1987, 5, 12))
    response = import_file(importer, "nhan_su", [person_row("cb070001", **{"Đối tượng": "vien_chuc"})], confirm=True)
    assert response.status_code == 200
    assert list(Person.objects.values_list("code", "category")) == [("CB070001", "vien_chuc")]
    assert person.pk == Person.objects.get().pk


def test_a_code_with_a_slash_is_refused_by_the_import(importer, units):
    response = import_file(importer, "nhan_su", [person_row("BD/2", **{"Đối tượng": "cong_chuc"})])
    errors = [(column, value) for row in response.context["rows"] for column, value, _reason in row.errors]
    assert errors == [("Mã cán bộ", "BD/2")]


# ---------------------------------------------------------------------------------------------
# 19. NUL bytes and huge echoed cells


@pytest.mark.parametrize(
    "url",
    [
        "/nhan-su/%00/",
        "/nhan-su/?q=%00",
        "/bao-cao/?unit=%00",
        "/bao-cao/chi-tieu/%00/",
        "/dao-tao/khoa-hoc/%00/",
        "/dao-tao/?q=%00",
        "/nhan-su/CB%00X/sua/",
        "/api/v1/persons/%00/",
        "/api/v1/persons/?unit=%00",
    ],
)
def test_a_nul_byte_in_an_address_is_a_400_before_any_view_runs(hr, units, url):
    # PostgreSQL cannot compare NUL (a 500 there): the middleware answers before any lookup.
    assert hr.get(url).status_code == 400


def test_a_rejected_cell_is_echoed_cut_to_a_hundred_characters():
    error = RowError(2, "Họ và tên", "A" * 100_000, "Dài quá 255 ký tự.")
    assert error.value == "A" * 100 + "…"
    assert echoed("ngắn") == "ngắn"


def test_a_huge_name_in_an_import_gives_a_short_error_line(importer, units):
    response = import_file(
        importer, "nhan_su", [person_row("CB1", **{"Họ và tên": "A" * 100_000, "Đối tượng": "cong_chuc"})]
    )
    values = [value for row in response.context["rows"] for _column, value, _reason in row.errors]
    assert values == ["A" * 100 + "…"]


# ---------------------------------------------------------------------------------------------
# 10. Odd years, pages, JSON and dates


@pytest.mark.parametrize("year", ["²", "0", "99999", "٢٠٢٥", "-1", "2025.0"])
@pytest.mark.parametrize("url", ["/bao-cao/", "/dao-tao/", "/nhan-su/", "/api/v1/courses/"])
def test_an_odd_year_is_never_a_500(hr, units, url, year):
    assert hr.get(url, {"year": year}).status_code in (200, 400, 404)


@pytest.mark.parametrize("url", ["/nhan-su/", "/dao-tao/", "/api/v1/persons/", "/nhap-du-lieu/lan-nhap/"])
def test_a_huge_page_number_is_never_a_500(client, make_user, make_person, url):
    make_person()
    client.force_login(make_user("probe_admin", role="admin", unit="HN"))
    for page in ("9" * 30, "99999999999", "²"):
        assert client.get(url, {"page": page, "trang": page}).status_code in (200, 400, 404)


def test_a_page_past_the_counted_rows_of_a_large_scope_is_read_without_overflow(make_person):
    from hr.views import page_of

    make_person()
    for number in ("9" * 30, "99999999999"):
        page = page_of(Person.objects.order_by("pk"), number, cap=0)  # every row past the cap: read by OFFSET
        assert page.rows == []


def test_deeply_nested_json_to_the_login_is_a_400_in_json(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/auth/login/", body, content_type="application/json")
    assert response.status_code == 400
    assert "lồng nhau quá sâu" in response.json()["detail"]


def test_ordinary_json_still_parses(api, make_person):
    person = make_person()
    body = json.dumps({"position_title": 'Trưởng phòng [kế "hoạch" {x}]'})
    response = api.patch(f"/api/v1/persons/{person.code}/", body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["position_title"] == 'Trưởng phòng [kế "hoạch" {x}]'


def test_a_course_ending_on_the_last_day_of_the_calendar_breaks_no_page(hr, api, make_person, make_course, complete):
    person = make_person()
    course = make_course(
        "phap_luat", code="K-MAX", start_date=datetime.date(9999, 12, 1), end_date=datetime.date(9999, 12, 31)
    )
    complete(person, course, result="dang_hoc")
    record = TrainingRecord.objects.get()
    response = api.patch(f"/api/v1/training-records/{record.pk}/", {"result": "hoan_thanh"}, format="json")
    assert response.status_code in (200, 400), response.content
    data = {"course": course.pk, "codes": person.code, "result": "hoan_thanh", "completed_on": "01/11/2025"}
    assert hr.post(reverse("training:record_class"), data).status_code in (200, 302)
    for url in (
        "/dao-tao/",
        f"/dao-tao/khoa-hoc/{course.code}/",
        f"/nhan-su/{person.code}/",
        "/nhan-su/",
        "/bao-cao/",
        "/api/v1/courses/",
    ):
        assert hr.get(url).status_code == 200, url


# ---------------------------------------------------------------------------------------------
# 12. Sort whitelist, static manifest, stale deletes


def test_a_forged_sort_order_does_not_reach_the_cache_key(client, make_user, programme, units, monkeypatch):
    from reports import views

    client.force_login(make_user("probe_leader", role="leader", unit="HN"))
    seen = []
    original = views.figures_fragment
    monkeypatch.setattr(views, "figures_fragment", lambda t, s, f, sort: seen.append(sort) or original(t, s, f, sort))
    for sort in ("x" * 500, "gap:NOT-AN-INDICATOR", "name", "gap:CC-3"):
        assert client.get("/bao-cao/", {"sort": sort}).status_code == 200
    assert seen == ["code", "code", "name", "gap:CC-3"]


def test_production_without_collectstatic_refuses_to_start_with_a_clear_message(settings, tmp_path):
    from config.hardening import ensure_static_manifest

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with pytest.raises(ImproperlyConfigured, match="collectstatic"):
        ensure_static_manifest()
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    ensure_static_manifest()


def test_a_stale_delete_on_the_page_is_refused_with_409_and_deletes_nothing(hr, make_person, qualify):
    person = make_person()
    qualification = qualify(person, "chuyen_mon", 4, datetime.date(2010, 1, 1))
    url = reverse("personnel:qualification_delete", args=[person.code, qualification.pk])
    shown = hr.get(url)
    assert 'name="version" value="1"' in shown.content.decode()
    qualification.document_number = "VB-2"
    qualification.version = 2
    qualification.save()  # someone else saved it meanwhile
    response = hr.post(url, {"version": "1"})
    assert response.status_code == 409
    assert Qualification.objects.filter(pk=qualification.pk).exists()
    assert hr.post(url, {"version": "2"}).status_code == 302
    assert not Qualification.objects.exists()


def test_a_stale_delete_on_the_api_is_refused_with_409(api, make_person, qualify):
    qualification = qualify(make_person(), "chuyen_mon", 4, datetime.date(2010, 1, 1))
    Qualification.objects.filter(pk=qualification.pk).update(version=3)
    response = api.delete(f"/api/v1/qualifications/{qualification.pk}/?version=1")
    assert response.status_code == 409
    assert response.json()["version"] == 3
    assert api.delete(f"/api/v1/qualifications/{qualification.pk}/?version=3").status_code == 204


def test_the_bulk_endpoint_answers_a_record_changed_meanwhile_with_409(api, make_person, make_course, monkeypatch):
    from api import bulk

    person, course = make_person(), make_course("phap_luat", year=2025)
    TrainingRecord.objects.create(person=person, course=course, result="dang_hoc")
    upsert_records = bulk.upsert_records

    def changed_meanwhile(**options):
        # Someone saves the record between the endpoint's read and its write.
        TrainingRecord.objects.update(version=F("version") + 1)
        return upsert_records(**options)

    monkeypatch.setattr(bulk, "upsert_records", changed_meanwhile)
    items = [{"person": person.code, "course": course.code, "result": "khong_dat"}]
    response = api.post("/api/v1/training-records/bulk/", items, format="json")
    assert response.status_code == 409
    assert TrainingRecord.objects.get().result == "dang_hoc"


# ---------------------------------------------------------------------------------------------
# 16. Uniqueness races and every API error in JSON


def skip_the_serializers_uniqueness_check(monkeypatch):
    """Let two requests pass the serializer's check as in a race: the INSERT meets the database's constraint."""
    from django.db import models

    monkeypatch.setattr(models.Model, "validate_unique", lambda self, exclude=None: None)
    monkeypatch.setattr(models.Model, "validate_constraints", lambda self, exclude=None, using=None: None)


def test_a_lost_uniqueness_race_on_a_person_is_a_409_in_json(api, make_person, monkeypatch):
    make_person(code="CB-RACE")
    skip_the_serializers_uniqueness_check(monkeypatch)
    payload = {"code": "CB-RACE", "full_name": "Vũ Văn Đua", "birth_date": "1990-01-01", "category": "cong_chuc"}
    response = api.post("/api/v1/persons/", {**payload, "unit": "H01"}, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "conflict"
    assert Person.objects.count() == 1


def test_a_lost_uniqueness_race_on_a_qualification_is_a_409_in_json(api, make_person, qualify, monkeypatch):
    person = make_person()
    qualify(person, "chuyen_mon", 4, datetime.date(2010, 1, 1))
    skip_the_serializers_uniqueness_check(monkeypatch)
    from api import serializers

    monkeypatch.setattr(serializers, "natural_key_errors", lambda instance, field: {})
    payload = {"person": person.code, "kind": "chuyen_mon", "level": 4, "obtained_on": "2010-01-01"}
    response = api.post("/api/v1/qualifications/", payload, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_an_unexpected_api_error_is_a_json_500(api, units, monkeypatch):
    from api import views

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.UnitViewSet, "get_queryset", broken)
    response = api.get("/api/v1/units/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "boom" not in response.content.decode()


def test_the_api_500_handler_answers_json_and_the_site_html(rf):
    from config.hardening import server_error

    assert server_error(rf.get("/api/v1/units/"))["Content-Type"] == "application/json"
    assert server_error(rf.get("/nhan-su/"))["Content-Type"].startswith("text/html")


def test_a_race_lost_in_the_write_services_own_check_is_a_409_in_json(api, make_person, monkeypatch):
    from api.serializers import PersonSerializer

    make_person(code="CB-RACE")
    monkeypatch.setattr(
        PersonSerializer, "validate", lambda self, attrs: attrs
    )  # the check ran before the rival's write
    payload = {"code": "CB-RACE", "full_name": "Vũ Văn Đua", "birth_date": "1990-01-01", "category": "cong_chuc"}
    response = api.post("/api/v1/persons/", {**payload, "unit": "H01"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


RACES = {
    "persons": lambda person, course: {
        "code": "CB-DUA", "full_name": "Vũ Văn Đua", "birth_date": "1990-01-01", "category": "cong_chuc", "unit": "H01"
    },
    "qualifications": lambda person, course: {
        "person": person.code, "kind": "chuyen_mon", "level": 4, "obtained_on": "2010-01-01"
    },
    "appointments": lambda person, course: {
        "person": person.code, "kind": "ngach", "title": "Chuyên viên", "appointed_on": "2022-03-01"
    },
    "training-records": lambda person, course: {"person": person.code, "course": course.code, "result": "dang_hoc"},
    "courses": lambda person, course: {
        "code": "K-DUA", "title": "Lớp đua", "types": ["phap_luat"], "start_date": "2025-03-01",
        "end_date": "2025-03-05",
    },
}  # fmt: skip


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("collection", list(RACES))
def test_parallel_api_creates_of_the_same_key_give_one_201_and_409s_never_a_500(
    make_user, make_person, make_course, units, collection
):
    """Ten threads create the same record at once (PostgreSQL; SQLite serialises its writers)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("a true race needs PostgreSQL's concurrent writers (runs in CI's PostgreSQL pass)")
    user = make_user("probe_racer", role="hr", unit="H01")
    payload = RACES[collection](make_person(), make_course("phap_luat", year=2025))
    statuses, barrier = [], threading.Barrier(10)

    def create():
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            response = client.post(f"/api/v1/{collection}/", payload, format="json")
            statuses.append((response.status_code, response["Content-Type"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _index in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [code for code, _type in statuses].count(201) == 1
    assert {code for code, _type in statuses} <= {201, 400, 409}  # a late loser may meet the serializer's own check
    assert {kind for _code, kind in statuses} == {"application/json"}

"""English, the second language: the header's switch (site) or Accept-Language (API); Vietnamese by default."""

import datetime
import gettext
import re
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from knox.models import AuthToken
from rest_framework.test import APIClient

from exchange.services import run_import
from exchange.testing import csv_bytes

LOGIN_URL = "/dang-nhap/"
PERSONS_URL = "/nhan-su/"
COMPLIANCE_URL = "/api/v1/compliance/"


@pytest.fixture(autouse=True)
def _today_in_the_default_language():
    """Freeze the day; start and end with no language active, as a request that made no choice would.

    A test client's request leaves its language active in the thread: English must not leak into other tests.
    """
    translation.deactivate()
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield
    translation.deactivate()


def switch_to_english(client, next_url: str = "/"):
    """Post the header's language form, as the user does, and return the redirect."""
    response = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    return response


@pytest.fixture
def hr(client, make_user):
    """Return a client logged in as an HR user of district H01."""
    client.force_login(make_user("hr_h01", role="hr", unit="H01"))
    return client


def api_as(user, language: str | None = None) -> APIClient:
    """Return an API client with a token for ``user``, sending Accept-Language when ``language`` is given."""
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client.credentials(**headers)
    return client


def test_the_login_page_says_log_in_once_english_is_chosen(client, db):
    response = switch_to_english(client, LOGIN_URL)
    assert response.url == LOGIN_URL

    page = client.get(LOGIN_URL).content.decode()

    assert '<html lang="en">' in page
    assert "<h1>Log in</h1>" in page
    assert "Username" in page
    assert "Password" in page
    assert "Skip to main content" in page
    assert "Đăng nhập" not in page
    assert "Mật khẩu" not in page


def test_without_a_choice_the_login_page_stays_vietnamese(client, db):
    page = client.get(LOGIN_URL).content.decode()

    assert '<html lang="vi">' in page
    assert "<h1>Đăng nhập</h1>" in page
    assert "Mật khẩu" in page
    assert "Log in" not in page


def test_the_person_list_has_english_headings_and_labels_in_english(hr, make_person):
    make_person(full_name="Nguyễn Văn An", category="cong_chuc")
    switch_to_english(hr, PERSONS_URL)

    page = hr.get(PERSONS_URL).content.decode()

    for text in ["<h1>Personnel</h1>", "Full name", "Date of birth", "Citizen ID", "Category", "Not met (2025)"]:
        assert text in page, text
    assert "1 person" in page
    assert "Civil servant" in page  # the person's category, a choice label
    assert "Leadership level" in page  # a filter's label
    assert "Họ và tên" not in page
    assert "Công chức" not in page
    assert "Nguyễn Văn An" in page  # data is never translated


def test_the_person_list_stays_vietnamese_without_a_choice(hr, make_person):
    make_person(category="cong_chuc")

    page = hr.get(PERSONS_URL).content.decode()

    assert "Họ và tên" in page
    assert "Công chức" in page
    assert "Full name" not in page


def test_the_english_person_list_costs_the_same_queries_as_the_vietnamese_one(
    hr, make_person, django_assert_num_queries
):
    for number in range(3):
        make_person(full_name=f"Trần Thị Bình {number}")
    hr.get(PERSONS_URL)  # draws the unit options once (they are cached, in either language)
    with CaptureQueriesContext(connection) as vietnamese:
        hr.get(PERSONS_URL)
    queries_in_vietnamese = len(vietnamese.captured_queries)  # read now: the next request resets the log
    switch_to_english(hr, PERSONS_URL)

    assert queries_in_vietnamese > 0
    with django_assert_num_queries(queries_in_vietnamese):
        response = hr.get(PERSONS_URL)

    assert "3 people" in response.content.decode()


def test_an_invalid_person_form_explains_itself_in_english(hr, units):
    switch_to_english(hr, PERSONS_URL)

    response = hr.post(
        "/nhan-su/them-moi/",
        {"code": "P-EN-1", "full_name": "Lê Văn Cường", "birth_date": "01/01/2030", "unit": units["H01"].pk},
    )

    assert response.status_code == 200
    assert "Profile not saved: correct the highlighted fields." in response.content.decode()
    assert response.context["form"].errors["birth_date"] == ["The date of birth cannot be in the future."]


def unknown_column_file() -> bytes:
    return csv_bytes(
        [
            ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Cấp", "Ghi chú"],
            ["HN", "Thành phố Hà Nội", "", "thanh_pho", "x"],
        ]
    )


def test_an_import_with_an_unknown_column_is_refused_in_english(db):
    with translation.override("en"):
        outcome = run_import(kind="don_vi", file_name="don_vi.csv", content=unknown_column_file(), dry_run=True)
        messages = [str(error) for error in outcome.errors]

    assert messages == ["Line 1, column “Ghi chú”, value “Ghi chú”: Column not in the “Unit” template."]


def test_an_import_error_stays_vietnamese_by_default(db):
    outcome = run_import(kind="don_vi", file_name="don_vi.csv", content=unknown_column_file(), dry_run=True)

    assert [str(error) for error in outcome.errors] == [
        "Dòng 1, cột «Ghi chú», giá trị «Ghi chú»: Cột không có trong mẫu «Đơn vị»."
    ]


def test_an_english_import_names_its_bad_values_in_english(units):
    content = csv_bytes([["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Cấp"], ["H09", "Quận mới", "HCM", "huyen"]])

    with translation.override("en"):
        outcome = run_import(kind="don_vi", file_name="don_vi.csv", content=content, dry_run=True)
        reasons = [error.reason for error in outcome.errors]

    assert reasons == ["No unit with code “HCM”."]


def test_the_compliance_json_is_the_same_data_in_english(make_user, make_person, make_course, complete, programme):
    user = make_user("hr_api", role="hr", unit="H01")
    for number in range(4):
        person = make_person(full_name=f"Phạm Văn Đức {number}")
        if number % 2:
            complete(person, make_course("phap_luat", year=2025))
    query = {"programme": programme.code, "unit": "H01", "year": 2025}

    vietnamese = api_as(user).get(COMPLIANCE_URL, query)
    english = api_as(user, "en").get(COMPLIANCE_URL, query)

    assert vietnamese.status_code == english.status_code == 200
    assert english.json() == vietnamese.json()
    assert english.json()["indicators"]
    assert english["Content-Language"] == "en"
    assert vietnamese["Content-Language"] == "vi"


def test_the_api_explains_an_unknown_unit_by_accept_language(make_user, programme):
    user = make_user("hr_api_404", role="hr", unit="H01")

    english = api_as(user, "en").get(COMPLIANCE_URL, {"unit": "XX"})
    vietnamese = api_as(user).get(COMPLIANCE_URL, {"unit": "XX"})

    assert english.status_code == vietnamese.status_code == 404
    assert english.json()["detail"] == "No unit with code “XX”."
    assert vietnamese.json()["detail"] == "Không tìm thấy đơn vị mã “XX”."


CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[\d.]*[sdf]|\{\w+\}")
ENTRY = re.compile(r'\nmsgid ((?:".*"\n)+)(?:msgid_plural ((?:".*"\n)+))?((?:msgstr.*\n(?:".*"\n)*)+)')
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def po_text(block: str) -> str:
    """Return the string a block of quoted .po lines stands for."""
    return re.sub(r"\\(.)", lambda match: ESCAPES[match.group(1)], "".join(re.findall(r'"(.*)"', block)))


def catalogue_entries() -> list[tuple[str, str, list[str]]]:
    """Return (msgid, msgid_plural, [msgstr forms]) of every entry of the English .po file but its header."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = []
    for msgid, plural, msgstr in ENTRY.findall(text):
        if po_text(msgid):
            forms = [po_text(form) for form in re.findall(r'msgstr(?:\[\d\])? ((?:".*"\n?)+)', msgstr)]
            entries.append((po_text(msgid), po_text(plural), forms))
    return entries


def test_every_message_is_translated_with_its_placeholders_and_compiled():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    entries = catalogue_entries()

    assert len(entries) > 700
    fuzzy = re.findall(
        r"\n#,[^\n]*\bfuzzy\b[^\n]*\n(?:#[^\n]*\n)*msgid (\"[^\n]*)", (CATALOGUE / "django.po").read_text()
    )
    assert not fuzzy, f"fuzzy entries are left out of the .mo: review them and drop the flag: {fuzzy}"
    for msgid, plural, forms in entries:
        assert all(forms), f"untranslated: {msgid}"
        for form in forms:
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(msgid)), msgid
            assert form[: len(form) - len(form.lstrip())] == msgid[: len(msgid) - len(msgid.lstrip())], msgid
            assert form[len(form.rstrip()) :] == msgid[len(msgid.rstrip()) :], msgid
        if plural:
            assert [mo.ngettext(msgid, plural, 1), mo.ngettext(msgid, plural, 2)] == forms, f"not compiled: {msgid}"
        else:
            assert mo.gettext(msgid) == forms[0], f"not compiled: {msgid}"


def seeded_vietnamese_names() -> list[str]:
    """Return the Vietnamese names of every row the product seeds (indicators, programme, course types)."""
    from targets.models import Indicator, Programme
    from training.models import CourseType

    return [
        *Indicator.objects.values_list("name", flat=True),
        *Programme.objects.values_list("name", flat=True),
        *CourseType.objects.exclude(code="khac").values_list("name", flat=True),
    ]


def test_every_seeded_row_has_an_english_name(programme):
    from training.models import CourseType

    assert programme.name_en
    assert all(programme.indicators.values_list("name_en", flat=True))
    assert all(CourseType.objects.values_list("name_en", flat=True))


def test_english_pages_show_no_vietnamese_name_of_seeded_data(
    hr, make_person, make_course, complete, figures_in_request
):
    person = make_person(category="cong_chuc")
    complete(person, make_course("phap_luat", "ky_nang_cong_vu", year=2024))
    switch_to_english(hr)
    pages = {
        url: hr.get(url).content.decode()
        for url in ("/bao-cao/", f"/nhan-su/{person.code}/", "/dao-tao/", "/bao-cao/in/", "/bao-cao/chi-tieu/CC-3/")
    }
    for url, html in pages.items():
        shown = [name for name in seeded_vietnamese_names() if name in html]
        assert shown == [], url
    assert "Legal knowledge update" in pages["/dao-tao/"]
    assert "Cadres and civil servants given legal-knowledge updates" in pages["/bao-cao/"]
    csv_text = hr.get("/bao-cao/xuat/csv/").content.decode("utf-8-sig")
    assert "Cadres and civil servants given legal-knowledge updates" in csv_text
    assert not [name for name in seeded_vietnamese_names() if name in csv_text]

"""Error pages in Vietnamese with no traceback and no personal data; error reports without POST values."""

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import include, path, reverse

import hr.views

CITIZEN_ID = "001085001234"
NAME = "Nguyễn Văn Dũng"


def fails(request):
    """A view that fails with personal data in its message, as a database error may."""
    raise RuntimeError(f"Key (citizen_id)=({CITIZEN_ID}) of {NAME} already exists")


urlpatterns = [path("thu-loi/", fails), path("", include("config.urls"))]


@pytest.fixture
def production(settings):
    """Run with DEBUG off, as in production, with an admin to e-mail errors to."""
    settings.DEBUG = False
    settings.ADMINS = [("Quản trị", "quantri@example.org")]


@pytest.fixture
def browser_client(make_user):
    """Return a client logged in as HR of H01 that answers a failing view as a browser would (a 500 page)."""
    client = Client(raise_request_exception=False)
    client.force_login(make_user("hr_h01", role="hr", unit="H01"))
    return client


def assert_no_debug_output(html: str) -> None:
    for text in ("Traceback", "RuntimeError", "citizen_id", CITIZEN_ID, NAME, "Exception Value", "settings.py"):
        assert text not in html


@pytest.mark.urls(__name__)
def test_a_failing_view_shows_the_vietnamese_500_page_without_traceback(production, browser_client):
    response = browser_client.get("/thu-loi/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Đã xảy ra lỗi hệ thống" in html
    assert 'lang="vi"' in html
    assert_no_debug_output(html)


def test_the_500_page_renders_without_a_request_or_the_database():
    # No database fixture: a query here would fail the test ("Database access not allowed").
    html = get_template("500.html").render()
    assert "Đã xảy ra lỗi hệ thống" in html


def test_a_person_outside_the_scope_gets_the_vietnamese_404_page_naming_nobody(production, browser_client, make_person):
    other = make_person(unit="H02", full_name=NAME, citizen_id=CITIZEN_ID)
    response = browser_client.get(reverse("personnel:person_detail", args=[other.code]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html
    assert_no_debug_output(html)  # neither the name nor the citizen ID of the person asked for


def test_an_unknown_address_gets_the_404_page_even_when_logged_out(production, client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_a_forbidden_page_gets_the_vietnamese_403_page(production, client, make_user):
    client.force_login(make_user("lanhdao", role="leader", unit="H01"))
    response = client.get(reverse("personnel:person_create"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Không có quyền truy cập" in html
    assert_no_debug_output(html)


def test_the_404_message_of_a_view_is_not_shown(production, browser_client):
    # reports.views raises Http404 with a message meant for logs; the page keeps to its own words.
    response = browser_client.get(reverse("reports:dashboard"), {"unit": "H02"})
    assert response.status_code == 404
    assert "Không có đơn vị này trong phạm vi được xem." not in response.content.decode()


def person_form(units) -> dict:
    return {
        "code": "HN0001",
        "full_name": NAME,
        "birth_date": "15/03/1985",
        "gender": "nam",
        "citizen_id": CITIZEN_ID,
        "unit": units["H01X1"].pk,
        "category": "cong_chuc_xa",
        "position_title": "Công chức địa chính",
        "leadership_level": "0",
        "deputy_term": "",
        "education_level": "4",
        "political_level": "2",
        "state_management_level": "1",
        "language_level": "3",
        "start_date": "2010-09-01",
        "end_date": "",
    }


def test_the_error_report_of_a_failed_person_form_has_no_post_value_nor_citizen_id(
    production, browser_client, units, monkeypatch, mailoutbox
):
    def save_fails(*, person, **kwargs):
        raise RuntimeError(f"Key (citizen_id)=({person.citizen_id}) already exists")

    monkeypatch.setattr(hr.views, "save_person", save_fails)
    response = browser_client.post(reverse("personnel:person_create"), person_form(units))
    assert response.status_code == 500
    assert_no_debug_output(response.content.decode())

    [report] = mailoutbox
    assert "citizen_id" in report.body
    assert "full_name" in report.body
    assert CITIZEN_ID not in report.body
    assert NAME not in report.body
    assert "Key (citizen_id)=(001*******34) already exists" in report.body

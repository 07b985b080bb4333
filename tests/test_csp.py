"""Every page is served with a strict Content-Security-Policy: no inline code, no other origin."""

import re

import pytest

from tests.conftest import PASSWORD

MAIN_PAGES = [
    "/bao-cao/",
    "/bao-cao/in/",
    "/nhan-su/",
    "/nhan-su/them-moi/",
    "/dao-tao/",
    "/dao-tao/khoa-hoc/them-moi/",
    "/dao-tao/ghi-ket-qua-ca-lop/",
    "/admin/",
]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict(response):
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert not re.search(r"https?:", policy), policy
    parsed = directives(response)
    for name in ["default-src", "script-src", "style-src", "font-src", "connect-src", "form-action", "base-uri"]:
        assert parsed[name] == ["'self'"], name
    assert parsed["img-src"] == ["'self'", "data:"]
    assert parsed["frame-ancestors"] == ["'none'"]
    assert parsed["object-src"] == ["'none'"]


def test_the_login_page_has_the_strict_policy(client, db):
    response = client.get("/dang-nhap/")
    assert response.status_code == 200
    assert_strict(response)
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", MAIN_PAGES)
def test_every_main_page_has_the_strict_policy(client, make_user, make_person, url):
    make_person(code="CB001")
    user = make_user("admin1", "admin", "HN", is_staff=True, is_superuser=True)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    assert_strict(response)


def test_the_person_and_course_pages_have_the_strict_policy(client, make_user, make_person, make_course):
    person = make_person()
    course = make_course("phap_luat")
    client.force_login(make_user("admin1", "admin", "HN", is_staff=True, is_superuser=True))
    for url in [f"/nhan-su/{person.code}/", f"/dao-tao/khoa-hoc/{course.code}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_the_pages_contain_no_inline_script_handler_or_style_attribute(client, make_user, make_person, make_course):
    person = make_person()
    course = make_course("phap_luat")
    client.force_login(make_user("admin1", "admin", "HN", is_staff=True, is_superuser=True))
    urls = ["/bao-cao/", "/nhan-su/", f"/nhan-su/{person.code}/", "/dao-tao/", f"/dao-tao/khoa-hoc/{course.code}/"]
    for url in urls:
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), url
        # Inline style attributes are blocked by style-src 'self' (SVG presentation attributes are fine).
        assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE), url


def test_a_logged_in_user_can_log_in_again_through_the_form(client, make_user):
    make_user("hr1")
    response = client.post("/dang-nhap/", {"username": "hr1", "password": PASSWORD})
    assert response.status_code == 302
    assert_strict(client.get("/nhan-su/"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_browser_reports_no_policy_violation_on_the_main_pages(page, login, make_user, make_person, make_course):
    person = make_person()
    course = make_course("phap_luat")
    make_user("admin1", "admin", "HN")
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    login("admin1")
    for url in ["/bao-cao/", "/nhan-su/", f"/nhan-su/{person.code}/", "/dao-tao/", f"/dao-tao/khoa-hoc/{course.code}/"]:
        page.goto(f"{page.base_url}{url}")
        page.wait_for_load_state("networkidle")
    assert violations == []

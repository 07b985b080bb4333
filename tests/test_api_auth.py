"""API authentication: browser sessions, hashed expiring knox tokens, roles, and login-only documentation."""

import base64
import datetime

import pytest
import time_machine
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords with a fast hasher: these tests log in many times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def token_for(db):
    """Return a helper that logs a user in through the API and returns the token."""

    def get(username: str, password: str = PASSWORD) -> str:
        response = APIClient().post("/api/v1/auth/login/", {"username": username, "password": password}, format="json")
        assert response.status_code == 200, response.content
        return response.json()["token"]

    return get


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_from_the_login_endpoint_opens_the_api(make_user, token_for):
    make_user("hr1", "hr", "H01")
    response = APIClient().post("/api/v1/auth/login/", {"username": "hr1", "password": PASSWORD}, format="json")
    body = response.json()
    assert response.status_code == 200
    assert body["username"] == "hr1"
    assert body["role"] == "hr"
    assert body["unit"] == "H01"
    assert with_token(body["token"]).get("/api/v1/persons/").status_code == 200


def test_http_basic_credentials_also_give_a_token(make_user):
    make_user("hr1", "hr", "H01")
    credentials = base64.b64encode(f"hr1:{PASSWORD}".encode()).decode()
    response = APIClient().post("/api/v1/auth/login/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 200
    assert with_token(response.json()["token"]).get("/api/v1/units/").status_code == 200


def test_tokens_are_stored_only_as_a_hash(make_user, token_for):
    make_user("hr1", "hr", "H01")
    token = token_for("hr1")
    stored = AuthToken.objects.get()
    assert token not in {stored.digest, stored.token_key}
    assert len(stored.digest) == 128  # sha512 hex digest
    assert token.startswith(stored.token_key)


def test_a_token_expires_after_ten_hours(make_user, token_for):
    make_user("hr1", "hr", "H01")
    start = datetime.datetime(2025, 3, 1, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        token = token_for("hr1")
        assert AuthToken.objects.get().expiry == start + datetime.timedelta(hours=10)
    with time_machine.travel(start + datetime.timedelta(hours=9, minutes=59), tick=False):
        assert with_token(token).get("/api/v1/persons/").status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=10, minutes=1), tick=False):
        response = with_token(token).get("/api/v1/persons/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Token không hợp lệ hoặc đã hết hạn."
    assert not AuthToken.objects.exists()  # an expired token is deleted when it is next presented


def test_logging_out_revokes_the_token(make_user, token_for):
    make_user("hr1", "hr", "H01")
    token = token_for("hr1")
    other = token_for("hr1")
    assert with_token(token).post("/api/v1/auth/logout/").status_code == 204
    assert with_token(token).get("/api/v1/persons/").status_code == 401
    assert with_token(other).get("/api/v1/persons/").status_code == 200
    assert with_token(other).post("/api/v1/auth/logout-all/").status_code == 204
    assert with_token(other).get("/api/v1/persons/").status_code == 401


def test_a_wrong_password_gets_401_and_no_token(make_user):
    make_user("hr1", "hr", "H01")
    response = APIClient().post("/api/v1/auth/login/", {"username": "hr1", "password": "sai"}, format="json")
    assert response.status_code == 401
    assert response.json()["detail"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert not AuthToken.objects.exists()


def test_a_request_without_credentials_gets_401_naming_the_token_scheme(db):
    response = APIClient().get("/api/v1/persons/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "Chưa đăng nhập: cần phiên đăng nhập hoặc token."


def test_a_garbled_token_header_is_a_401_not_a_server_error(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token \xe9\xe9\xe9")
    assert client.get("/api/v1/persons/").status_code == 401


def test_the_browser_session_opens_the_api_and_writes_need_the_csrf_token(make_user, make_course):
    make_user("hr1", "hr", "H01")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="hr1", password=PASSWORD)
    assert client.get("/api/v1/persons/").status_code == 200
    course = make_course("phap_luat")
    response = client.patch(f"/api/v1/courses/{course.code}/", {"title": "Đổi tên"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.parametrize("role", ["leader", "viewer"])
def test_leaders_and_viewers_get_403_on_every_kind_of_write(make_user, make_person, make_course, token_for, role):
    make_user("reader", role, "H01")
    person = make_person(unit="H01")
    course = make_course("phap_luat")
    client = with_token(token_for("reader"))
    record = {"person": person.code, "course": course.code, "result": "hoan_thanh"}
    attempts = [
        client.post("/api/v1/training-records/", record, format="json"),
        client.post("/api/v1/training-records/bulk/", [record], format="json"),
        client.patch(f"/api/v1/persons/{person.code}/", {"full_name": "Lê Văn Bốn"}, format="json"),
        client.delete(f"/api/v1/persons/{person.code}/"),
        client.post("/api/v1/courses/", {"code": "K1"}, format="json"),
        client.patch("/api/v1/units/H01/", {"name": "Tên mới"}, format="json"),
    ]
    assert [response.status_code for response in attempts] == [403] * len(attempts)
    assert attempts[0].json()["detail"] == "Bạn không có quyền thực hiện thao tác này."
    assert client.get(f"/api/v1/persons/{person.code}/").status_code == 200


def test_a_user_without_a_role_gets_403_even_for_reading(make_user):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="chua_phan_quyen", password=PASSWORD)
    _instance, token = AuthToken.objects.create(user=user)
    client = with_token(token)
    for url in ["/api/v1/persons/", "/api/v1/courses/", "/api/v1/programmes/", "/api/v1/compliance/"]:
        assert client.get(url).status_code == 403, url


def test_hr_officers_may_not_change_units_programmes_or_indicators(make_user, token_for):
    make_user("hr1", "hr", "H01")
    client = with_token(token_for("hr1"))
    assert client.patch("/api/v1/units/H01/", {"name": "Tên mới"}, format="json").status_code == 403
    assert client.patch("/api/v1/programmes/HN-2021-2025/", {"name": "x"}, format="json").status_code == 403
    indicator = client.get("/api/v1/indicators/?programme=HN-2021-2025").json()["results"][0]
    assert client.patch(f"/api/v1/indicators/{indicator['id']}/", {"target": 50}, format="json").status_code == 403


def test_the_schema_and_the_documentation_need_a_login(make_user, token_for):
    make_user("hr1", "hr", "H01")
    anonymous = Client()
    assert anonymous.get("/api/v1/schema/").status_code == 401
    for url in ["/api/v1/docs/", "/api/v1/redoc/"]:
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/dang-nhap/?next=")
    assert with_token(token_for("hr1")).get("/api/v1/schema/?format=json").status_code == 200


def test_the_documentation_pages_load_their_assets_from_the_app_not_a_cdn(make_user):
    make_user("hr1", "hr", "H01")
    client = Client()
    client.login(username="hr1", password=PASSWORD)
    swagger = client.get("/api/v1/docs/").content.decode()
    redoc = client.get("/api/v1/redoc/").content.decode()
    script = client.get("/api/v1/docs/?script=")
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in swagger
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in redoc
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    for page in (swagger, redoc):
        assert "https://" not in page
        assert "http://" not in page
        assert "<script>" not in page
        assert "<style>" not in page

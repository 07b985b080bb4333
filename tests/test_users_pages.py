"""Admins manage accounts in the product's own pages: list and search, create, change unit or role, deactivate,
reset the second factor; every change goes through accounts.services, is checked against the admin's scope and
recorded (who, what, when)."""

import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import AccountAction, AccountEvent
from accounts.roles import role_of
from tests.conftest import PASSWORD, enrol_device

User = get_user_model()
USERS = "/quan-tri/nguoi-dung/"
NEW = "/quan-tri/nguoi-dung/them-moi/"


@pytest.fixture
def admin(make_user):
    return make_user("admin1", "admin", "HN", first_name="Văn Quản", last_name="Trần")


@pytest.fixture
def district_admin(make_user):
    """An admin of Ba Đình (H01): the admin role without the superuser flag, managing H01's accounts only."""
    user = make_user("admin.h01", "admin", "H01")
    user.is_superuser = user.is_staff = False
    user.save()
    return user


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def new_user_data(units, **overrides) -> dict:
    data = {
        "family_name": "Nguyễn",
        "given_name": "Thu Hà",
        "username": "ha.phucxa",
        "email": "ha@example.vn",
        "unit": units["H01X1"].pk,
        "role": "hr",
        "password_mode": "password",
        "password": "Mat-khau-ban-dau-2025",
    }
    return {**data, **overrides}


def writes(units) -> tuple:
    return User.objects.count(), AccountEvent.objects.count(), Group.objects.get(name="hr").user_set.count()


# --- Creating an account ------------------------------------------------------------------------------------------


def test_an_admin_creates_an_hr_user_for_a_ward_and_the_change_is_recorded(admin_client, admin, units, caplog):
    with caplog.at_level(logging.INFO, logger="hanoi.audit"):
        response = admin_client.post(NEW, new_user_data(units))
    user = User.objects.get(username="ha.phucxa")
    assert response.status_code == 302
    assert response["Location"] == f"{USERS}{user.pk}/"
    assert (user.unit, role_of(user), user.email, user.is_active) == (units["H01X1"], "hr", "ha@example.vn", True)
    assert user.check_password("Mat-khau-ban-dau-2025")
    assert user.display_name() == "Nguyễn Thu Hà"
    [event] = AccountEvent.objects.filter(target=user)
    assert (event.actor, event.action) == (admin, AccountAction.CREATE)
    assert "unit=H01X1" in event.detail
    assert "role=hr" in event.detail
    assert any("account create username=ha.phucxa by=admin1" in r.getMessage() for r in caplog.records)


def test_a_user_name_taken_in_another_case_is_refused_in_vietnamese_and_nothing_is_written(admin_client, units):
    admin_client.post(NEW, new_user_data(units))
    before = writes(units)

    response = admin_client.post(NEW, new_user_data(units, username="HA.PhucXa", family_name="Lê"))

    assert response.status_code == 200
    errors = response.context["form"].errors["username"]
    assert "Tên đăng nhập “HA.PhucXa” đã có người dùng (không phân biệt chữ hoa, chữ thường)" in errors[0]
    assert writes(units) == before


def test_a_unit_outside_the_admins_scope_is_refused_in_vietnamese_and_nothing_is_written(client, district_admin, units):
    client.force_login(district_admin)
    before = writes(units)

    response = client.post(NEW, new_user_data(units, unit=units["H02X1"].pk))

    assert response.status_code == 200
    assert response.context["form"].errors["unit"] == ["Đơn vị “UBND xã Uy Nỗ” nằm ngoài phạm vi quản lý của bạn."]
    assert writes(units) == before
    # The select offers only Ba Đình's units.
    options = re.findall(r"<option[^>]*>([^<]*)</option>", response.content.decode())
    assert "UBND phường Phúc Xá (H01X1)" in options
    assert "UBND xã Uy Nỗ (H02X1)" not in options
    assert client.post(NEW, new_user_data(units)).status_code == 302


def test_a_district_admin_cannot_give_a_city_wide_role(district_admin, units):
    with pytest.raises(ValidationError) as refused:
        services.create_user(
            by=district_admin,
            username="xem.tp",
            family_name="Lê",
            given_name="Văn Xem",
            unit=units["H01X1"],
            role="viewer",
        )
    assert "Chỉ quản trị viên cấp thành phố được giao vai trò “Xem toàn thành phố”." in refused.value.messages
    assert not User.objects.filter(username="xem.tp").exists()


def test_an_unknown_unit_id_gets_a_clear_error(admin_client, units):
    response = admin_client.post(NEW, new_user_data(units, unit="999999"))
    assert response.context["form"].errors["unit"] == ["Không có đơn vị “999999”."]
    assert not User.objects.filter(username="ha.phucxa").exists()


def test_an_account_created_with_a_link_sets_its_own_password_through_it(admin_client, units):
    response = admin_client.post(NEW, new_user_data(units, password_mode="link", password=""), follow=True)
    user = User.objects.get(username="ha.phucxa")
    assert not user.has_usable_password()
    link = re.search(r"http://testserver(/dat-mat-khau/[^<\s]+)", response.content.decode()).group(1)
    assert admin_client.get(f"{USERS}{user.pk}/").context["password_link"] is None  # shown once

    owner = Client()
    form = owner.get(link, follow=True)
    assert "Chọn mật khẩu" in form.content.decode()
    done = owner.post(
        form.redirect_chain[-1][0], {"new_password1": "Ha-Noi-mua-thu-25", "new_password2": "Ha-Noi-mua-thu-25"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/dang-nhap/"
    assert owner.post("/dang-nhap/", {"username": "ha.phucxa", "password": "Ha-Noi-mua-thu-25"}).status_code == 302
    assert "không hợp lệ hoặc đã được dùng" in Client().get(link, follow=True).content.decode()  # used once


# --- Who reaches the pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["hr", "leader", "viewer"])
def test_the_other_roles_get_a_403_and_no_menu_link(client, make_user, role):
    client.force_login(make_user("someone", role, "H01"))
    for url in (USERS, NEW):
        assert client.get(url).status_code == 403
    assert USERS not in client.get("/nhan-su/" if role == "hr" else "/bao-cao/").content.decode()


def test_admins_have_a_menu_link_to_the_users_pages(admin_client):
    assert f'href="{USERS}"' in admin_client.get("/nhan-su/").content.decode()


def test_a_district_admin_sees_and_manages_only_their_districts_accounts(client, district_admin, make_user):
    own = make_user("hr.phucxa", "hr", "H01X1")
    other = make_user("hr.uyno", "hr", "H02X1")
    client.force_login(district_admin)
    listed = client.get(USERS).content.decode()
    assert "hr.phucxa" in listed
    assert "hr.uyno" not in listed
    assert client.get(f"{USERS}{own.pk}/").status_code == 200
    assert client.get(f"{USERS}{other.pk}/").status_code == 404
    assert client.post(f"{USERS}{other.pk}/vo-hieu-hoa/").status_code == 404
    assert User.objects.get(pk=other.pk).is_active


def test_the_search_ignores_accents_and_case(admin_client, make_user):
    make_user("ha.phucxa", "hr", "H01X1", first_name="Thu Hà", last_name="Nguyễn")
    make_user("dung.uyno", "hr", "H02X1", first_name="Văn Dũng", last_name="Trần")
    for q in ("nguyen thu ha", "THU HÀ", "Phucxa"):
        rows = [user.username for user, _role in admin_client.get(USERS, {"q": q}).context["rows"]]
        assert rows == ["ha.phucxa"], q
    html = admin_client.get(USERS, {"q": "dung"}).content.decode()
    assert "Trần Văn Dũng" in html  # family name first


def test_the_list_reads_a_page_of_accounts_in_a_fixed_number_of_queries(
    admin_client, make_user, django_assert_max_num_queries
):
    for number in range(12):
        make_user(f"hr{number}", "hr", "H01X1")
    with django_assert_max_num_queries(8):
        assert admin_client.get(USERS).status_code == 200


# --- Changing an account ------------------------------------------------------------------------------------------


def test_a_unit_change_applies_at_the_users_next_request(admin, make_user, make_person, units):
    officer = make_user("hr.badinh", "hr", "H01")
    make_person(full_name="Trần Văn Trúc", unit="H01X2")
    session = Client()
    session.force_login(officer)
    assert "Trần Văn Trúc" in session.get("/nhan-su/").content.decode()

    services.change_unit(by=admin, user=officer, unit=units["H01X1"])

    assert "Trần Văn Trúc" not in session.get("/nhan-su/").content.decode()
    assert AccountEvent.objects.get(target=officer).detail == "H01 -> H01X1"


def test_the_detail_page_changes_unit_and_role_and_shows_the_log(admin_client, make_user, units):
    officer = make_user("hr.badinh", "hr", "H01")
    response = admin_client.post(f"{USERS}{officer.pk}/", {"unit": units["H01X2"].pk, "role": "leader"})
    assert response.status_code == 302
    officer = User.objects.get(pk=officer.pk)
    assert (officer.unit, role_of(officer)) == (units["H01X2"], "leader")
    page = admin_client.get(f"{USERS}{officer.pk}/").content.decode()
    assert "Đổi vai trò" in page
    assert "hr -&gt; leader" in page
    assert "Trần Văn Quản" in page


def test_an_admin_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(f"{USERS}{admin.pk}/vo-hieu-hoa/", follow=True)
    assert "Bạn không thể tự vô hiệu hóa tài khoản của mình." in response.content.decode()
    assert User.objects.get(pk=admin.pk).is_active


def test_deactivation_ends_the_sessions_and_tokens_at_once_and_is_recorded(admin_client, admin, make_user):
    officer = make_user("hr.badinh", "hr", "H01")
    session = Client()
    session.force_login(officer)
    token = AuthToken.objects.create(user=officer)[1]

    assert admin_client.post(f"{USERS}{officer.pk}/vo-hieu-hoa/").status_code == 302

    assert session.get("/nhan-su/")["Location"].startswith("/dang-nhap/")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/units/").status_code == 401
    assert not AuthToken.objects.filter(user=officer).exists()
    assert AccountEvent.objects.filter(target=officer, action=AccountAction.DEACTIVATE, actor=admin).exists()
    assert Client().post("/dang-nhap/", {"username": "hr.badinh", "password": PASSWORD}).status_code == 200
    admin_client.post(f"{USERS}{officer.pk}/kich-hoat-lai/")
    assert Client().post("/dang-nhap/", {"username": "hr.badinh", "password": PASSWORD}).status_code == 302


def test_resetting_the_second_factor_from_the_page_removes_the_app_and_ends_access(admin_client, make_user):
    other_admin = make_user("admin2", "admin", "HN")
    enrol_device(other_admin)
    session = Client()
    session.force_login(other_admin)
    token = AuthToken.objects.create(user=other_admin)[1]

    assert admin_client.post(f"{USERS}{other_admin.pk}/dat-lai-xac-thuc/").status_code == 302

    assert not TOTPDevice.objects.filter(user=other_admin).exists()
    assert session.get("/bao-cao/").status_code == 302
    assert not AuthToken.objects.filter(user=other_admin).exists()
    assert token
    assert AccountEvent.objects.filter(target=other_admin, action=AccountAction.RESET_MFA).exists()


def test_the_detail_page_shows_last_login_and_recent_failed_logins(admin_client, make_user):
    officer = make_user("hr.badinh", "hr", "H01")
    Client().post("/dang-nhap/", {"username": "hr.badinh", "password": "sai"}, REMOTE_ADDR="203.0.113.10")
    Client().post("/dang-nhap/", {"username": "hr.badinh", "password": PASSWORD})
    response = admin_client.get(f"{USERS}{officer.pk}/")
    assert [failure["ip_address"] for failure in response.context["failures"]] == ["203.0.113.10"]
    page = response.content.decode()
    assert "203.0.113.10" in page
    assert "Chưa đăng nhập" not in page


def test_a_session_without_the_second_step_shows_no_menu(client, admin):
    from tests.conftest import unverified_login

    enrol_device(admin)
    unverified_login(client, admin)
    page = client.get("/xac-thuc-hai-buoc/").content.decode()
    assert "main-nav" not in page
    assert USERS not in page
    assert Session.objects.count() == 1


def test_a_unit_and_role_change_refused_for_the_role_changes_neither(client, district_admin, make_user, units):
    officer = make_user("hr.badinh", "hr", "H01")
    client.force_login(district_admin)
    before = AccountEvent.objects.count()
    response = client.post(f"{USERS}{officer.pk}/", {"unit": units["H01X2"].pk, "role": "viewer"})
    assert response.status_code == 200
    assert (
        "Chỉ quản trị viên cấp thành phố được giao vai trò “Xem toàn thành phố”."
        in response.context["form"].errors["role"]
    )
    officer = User.objects.get(pk=officer.pk)
    assert (officer.unit, role_of(officer)) == (units["H01"], "hr")
    assert AccountEvent.objects.count() == before

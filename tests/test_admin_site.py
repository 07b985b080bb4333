"""The Django admin: superusers only, in Vietnamese, third-party sections included."""

from tests.conftest import login_as


def test_the_django_admin_is_titled_and_sectioned_in_vietnamese(client, make_user):
    login_as(client, make_user("root", "admin", "HN"))
    page = client.get("/admin/").content.decode()
    assert "Quản trị hệ thống đào tạo, bồi dưỡng CBCCVC Hà Nội" in page
    for section in ("Chống dò mật khẩu", "Token API", "Xác thực hai lớp (ứng dụng TOTP)", "Tài khoản"):
        assert section in page, section
    for model in ("Các lần đăng nhập sai", "Token API", "Ứng dụng xác thực", "Nhật ký thay đổi tài khoản"):
        assert model in page, model
    for english in ("Access attempts", "Auth tokens", "TOTP devices", "Django OTP"):
        assert english not in page, english


def test_an_admin_who_is_not_a_superuser_does_not_enter_the_django_admin(client, make_user):
    member = make_user("admin.h01", "admin", "H01")
    member.is_superuser = False  # staff, admin role, but not a superuser
    member.save()
    login_as(client, member)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert 'href="/admin/"' not in client.get("/nhan-su/").content.decode()
    assert 'href="/quan-tri/nguoi-dung/"' in client.get("/nhan-su/").content.decode()

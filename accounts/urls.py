from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from . import mfa_views, views, views_users

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("tam-biet/", TemplateView.as_view(template_name="registration/logged_out.html"), name="logout_page"),
    path("xac-thuc-hai-buoc/", mfa_views.verify, name="mfa_verify"),
    path("xac-thuc-hai-buoc/dang-ky/", mfa_views.enrol, name="mfa_enrol"),
    path("dat-mat-khau/<uidb64>/<token>/", views_users.PasswordSetView.as_view(), name="password_set"),
    path("quan-tri/nguoi-dung/", include("accounts.urls_users")),
]

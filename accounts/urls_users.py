"""The users pages (accounts.views_users), under /quan-tri/nguoi-dung/."""

from django.urls import path

from . import views_users

app_name = "accounts_users"

urlpatterns = [
    path("", views_users.user_list, name="user_list"),
    path("them-moi/", views_users.user_create, name="user_create"),
    path("<int:pk>/", views_users.user_detail, name="user_detail"),
    path("<int:pk>/vo-hieu-hoa/", views_users.user_deactivate, name="user_deactivate"),
    path("<int:pk>/kich-hoat-lai/", views_users.user_reactivate, name="user_reactivate"),
    path("<int:pk>/dat-lai-xac-thuc/", views_users.user_reset_mfa, name="user_reset_mfa"),
    path("<int:pk>/duong-dan-mat-khau/", views_users.user_password_link, name="user_password_link"),
]

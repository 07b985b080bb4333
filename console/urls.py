"""The admins' screens under /quan-tri/: units, job positions, programmes."""

from django.urls import path

from . import views_programmes

app_name = "console"

urlpatterns = [
    path("chuong-trinh/", views_programmes.programme_list, name="programme_list"),
    path("chuong-trinh/them-moi/", views_programmes.programme_create, name="programme_create"),
    path("chuong-trinh/<int:pk>/", views_programmes.programme_detail, name="programme_detail"),
    path("chuong-trinh/<int:pk>/nhan-ban/", views_programmes.programme_duplicate, name="programme_duplicate"),
    path("chuong-trinh/<int:pk>/chi-tieu/them-moi/", views_programmes.indicator_create, name="indicator_create"),
    path("chuong-trinh/<int:pk>/chi-tieu/xem-truoc/", views_programmes.indicator_preview, name="indicator_preview"),
    path("chuong-trinh/<int:pk>/chi-tieu/<int:indicator_pk>/", views_programmes.indicator_edit, name="indicator_edit"),
    path(
        "chuong-trinh/<int:pk>/chi-tieu/<int:indicator_pk>/xoa/",
        views_programmes.indicator_delete,
        name="indicator_delete",
    ),
]

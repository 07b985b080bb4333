"""The admins' screens under /quan-tri/: units, job positions, programmes."""

from django.urls import path

from . import views_positions, views_programmes, views_units

app_name = "console"

urlpatterns = [
    path("don-vi/", views_units.unit_tree, name="unit_tree"),
    path("don-vi/them-moi/", views_units.unit_create, name="unit_create"),
    path("don-vi/<int:pk>/", views_units.unit_detail, name="unit_detail"),
    path("don-vi/<int:pk>/giai-the/", views_units.unit_close, name="unit_close"),
    path("vi-tri-viec-lam/", views_positions.position_list, name="position_list"),
    path("vi-tri-viec-lam/them-moi/", views_positions.position_create, name="position_create"),
    path("vi-tri-viec-lam/<int:pk>/", views_positions.position_edit, name="position_edit"),
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

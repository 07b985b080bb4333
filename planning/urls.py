from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("them/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/lop/them/", views.plan_class_add, name="plan_class_add"),
    path("<int:pk>/lop/<int:class_pk>/xoa/", views.plan_class_remove, name="plan_class_remove"),
    path("<int:pk>/trinh/", views.plan_submit, name="plan_submit"),
    path("<int:pk>/duyet/", views.plan_review, name="plan_review"),
    path("nhu-cau/", views.needs, name="needs"),
    path("nhu-cau/xlsx/", views.needs_xlsx, name="needs_xlsx"),
    path("lop/", views.roster_list, name="roster_list"),
    path("lop/mo/", views.roster_open, name="roster_open"),
    path("lop/<str:code>/", views.roster_detail, name="roster_detail"),
    path("lop/<str:code>/de-cu/", views.roster_nominate, name="roster_nominate"),
    path("lop/<str:code>/rut/<int:pk>/", views.roster_withdraw, name="roster_withdraw"),
    path("lop/<str:code>/ket-qua/", views.roster_results, name="roster_results"),
    path("lop/<str:code>/nhap/", views.roster_import, name="roster_import"),
    path("thuc-hien/", views.progress, name="progress"),
    path("thuc-hien/xlsx/", views.progress_xlsx, name="progress_xlsx"),
    path("nhac-viec/", views.reminders, name="reminders"),
]

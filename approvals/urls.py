from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.unit_page, name="unit"),
    path("thao-tac/", views.act, name="act"),
    path("so-sanh/", views.compare_page, name="compare"),
    path("bao-cao-tong-ket/", views.final_report_page, name="final_report"),
    path("bao-cao-tong-ket/xlsx/", views.final_report_xlsx, name="final_report_xlsx"),
    path("hang-loat/", views.bulk_page, name="bulk"),
]

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("in/", views.print_view, name="print"),
    path("xuat/xlsx/", views.export_xlsx, name="export_xlsx"),
    path("xuat/csv/", views.export_csv, name="export_csv"),
    path("chi-tieu/<code:code>/", views.drilldown, name="drilldown"),
    path("chi-tieu/<code:code>/xlsx/", views.drilldown_xlsx, name="drilldown_xlsx"),
    path("chi-tieu/<code:code>/csv/", views.drilldown_csv, name="drilldown_csv"),
]

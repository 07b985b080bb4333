"""URL configuration: each app mounts its own urls module."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("nhan-su/", include("personnel.urls")),
    path("dao-tao/", include("training.urls")),
    path("bao-cao/", include("reports.urls")),
    path("nhap-du-lieu/", include("exchange.urls")),
    path("phe-duyet/", include("approvals.urls")),
    path("api/v1/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

"""URL configuration: each app mounts its own urls module."""

from django.contrib import admin
from django.urls import include, path, register_converter

from core.codes import CodeConverter

# <code:…>: a code in one URL segment, whatever it holds (core.codes); registered before the apps' urls.
register_converter(CodeConverter, "code")

urlpatterns = [
    path("", include("accounts.urls")),
    path("nhan-su/", include("personnel.urls")),
    path("dao-tao/", include("training.urls")),
    path("bao-cao/", include("reports.urls")),
    path("nhap-du-lieu/", include("exchange.urls")),
    path("api/v1/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler500 = "config.hardening.server_error"

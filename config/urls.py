"""URL configuration: each app mounts its own urls module."""

from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, register_converter
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from core.codes import CodeConverter

# <code:…>: a code in one URL segment, whatever it holds (core.codes); registered before the apps' urls.
register_converter(CodeConverter, "code")


@require_safe
def favicon(request):
    """Send browsers that ask for /favicon.ico to the product's icon (its static name read per request)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", favicon),
    # The user guide of each role (screenshots under docs/guide/img/, taken by tests/test_browser_newcomer.py).
    path("huong-dan/", require_safe(TemplateView.as_view(template_name="guide.html")), name="guide"),
    path("", include("accounts.urls")),
    path("nhan-su/", include("hr.urls")),
    path("dao-tao/", include("hr.training_urls")),
    path("bao-cao/", include("reports.urls")),
    path("nhap-du-lieu/", include("exchange.urls")),
    path("sap-xep-don-vi/", include("hr.reorg_urls")),
    path("ke-hoach/", include("planning.urls")),
    path("phe-duyet/", include("approvals.urls")),
    path("quan-tri/", include("console.urls")),
    path("api/v1/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler500 = "config.hardening.server_error"
